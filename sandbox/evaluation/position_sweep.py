"""System 1 and System 2 on solver-labelled positions: every budget's move, accuracy, and
where search changed the move.

Reading every budget off one search: PUCT without root noise is deterministic, so the search
with 256 simulations passes through exactly the tree the search with 128 would have stopped at.
One batched search per model over all positions, read off at 1, 2, 4, ... simulations, gives
every budget's move. Gumbel root selection plans by its budget, and several leaves per network
call interleave simulations through virtual loss, so those are searched afresh per budget.

Where search changed the move, for each budget, a position counts as
- changed: `agents.verdict.judge` says search changed the move: System 2's move differs from
  System 1's (the network's argmax), is not its mirror image under a symmetry of the position,
  has most of the visits and a Q better beyond the noise of the visit counts (a difference
  between near-ties is "undecided" and not counted);
- fixed: changed, and System 1's move lost value while System 2's keeps it;
- broken ("error made"): changed, and System 1's move kept the value while System 2's loses it.
A change between two correct moves (or two wrong ones) is neither. Correct means "keeps the
game-theoretic value" (`optimal_wdl`), the sweep's main criterion.

The positions where it mattered most are those where search overruled a confident network:
the larger the prior of System 1's move over the prior of the move search chose, the more the
deliberation had to fight the instinct. They are the class's example boards.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from agents.base import greedy_actions
from agents.bots import MCTSBot
from agents.verdict import CHANGED, judge
from games.game import State
from games.symmetries import symmetries
from sandbox.evaluation.referee import Accuracy, Position

Progress = Callable[[int], None]


@dataclass(frozen=True)
class PositionSearch:
    """One model's moves on the positions at every budget, and what the biggest search saw."""

    label: str
    sims: tuple[int, ...]  # ascending
    actions: np.ndarray  # [S, N] chosen move per budget and position
    prior: np.ndarray  # [N, A] the network's policy (System 1)
    visits: np.ndarray  # [N, A] visit counts of the largest budget
    q: np.ndarray  # [N, A] Q of the largest budget, mover's view, NaN unvisited
    verdicts: np.ndarray  # [S, N] `agents.verdict` kind per budget and position ("" at 0 sims)


def search_positions(
    player: MCTSBot,
    states: Sequence[State],
    sims: Sequence[int],
    rng: np.random.Generator,
    label: str = "",
    progress: Progress | None = None,
) -> PositionSearch:
    """Every budget's move on every state, from one batched search read off at each budget.

    progress is called with 1 per simulation step (max(sims) in all).
    """
    budgets = sorted(set(sims))
    search = player.with_simulations(max(budgets)).new_search(states, rng)
    actions = np.zeros((len(budgets), len(states)), dtype=np.int64)
    verdicts = np.full((len(budgets), len(states)), "", dtype=object)
    board_symmetries = symmetries(player.game)
    results = None
    for k, budget in enumerate(budgets):
        if budget == 0:
            actions[k] = greedy_actions(search.priors)
            continue
        if player.cfg.gumbel or player.cfg.leaves_per_step > 1:  # plans by budget: afresh
            results = player.with_simulations(budget).search_many(states, rng)
            if progress:
                progress(budget - (budgets[k - 1] if k else 0))
        else:
            while search.step([budget] * len(states)):
                if progress:
                    progress(1)
            results = search.results()
        actions[k] = [r.best_action for r in results]
        verdicts[k] = [
            judge(r.prior, r.visits, r.q, board_symmetries, state, r.best_action).kind
            for r, state in zip(results, states, strict=True)
        ]
    num_actions = search.priors.shape[1]
    visits = np.zeros((len(states), num_actions))
    q = np.full((len(states), num_actions), np.nan)
    if results is not None:
        visits = np.array([r.visits for r in results])
        q = np.array([r.q for r in results])
    priors = np.array(search.priors)
    return PositionSearch(label, tuple(budgets), actions, priors, visits, q, verdicts)


def accuracy_of(actions: np.ndarray, positions: Sequence[Position]) -> tuple[Accuracy, Accuracy]:
    """(all positions, informative positions) accuracy of one move per position."""
    ok = [int(a) in p.optimal_wdl for a, p in zip(actions, positions, strict=True)]
    strict = [int(a) in p.optimal for a, p in zip(actions, positions, strict=True)]
    informative = [i for i, p in enumerate(positions) if p.is_informative]
    return (
        Accuracy.count(ok, strict),
        Accuracy.count([ok[i] for i in informative], [strict[i] for i in informative]),
    )


def random_accuracy(positions: Sequence[Position]) -> tuple[float, float]:
    """Exact expected accuracy of a uniformly random mover (value-preserving, strict)."""
    vp = np.mean([len(p.optimal_wdl) / len(p.legal) for p in positions])
    st = np.mean([len(p.optimal) / len(p.legal) for p in positions])
    return float(vp), float(st)


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
    system1 = np.array(greedy_actions(ps.prior))
    ok1 = _correct(system1, positions)
    out = []
    for k, sims in enumerate(ps.sims):
        if sims == 0:
            continue
        changed = ps.verdicts[k] == CHANGED
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
    system1 = np.array(greedy_actions(ps.prior))
    system2 = ps.actions[top]
    ok1, ok2 = _correct(system1, positions), _correct(system2, positions)
    changed = ps.verdicts[top] == CHANGED
    rows = np.arange(len(positions))
    margin = ps.prior[rows, system1] - ps.prior[rows, system2]  # how far search overruled
    picked: list[tuple[str, int]] = []
    for kind, mask, quota in (
        ("fixed", changed & ~ok1 & ok2, count - count // 3),
        ("error made", changed & ok1 & ~ok2, count // 3),
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
