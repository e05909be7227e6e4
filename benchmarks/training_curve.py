"""Strength against training minutes of one run: `python benchmarks/training_curve.py RUN_DIR`.

Scores the run's step checkpoints on the game's labelled positions with System 1 and System 2,
prints one line per checkpoint and writes training_curve.png (and .csv) into the run folder.

    python benchmarks/training_curve.py runs/connect4/RUN --positions connect_four_7x6 \
        --sims 0,100 --every 2 [--compare docs/connect4-training-curve-before.csv]
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

import torch

from games.game import load
from sandbox.evaluation.progress import CheckpointScore, score_checkpoints, write_curve
from sandbox.evaluation.referee import load_positions, subsample
from sandbox.training.checkpoint import read_checkpoint
from sandbox.training.run import RunDir


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run", type=Path)
    parser.add_argument("--positions", help="labelled positions (default: the game's own set)")
    parser.add_argument("--sims", default="0,100", help="budgets, 0 = System 1")
    parser.add_argument("--every", type=int, default=1, help="every k-th step checkpoint")
    parser.add_argument("--limit", type=int, help="positions scored (spread over the file)")
    parser.add_argument(
        "--extend",
        action="store_true",
        help="keep the checkpoints already in the run's training_curve.csv; score the others",
    )
    parser.add_argument(
        "--compare",
        type=Path,
        help="another run's training_curve.csv (same --sims), drawn dashed beside this one",
    )
    parser.add_argument("--compare-label", default="", help="its name in the legend")
    args = parser.parse_args()
    torch.set_num_threads(1)
    run = RunDir(args.run)
    game = load(read_checkpoint(run.latest)["openspiel"])
    positions = subsample(load_positions(args.positions or game.name), args.limit)
    sims = [int(s) for s in args.sims.split(",")]
    baseline = read_curve(args.compare, sims) if args.compare else []
    if args.compare and not baseline:
        parser.error(f"--compare {args.compare}: no training_curve.csv with budgets {args.sims}")
    done = read_curve(run.path / "training_curve.csv", sims) if args.extend else []
    scores = score_checkpoints(run, game, positions, sims, args.every,
                               lambda line: print(line, flush=True), done)  # fmt: skip
    with open(run.path / "training_curve.csv", "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["step", "minutes", "games", *[f"accuracy_sims_{n}" for n in sims]])
        for s in scores:
            writer.writerow([s.step, f"{s.minutes:.1f}", s.games, *[s.accuracy[n] for n in sims]])
    png = write_curve(scores, run.path / "training_curve.png", f"{game.name}: strength by "
                      f"training time ({len(positions)} labelled positions)",
                      baseline, args.compare_label)  # fmt: skip
    print(f"wrote {png}")
    return 0


def read_curve(path: Path, sims: list[int]) -> list[CheckpointScore]:
    """The rows of an earlier training_curve.csv with the same budgets ([] if none)."""
    if not path.is_file():
        return []
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    columns = [f"accuracy_sims_{n}" for n in sims]
    if not rows or any(c not in rows[0] for c in columns):
        return []
    return [
        CheckpointScore(int(r["step"]), float(r["minutes"]), int(r["games"]),
                        {n: float(r[c]) for n, c in zip(sims, columns, strict=True)})
        for r in rows
    ]  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())
