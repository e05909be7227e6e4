"""`sandbox export RUN OUT.pt`: a small play-only copy of a checkpoint (how zoo models ship)."""

from __future__ import annotations

import argparse
from pathlib import Path

from games.errors import UserError
from sandbox.training.checkpoint import export_model


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("export", help="write a play-only model file from a run or checkpoint")
    p.add_argument("source", type=Path, help="run directory (its latest.pt) or checkpoint file")
    p.add_argument("destination", type=Path, help="output .pt file")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.destination.exists() and args.destination.resolve() == args.source.resolve():
        raise UserError("destination is the source checkpoint; choose another file")
    payload = export_model(args.source, args.destination)
    size = args.destination.stat().st_size / 1024
    print(f"{args.destination}: {payload['game']} at step {payload['step']}, {size:.0f} KiB")
    return 0
