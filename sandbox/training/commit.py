"""One atomic commit per iteration: its checkpoint, buffer and metrics row become visible
together or not at all, so `--resume` restores exactly the last committed iteration.

Write order of iteration N (each file written to a temporary name and renamed):
  1 games/iter_N.jsonl     the iteration's self-play records
  2 replay-N.npz           the buffer, under a name the checkpoint records
  3 metrics.jsonl          the row appended; the checkpoint records the file's length after it
  4 step_S.pt              every `checkpoint_every` iterations
  5 checkpoints/latest.pt  the commit point: it names 2 and the length of 3
  6 the previous replay-*.npz is removed
A kill before 5 leaves the previous commit in force; `recover` then removes what the unfinished
iteration wrote (its replay file, step checkpoint and records, the metrics past the recorded
length, temporary files), and the resumed run redoes the iteration from the same random state.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

from sandbox.training.atomic import remove_leftovers
from sandbox.training.checkpoint import read_checkpoint, save_checkpoint
from sandbox.training.faults import kill_point
from sandbox.training.interrupt import deferred
from sandbox.training.metrics import MetricsWriter, cut_metrics
from sandbox.training.records import GameRecord, write_records
from sandbox.training.replay import ReplayBuffer
from sandbox.training.run import RunDir

log = logging.getLogger(__name__)

_STEP = re.compile(r"step_(\d+)\.pt$")
_ITER = re.compile(r"iter_(\d+)\.jsonl$")
_REPLAY = re.compile(r"replay-(\d+)\.npz$")


def replay_name(iteration: int) -> str:
    return f"replay-{iteration:05d}.npz"


def commit_iteration(
    run: RunDir,
    payload: dict[str, Any],
    buffer: ReplayBuffer,
    records: list[GameRecord],
    metrics: MetricsWriter,
    row: dict[str, Any],
    keep_step: bool,
) -> None:
    """Writes iteration `payload["iteration"]` (counted from 1) in the order above.

    Signals wait until the commit is done (a few renames), so Ctrl-C never splits it.
    """
    iteration, step = payload["iteration"], payload["step"]
    with deferred():
        write_records(run.games / f"iter_{iteration - 1:05d}.jsonl", records)
        kill_point("records")
        replay = run.path / replay_name(iteration)
        buffer.save(replay)
        kill_point("replay")
        payload = {**payload, "replay_file": replay.name}
        payload["metrics_bytes"] = metrics.write(step, row)
        kill_point("metrics")
        if keep_step:
            save_checkpoint(run.step_checkpoint(step), payload)
            kill_point("step")
        save_checkpoint(run.latest, payload)
        kill_point("latest")
        for old in run.path.glob("replay-*.npz"):
            if old.name != replay.name:
                old.unlink()
        if run.replay.exists():  # the single replay.npz of runs from before the commit
            run.replay.unlink()


def recover(run: RunDir) -> dict[str, Any] | None:
    """Brings a run folder back to its last commit; returns that checkpoint (None: no commit).

    Runs written before this layout (one `replay.npz`, no recorded metrics length) keep their
    buffer and lose only a torn last metrics line.
    """
    removed = remove_leftovers([run.path, run.checkpoints, run.games])
    payload = read_checkpoint(run.latest) if run.latest.exists() else None
    iteration = payload["iteration"] if payload else 0
    step = payload["step"] if payload else -1
    keep = payload.get("replay_file") if payload else None
    for path in run.path.glob("replay-*.npz"):
        if path.name != keep:
            removed.append(path)
            path.unlink()
    for path in run.checkpoints.glob("step_*.pt") if run.checkpoints.is_dir() else []:
        match = _STEP.search(path.name)
        if match and int(match.group(1)) > step:
            removed.append(path)
            path.unlink()
    for path in run.games.glob("iter_*.jsonl") if run.games.is_dir() else []:
        match = _ITER.search(path.name)
        if match and int(match.group(1)) >= iteration:
            removed.append(path)
            path.unlink()
    metrics = run.path / "metrics.jsonl"
    cut_metrics(metrics, payload.get("metrics_bytes") if payload else 0)
    if removed:
        log.info("removed %d file(s) of an uncommitted iteration: %s", len(removed),
                 ", ".join(p.name for p in removed[:5]))  # fmt: skip
    return payload


def replay_path(run: RunDir, payload: dict[str, Any]) -> Path | None:
    """The buffer file a checkpoint committed (None: the run had no buffer yet)."""
    name = payload.get("replay_file")
    path = run.path / name if name else run.replay
    return path if path.exists() else None
