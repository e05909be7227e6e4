"""`sandbox plot RUN`: a training run's curves (losses, evaluations) as a PNG beside its metrics."""

from __future__ import annotations

import argparse
from pathlib import Path

from games.errors import UserError
from sandbox.training.metrics import read_metrics


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("plot", help="draw a training run's curves to RUN/training_curves.png")
    p.add_argument("run_dir", type=Path, help="run directory (holds metrics.jsonl)")
    p.add_argument("--out", type=Path, help="PNG file (default RUN/training_curves.png)")
    p.set_defaults(func=run)


def plot_run(run_dir: Path, out: Path | None = None) -> Path:
    """Writes the curves of `run_dir`'s metrics.jsonl; returns the PNG's path."""
    from viz import plots

    metrics = run_dir / "metrics.jsonl"
    if not metrics.exists():
        raise UserError(f"no metrics.jsonl in {run_dir}: not a training run directory")
    rows = read_metrics(metrics)
    if not rows:
        raise UserError(f"{metrics} is empty: the run has not finished an iteration yet")
    fig = plots.training_curves(rows, title=f"Training run {run_dir}")
    return plots.save(fig, out or run_dir / "training_curves.png")


def run(args: argparse.Namespace) -> int:
    print(plot_run(args.run_dir, args.out))
    return 0
