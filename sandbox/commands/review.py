"""`sandbox review RECORD`: a recorded game, move by move, by System 1, System 2 and the solver.

RECORD is a JSONL file of game records: a game saved from the viewer (G), or a training run's
self-play games (runs/GAME/RUN/games/iter_N.jsonl, one game per line; --index picks one). Each
position is evaluated by the shipped model's network (System 1) and its search (System 2, --sims)
and, on boards small enough, by the exact solver; the computation is `viz.review`.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from agents.base import SearchAgent
from games.errors import UserError
from games.game import load
from sandbox.commands.play import DEFAULT_SIMS, SIZE, _fallback, _size
from sandbox.specs import make_agent, search_player, zoo_path
from sandbox.training.records import read_records


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "review",
        help="review a recorded game: value curves, mistakes, every move",
        description="Opens a game record (saved with G in the viewer, or a self-play file "
        "runs/GAME/RUN/games/iter_N.jsonl) in the viewer's review: the value curve from System 1 "
        "and System 2, what each would have played at every move, how much value each move lost "
        "(solver-checked on small boards), and the biggest mistakes. Click a move to see it.",
    )
    p.add_argument("record", type=Path, help="a .jsonl file of game records")
    p.add_argument("--index", type=int, default=0, help="which game of the file (default: 0)")
    p.add_argument(
        "--agent", help="network agent to review with (default: the game's shipped model)"
    )
    p.add_argument(
        "--sims", type=int, default=DEFAULT_SIMS, help="simulations per position (System 2)"
    )
    p.add_argument("--ply", type=int, default=0, help="position to open at (moves played)")
    p.add_argument("--screenshot", type=Path, metavar="FILE.png", help="render to FILE.png, exit")
    p.add_argument("--size", default=None, help="window or screenshot size WxH")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--device", default="cpu", help="torch device of the network")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from viz.review import ReviewJob
    from viz.review_screen import ReviewScreen
    from viz.viewer import solver_for

    records = read_records(args.record)
    if not records:
        raise UserError(f"{args.record} holds no game records")
    if not 0 <= args.index < len(records):
        raise UserError(f"--index must be 0 to {len(records) - 1} ({args.record} has that many)")
    if args.sims < 0:
        raise UserError(f"--sims must be >= 0, got {args.sims}")
    record = records[args.index]
    game = load(record.game)
    game.state_from_actions(record.actions)  # a record of another game fails here, by move
    agent = _reviewer(args, game)
    solver = solver_for(game)
    print(
        f"reviewing {len(record.actions) + 1} positions of {game.name} with {agent.name} "
        f"at {args.sims} simulations" + ("" if solver else " (board too big for the solver)"),
        file=sys.stderr,
    )
    job = ReviewJob(game, record.actions, agent, args.sims, solver, seed=args.seed)
    review = job.result()
    screen = ReviewScreen(review, args.ply, can_go_back=False)
    screen.go(args.ply)
    return _show(game, record.actions, screen, args)


def _reviewer(args: argparse.Namespace, game) -> SearchAgent:
    if args.agent is not None:
        agent = make_agent(args.agent, game, args.device, seed=args.seed)
        if not isinstance(agent, SearchAgent):
            raise UserError(f"--agent {args.agent}: the review needs a network (policy: or mcts:)")
        return agent
    if zoo_path(game.name).exists():
        return search_player("mcts", game, args.device, args.seed, model=f"zoo:{game.name}")
    return _fallback(game, args.sims, args.seed)  # type: ignore[return-value]


def _show(game, actions, screen, args: argparse.Namespace) -> int:
    from viz.session import Session

    session = Session(game, [None, None], start=list(actions), seed=args.seed)
    if args.screenshot is not None:
        os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
        from viz.viewer import save_screenshot

        path = save_screenshot(session, args.screenshot, _size(args.size, SIZE), review=screen)
        print(f"wrote {path}")
        return 0
    from viz.viewer import DEFAULT_SIZE, Viewer

    try:
        viewer = Viewer(session, _size(args.size, DEFAULT_SIZE), review=screen)
    except Exception as err:  # pygame.error: no display to open a window on
        raise UserError(f"cannot open a window ({err}); use --screenshot FILE.png") from None
    viewer.run()
    return 0
