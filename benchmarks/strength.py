"""Strength of a shipped model, every figure of issue 3's acceptance in one run.

    python benchmarks/strength.py connect4-5x4 [--sims 200] [--games 100]

Prints (1) referee accuracy of System 1 and System 2 on the game's solver-labelled positions,
(2) System 2 against the exact solver from both seats, (3) `policy`, `mcts` and `solver` against
OpenSpiel's rollout MCTS (1000 simulations) from both seats, in the same run, and the ratio of
System 2's wins to the solver's wins against that same opponent.
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np
import torch
from tqdm import tqdm

from games.game import load
from sandbox.evaluation.arena import play_match
from sandbox.evaluation.referee import load_positions, score_agent
from sandbox.specs import make_agent

POSITIONS = {"tic-tac-toe": "tic_tac_toe", "connect4-5x4": "connect_four_5x4"}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("game", choices=sorted(POSITIONS))
    parser.add_argument("--model", default=None, help="default zoo:GAME")
    parser.add_argument("--sims", type=int, default=200)
    parser.add_argument("--games", type=int, default=100, help="games per match (both seats)")
    parser.add_argument("--rollout-sims", type=int, default=1000)
    args = parser.parse_args()
    torch.set_num_threads(1)
    game = load(args.game)
    model = args.model or f"zoo:{args.game}"
    system1 = f"policy:model={model}"
    system2 = f"mcts:model={model},sims={args.sims}"
    positions = load_positions(POSITIONS[args.game])

    print(f"## {args.game}: {model}\n")
    print("| agent | value-preserving accuracy | strict | informative | s/position |")
    print("|---|---|---|---|---|")
    for spec in (system1, system2):
        agent = make_agent(spec, game)
        start = time.perf_counter()
        with tqdm(total=len(positions), desc=spec, file=sys.stderr, leave=False) as bar:
            report = score_agent(agent, game, positions, np.random.default_rng(0), bar.update)
        per = (time.perf_counter() - start) / len(positions)
        low, high = report.overall.interval
        print(
            f"| `{spec}` | {report.accuracy:.3f} [{low:.3f}, {high:.3f}] | "
            f"{report.accuracy_strict:.3f} | {report.informative.accuracy:.3f} | {per:.3f} |"
        )

    def match(a: str, b: str):
        with tqdm(total=args.games, desc=f"{a} vs {b}", file=sys.stderr, leave=False) as bar:
            return play_match(
                make_agent(a, game), make_agent(b, game), game, args.games, 0, bar.update
            )

    print("\n| A | B | games | A wins | draws | A losses | A first: W/D/L | A second: W/D/L |")
    print("|---|---|---|---|---|---|---|---|")
    rows = [(system2, "solver")]
    rollout = f"rollout:sims={args.rollout_sims}"
    rows += [(a, rollout) for a in (system1, system2, "solver")]
    wins = {}
    for a, b in rows:
        result = match(a, b)
        first, second = result.by_seat[0], result.by_seat[1]
        wins[(a, b)] = result.wins
        print(
            f"| `{a}` | `{b}` | {args.games} | {result.wins} | {result.draws} | {result.losses} | "
            f"{first.wins}/{first.draws}/{first.losses} | "
            f"{second.wins}/{second.draws}/{second.losses} |"
        )
    solver_wins = wins[("solver", rollout)]
    ratio = wins[(system2, rollout)] / solver_wins if solver_wins else float("nan")
    print(f"\nSystem 2 wins against {rollout} / solver wins against it: {ratio:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
