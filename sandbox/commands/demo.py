"""`sandbox demo`: the main job on an embedded default, from nothing to a System 1 vs 2 table.

Trains tic-tac-toe from scratch with its preset, then scores the network alone (System 1) and
the network with search at several budgets (System 2) against the solver-labelled positions
shipped with the package, and plays each against the exact solver.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
from tqdm import tqdm

from games.game import load
from sandbox.commands.train import train_with_progress
from sandbox.config import load_config
from sandbox.evaluation.arena import play_match
from sandbox.evaluation.referee import load_positions, score_agent
from sandbox.specs import make_agent
from sandbox.training.run import RunDir, new_run_dir


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "demo",
        help="train tic-tac-toe from scratch, then compare System 1 and System 2",
        description=__doc__,
    )
    p.add_argument("--minutes", type=float, default=None, help="training budget (preset: 3)")
    p.add_argument("--run-dir", type=Path, help="where the run goes (default runs/tic-tac-toe/…)")
    p.add_argument("--sims", default="0,8,64", help="simulation budgets to compare (0 = System 1)")
    p.add_argument("--games", type=int, default=20, help="games against the solver per agent")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    overrides = [] if args.minutes is None else [f"train.minutes={float(args.minutes)}"]
    cfg = load_config(overrides=overrides, game="tic-tac-toe")
    run_dir = RunDir(args.run_dir) if args.run_dir else new_run_dir(cfg.game)
    print(
        f"1/2 training tic-tac-toe from scratch for {cfg.train.minutes:g} minutes "
        f"in {run_dir.path}",
        file=sys.stderr,
    )
    train_with_progress(cfg, run_dir)
    game = load(cfg.game)
    positions = load_positions("tic_tac_toe")
    sims = [int(s) for s in args.sims.split(",")]
    specs = [
        f"policy:model={run_dir.path}" if n == 0 else f"mcts:model={run_dir.path},sims={n}"
        for n in sims
    ]
    print(
        f"2/2 scoring on {len(positions)} solver-labelled positions and against the solver",
        file=sys.stderr,
    )
    rows = []
    for n, spec in zip(sims, specs, strict=True):
        agent = make_agent(spec, game)
        with tqdm(
            total=len(positions), desc=spec.split(":")[0] + f" {n}", file=sys.stderr, leave=False
        ) as bar:
            start = time.perf_counter()
            report = score_agent(agent, game, positions, np.random.default_rng(0), bar.update)
            per_move = (time.perf_counter() - start) / len(positions)
        match = play_match(agent, make_agent("solver", game), game, args.games, seed=0)
        rows.append((n, report, per_move, match))
    print()
    print("System 1 (network alone) vs System 2 (network + MCTS) on tic-tac-toe")
    header = f"{'agent':<22}{'sims':>5}{'optimal moves':>15}{'strict':>8}{'ms/move':>9}"
    print(header + f"{'vs solver W/D/L':>17}")
    for n, report, per_move, match in rows:
        label = "System 1: policy" if n == 0 else "System 2: mcts"
        wdl = f"{match.wins}/{match.draws}/{match.losses}"
        print(
            f"{label:<22}{n:>5}{report.accuracy:>15.3f}{report.accuracy_strict:>8.3f}"
            f"{per_move * 1000:>9.2f}{wdl:>17}"
        )
    print(
        f"\noptimal moves = fraction of the {len(positions)} positions where the move keeps the "
        "game-theoretic value (perfect play: 1.000)."
    )
    print(
        f"model: {run_dir.latest}   play it: sandbox play tic-tac-toe "
        f"--agent mcts:model={run_dir.path},sims=64"
    )
    return 0
