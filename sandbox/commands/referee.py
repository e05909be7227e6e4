"""`sandbox referee AGENT --positions FILE_OR_NAME`: accuracy against solver-labelled positions."""

from __future__ import annotations

import argparse
import json
import time

import numpy as np
from tqdm import tqdm

from games.errors import UserError
from games.game import load
from sandbox.evaluation.referee import (
    Accuracy,
    RefereeReport,
    check_same_game,
    game_of_positions,
    load_positions,
    score_agent,
    subsample,
)
from sandbox.specs import make_agent


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "referee",
        help="score an agent against solver-labelled positions",
        description="Fraction of labelled positions where AGENT picks a move that keeps the "
        "game-theoretic value (value-preserving accuracy), beside the fraction where it picks a "
        "strictly optimal one (fastest win, slowest loss).",
    )
    p.add_argument("agent", metavar="AGENT", help="agent spec, e.g. solver, random, mcts:sims=200")
    p.add_argument(
        "--positions",
        required=True,
        metavar="FILE_OR_NAME",
        help="a JSON Lines file, or a shipped set: tic_tac_toe, connect_four_5x4, "
        "connect_four_6x5, connect_four_7x6 (or the preset names tic-tac-toe, connect4-5x4, ...)",
    )
    p.add_argument("--game", help="game preset or OpenSpiel string (default: the positions' game)")
    p.add_argument("--limit", type=int, metavar="N", help="score N positions spread over the file")
    p.add_argument("--seed", type=int, default=0, help="seed of the agent's random choices")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.limit is not None and args.limit < 1:
        raise UserError(f"--limit must be at least 1 (got {args.limit})")
    positions = load_positions(args.positions)
    game = load(args.game) if args.game else game_of_positions(positions)
    check_same_game(game, positions)
    positions = subsample(positions, args.limit)
    agent = make_agent(args.agent, game, seed=args.seed)
    start = time.perf_counter()
    with tqdm(total=len(positions), desc=f"referee {agent.name}", unit="pos", leave=False) as bar:
        report = score_agent(agent, game, positions, np.random.default_rng(args.seed), bar.update)
    seconds = time.perf_counter() - start
    if args.json:
        out = {**report.to_dict(), "positions": str(args.positions), "seconds": round(seconds, 2)}
        print(json.dumps(out))
    else:
        print(format_report(report, str(args.positions), seconds))
    return 0


def _row(label: str, acc: Accuracy) -> str:
    if acc.n == 0:
        return f"{label:<14}{0:>6}  {'-':>22}  {'-':>22}"
    cells = []
    for value, (low, high) in (
        (acc.accuracy, acc.interval),
        (acc.accuracy_strict, acc.interval_strict),
    ):
        cells.append(f"{value:.3f} [{low:.3f}, {high:.3f}]")
    return f"{label:<14}{acc.n:>6}  {cells[0]:>22}  {cells[1]:>22}"


def format_report(report: RefereeReport, positions: str, seconds: float) -> str:
    """A readable table: overall, informative positions and by phase, both criteria."""
    lines = [
        f"{report.agent} on {report.game}: {report.overall.n} positions from {positions} "
        f"({seconds:.1f} s)",
        "",
        f"{'positions':<14}{'n':>6}  {'value-preserving':>22}  {'strict':>22}",
        _row("all", report.overall),
        _row("informative", report.informative),
    ]
    lines += [_row(f"{phase} third", acc) for phase, acc in report.by_phase.items()]
    lines += ["", "[95% Wilson intervals]"]
    return "\n".join(lines)
