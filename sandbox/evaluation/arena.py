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
TurnProgress = Callable[[int, int], None]  # (moves played in all games, games still on)

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
    opening_plies: int = 0  # random moves before each pair of games (both seats)

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
            "opening_plies": self.opening_plies,
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
    opening_plies: int = 0,
    on_turn: TurnProgress | None = None,
) -> MatchResult:
    """Plays `num_games` games, A in seat 0 for even indices and in seat 1 for odd ones.

    All games advance together: at each turn an agent gets every state where it is to move in
    one `select_actions` call, so a network agent searches them in one batch (a 400-simulation
    System 2 plays 100 games about as fast as a few played one by one). Game i draws only from
    its own generator, `default_rng([seed, i])`, as if it were played alone.

    Args:
        seed: the match seed; a Generator passed instead draws that seed from it, so callers
            holding a generator stay reproducible.
        progress: called with 1 after each game.
        opening_plies: games 2k and 2k+1 start after the same `opening_plies` random moves
            (drawn from the seed), one with each agent moving first: two deterministic agents
            then play different games instead of one game over and over.
        on_turn: called after each round of moves with the moves played so far in all games
            and the games still going. The games advance together and mostly end together, so
            `progress` alone stays at zero for most of a long match; this shows it moving.
    """
    if isinstance(seed, np.random.Generator):
        seed = int(seed.integers(2**31))
    openings: list[tuple[Action, ...]] = [()] * ((num_games + 1) // 2)
    if opening_plies > 0:
        from sandbox.evaluation.tournament import random_openings

        drawn = random_openings(game, len(openings), opening_plies, np.random.default_rng([seed]))
        openings = [drawn[k % len(drawn)] for k in range(len(openings))] if drawn else openings
    seats, states, rngs, actions = [], [], [], []
    for index in range(num_games):
        seats.append([agent_a, agent_b] if index % 2 == 0 else [agent_b, agent_a])
        states.append(game.state_from_actions(openings[index // 2]))
        rngs.append(np.random.default_rng([seed, index]))
        actions.append(list(openings[index // 2]))
    finished = 0
    while True:
        live = [i for i, state in enumerate(states) if not state.is_terminal()]
        if not live:
            break
        for agent in (agent_a, agent_b):
            mine = [
                i
                for i in live
                if not states[i].is_terminal() and seats[i][states[i].current_player()] is agent
            ]
            if not mine:
                continue
            moves = agent.select_actions([states[i] for i in mine], [rngs[i] for i in mine])
            for i, action in zip(mine, moves, strict=True):
                action = int(action)
                if action not in states[i].legal_actions():
                    raise RuntimeError(
                        f"agent {agent.name} chose illegal action {action} in\n{states[i]}"
                    )
                states[i].apply_action(action)
                actions[i].append(action)
        done = sum(state.is_terminal() for state in states)
        if progress is not None and done > finished:
            progress(done - finished)
        finished = done
        if on_turn is not None:
            on_turn(sum(map(len, actions)), num_games - done)
    played = tuple(
        PlayedGame(i, i % 2, tuple(actions[i]), tuple(float(r) for r in states[i].returns()))
        for i in range(num_games)
    )
    return MatchResult(agent_a.name, agent_b.name, game.name, seed, played, opening_plies)
