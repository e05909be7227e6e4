"""Train-time against test-time compute: how many simulations replace how much training.

Jones ("Scaling Scaling Laws with Board Games", 2021) found on Hex that a network trained less
can match one trained more by searching more, at a steady exchange rate. Given the sweep's
curves of several checkpoints of one run, this module reads that rate off: for each budget of
the later checkpoint, the budget the earlier one needs for the same strength, interpolated on
the log2-simulations axis.

Conventions: budgets are compared from 1 simulation up. One simulation visits the child with
the largest prior, so it plays exactly System 1's move; a curve without a 1 uses its 0 there.
Curves are made monotone (running maximum) before interpolating, because a measured curve
wiggles within its error bars and a target must be reached at one budget, not several.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class Exchange:
    """How many more simulations the earlier checkpoint needs to match the later one."""

    earlier: str
    later: str
    earlier_step: int
    later_step: int
    matches: tuple[tuple[int, float], ...]  # (later's sims, earlier's sims for the same strength)
    sims_factor: float  # median of earlier sims / later sims over the matches
    doublings_per_doubling: float | None  # log2(sims_factor) / log2(later_step / earlier_step)

    def sentence(self, metric: str = "accuracy") -> str:
        def name(label: str, step: int) -> str:
            return label if label == f"step {step}" else f"{label} (step {step})"

        early, late = name(self.earlier, self.earlier_step), name(self.later, self.later_step)
        if self.sims_factor <= 1:
            return (
                f"{late} is no stronger than {early} on this measure: {early} matches it with "
                f"x{self.sims_factor:.1f} the simulations ({len(self.matches)} matched budgets)."
            )
        text = (
            f"{early} needs about x{self.sims_factor:.1f} the simulations of {late} "
            f"for the same {'Elo' if metric == 'elo' else metric}"
        )
        if self.doublings_per_doubling is not None:
            text += (
                f": each doubling of training steps was worth about "
                f"{self.doublings_per_doubling:.2f} doublings of simulations"
            )
        return text + f" ({len(self.matches)} matched budgets)."

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _value(row: Mapping[str, Any], key: str) -> float | None:
    try:
        x = float(row.get(key))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None


def curve(rows: Sequence[Mapping[str, Any]], metric: str) -> list[tuple[float, float]]:
    """(log2 sims, monotone strength) from 1 simulation up; 0 stands in for 1 when 1 is absent."""
    points: dict[int, float] = {}
    for row in rows:
        sims, y = _value(row, "sims"), _value(row, metric)
        if sims is not None and y is not None:
            points[int(sims)] = y
    if 1 not in points and 0 in points:
        points[1] = points[0]
    out, best = [], -math.inf
    for sims in sorted(s for s in points if s >= 1):
        best = max(best, points[sims])
        out.append((math.log2(sims), best))
    return out


def sims_to_reach(points: Sequence[tuple[float, float]], target: float) -> float | None:
    """Smallest budget whose (interpolated) strength reaches target; None if never reached."""
    if not points or target > points[-1][1]:
        return None
    if target <= points[0][1]:
        return 2 ** points[0][0]
    for (x0, y0), (x1, y1) in zip(points, points[1:], strict=False):
        if y0 < target <= y1:
            return 2 ** (x0 + (x1 - x0) * (target - y0) / (y1 - y0))
    return None


def exchange(
    earlier: Sequence[Mapping[str, Any]],
    later: Sequence[Mapping[str, Any]],
    metric: str = "accuracy",
) -> Exchange | None:
    """The exchange rate between two checkpoints' rows (each row: model, step, sims, metric).

    Only budgets where the later checkpoint is at least as strong as the earlier's weakest point,
    and no stronger than its strongest, can be matched; None when none can.
    """
    early, late = curve(earlier, metric), curve(later, metric)
    matches = []
    for x, y in late:
        if early and y >= early[0][1]:
            needed = sims_to_reach(early, y)
            if needed is not None:
                matches.append((int(round(2**x)), needed))
    if not matches:
        return None
    ratios = sorted(needed / sims for sims, needed in matches)
    factor = (
        ratios[len(ratios) // 2]
        if len(ratios) % 2
        else math.sqrt(ratios[len(ratios) // 2 - 1] * ratios[len(ratios) // 2])
    )
    step_a, step_b = int(_value(earlier[0], "step") or 0), int(_value(later[0], "step") or 0)
    per_doubling = (
        math.log2(factor) / math.log2(step_b / step_a) if step_a > 0 and step_b > step_a else None
    )
    return Exchange(
        earlier=str(earlier[0].get("model")),
        later=str(later[0].get("model")),
        earlier_step=step_a,
        later_step=step_b,
        matches=tuple(matches),
        sims_factor=factor,
        doublings_per_doubling=per_doubling,
    )


def by_checkpoint(rows: Sequence[Mapping[str, Any]]) -> list[list[Mapping[str, Any]]]:
    """Network rows with a training step, grouped per model and sorted by step."""
    groups: dict[str, list[Mapping[str, Any]]] = {}
    for row in rows:
        if row.get("kind", "network") == "network" and _value(row, "step") is not None:
            groups.setdefault(str(row.get("model")), []).append(row)
    return sorted(groups.values(), key=lambda g: _value(g[0], "step") or 0.0)


def exchange_metric(rows: Sequence[Mapping[str, Any]]) -> str:
    """Accuracy where the checkpoints were scored on labelled positions, else Elo (Hex, Go,
    Breakthrough have no labelled positions; Jones 2021 measured the rate in Elo)."""
    networks = [row for group in by_checkpoint(rows) for row in group]
    return "accuracy" if any(_value(r, "accuracy") is not None for r in networks) else "elo"


def exchange_rates(rows: Sequence[Mapping[str, Any]], metric: str = "accuracy") -> list[Exchange]:
    """Consecutive checkpoints and first against last (when there are more than two)."""
    groups = by_checkpoint(rows)
    pairs = list(zip(groups, groups[1:], strict=False))
    if len(groups) > 2:
        pairs.append((groups[0], groups[-1]))
    return [e for a, b in pairs if (e := exchange(a, b, metric)) is not None]


def ordered_by_training(rows: Sequence[Mapping[str, Any]], metric: str = "accuracy") -> bool:
    """True when every later checkpoint's mean strength over the budgets is at least the
    earlier's: the curves stack in training order."""
    means = []
    for group in by_checkpoint(rows):
        values = [v for r in group if (v := _value(r, metric)) is not None]
        if values:
            means.append(sum(values) / len(values))
    return all(a <= b for a, b in zip(means, means[1:], strict=False))
