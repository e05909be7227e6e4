"""Where search changed the move: System 2 against System 1 on solver-labelled positions.

For each budget, a position counts as
- changed: System 2's move differs from System 1's (the network's argmax);
- fixed: changed, and System 1's move lost value while System 2's keeps it;
- broken ("error made"): changed, and System 1's move kept the value while System 2's loses it.
A change between two correct moves (or two wrong ones) is neither. Correct means "keeps the
game-theoretic value" (`optimal_wdl`), the sweep's main criterion.

The positions where it mattered most are those where search overruled a confident network:
the larger the prior of System 1's move over the prior of the move search chose, the more the
deliberation had to fight the instinct. They are the class's example boards.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sandbox.referee import Position

if TYPE_CHECKING:
    from sandbox.experiments import PositionSearch


@dataclass(frozen=True)
class SearchChanges:
    """How System 2 with `sims` simulations differs from System 1, over n positions."""

    label: str
    sims: int
    n: int
    changed: int
    fixed: int
    broken: int

    def cells(self) -> dict[str, float]:
        """Fractions of all positions, for the CSV row of this player."""
        return {
            "changed": self.changed / self.n if self.n else float("nan"),
            "fixed": self.fixed / self.n if self.n else float("nan"),
            "broken": self.broken / self.n if self.n else float("nan"),
        }


def _correct(actions: np.ndarray, positions: Sequence[Position]) -> np.ndarray:
    return np.array([int(a) in p.optimal_wdl for a, p in zip(actions, positions, strict=True)])


def changes_by_sims(ps: PositionSearch, positions: Sequence[Position]) -> list[SearchChanges]:
    """One SearchChanges per budget above 0 (System 1 itself is the reference)."""
    system1 = np.argmax(ps.prior, axis=1)  # System 1 = the network's argmax
    ok1 = _correct(system1, positions)
    out = []
    for k, sims in enumerate(ps.sims):
        if sims == 0:
            continue
        changed = ps.actions[k] != system1
        ok2 = _correct(ps.actions[k], positions)
        out.append(
            SearchChanges(
                label=ps.label,
                sims=sims,
                n=len(positions),
                changed=int(changed.sum()),
                fixed=int((changed & ~ok1 & ok2).sum()),
                broken=int((changed & ok1 & ~ok2).sum()),
            )
        )
    return out


def examples_that_mattered(
    ps: PositionSearch, positions: Sequence[Position], count: int
) -> list[dict]:
    """The positions where the largest search overruled the most confident network.

    About two thirds fixed errors and one third made errors (when there are any), so the class
    sees that search is not infallible. Each example is a JSON-ready dict with the prior and the
    visits, for drawing the board with both overlays.
    """
    if count <= 0 or not ps.sims or max(ps.sims) == 0:
        return []
    top = len(ps.sims) - 1
    system1 = np.argmax(ps.prior, axis=1)
    system2 = ps.actions[top]
    ok1, ok2 = _correct(system1, positions), _correct(system2, positions)
    rows = np.arange(len(positions))
    margin = ps.prior[rows, system1] - ps.prior[rows, system2]  # how far search overruled
    picked: list[tuple[str, int]] = []
    for kind, mask, quota in (
        ("fixed", (system1 != system2) & ~ok1 & ok2, count - count // 3),
        ("error made", (system1 != system2) & ok1 & ~ok2, count // 3),
    ):
        candidates = np.flatnonzero(mask)
        best = candidates[np.argsort(-margin[candidates], kind="stable")][:quota]
        picked += [(kind, int(i)) for i in best]
    return [
        _example(ps, positions, i, kind, int(system1[i]), int(system2[i])) for kind, i in picked
    ]


def _example(ps, positions, i: int, kind: str, s1: int, s2: int) -> dict:
    p = positions[i]
    q = ps.q[i]
    return {
        "model": ps.label,
        "index": i,
        "kind": kind,
        "sims": int(max(ps.sims)),
        "actions": list(p.actions),
        "value": p.value,
        "optimal_wdl": sorted(p.optimal_wdl),
        "system1": s1,
        "system2": s2,
        "prior": [float(x) for x in ps.prior[i]],
        "visits": [float(x) for x in ps.visits[i]],
        "q": [None if np.isnan(x) else float(x) for x in q],
    }
