"""matplotlib figures of the sweep (strength against test-time compute) and of training runs.

Every function takes plain rows (dicts, as written to and read back from the sweep's CSV or a
run's metrics.jsonl) and returns a `matplotlib.figure.Figure` without touching pyplot's global
state, so tests can check the axes, labels and legend before `save` writes the PNG. Missing keys
and empty values are skipped, not errors: a metrics file from an older run still plots.

The simulations axis is log2, as in the o1 / R1 plots of accuracy against test-time compute,
but it must also show 0 simulations (System 1, the network alone). A symmetric-log axis with
linear range [0, 1] does that: 0 sits one step left of 1 and the doublings are evenly spaced.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from matplotlib.axes import Axes
from matplotlib.figure import Figure

Row = Mapping[str, Any]

ACCURACY_LABEL = "optimal-move accuracy (value-preserving)"


def _num(row: Row, key: str) -> float | None:
    """The row's value as a float, None when absent, empty or not finite."""
    value = row.get(key)
    if value is None or value == "":
        return None
    try:
        x = float(value)
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None


def _curves(rows: Iterable[Row], y: str) -> dict[str, list[Row]]:
    """Network rows (those with a `sims`) grouped by model, sorted by sims, with a value of y."""
    curves: dict[str, list[Row]] = {}
    for row in rows:
        if row.get("kind", "network") != "network" or _num(row, "sims") is None:
            continue
        if _num(row, y) is None:
            continue
        curves.setdefault(str(row.get("model", "model")), []).append(row)
    return {m: sorted(rs, key=lambda r: _num(r, "sims") or 0.0) for m, rs in curves.items()}


def _error_bars(rows: Sequence[Row], y: str) -> list[list[float]] | None:
    low, high = f"{y}_low", f"{y}_high"
    if not all(_num(r, low) is not None and _num(r, high) is not None for r in rows):
        return None
    values = [_num(r, y) or 0.0 for r in rows]
    return [
        [max(0.0, v - (_num(r, low) or v)) for v, r in zip(values, rows, strict=True)],
        [max(0.0, (_num(r, high) or v) - v) for v, r in zip(values, rows, strict=True)],
    ]


def dodge(sims: Sequence[float], index: int, count: int) -> list[float]:
    """x positions of curve `index` of `count`, nudged apart so error bars do not overlap.

    The nudge is a fraction of a doubling (a fraction of the S1 step at 0), so every point
    still sits visibly at its budget.
    """
    if count <= 1:
        return list(sims)
    offset = 0.08 * (index - (count - 1) / 2)
    return [s * 2**offset if s >= 1 else s + 0.5 * offset for s in sims]


def sims_axis(ax: Axes, sims: Iterable[float]) -> None:
    """log2 axis of simulations with 0 shown, labelled 'S1' (System 1)."""
    ticks = sorted({int(s) for s in sims})
    ax.set_xscale("symlog", base=2, linthresh=1, linscale=0.6)
    ax.set_xticks(ticks)
    ax.set_xticklabels(["S1" if t == 0 else str(t) for t in ticks])
    ax.set_xlim(-0.35 if ticks[0] == 0 else ticks[0] / 1.3, ticks[-1] * 1.3)
    ax.set_xlabel("simulations per move (log2; S1 = System 1, the network alone)")
    ax.grid(True, alpha=0.3)


def anchor_label(name: str) -> str:
    """'rollout:sims=128' -> 'rollout MCTS, 128 sims' (OpenSpiel's C++ MCTS baseline)."""
    kind, _, rest = name.partition(":")
    if kind == "rollout" and rest.startswith("sims="):
        return f"rollout MCTS, {rest[5:]} sims"
    return name


