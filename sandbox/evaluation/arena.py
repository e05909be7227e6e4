"""Matches between two agents from both seats: win/draw/loss, score, Wilson interval and Elo.

Seats alternate (A moves first in even-numbered games), because the first player's advantage is
large in connect four and decisive under perfect play. Every game gets its own generator,
`np.random.default_rng([seed, game_index])`, so a single game can be replayed from the match's
seed and its index without replaying the games before it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from agents.base import Agent
from games.game import Action, Game

Progress = Callable[[int], None]  # called with 1 after each game (tqdm's `update` fits)

Z_95 = 1.959964  # two-sided 95% normal quantile


def wilson_interval(successes: float, n: int, z: float = Z_95) -> tuple[float, float]:
    """Wilson score interval of a proportion (Wilson 1927): sane at 0 and n, unlike p +- z*se.

    `successes` may be fractional (a match score counts a draw as half a win); the interval then
    treats the score as binomial, which is slightly wide when there are many draws.
    """
    if n == 0:
        return (0.0, 1.0)
    p = successes / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    return (max(0.0, centre - half), min(1.0, centre + half))


def elo_difference(score: float) -> float:
    """Elo difference implied by an expected score: 400 log10(s / (1 - s)); +-inf at 1 and 0."""
    if score <= 0:
        return -math.inf
    if score >= 1:
        return math.inf
    return 400 * math.log10(score / (1 - score))


@dataclass(frozen=True)
class PlayedGame:
    """One game of a match, enough to replay it (OpenSpiel actions) and to score it."""

    index: int  # game number in the match: its rng is default_rng([seed, index])
    a_seat: int  # the player index agent A played (0 moves first)
    actions: tuple[Action, ...]
    returns: tuple[float, ...]  # [P] final returns per player

    @property
    def a_return(self) -> float:
        return self.returns[self.a_seat]


@dataclass(frozen=True)
class Outcomes:
    """Wins, draws and losses from agent A's view."""

    wins: int = 0
    draws: int = 0
    losses: int = 0

    @property
    def games(self) -> int:
        return self.wins + self.draws + self.losses

    @property
    def score(self) -> float:
        """A's mean score: 1 per win, 1/2 per draw (NaN when no games)."""
        return (self.wins + self.draws / 2) / self.games if self.games else math.nan

    @staticmethod
    def count(games: Sequence[PlayedGame]) -> Outcomes:
        returns = [g.a_return for g in games]
        return Outcomes(
            wins=sum(r > 0 for r in returns),
            draws=sum(r == 0 for r in returns),
            losses=sum(r < 0 for r in returns),
        )

    def to_dict(self) -> dict[str, float | int]:
        return {"games": self.games, "wins": self.wins, "draws": self.draws, "losses": self.losses}


@dataclass(frozen=True)
class MatchResult:
    """A match of agent A against agent B; every figure is from A's view."""

    agent_a: str
    agent_b: str
    game: str
    seed: int
    games: tuple[PlayedGame, ...] = field(repr=False)

    @property
    def outcomes(self) -> Outcomes:
        return Outcomes.count(self.games)

    @property
    def wins(self) -> int:
        return self.outcomes.wins

    @property
    def draws(self) -> int:
        return self.outcomes.draws

    @property
    def losses(self) -> int:
        return self.outcomes.losses

    @property
    def by_seat(self) -> dict[int, Outcomes]:
        """Outcomes with A in seat 0 (moving first) and in seat 1."""
        return {
            seat: Outcomes.count([g for g in self.games if g.a_seat == seat]) for seat in (0, 1)
        }

    @property
    def score(self) -> float:
        return self.outcomes.score

    @property
    def score_interval(self) -> tuple[float, float]:
        """95% Wilson interval on A's score."""
        outcomes = self.outcomes
        return wilson_interval(outcomes.wins + outcomes.draws / 2, outcomes.games)

    @property
    def elo(self) -> float:
        """Elo of A minus Elo of B implied by the score (infinite after a clean sweep)."""
        return elo_difference(self.score)

    @property
    def elo_interval(self) -> tuple[float, float]:
        low, high = self.score_interval
        return (elo_difference(low), elo_difference(high))

    def to_dict(self) -> dict[str, object]:
        """Plain JSON-ready figures; infinite Elo bounds become None (JSON has no infinity)."""
        return {
            "agent_a": self.agent_a,
            "agent_b": self.agent_b,
            "game": self.game,
            "seed": self.seed,
            **self.outcomes.to_dict(),
            "score": self.score,
            "score_interval": list(self.score_interval),
            "elo": _finite_or_none(self.elo),
            "elo_interval": [_finite_or_none(x) for x in self.elo_interval],
            "by_seat": {str(seat): o.to_dict() for seat, o in self.by_seat.items()},
            "records": [
                {"a_seat": g.a_seat, "actions": list(g.actions), "returns": list(g.returns)}
                for g in self.games
            ],
        }


def _finite_or_none(x: float) -> float | None:
    return x if math.isfinite(x) else None


def play_game(
    agents_by_seat: Sequence[Agent], game: Game, rng: np.random.Generator
) -> tuple[list[Action], list[float]]:
    """Plays one game from the initial state; returns its actions and final returns [P].

    The mover is asked through `current_player()`, so a game where one player moves twice in a
    row is played correctly. An illegal move from an agent is a bug in that agent: it raises.
    """
    state = game.new_state()
    actions: list[Action] = []
    while not state.is_terminal():
        agent = agents_by_seat[state.current_player()]
        action = int(agent.select_action(state, rng))
        if action not in state.legal_actions():
            raise RuntimeError(f"agent {agent.name} chose illegal action {action} in\n{state}")
        state.apply_action(action)
        actions.append(action)
    return actions, [float(r) for r in state.returns()]


def play_match(
    agent_a: Agent,
    agent_b: Agent,
    game: Game,
    num_games: int,
    seed: int | np.random.Generator = 0,
    progress: Progress | None = None,
) -> MatchResult:
    """Plays `num_games` games, A in seat 0 for even indices and in seat 1 for odd ones.

    Args:
        seed: the match seed (game i uses default_rng([seed, i])); a Generator passed instead
            draws that seed from it, so callers holding a generator stay reproducible.
        progress: called with 1 after each game.
    """
    if isinstance(seed, np.random.Generator):
        seed = int(seed.integers(2**31))
    played = []
    for index in range(num_games):
        a_seat = index % 2
        seats = [agent_a, agent_b] if a_seat == 0 else [agent_b, agent_a]
        actions, returns = play_game(seats, game, np.random.default_rng([seed, index]))
        played.append(PlayedGame(index, a_seat, tuple(actions), tuple(returns)))
        if progress is not None:
            progress(1)
    return MatchResult(agent_a.name, agent_b.name, game.name, seed, tuple(played))
