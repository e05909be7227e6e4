"""Elo ratings from a tournament's results, computed by OpenSpiel's own code (`pyspiel.elo`).

OpenSpiel fits a Bradley-Terry model by Hunter's MM algorithm and shifts the result so that
its weakest player sits at 0. The sweep wants a fixed reference instead: the uniformly random
player is 0 (`anchor`), so a rating reads as "this many Elo above random" and ratings from
different sweeps of the same game can be compared.

Two choices are ours, both because a classroom tournament has few games per pair:
- One virtual drawn game is added to every pair that actually played (`virtual_draws`). A clean
  10-0 sweep otherwise reads as about 1300 Elo (only OpenSpiel's 0.01-game smoothing keeps it
  finite), which says more about the smoothing than about the players.
- The uncertainty of each rating comes from a Bayesian bootstrap over games: for every pair,
  outcome frequencies are drawn from Dirichlet(wins + 1/2, draws + 1/2, losses + 1/2) (Jeffreys
  prior), the pair's games are redrawn from them, and the whole tournament is rated again.
  Redrawing from the observed frequencies alone would give a clean sweep no uncertainty at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pyspiel

ANCHOR = "random"


@dataclass
class Tournament:
    """Game results among named players: wins[i, j] = games i won against j (either seat)."""

    names: list[str]
    wins: np.ndarray  # [N, N] int
    draws: np.ndarray  # [N, N] int, symmetric

    @classmethod
    def empty(cls, names: Sequence[str]) -> Tournament:
        if len(set(names)) != len(names):
            raise ValueError(f"player names must be distinct: {list(names)}")
        n = len(names)
        return cls(list(names), np.zeros((n, n), np.int64), np.zeros((n, n), np.int64))

    def index(self, name: str) -> int:
        return self.names.index(name)

    def add(self, a: str, b: str, score_a: float) -> None:
        """Records one game: score_a = 1 (a won), 0.5 (draw) or 0 (b won)."""
        i, j = self.index(a), self.index(b)
        if i == j:
            raise ValueError(f"a player cannot play itself: {a}")
        if score_a == 0.5:
            self.draws[i, j] += 1
            self.draws[j, i] += 1
        elif score_a == 1:
            self.wins[i, j] += 1
        elif score_a == 0:
            self.wins[j, i] += 1
        else:
            raise ValueError(f"score must be 1, 0.5 or 0, got {score_a}")

    def games(self, a: str, b: str) -> int:
        i, j = self.index(a), self.index(b)
        return int(self.wins[i, j] + self.wins[j, i] + self.draws[i, j])

    def score(self, a: str, b: str) -> float:
        """a's mean score against b (NaN if they never met)."""
        i, j = self.index(a), self.index(b)
        n = self.games(a, b)
        return float((self.wins[i, j] + 0.5 * self.draws[i, j]) / n) if n else float("nan")


@dataclass(frozen=True)
class Ratings:
    """Elo per player, anchored (the anchor is exactly 0), with bootstrap uncertainty."""

    names: list[str]
    elo: np.ndarray  # [N] point estimate, anchored
    stderr: np.ndarray  # [N] bootstrap standard deviation (0 for the anchor)
    low: np.ndarray  # [N] 2.5th bootstrap percentile
    high: np.ndarray  # [N] 97.5th bootstrap percentile
    anchor: str | None

    def __getitem__(self, name: str) -> float:
        return float(self.elo[self.names.index(name)])

    def interval(self, name: str) -> tuple[float, float]:
        i = self.names.index(name)
        return float(self.low[i]), float(self.high[i])


def openspiel_ratings(wins: np.ndarray, draws: np.ndarray) -> np.ndarray:
    """pyspiel.elo on integer matrices; its own convention (weakest player at 0)."""
    return np.asarray(
        pyspiel.elo.compute_ratings_from_matrices(
            np.asarray(wins, dtype=np.int64).tolist(), np.asarray(draws, dtype=np.int64).tolist()
        )
    )


def _anchored(wins: np.ndarray, draws: np.ndarray, anchor: int | None) -> np.ndarray:
    elo = openspiel_ratings(wins, draws)
    return elo - (elo[anchor] if anchor is not None else elo.mean())


def _with_virtual_draws(t: Tournament, wins: np.ndarray, draws: np.ndarray, virtual: int):
    played = (t.wins + t.wins.T + t.draws) > 0
    np.fill_diagonal(played, False)
    return wins, draws + virtual * played.astype(np.int64)


def _resample(t: Tournament, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """One Bayesian-bootstrap replica of the tournament: same pairs, same game counts."""
    wins = np.zeros_like(t.wins)
    draws = np.zeros_like(t.draws)
    n = len(t.names)
    for i in range(n):
        for j in range(i + 1, n):
            counts = np.array([t.wins[i, j], t.draws[i, j], t.wins[j, i]])
            total = int(counts.sum())
            if total == 0:
                continue
            p = rng.dirichlet(counts + 0.5)
            w, d, lo = rng.multinomial(total, p)
            wins[i, j], wins[j, i] = w, lo
            draws[i, j] = draws[j, i] = d
    return wins, draws


def rate(
    t: Tournament,
    anchor: str | None = ANCHOR,
    bootstrap: int = 200,
    rng: np.random.Generator | None = None,
    virtual_draws: int = 1,
) -> Ratings:
    """Elo of every player; `anchor` = 0 (mean 0 when None or absent).

    Args:
        bootstrap: replicas for the uncertainty; 0 gives zero-width intervals.
        virtual_draws: drawn games added to each pair that played (see the module docstring).
    """
    if len(t.names) < 2:
        raise ValueError("rating needs at least two players")
    rng = rng or np.random.default_rng(0)
    a = t.names.index(anchor) if anchor in t.names else None
    elo = _anchored(*_with_virtual_draws(t, t.wins, t.draws, virtual_draws), a)
    samples = np.array(
        [
            _anchored(*_with_virtual_draws(t, *_resample(t, rng), virtual_draws), a)
            for _ in range(bootstrap)
        ]
    ).reshape(bootstrap, len(t.names))
    if bootstrap:
        stderr = samples.std(axis=0)
        low, high = np.percentile(samples, [2.5, 97.5], axis=0)
    else:
        stderr, low, high = np.zeros_like(elo), elo.copy(), elo.copy()
    return Ratings(list(t.names), elo, stderr, low, high, anchor if a is not None else None)


def expected_score(elo_a: float, elo_b: float) -> float:
    """The Elo model's expected score of a against b (400-point logistic scale)."""
    return 1.0 / (1.0 + 10.0 ** ((elo_b - elo_a) / 400.0))
