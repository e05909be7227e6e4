"""The measurements of a shipped model's card, each one a `sandbox` command run as printed.

    python benchmarks/model_card.py GAME [--model zoo:GAME] [--games 100] [--skip SLOW...]

Runs, for the model (default `zoo:GAME`), what issue 13 asks every card to show:
  - `sandbox referee` of System 1 and of System 2 at 50 and 400 simulations, where the game has
    solver-labelled positions (`sandbox/evaluation/positions/`);
  - `sandbox match` of System 1 and System 2 at 50 simulations against `rollout:sims=1000`, and
    of System 2 at 400 against `rollout:sims=10000` (100 games, both seats);
  - on the boards whose bar is set against `rollout:sims=1000` (go5, go9, breakthrough6), also
    System 2 at 400 simulations against it;
  - `sandbox match` of System 2 at 400 simulations against System 1 (random 2-ply openings, so
    that two deterministic agents play different games).
and prints a Markdown table of command and result. Because the table is made of the commands'
own `--json` output, rerunning any row's command prints the same figures (same seeds).
`--skip rollout10000` leaves out the slowest match; `--skip referee` the labelled positions.
`--jobs N` runs N of the commands at a time (each is one process of one thread; the table keeps
its order): on 2 cores `--jobs 2` halves the wall time, the slowest match aside.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

from sandbox.evaluation.referee import PRESET_POSITIONS

# Issue 13's third tier: System 2 at 400 simulations is measured against rollout:sims=1000.
BAR_AT_1000 = {"go5", "go9", "breakthrough6"}


def sandbox(*args: str) -> dict:
    """One `sandbox ... --json` command; its JSON object."""
    command = [sys.executable, "-m", "sandbox", *args, "--json"]
    out = subprocess.run(command, capture_output=True, text=True, env=os.environ)
    if out.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed:\n{out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def referee_row(spec: str, positions: str) -> str:
    r = sandbox("referee", spec, "--positions", positions)
    low, high = r["interval"]
    return (
        f"| `sandbox referee {spec} --positions {positions}` | {r['accuracy']:.3f} "
        f"[{low:.3f}, {high:.3f}] (strict {r['accuracy_strict']:.3f}) |"
    )


def match_row(a: str, b: str, game: str, games: int, opening_plies: int = 0) -> str:
    args = ["match", a, b, "--game", game, "--games", str(games)]
    if opening_plies:
        args += ["--opening-plies", str(opening_plies)]
    r = sandbox(*args)
    seats = r["by_seat"]
    first, second = seats.get("0", {}), seats.get("1", {})

    def seat(s: dict) -> str:
        return f"{s.get('wins', 0)}/{s.get('draws', 0)}/{s.get('losses', 0)}"

    low, high = r["score_interval"]
    return (
        f"| `sandbox {' '.join(args)}` | {r['wins']} W / {r['draws']} D / {r['losses']} L "
        f"(first {seat(first)}, second {seat(second)}), score {r['score']:.3f} "
        f"[{low:.3f}, {high:.3f}] |"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("game")
    parser.add_argument("--model", help="checkpoint, run folder or zoo:NAME (default zoo:GAME)")
    parser.add_argument("--games", type=int, default=100, help="games per match (both seats)")
    parser.add_argument("--jobs", type=int, default=1, help="commands run at a time")
    parser.add_argument(
        "--skip", nargs="*", default=[], choices=["referee", "rollout1000", "rollout10000", "s1"]
    )
    args = parser.parse_args()
    if args.jobs < 1:
        parser.error("--jobs must be >= 1")
    model = args.model or f"zoo:{args.game}"
    s1, s2_50, s2_400 = (
        f"policy:model={model}",
        f"mcts:model={model},sims=50",
        f"mcts:model={model},sims=400",
    )
    positions = PRESET_POSITIONS.get(args.game)
    print(f"## {model} ({args.game})\n\n| command | result |\n|---|---|", flush=True)
    start = time.perf_counter()
    rows = []
    if positions and "referee" not in args.skip:
        rows += [lambda spec=spec: referee_row(spec, positions) for spec in (s1, s2_50, s2_400)]
    if "rollout1000" not in args.skip:
        rows += [
            lambda spec=spec: match_row(spec, "rollout:sims=1000", args.game, args.games)
            for spec in (s1, s2_50, *([s2_400] if args.game in BAR_AT_1000 else []))
        ]
    if "rollout10000" not in args.skip:
        rows.append(lambda: match_row(s2_400, "rollout:sims=10000", args.game, args.games))
    if "s1" not in args.skip:
        rows.append(lambda: match_row(s2_400, s1, args.game, args.games, opening_plies=2))
    with ThreadPoolExecutor(args.jobs) as pool:  # the work is in the subprocesses
        for line in pool.map(lambda row: row(), rows):  # in table order
            print(line, flush=True)
    print(f"\n({time.perf_counter() - start:.0f} s)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
