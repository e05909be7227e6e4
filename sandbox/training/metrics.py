"""MetricsWriter: one JSON line per iteration in metrics.jsonl, mirrored to TensorBoard.

metrics.jsonl is the source of truth (viz/plots.py reads it; it survives without TensorBoard);
TensorBoard events are written beside it for users who like to watch curves live. The file's
length after a row is part of the iteration's commit (`sandbox.training.commit`): a resumed run
cuts the file back to it, so a row of an uncommitted iteration, or a line torn by a kill, never
stays (TensorBoard's own event files cannot be cut: a redone iteration shows twice there).
"""

from __future__ import annotations

import json
import logging
import math
import os
from pathlib import Path
from typing import Any

from games.errors import UserError

log = logging.getLogger(__name__)


class MetricsWriter:
    def __init__(self, run_dir: Path, tensorboard: bool = True):
        self.path = run_dir / "metrics.jsonl"
        self._tb = None
        if tensorboard:
            try:
                from torch.utils.tensorboard import SummaryWriter

                self._tb = SummaryWriter(str(run_dir / "tensorboard"))
            except ImportError:  # TensorBoard is optional at run time
                log.info("tensorboard not installed: metrics go to metrics.jsonl only")

    def write(self, step: int, values: dict[str, Any]) -> int:
        """Appends one row (flushed to the OS); returns the file's length after it."""
        row = {"step": step, **values}
        with open(self.path, "a") as f:
            f.write(json.dumps(row) + "\n")
            f.flush()
            length = f.tell()
        if self._tb is not None:
            for key, value in values.items():
                is_number = isinstance(value, int | float) and not isinstance(value, bool)
                if is_number and math.isfinite(value):
                    self._tb.add_scalar(key, value, step)
            self._tb.flush()
        return length

    def close(self) -> None:
        if self._tb is not None:
            self._tb.close()


def cut_metrics(path: Path, length: int | None) -> None:
    """Cuts metrics.jsonl back to `length` bytes; None keeps every whole line (drops a torn
    last line). A missing file is left missing."""
    if not path.exists():
        return
    if length is None:
        data = path.read_bytes()
        length = data.rfind(b"\n") + 1
    if path.stat().st_size > length:
        with open(path, "r+b") as f:
            f.truncate(length)


def read_metrics(path: Path) -> list[dict[str, Any]]:
    """The rows of a metrics.jsonl; a torn last line (a run killed mid-write) is skipped."""
    try:
        with open(path) as f:
            lines = [line for line in f if line.strip()]
    except (OSError, UnicodeDecodeError) as err:
        raise UserError(f"cannot read metrics {path}: {err}") from None
    rows = []
    for number, line in enumerate(lines, 1):
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError:
            if number < len(lines):
                raise UserError(f"{path}:{number} is not a metrics row") from None
            log.warning("%s: skipped a torn last line", path)
    return rows


def file_length(path: Path) -> int:
    return os.path.getsize(path) if path.exists() else 0
