"""agents.verdict: search 'changed the move' only on clear evidence, never on ties or mirrors."""

from __future__ import annotations

import math

import numpy as np
import pytest

from agents.solver import SolverBot
from agents.verdict import AGREES, CHANGED, UNDECIDED, are_equivalent, judge, standard_error
from games.game import load
from games.symmetries import symmetries

NAN = math.nan


def c4(moves: str = ""):
    game = load("connect4-5x4")
    return game, (game.parse_moves(moves) if moves else game.new_state())


def test_mirror_image_moves_on_the_empty_board_agree():
    # The case of the issue: 6,400 simulations, the network wants x3, the search plays x1.
    game, state = c4()
    prior = np.array([0.01, 0.40, 0.17, 0.41, 0.01])
    visits = np.array([1, 3003, 782, 2613, 1])
    q = np.array([-0.999, -0.005, -0.016, -0.008, -0.997])
    verdict = judge(prior, visits, q, symmetries(game), state)
    assert (verdict.kind, verdict.system1, verdict.system2) == (AGREES, 3, 1)
    assert verdict.is_mirror and not verdict.is_changed


def test_mirror_images_stop_being_equivalent_once_the_board_is_not_symmetric():
    game, state = c4("0")
    syms = symmetries(game)
    assert not are_equivalent(1, 3, state, syms)
    assert are_equivalent(1, 3, game.new_state(), syms)
    ttt = load("tic-tac-toe")
    assert are_equivalent(0, 8, ttt.new_state(), symmetries(ttt))  # opposite corners
    assert not are_equivalent(0, 4, ttt.new_state(), symmetries(ttt))  # corner and centre


def test_a_near_tie_is_undecided_not_changed():
    # priors 33/35/32%, all Q about 0: whichever is most visited, the search has not decided.
    ttt = load("tic-tac-toe")
    state = ttt.parse_moves("x(0,0) o(1,1) x(2,1)")  # no symmetry left
    prior = np.zeros(9)
    prior[[2, 5, 6]] = [0.33, 0.35, 0.32]
    visits = np.zeros(9)
    visits[[2, 5, 6]] = [70, 66, 64]
    q = np.full(9, NAN)
    q[[2, 5, 6]] = [0.01, -0.01, 0.0]
    verdict = judge(prior, visits, q, symmetries(ttt), state)
    assert verdict.kind == UNDECIDED and verdict.between == (2, 5)


def test_a_clear_q_gap_with_most_visits_is_a_change_and_either_alone_is_not():
    game, state = c4("0 0 1 1")
    syms = symmetries(game)
    prior = np.array([0.1, 0.1, 0.6, 0.1, 0.1])
    q = np.array([NAN, NAN, -0.9, 0.1, NAN])
    clear = judge(prior, np.array([0, 0, 10, 190, 0]), q, syms, state)
    assert clear.kind == CHANGED and clear.gap > clear.noise and clear.share > 0.5
    # The same Q gap without most of the visits: not yet the search's settled choice.
    split = judge(
        prior, np.array([0, 0, 60, 70, 70]), np.array([NAN, NAN, -0.9, 0.1, 0.0]), syms, state
    )
    assert split.kind == UNDECIDED
    # Most of the visits, but a gap inside the noise of a handful of visits.
    close = judge(
        prior, np.array([0, 0, 2, 5, 0]), np.array([NAN, NAN, 0.0, 0.3, NAN]), syms, state
    )
    assert close.kind == UNDECIDED


def test_a_move_seen_once_is_never_certain():
    se = standard_error(np.array([-1.0, -1.0]), np.array([1, 400]))
    assert se[0] > 0.8  # one pseudo-win and one pseudo-loss keep the bound away from 0
    assert se[1] < 0.05


@pytest.fixture(scope="module")
def shipped():
    from sandbox.specs import search_player

    game = load("connect4-5x4")
    return game, search_player("mcts", game, model="zoo:connect4-5x4")


# Referee position 456 of connect_four_5x4.public.jsonl: Yellow to move. The network likes x4
# (46%), which loses; x3 (9% prior) is the only move that keeps the draw.
SAVING = "1 0 2 2 4 2 1 4 4"


def test_search_finding_the_move_that_saves_a_lost_favourite_is_marked(shipped):
    game, player = shipped
    state = game.parse_moves(SAVING)
    values = SolverBot(game).solver.action_values(state)
    result = player.with_simulations(200).search(state)
    verdict = judge(result.prior, result.visits, result.q, symmetries(game), state)
    assert values[verdict.system1] < 0 and values[verdict.system2] == max(values.values()) == 0
    assert verdict.kind == CHANGED


def test_the_shipped_model_on_the_empty_board_is_never_marked_changed(shipped):
    game, player = shipped
    state = game.new_state()
    result = player.with_simulations(100).search(state)
    assert judge(result.prior, result.visits, result.q, symmetries(game), state).kind != CHANGED
