"""Strength against training minutes of one run: `python benchmarks/training_curve.py RUN_DIR`.

Scores the run's step checkpoints on the game's labelled positions with System 1 and System 2,
prints one line per checkpoint and writes training_curve.png (and .csv) into the run folder.

    python benchmarks/training_curve.py runs/connect4/RUN --positions connect_four_7x6 \
        --sims 0,100 --every 2
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

import torch

from games.game import load
from sandbox.evaluation.progress import score_checkpoints, write_curve
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
    args = parser.parse_args()
    torch.set_num_threads(1)
    run = RunDir(args.run)
    game = load(read_checkpoint(run.latest)["openspiel"])
    positions = subsample(load_positions(args.positions or game.name), args.limit)
    sims = [int(s) for s in args.sims.split(",")]
    scores = score_checkpoints(run, game, positions, sims, args.every,
                               lambda line: print(line, flush=True))  # fmt: skip
    with open(run.path / "training_curve.csv", "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["step", "minutes", "games", *[f"accuracy_sims_{n}" for n in sims]])
        for s in scores:
            writer.writerow([s.step, f"{s.minutes:.1f}", s.games, *[s.accuracy[n] for n in sims]])
    png = write_curve(scores, run.path / "training_curve.png", f"{game.name}: strength by "
                      f"training time ({len(positions)} labelled positions)")  # fmt: skip
    print(f"wrote {png}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
