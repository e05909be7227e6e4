"""Training throughput of the single-process trainer and of Ray with 1, 2 and 4 actors, in one run.

    python benchmarks/throughput.py [--game tic-tac-toe] [--iterations 6] [--actors 1,2,4]

Each trainer trains the game's preset from scratch for `--iterations` iterations into a
temporary folder. Prints, per trainer: positions per second (training positions generated,
over the wall time of every iteration after the first, so start-up is left out: importing torch
in the actors, the first network calls), the learner's samples per second (while it trains), the
samples trained per position generated, and for Ray the time from a learner step to the actors'
first move with its weights, and how many learner steps behind the played weights were.
One local Ray cluster of os.cpu_count() CPUs serves all the Ray runs; more actors than CPUs
share them (oversubscribed).
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from sandbox.config import load_config
from sandbox.training.distributed import require_ray, train_distributed
from sandbox.training.loop import IterationInfo, train
from sandbox.training.metrics import read_metrics
from sandbox.training.records import read_records
from sandbox.training.run import RunDir


def measure(cfg, trainer, folder: Path) -> dict[str, float]:
    ends: list[float] = []
    run = RunDir(folder)
    start = time.monotonic()

    def on_iteration(info: IterationInfo) -> None:
        ends.append(time.monotonic() - start)

    trainer(cfg, run, False, on_iteration, None)
    positions = [
        sum(sum(t is not None for t in r.policy_targets) for r in read_records(path))
        for path in sorted(run.games.glob("iter_*.jsonl"))
    ]
    rows = read_metrics(run.path / "metrics.jsonl")
    learning = [r for r in rows if "loss" in r]
    batch = cfg.learner.batch_size
    samples = [
        r.get("learner_samples_per_second")
        or cfg.learner.steps_per_iteration * batch / max(r["learn_seconds"], 1e-9)
        for r in learning
    ]
    ratio = [
        r.get("samples_per_position") or cfg.learner.steps_per_iteration * batch / p
        for p, r in zip(positions, rows, strict=True)
        if "loss" in r
    ]
    latency = [r["weights_latency_seconds"] for r in rows if "weights_latency_seconds" in r]
    return {
        "positions_per_second": sum(positions[1:]) / (ends[-1] - ends[0]),
        "learner_samples_per_second": float(np.mean(samples)) if samples else float("nan"),
        "samples_per_position": float(np.mean(ratio)) if ratio else float("nan"),
        "latency": float(np.median(latency)) if latency else float("nan"),
        "lag": float(np.mean([r["weights_lag_steps"] for r in rows[1:]]))
        if "weights_lag_steps" in rows[0]
        else float("nan"),
        "seconds": ends[-1],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--game", default="tic-tac-toe")
    parser.add_argument("--iterations", type=int, default=6)
    parser.add_argument("--actors", default="1,2,4", help="actor counts of the Ray runs")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    ray = require_ray()
    base = load_config(
        overrides=[f"train.iterations={args.iterations}", "train.minutes=0", "train.eval_every=0"],
        game=args.game,
    )
    cpus = os.cpu_count() or 1
    trainers = [("single process", base, train)]
    for n in (int(x) for x in args.actors.split(",")):
        dist = dataclasses.replace(base.distributed, backend="ray", actors=n)
        label = f"Ray, {n} actor{'s' * (n > 1)}"
        trainers.append((label, dataclasses.replace(base, distributed=dist), train_distributed))
    ray.init(address="local", num_cpus=cpus, include_dashboard=False, log_to_driver=False,
             logging_level=logging.WARNING)  # fmt: skip
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for k, (label, cfg, trainer) in enumerate(trainers):
            print(f"{label}: {args.iterations} iterations ...", file=sys.stderr)
            results.append((label, cfg, measure(cfg, trainer, Path(tmp) / str(k))))
    ray.shutdown()
    print(f"## {args.game}: {args.iterations} iterations of its preset, {cpus} CPUs\n")
    print("| trainer | positions/s | learner samples/s | samples per position | "
          "step -> actors play it (s, median) | lag (learner steps) | wall s |")  # fmt: skip
    print("|---|---|---|---|---|---|---|")
    for label, cfg, m in results:
        note = " (oversubscribed)" if cfg.distributed.actors > cpus and "Ray" in label else ""
        print(
            f"| {label}{note} | {m['positions_per_second']:.0f} | "
            f"{m['learner_samples_per_second']:.0f} | {m['samples_per_position']:.1f} | "
            f"{m['latency']:.2f} | {m['lag']:.1f} | {m['seconds']:.0f} |".replace("nan", "-")
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
