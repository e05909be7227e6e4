"""The sweep's batched tournament: both seats, shared openings, results ready for Elo."""

import numpy as np

from agents.bots import RandomBot
from agents.solver import SolverBot
from games.game import load
from sandbox.tournament import (
    Entrant,
    ladder,
    network_entrant,
    play_pairing,
    random_openings,
    run_tournament,
)


def test_random_openings_are_distinct_unfinished_and_of_the_asked_length():
    game = load("connect4-5x4")
    openings = random_openings(game, 10, 2, np.random.default_rng(0))
    assert len(openings) == len(set(openings)) == 10
    for opening in openings:
        assert len(opening) == 2
        assert not game.state_from_actions(opening).is_terminal()


def test_every_opening_is_played_from_both_seats_and_scored_zero_half_or_one(tiny_checkpoint):
    from sandbox.config import MCTSConfig
    from sandbox.specs import load_evaluator

    game = load("tic-tac-toe")
    evaluator = load_evaluator(str(tiny_checkpoint("tic-tac-toe")), game)
    net = network_entrant("net", evaluator, MCTSConfig(), 4)
    rand = Entrant("random", agent=RandomBot(game))
    openings = random_openings(game, 3, 1, np.random.default_rng(1))
    scores = play_pairing(net, rand, game, openings, np.random.default_rng(2))
    assert len(scores) == 6
    assert set(scores) <= {0.0, 0.5, 1.0}


def test_perfect_player_never_loses_and_the_tournament_counts_every_game():
    game = load("tic-tac-toe")
    solver = Entrant("solver", agent=SolverBot(game))
    rand = Entrant("random", agent=RandomBot(game))
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