def reference_lines(ax: Axes, lines: Mapping[str, float]) -> None:
    """Dotted horizontal lines for anchors and baselines, labelled at the left edge.

    A label sits above its line, or below it when the next line up is too close for both.
    """
    items = sorted(lines.items(), key=lambda kv: kv[1])
    low, high = ax.get_ylim()
    values = [v for _, v in items]
    low, high = min(low, *values, high), max(high, *values, low)
    close = 0.05 * (high - low)
    for j, (label, value) in enumerate(items):
        crowded = j + 1 < len(items) and items[j + 1][1] - value < close
        ax.axhline(value, color="grey", linestyle=":", alpha=0.7, zorder=0)
        ax.annotate(
            anchor_label(label),
            (0.01, value),
            xycoords=("axes fraction", "data"),
            fontsize=7,
            ha="left",
            va="top" if crowded else "bottom",
            color="dimgrey",
        )


def strength_vs_sims(
    rows: Sequence[Row],
    metric: str = "accuracy",
    references: Mapping[str, float] | None = None,
    strict: bool = True,
    title: str = "Strength against test-time compute",
) -> Figure:
    """One curve per model with 95% error bars; the strict accuracy dashed beside it."""
    fig = Figure(figsize=(7.5, 4.8), layout="constrained")
    ax = fig.subplots()
    all_sims: list[float] = []
    curves = _curves(rows, metric)
    for i, (model, curve) in enumerate(curves.items()):
        colour = f"C{i}"
        sims = [_num(r, "sims") or 0.0 for r in curve]
        all_sims += sims
        ax.errorbar(
            dodge(sims, i, len(curves)),
            [_num(r, metric) for r in curve],
            yerr=_error_bars(curve, metric),
            marker="o",
            capsize=3,
            color=colour,
            label=model,
        )
        if strict and metric == "accuracy":
            strict_rows = [r for r in curve if _num(r, "strict") is not None]
            if strict_rows:
                ax.plot(
                    dodge([_num(r, "sims") or 0.0 for r in strict_rows], i, len(curves)),
                    [_num(r, "strict") for r in strict_rows],
                    linestyle="--",
                    marker=".",
                    color=colour,
                    alpha=0.6,
                    label="dashed: strict (fastest win)" if i == 0 else "_nolegend_",
                )
    reference_lines(ax, references or {})
    sims_axis(ax, all_sims or [0, 1])
    ax.set_ylabel(ACCURACY_LABEL if metric == "accuracy" else metric)
    ax.set_title(title)
    ax.legend(loc="best", fontsize=8)
    return fig


def elo_vs_sims(
    rows: Sequence[Row],
    anchors: Mapping[str, float] | None = None,
    title: str = "Elo against simulations",
) -> Figure:
    """Elo (random = 0) of each model at each budget, with the anchors as horizontal lines."""
    fig = Figure(figsize=(7.5, 4.8), layout="constrained")
    ax = fig.subplots()
    all_sims: list[float] = []
    curves = _curves(rows, "elo")
    for i, (model, curve) in enumerate(curves.items()):
        sims = [_num(r, "sims") or 0.0 for r in curve]
        all_sims += sims
        ax.errorbar(
            dodge(sims, i, len(curves)),
            [_num(r, "elo") for r in curve],
            yerr=_error_bars(curve, "elo"),
            marker="o",
            capsize=3,
            color=f"C{i}",
            label=model,
        )
    reference_lines(ax, anchors or {})
    sims_axis(ax, all_sims or [0, 1])
    ax.set_ylabel("Elo (random player = 0; 95% bootstrap interval)")
    ax.set_title(title)
    ax.legend(loc="best", fontsize=8)
    return fig


