"""Strength against training time: each kept checkpoint of a run, scored on labelled positions
by System 1 and by System 2, placed at the minutes of training that made it.

The minutes come from the run's metrics.jsonl (`wall_seconds`, or for older runs the sum of each
iteration's self-play and learning seconds up to the checkpoint's step), so the curve measures
the training recipe, not the load of whatever machine scores it afterwards.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from games.game import Game
from sandbox.evaluation.referee import Position, score_agent
from sandbox.specs import search_player
from sandbox.training.metrics import read_metrics
from sandbox.training.run import RunDir

if TYPE_CHECKING:  # matplotlib is imported when a curve is drawn, not with this module
    from matplotlib.figure import Figure

_STEP = re.compile(r"step_(\d+)\.pt$")


@dataclass(frozen=True)
class CheckpointScore:
    step: int
    minutes: float  # training minutes behind the checkpoint
    games: int  # self-play games behind it
    accuracy: dict[int, float]  # simulations (0 = System 1) -> value-preserving accuracy


def minutes_by_step(run: RunDir) -> dict[int, tuple[float, int]]:
    """step -> (training minutes, games) at the end of the iteration that reached it."""
    out: dict[int, tuple[float, int]] = {}
    total = 0.0
    for row in read_metrics(run.path / "metrics.jsonl"):
        total += float(row.get("selfplay_seconds", 0)) + float(row.get("learn_seconds", 0))
        seconds = float(row.get("wall_seconds", total))
        out[int(row["step"])] = (seconds / 60, int(row.get("games", 0)))
    return out


def score_checkpoints(
    run: RunDir,
    game: Game,
    positions: Sequence[Position],
    sims: Sequence[int],
    every: int = 1,
    progress: Callable[[str], None] | None = None,
    done: Sequence[CheckpointScore] = (),
) -> list[CheckpointScore]:
    """Scores every `every`-th step checkpoint (and always the last) at each budget in `sims`;
    the steps in `done` (scored before, e.g. read back from the CSV) are kept, not rescored."""
    files = sorted(
        (int(m.group(1)), p)
        for p in run.checkpoints.glob("step_*.pt")
        if (m := _STEP.search(p.name))
    )
    files = [f for i, f in enumerate(files) if i % every == 0 or i == len(files) - 1]
    timing = minutes_by_step(run)
    out = list(done)
    known = {score.step for score in done}
    for step, path in files:
        if step in known:
            continue
        player = search_player("mcts", game, model=str(path))
        accuracy = {}
        for n in sims:
            report = score_agent(player.with_simulations(n), game, positions,
                                 np.random.default_rng(0))  # fmt: skip
            accuracy[n] = report.accuracy
        minutes, games = timing.get(step, (float("nan"), 0))
        out.append(CheckpointScore(step, minutes, games, accuracy))
        if progress is not None:
            figures = [f"{'S1' if n == 0 else f'S2@{n}'} {a:.3f}" for n, a in accuracy.items()]
            progress(f"step {step}: {minutes:.0f} min, " + ", ".join(figures))
    return sorted(out, key=lambda score: score.step)


def curve_figure(
    scores: Sequence[CheckpointScore],
    title: str,
    baseline: Sequence[CheckpointScore] = (),
    baseline_label: str = "",
) -> Figure:
    """Accuracy against training minutes, one line per budget; a `baseline` run (another
    recipe, an older run) is drawn dashed in the same colours, so two recipes compare at equal
    training time in one picture."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7, 4.2))
    ax = fig.subplots()
    budgets = sorted({n for s in scores for n in s.accuracy})
    for k, n in enumerate(budgets):
        label = "System 1 (network alone)" if n == 0 else f"System 2 ({n} simulations)"
        colour = f"C{k}"
        ax.plot([s.minutes for s in scores], [s.accuracy[n] for s in scores], marker="o",
                color=colour, label=label)  # fmt: skip
        old = [s for s in baseline if n in s.accuracy]
        if old:
            ax.plot([s.minutes for s in old], [s.accuracy[n] for s in old], linestyle="--",
                    marker=".", color=colour, alpha=0.7,
                    label=f"{label}, {baseline_label or 'baseline'}")  # fmt: skip
    ax.set_xlabel("training minutes on 2 CPU cores")
    ax.set_ylabel("optimal-move accuracy (value-preserving)")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right", fontsize="small")
    fig.tight_layout()
    return fig


def write_curve(
    scores: Sequence[CheckpointScore],
    path: Path,
    title: str,
    baseline: Sequence[CheckpointScore] = (),
    baseline_label: str = "",
) -> Path:
    """The PNG of `curve_figure`."""
    fig = curve_figure(scores, title, baseline, baseline_label)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    return path
