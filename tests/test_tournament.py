"""The sweep's batched tournament: both seats, shared openings, results ready for Elo."""

import numpy as np

from agents.base import OneAtATime
from agents.bots import RandomBot
from agents.solver import SolverBot
from games.game import load
from sandbox.evaluation.tournament import (
    Entrant,
    ladder,
    play_pairing,
    random_openings,
    run_tournament,
)


class SeatSpy(OneAtATime):
    """Plays the lowest legal move and remembers, per opening, which seats it moved from."""

    def __init__(self, plies: int):
        self.name = "spy"
        self.plies = plies
        self.seats: dict[tuple, set[int]] = {}

    def select_action(self, state, rng):
        opening = tuple(state.history()[: self.plies])
        self.seats.setdefault(opening, set()).add(state.current_player())
        return min(state.legal_actions())


def test_random_openings_are_distinct_unfinished_and_of_the_asked_length():
    game = load("connect4-5x4")
    openings = random_openings(game, 10, 2, np.random.default_rng(0))
    assert len(openings) == len(set(openings)) == 10
    for opening in openings:
        assert len(opening) == 2
        assert not game.state_from_actions(opening).is_terminal()


def test_every_opening_is_played_from_both_seats():
    game = load("tic-tac-toe")
    spy = SeatSpy(plies=1)
    openings = random_openings(game, 3, 1, np.random.default_rng(1))
    scores = play_pairing(Entrant("spy", spy), Entrant("random", RandomBot(game)), game,
                          openings, np.random.default_rng(2))  # fmt: skip
    assert len(scores) == 6
    assert set(spy.seats) == set(openings)
    assert all(seats == {0, 1} for seats in spy.seats.values())


def test_pairing_scores_are_from_the_first_entrants_view_in_both_seats():
    """The solver never loses, whichever seat it has: a's score is >= 1/2 in every game, and
    the same pairing seen from the other side scores <= 1/2 (a sign error would swap them)."""
    game = load("tic-tac-toe")
    solver, spy = Entrant("solver", SolverBot(game)), Entrant("spy", SeatSpy(plies=1))
    openings = random_openings(game, 3, 1, np.random.default_rng(5))
    as_a = play_pairing(solver, spy, game, openings, np.random.default_rng(6))
    as_b = play_pairing(spy, solver, game, openings, np.random.default_rng(6))
    assert min(as_a) >= 0.5 and sum(as_a) > 3
    assert max(as_b) <= 0.5 and sum(as_b) < 3


def test_perfect_player_never_loses_and_the_tournament_counts_every_game():
    game = load("tic-tac-toe")
    solver = Entrant("solver", SolverBot(game))
    rand = Entrant("random", RandomBot(game))
    openings = random_openings(game, 4, 1, np.random.default_rng(3))
    t = run_tournament([solver, rand], [("solver", "random")], game, openings,
                       np.random.default_rng(4))  # fmt: skip
    assert t.games("solver", "random") == 8
    assert t.wins[t.index("random"), t.index("solver")] == 0
    assert t.score("solver", "random") > 0.5


def test_ladder_pairs_neighbours_once_and_adds_extra_pairs_once():
    pairs = ladder(["a", "b", "c", "d"], 2, extra=[("d", "a"), ("b", "a")])
    assert [frozenset(p) for p in pairs] == [
        frozenset(p) for p in [("a", "b"), ("a", "c"), ("b", "c"), ("b", "d"), ("c", "d"),
                               ("d", "a")]
    ]  # fmt: skip