def strength_vs_time(rows: Sequence[Row], metric: str = "accuracy") -> Figure:
    """Strength against the measured think time per move, each point marked with its sims."""
    fig = Figure(figsize=(7.5, 4.8), layout="constrained")
    ax = fig.subplots()
    for i, (model, curve) in enumerate(_curves(rows, metric).items()):
        timed = [r for r in curve if (_num(r, "think_ms") or 0) > 0]
        if not timed:
            continue
        xs = [_num(r, "think_ms") for r in timed]
        ax.errorbar(
            xs,
            [_num(r, metric) for r in timed],
            yerr=_error_bars(timed, metric),
            marker="o",
            capsize=3,
            color=f"C{i}",
            label=model,
        )
        for x, r in zip(xs, timed, strict=True):
            sims = int(_num(r, "sims") or 0)
            ax.annotate(
                "S1" if sims == 0 else str(sims),
                (x, _num(r, metric)),
                fontsize=7,
                textcoords="offset points",
                xytext=(3, -9),
            )
    ax.set_xscale("log")
    ax.set_xlabel("think time per move (ms, one position at a time, log scale)")
    ax.set_ylabel(ACCURACY_LABEL if metric == "accuracy" else metric)
    ax.set_title("Strength against think time")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(loc="best", fontsize=8)
    return fig


def search_changes(rows: Sequence[Row]) -> Figure:
    """Per model: how often search changed System 1's move (`agents.verdict`: a clear change,
    not a mirror image or a near-tie), and whether it helped."""
    curves = _curves(rows, "changed")
    fig = Figure(figsize=(4.5 * max(1, len(curves)), 4.2), layout="constrained")
    axes = fig.subplots(1, max(1, len(curves)), squeeze=False)[0]
    for ax, (model, curve) in zip(axes, curves.items(), strict=False):
        curve = [r for r in curve if (_num(r, "sims") or 0) > 0]
        sims = [_num(r, "sims") or 0.0 for r in curve]
        ax.plot(sims, [_num(r, "changed") for r in curve], "o-", color="C0", label="move changed")
        ax.plot(sims, [_num(r, "fixed") for r in curve], "^-", color="C2", label="error fixed")
        ax.plot(sims, [_num(r, "broken") for r in curve], "v-", color="C3", label="error made")
        sims_axis(ax, sims or [1])
        ax.set_xlabel("simulations per move (log2)")
        ax.set_ylabel("fraction of positions")
        ax.set_title(f"Where search changed the move\n{model}", fontsize=10)
        ax.legend(fontsize=8)
    return fig


TRAINING_LOSSES = {  # label -> the keys it goes by in metrics.jsonl, first found wins
    "total loss": ("loss",),
    "policy loss": ("policy_loss", "loss_policy"),
    "value loss": ("value_loss", "loss_value"),
    "policy entropy": ("policy_entropy",),
}


def _first(row: Row, keys: Sequence[str]) -> float | None:
    return next((v for k in keys if (v := _num(row, k)) is not None), None)


def _x(rows: Sequence[Row]) -> tuple[str, list[float]]:
    for key in ("step", "iteration"):
        if rows and all(_num(r, key) is not None for r in rows):
            return key, [_num(r, key) or 0.0 for r in rows]
    return "row", [float(i) for i in range(len(rows))]


SELFPLAY_OUTCOMES = ("draws", "first_player_wins", "second_player_wins")  # train.py's keys


def _learning_rate_axis(loss_ax: Axes, xs: Sequence[float], metrics: Sequence[Row]) -> None:
    """The learning rate on a second, log-scale axis beside the losses, when it changed during
    the run (a schedule, or a resume with another rate): the losses' bends line up with it."""
    points = [(x, _num(r, "learning_rate")) for x, r in zip(xs, metrics, strict=True)]
    points = [(x, y) for x, y in points if y is not None and y > 0]
    if len({y for _, y in points}) < 2:
        return
    rate_ax = loss_ax.twinx()
    rate_ax.plot(*zip(*points, strict=True), "--", color="0.4", label="learning rate")
    rate_ax.set_yscale("log")
    rate_ax.set_ylabel("learning rate")
    # One legend for both axes (two drawn apart landed on top of each other), on the rate's
    # axis, which is drawn over the losses' axis.
    handles, labels = loss_ax.get_legend_handles_labels()
    if loss_ax.get_legend() is not None:
        loss_ax.get_legend().remove()
    rate_handles, rate_labels = rate_ax.get_legend_handles_labels()
    rate_ax.legend(handles + rate_handles, labels + rate_labels, fontsize=8, loc="center right")


