"""Did search change the move? An honest answer from the search's own evidence.

System 1's move is the network's favourite (argmax of the prior), System 2's the search's most
visited move. That the two differ is not yet evidence that search overruled the network: on an
empty connect-four board the network may like x3 and search play x1, its mirror image; with
three moves at 33/35/32% and Q about 0 for each, the most visited one is a coin toss. `judge`
says "changed" only when the search's evidence against the network's move is clear:

1. The two moves are not equivalent. A board symmetry that leaves the position unchanged
   (connect four's mirror on a symmetric position, tic-tac-toe's eight maps on the empty board)
   and maps one move onto the other makes them the same move: "agrees".
2. The search's move has most of the root's visits (more than half): PUCT spends its
   simulations where it believes the best move is, so a move with half the visits or less is
   not yet the search's settled choice.
3. Its Q beats the network's move's Q by more than the noise: Q(a) is a mean of N(a) backed-up
   values in [-1, 1], so its standard error is sqrt(var(a) / N(a)). The variance is bounded by
   the Bhatia-Davis inequality, var <= (1 - mu)(1 + mu) = 1 - mu^2 for values in [-1, 1] with
   mean mu: the widest spread any values with that mean could have, so the bound is
   conservative without assuming anything about the values. mu is estimated as
   W(a) / (N(a) + 2), i.e. Q with one pseudo-win and one pseudo-loss added (as the
   Agresti-Coull interval adds pseudo-counts), so a move seen once with Q = -1 is not taken as
   certain. The margin is Z = 1.96 standard errors of the difference
   sqrt(var1 / N1 + var2 / N2) (95%, two-sided).
   The values of one edge are not independent draws (the subtree under a move deepens as the
   search goes on), so this is a yardstick for "beyond the noise", not an exact test.

Otherwise: "undecided between" the search's move and the network's. The rule reads only the
root's prior, visits and Q, so the viewer, the post-game review and the sweep's "where search
changed the move" statistics all count the same thing.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from games.game import Action, State
from games.symmetries import Symmetry

CHANGED, AGREES, UNDECIDED = "changed", "agrees", "undecided"
Z = 1.96  # standard errors of the Q difference that count as clear (95%, two-sided)
MAJORITY = 0.5  # the search's move needs more than this share of the root's visits


@dataclass(frozen=True)
class Verdict:
    """What the search's evidence says about the network's move at one root."""

    kind: str  # CHANGED, AGREES or UNDECIDED
    system1: Action  # the network's favourite
    system2: Action  # the search's move
    is_mirror: bool = False  # agrees because a symmetry of the position maps one onto the other
    gap: float = math.nan  # Q(system2) - Q(system1), mover's view
    noise: float = math.nan  # Z standard errors of that difference
    share: float = math.nan  # the search's move's share of the root's visits

    @property
    def is_changed(self) -> bool:
        return self.kind == CHANGED

    @property
    def between(self) -> tuple[Action, ...]:
        """The moves the search is undecided between (its own first), else ()."""
        return (self.system2, self.system1) if self.kind == UNDECIDED else ()


def shrunk_variance(q: np.ndarray, visits: np.ndarray) -> np.ndarray:
    """Bhatia-Davis bound 1 - mu^2 on the variance of values in [-1, 1], with mu = W / (N + 2)
    (one pseudo-win, one pseudo-loss). [A] -> [A]."""
    mu = np.nan_to_num(q) * visits / (visits + 2)
    return 1.0 - mu**2


def standard_error(q: np.ndarray, visits: np.ndarray) -> np.ndarray:
    """sqrt(var / N) of each move's Q [A]; inf where a move has no visits."""
    with np.errstate(divide="ignore"):
        return np.where(visits > 0, np.sqrt(shrunk_variance(q, visits) / visits), np.inf)


def symmetries_fixing(state: State, symmetries: Sequence[Symmetry]) -> list[Symmetry]:
    """The symmetries (identity included) that map the position onto itself."""
    obs = np.asarray(state.observation_tensor(0), dtype=np.float32)
    fixing = []
    for sym in symmetries:
        cells = len(sym.cell_perm)
        if obs.size % cells:
            continue  # an observation that is not planes of cells: only the identity is safe
        planes = obs.reshape(-1, cells)
        if np.array_equal(planes[:, sym.cell_perm], planes):
            fixing.append(sym)
    return fixing


def are_equivalent(a: Action, b: Action, state: State, symmetries: Sequence[Symmetry]) -> bool:
    """Whether a symmetry of the position maps move a onto move b (a == b counts)."""
    if a == b:
        return True
    # action_perm[j] is the old action that becomes j: the symmetry maps a onto b iff perm[b] == a
    return any(int(sym.action_perm[b]) == a for sym in symmetries_fixing(state, symmetries))


def search_move(visits: np.ndarray, q: np.ndarray, prior: np.ndarray) -> Action:
    """The most visited legal move; ties: higher Q, then higher prior (as `agents.mcts`)."""
    tie_break = np.nan_to_num(q, nan=-2.0) * 1e-3 + prior * 1e-6
    return int(np.argmax(np.where(prior > 0, visits + tie_break, -np.inf)))


def judge(
    prior: np.ndarray,
    visits: np.ndarray,
    q: np.ndarray,
    symmetries: Sequence[Symmetry],
    state: State,
    system2: Action | None = None,
) -> Verdict:
    """Whether search changed the network's move at `state` (see the module docstring).

    Args:
        prior: the network's policy [A] at the root (System 1).
        visits: the root's visit counts [A] (System 2); a finished search's, not a partial one.
        q: the root's Q [A] from the mover's view, NaN where unvisited.
        symmetries: the game's board symmetries (`games.symmetries.symmetries(game)`).
        state: the root position, to see which symmetries leave it unchanged.
        system2: the search's move when it is not simply the most visited (Gumbel's choice).
    Returns:
        A Verdict: CHANGED, AGREES (the same or an equivalent move) or UNDECIDED.
    """
    prior = np.asarray(prior, dtype=np.float64)
    visits = np.asarray(visits, dtype=np.float64)
    q = np.asarray(q, dtype=np.float64)
    first = int(np.argmax(prior))
    second = search_move(visits, q, prior) if system2 is None else int(system2)
    total = visits.sum()
    share = float(visits[second] / total) if total > 0 else math.nan
    if first == second:
        return Verdict(AGREES, first, second, share=share)
    if are_equivalent(first, second, state, symmetries):
        return Verdict(AGREES, first, second, is_mirror=True, share=share)
    if visits[first] == 0 or visits[second] == 0:  # nothing known about one of them
        return Verdict(UNDECIDED, first, second, share=share)
    gap = float(q[second] - q[first])
    se = standard_error(q, visits)
    noise = float(Z * math.hypot(se[first], se[second]))
    clear = share > MAJORITY and gap > noise
    return Verdict(CHANGED if clear else UNDECIDED, first, second, False, gap, noise, share)
