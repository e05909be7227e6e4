"""`sandbox play` (a human against an agent) and `sandbox watch` (two agents) in the viewer.

Without --agent the game's shipped model plays with a search of DEFAULT_SIMS simulations, a
depth that plays well on the small presets and answers within about a second on a laptop CPU.
Games without a shipped model fall back to MCTS guided by random rollouts (no network), with a
note saying so, so every preset can be played and drawn.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import numpy as np

from agents.base import Agent
from games.errors import UserError
from games.game import Game, load
from sandbox.specs import make_agent, parse_spec, search_player, zoo_path

DEFAULT_SIMS = 200  # default search depth of the opponent (System 2)
SIZE = (1600, 900)  # screenshot size: 16:9 slides


def register(sub: argparse._SubParsersAction) -> None:
    play = sub.add_parser(
        "play",
        help="play against an agent in the viewer",
        description="Play against System 1 (network) or System 2 (network + search). "
        "Press H in the window for the keys.",
    )
    play.add_argument("game", help="preset name (see `sandbox games`) or OpenSpiel string")
    play.add_argument(
        "--agent",
        help="opponent spec, e.g. mcts:model=zoo:tic-tac-toe,sims=200, policy:model=PATH, "
        "random, human (default: the shipped model with search)",
    )
    play.add_argument(
        "--human", choices=["first", "second"], default="first", help="your seat (default: first)"
    )
    _common(play)
    play.set_defaults(func=run_play)

    watch = sub.add_parser(
        "watch",
        help="watch two agents play each other in the viewer",
        description="Two agents play; Space pauses, Right steps, [ and ] change the speed.",
    )
    watch.add_argument("game", help="preset name (see `sandbox games`) or OpenSpiel string")
    watch.add_argument(
        "--agents",
        nargs=2,
        metavar=("FIRST", "SECOND"),
        help="agent specs (default: shipped model with search vs without)",
    )
    watch.add_argument("--delay", type=float, default=None, help="seconds between moves")
    _common(watch)
    watch.set_defaults(func=run_watch)


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--sims", type=int, help="simulations of the search (0 = System 1 alone)")
    p.add_argument("--moves", default="", help='start position, e.g. "x(1,1) o(0,0)" or "2 3 2"')
    p.add_argument(
        "--screenshot",
        type=Path,
        metavar="FILE.png",
        help="render the position and its analysis to FILE.png and exit (no display)",
    )
    p.add_argument("--size", default=None, help="window or screenshot size WxH (e.g. 1600x900)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--device", default="cpu", help="torch device of the network")


def run_play(args: argparse.Namespace) -> int:
    game = load(args.game)
    _check_sims(args.sims)
    if game.spec.geometry == "none" and args.screenshot is None:
        raise UserError(
            f"the viewer has no clickable board for '{game.name}' (only the presets' grids, "
            "columns, Hex and Go boards); try `sandbox watch` or `sandbox match`"
        )
    opponent = _opponent(args.agent, game, args)
    seats: list[Agent | None] = [None, opponent] if args.human == "first" else [opponent, None]
    return _launch(game, seats, args, watch=False)


def run_watch(args: argparse.Namespace) -> int:
    game = load(args.game)
    _check_sims(args.sims)
    if args.agents:
        if "human" in [parse_spec(s).kind for s in args.agents]:
            raise UserError("watch takes two agents; to play yourself use `sandbox play`")
        seats: list[Agent | None] = [
            make_agent(spec, game, args.device, seed=args.seed + i)
            for i, spec in enumerate(args.agents)
        ]
    elif zoo_path(game.name).exists():
        seats = [
            shipped_player(game, DEFAULT_SIMS, args.device, args.seed),
            make_agent(f"policy:model=zoo:{game.name}", game, args.device),
        ]
    else:
        seats = [_fallback(game, DEFAULT_SIMS, args.seed), make_agent("random", game)]
    return _launch(game, seats, args, watch=True)


def _check_sims(sims: int | None) -> None:
    if sims is not None and sims < 0:
        raise UserError(f"--sims must be >= 0, got {sims}")


def _opponent(spec: str | None, game: Game, args: argparse.Namespace) -> Agent | None:
    if spec is not None:
        if parse_spec(spec).kind == "human":
            return None  # two humans at one board
        return make_agent(spec, game, args.device, seed=args.seed)
    sims = DEFAULT_SIMS if args.sims is None else args.sims
    if zoo_path(game.name).exists():
        return shipped_player(game, sims, args.device, args.seed)
    return _fallback(game, sims, args.seed)


def shipped_player(game: Game, sims: int, device: str, seed: int) -> Agent:
    """The game's shipped model with its own search settings, at `sims` simulations."""
    player = search_player("mcts", game, device, seed, model=f"zoo:{game.name}")
    return player.with_simulations(sims, name=f"mcts:model=zoo:{game.name},sims={sims}")


def _fallback(game: Game, sims: int, seed: int) -> Agent:
    """MCTS guided by random rollouts: playable everywhere, but System 1 is a uniform prior."""
    from agents.bots import MCTSBot
    from agents.evaluators import RolloutEvaluator
    from agents.mcts import MCTSConfig

    print(
        f"note: no shipped model for {game.name} (sandbox/zoo/{game.name}.pt); the opponent is "
        "MCTS with random rollouts, so there is no network and System 1 is a uniform prior. "
        "Give --agent mcts:model=PATH to play a trained network.",
        file=sys.stderr,
    )
    evaluator = RolloutEvaluator(game, np.random.default_rng(seed))
    return MCTSBot(evaluator, MCTSConfig(), name="mcts+rollouts", num_simulations=sims)


def _size(text: str | None, default: tuple[int, int]) -> tuple[int, int]:
    if not text:
        return default
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise UserError(f"--size must look like 1600x900, got '{text}'") from None
    if w < 320 or h < 240:
        raise UserError(f"--size {text} is too small (at least 320x240)")
    return (w, h)


def _launch(game: Game, seats: list[Agent | None], args: argparse.Namespace, watch: bool) -> int:
    from viz.session import WATCH_DELAYS, Session

    start = game.parse_moves(args.moves).history() if args.moves.strip() else []
    session = Session(game, seats, watch=watch, sims=args.sims, start=start, seed=args.seed)
    if watch and getattr(args, "delay", None) is not None:
        session.delay_index = int(np.argmin([abs(d - args.delay) for d in WATCH_DELAYS]))
    if args.screenshot is not None:
        os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
        from viz.viewer import save_screenshot

        path = save_screenshot(session, args.screenshot, _size(args.size, SIZE))
        print(f"wrote {path}")
        return 0
    from viz.viewer import DEFAULT_SIZE, Viewer

    try:
        viewer = Viewer(session, _size(args.size, DEFAULT_SIZE))
    except Exception as err:  # pygame.error: no display to open a window on
        raise UserError(f"cannot open a window ({err}); use --screenshot FILE.png") from None
    viewer.run()
    return 0