def training_curves(metrics: Sequence[Row], title: str = "Training run") -> Figure:
    """Losses (left) and evaluation results (right) from a run's metrics.jsonl rows.

    Evaluation series are any numeric keys starting with 'eval' or naming a score, accuracy or
    Elo; rows without a key just leave a gap in that curve.
    """
    minutes = [(_num(r, "wall_seconds") or math.nan) / 60 for r in metrics]
    accuracy_keys = sorted({k for r in metrics for k in r if k.endswith("_accuracy")})
    by_time = bool(accuracy_keys) and any(math.isfinite(m) for m in minutes)
    fig = Figure(figsize=(16 if by_time else 11, 4.2), layout="constrained")
    loss_ax, eval_ax, *time_ax = fig.subplots(1, 3 if by_time else 2)
    xname, xs = _x(metrics)
    for key in accuracy_keys if by_time else []:  # the headline: strength by training time
        points = [(m, _num(r, key)) for m, r in zip(minutes, metrics, strict=True)]
        points = [(m, y) for m, y in points if y is not None and math.isfinite(m)]
        name = key.removeprefix("eval/").removesuffix("_accuracy")
        label = {"policy": "System 1 (policy)", "mcts": "System 2 (mcts)"}.get(name, name)
        time_ax[0].plot(*zip(*points, strict=True), marker="o", label=label)
    if by_time:
        time_ax[0].set_xlabel("training minutes")
        time_ax[0].set_ylabel(ACCURACY_LABEL)
        time_ax[0].set_title("Strength by training time")
        time_ax[0].grid(True, alpha=0.3)
        time_ax[0].legend(fontsize=8)
    for label, keys in TRAINING_LOSSES.items():
        points = [(x, _first(r, keys)) for x, r in zip(xs, metrics, strict=True)]
        points = [(x, y) for x, y in points if y is not None]
        if points:
            style = ":" if label == "policy entropy" else "-"  # not a loss: its floor
            loss_ax.plot(*zip(*points, strict=True), style, label=label)
    eval_keys = sorted(
        {
            k
            for r in metrics
            for k in r
            if (k.startswith("eval") or any(w in k for w in ("score", "accuracy", "elo")))
            and _num(r, k) is not None
        }
    )
    right_title, right_label = "Evaluations", "evaluation"
    if not eval_keys:  # no arena evaluations in this run: show how self-play games end instead
        eval_keys = [k for k in SELFPLAY_OUTCOMES if any(_num(r, k) is not None for r in metrics)]
        right_title = "Self-play outcomes (no evaluations logged)"
        right_label = "fraction of games"
    for key in eval_keys:
        points = [(x, _num(r, key)) for x, r in zip(xs, metrics, strict=True)]
        points = [(x, y) for x, y in points if y is not None]
        eval_ax.plot(*zip(*points, strict=True), marker=".", label=key.removeprefix("eval/"))
    for ax, ylabel in ((loss_ax, "loss"), (eval_ax, right_label)):
        ax.set_xlabel("training step" if xname == "step" else xname)
        ax.set_ylabel(ylabel)
        ax.grid(True, alpha=0.3)
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=8)
    loss_ax.set_title("Losses")
    _learning_rate_axis(loss_ax, xs, metrics)
    eval_ax.set_title(right_title if eval_keys else "Evaluations (none logged yet)")
    fig.suptitle(title)
    return fig


def save(fig: Figure, path: Path | str, dpi: int = 120) -> Path:
    """Writes the figure as PNG (Agg; no display needed) and returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=dpi, format="png")
    return path
