"""`sandbox play` (a human against an agent) and `sandbox watch` (two agents) in the viewer.

Without --agent the game's shipped model plays with a search of DEFAULT_SIMS simulations, a
depth that plays well on the small presets and answers within about a second on a laptop CPU.
Games without a shipped model fall back to MCTS guided by random rollouts (no network), with a
note saying so, so every preset can be played and drawn. `--level N` picks a rung of the shipped
model's strength dial (`sandbox/zoo/NAME.levels.json`, read by `viz.levels`). G in the window
saves the game as a record (the self-play JSONL format) that `sandbox review` opens.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from agents.base import Agent
from games.errors import UserError
from games.game import Game, load
from sandbox.specs import ZOO_DIR, make_agent, parse_spec, search_player, zoo_path
from sandbox.training.records import GameRecord, write_records

if TYPE_CHECKING:
    from viz.levels import Level
    from viz.oracle import SolverWatch
    from viz.session import Session

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
    play.add_argument(
        "--level",
        type=int,
        help="strength of the shipped model, 1 (System 1, sampled) up to the full search; "
        "a bad number lists the levels",
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
    p.add_argument(
        "--solver",
        action="store_true",
        help="the panel also says which moves keep the game's value (small boards only)",
    )
    p.add_argument(
        "--save-dir", type=Path, default=Path("."), help="where C (PNG) and G (game) save files"
    )


def run_play(args: argparse.Namespace) -> int:
    game = load(args.game)
    _check_sims(args.sims)
    if game.spec.geometry == "none" and args.screenshot is None:
        raise UserError(
            f"the viewer has no clickable board for '{game.name}' (only the presets' grids, "
            "columns, Hex and Go boards); try `sandbox watch` or `sandbox match`"
        )
    level = None
    if args.level is not None:
        if args.agent is not None:
            raise UserError("--level picks the shipped model's strength; leave out --agent")
        level, opponent = level_player(game, args.level, args.device, args.seed)
        args.sims = level.sims if args.sims is None else args.sims
    else:
        opponent = _opponent(args.agent, game, args)
    seats: list[Agent | None] = [None, opponent] if args.human == "first" else [opponent, None]
    return _launch(game, seats, args, watch=False, level=level)


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


def levels_path(game: Game) -> Path:
    return ZOO_DIR / f"{game.name}.levels.json"


def level_player(game: Game, number: int, device: str, seed: int) -> tuple[Level, Agent]:
    """(the level, its agent) of the shipped model's strength dial."""
    from viz.levels import pick_level, read_levels

    path = levels_path(game)
    if not path.exists():
        raise UserError(f"no strength levels for {game.name} (no {path.name} in sandbox/zoo)")
    level = pick_level(read_levels(path), number)
    model = f"zoo:{game.name}"
    kind = "policy" if level.sims == 0 else "mcts"
    spec = f"{kind}:model={model},temperature={level.temperature:g}"
    spec += f",sims={level.sims}" if level.sims else ""
    return level, make_agent(spec, game, device, seed=seed)


def game_record(session: Session) -> GameRecord:
    """The viewer's game as a self-play record: actions, the search's visit shares where an
    agent searched (None for a human's move), returns ([0, 0] for an unfinished game)."""
    targets: list[list[float] | None] = []
    values: list[float] = []
    for ply in range(len(session.history)):
        decision = session.decisions.get(ply)
        visits = decision.analysis.visits if decision and decision.analysis else None
        if visits is not None and visits.sum() > 0:
            targets.append([float(v) for v in visits / visits.sum()])
        else:
            targets.append(None)
        if decision and decision.analysis and decision.analysis.value is not None:
            values.append(float(decision.analysis.value))
    state = session.state
    returns = list(state.returns()) if state.is_terminal() else [0.0] * session.game.num_players
    return GameRecord(
        game=session.game.spec.openspiel,
        seed=session.seed,
        index=0,
        actions=[int(a) for a in session.history],
        policy_targets=targets,
        returns=[float(r) for r in returns],
        root_values=values if len(values) == len(session.history) else None,
    )


def saver(directory: Path) -> Callable[[Session], Path]:
    """The viewer's G key: each game into its own JSONL file in `directory`."""

    def save(session: Session) -> Path:
        stamp = time.strftime("%Y%m%d-%H%M%S")
        path = directory / f"game-{session.game.name}-{stamp}.jsonl"
        n = 1
        while path.exists():
            n += 1
            path = directory / f"game-{session.game.name}-{stamp}-{n}.jsonl"
        write_records(path, [game_record(session)])
        return path

    return save


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


def solver_watch(game: Game) -> SolverWatch:
    """The panel's solver line, or a UserError naming why this board is too big for it."""
    from agents.solver import SolverBot
    from viz.oracle import SolverWatch

    return SolverWatch(SolverBot(game))


def _launch(
    game: Game,
    seats: list[Agent | None],
    args: argparse.Namespace,
    watch: bool,
    level: Level | None = None,
) -> int:
    from viz.session import WATCH_DELAYS, Session

    start = game.parse_moves(args.moves).history() if args.moves.strip() else []
    solver = solver_watch(game) if args.solver else None
    session = Session(
        game, seats, watch=watch, sims=args.sims, start=start, seed=args.seed, level=level,
        solver=solver,
    )  # fmt: skip
    if watch and getattr(args, "delay", None) is not None:
        session.delay_index = int(np.argmin([abs(d - args.delay) for d in WATCH_DELAYS]))
    if args.screenshot is not None:
        os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
        from viz.viewer import save_screenshot

        if solver is not None and not session.state.is_terminal():
            solver.solve_now(session.state)  # a screenshot waits for the solver's line
        path = save_screenshot(session, args.screenshot, _size(args.size, SIZE))
        print(f"wrote {path}")
        return 0
    from viz.viewer import DEFAULT_SIZE, Viewer

    try:
        viewer = Viewer(
            session, _size(args.size, DEFAULT_SIZE), args.save_dir, save_game=saver(args.save_dir)
        )
    except Exception as err:  # pygame.error: no display to open a window on
        raise UserError(f"cannot open a window ({err}); use --screenshot FILE.png") from None
    viewer.run()
    return 0
