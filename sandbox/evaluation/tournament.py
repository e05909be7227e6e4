"""The sweep's Elo tournament: many games at once, both seats, from shared random openings.

A sweep rates a dozen or more players (each model at each number of simulations, plus anchors),
so the games must be cheap. All games of one pairing advance together: at every turn, the states
where a network player is to move go through one batched `run_search` (one network call per
simulation step for all of them), exactly as self-play does. Other agents (random, OpenSpiel's
rollout MCTS, the solver) move one state at a time through the Agent protocol.

Search players here are deterministic (no root noise, argmax of visits), so two of them would
replay one game over and over. Variety comes from the openings instead: each pairing plays every
opening in its list twice, once from each seat, so a first-move advantage cancels out.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from agents.base import Agent
from games.game import Action, Game, State
from sandbox.evaluation.elo import Tournament

Progress = Callable[[int], None]


@dataclass(frozen=True)
class Entrant:
    """A tournament player under its table name (e.g. a model at one budget: "zoo:x sims=8")."""

    name: str
    agent: Agent


def choose_moves(
    entrant: Entrant, states: Sequence[State], rng: np.random.Generator
) -> list[Action]:
    """The entrant's move in each state (network agents search them all in one batch)."""
    if not states:
        return []
    return entrant.agent.select_actions(states, rng)


def random_openings(
    game: Game, count: int, plies: int, rng: np.random.Generator
) -> list[tuple[Action, ...]]:
    """Up to `count` distinct random move sequences of `plies` moves that do not end the game."""
    openings: list[tuple[Action, ...]] = []
    seen: set[tuple[Action, ...]] = set()
    for _ in range(count * 20):
        if len(openings) == count:
            break
        state = game.new_state()
        actions: list[Action] = []
        while len(actions) < plies and not state.is_terminal():
            legal = state.legal_actions()
            action = int(legal[rng.integers(len(legal))])
            state.apply_action(action)
            actions.append(action)
        if state.is_terminal() or tuple(actions) in seen:
            continue
        seen.add(tuple(actions))
        openings.append(tuple(actions))
    return openings


def play_pairing(
    a: Entrant,
    b: Entrant,
    game: Game,
    openings: Sequence[tuple[Action, ...]],
    rng: np.random.Generator,
) -> list[float]:
    """Plays every opening twice (a first, then b first); returns a's score in each game.

    Score: 1 win, 0.5 draw, 0 loss, from a's returns (a zero-sum game: the sign decides).
    """
    seats: list[tuple[Entrant, Entrant]] = []
    states: list[State] = []
    for opening in openings:
        for first, second in ((a, b), (b, a)):
            state = game.new_state()
            for action in opening:
                state.apply_action(action)
            seats.append((first, second))
            states.append(state)
    while True:
        live = [i for i, s in enumerate(states) if not s.is_terminal()]
        if not live:
            break
        for entrant in (a, b):
            # OpenSpiel seat 0 is `first`; whose turn it is decides who moves.
            mine = [
                i
                for i in live
                if not states[i].is_terminal() and seats[i][states[i].current_player()] is entrant
            ]
            for i, action in zip(
                mine, choose_moves(entrant, [states[i] for i in mine], rng), strict=True
            ):
                states[i].apply_action(action)
    scores = []
    for (first, _), state in zip(seats, states, strict=True):
        seat_of_a = 0 if first is a else 1
        ret = state.returns()[seat_of_a]
        scores.append(1.0 if ret > 0 else 0.0 if ret < 0 else 0.5)
    return scores


def ladder(order: Sequence[str], width: int, extra: Sequence[tuple[str, str]] = ()) -> list:
    """Pairs each player with the next `width` players of `order` (weakest to strongest).

    Neighbours in strength give informative results (neither side wins every game), and the
    chain still connects everyone, so one rating scale covers the whole ladder. `extra` pairs
    are added once each (e.g. consecutive budgets of one model, whatever their order).
    """
    pairs: list[tuple[str, str]] = []
    seen: set[frozenset[str]] = set()
    candidates = [(p, q) for i, p in enumerate(order) for q in order[i + 1 : i + 1 + width]]
    for p, q in [*candidates, *extra]:
        key = frozenset((p, q))
        if p != q and key not in seen:
            seen.add(key)
            pairs.append((p, q))
    return pairs


def round_robin(names: Sequence[str]) -> list[tuple[str, str]]:
    return [(p, q) for i, p in enumerate(names) for q in names[i + 1 :]]


def run_tournament(
    entrants: Sequence[Entrant],
    pairs: Sequence[tuple[str, str]],
    game: Game,
    openings: Sequence[tuple[Action, ...]],
    rng: np.random.Generator,
    progress: Progress | None = None,
    openings_of: Callable[[str, str], Sequence[tuple[Action, ...]]] | None = None,
) -> Tournament:
    """Plays every pairing (2 games per opening) and collects the results for `elo.rate`.

    `openings_of(p, q)`, when given, picks a pairing's openings (more games where the results
    are thin, e.g. against the anchor); otherwise every pairing plays `openings`.
    """
    by_name = {e.name: e for e in entrants}
    tournament = Tournament.empty([e.name for e in entrants])
    for p, q in pairs:
        mine = openings_of(p, q) if openings_of is not None else openings
        for score in play_pairing(by_name[p], by_name[q], game, mine, rng):
            tournament.add(p, q, score)
        if progress:
            progress(2 * len(mine))
    return tournament
