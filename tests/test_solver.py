"""The exact solver: values, fastest wins, agreement with the shipped solver-labelled positions."""

from __future__ import annotations

import math

import numpy as np
import pytest

from agents.solver import Solver, SolverBot
from games.errors import UserError
from games.game import load
from sandbox.evaluation.referee import load_positions


def pons_score(score: int) -> int:
    """The solver's score in Pascal Pons' convention, as the referee files write it."""
    return _sign(score) * ((abs(score) + 1) // 2)


def _sign(x: int) -> int:
    return (x > 0) - (x < 0)


@pytest.fixture(scope="module")
def tic_tac_toe():
    return load("tic-tac-toe")


@pytest.mark.parametrize(
    "moves, winning_move",
    [
        ("x(0,0) o(1,1) x(0,1) o(2,2)", "x(0,2)"),  # X to move
        ("x(0,0) o(1,1) x(2,2) o(0,1) x(2,0)", "o(2,1)"),  # O to move: catches sign bugs
    ],
)
def test_solver_takes_a_win_in_one_for_either_player(tic_tac_toe, moves, winning_move):
    state = tic_tac_toe.parse_moves(moves)
    bot = SolverBot(tic_tac_toe)
    for seed in range(5):
        action = bot.select_action(state, np.random.default_rng(seed))
        assert state.action_to_string(action) == winning_move
    assert bot.solver.value(state) == 1


def test_solver_prefers_the_fastest_of_several_wins(tic_tac_toe):
    state = tic_tac_toe.parse_moves("x(0,0) o(1,1) x(0,1) o(2,2)")
    values = Solver(tic_tac_toe).action_values(state)
    scores = Solver(tic_tac_toe).action_scores(state)
    winning = [a for a, v in values.items() if v == 1]
    assert len(winning) > 1  # x(1,0) and x(2,0) also win, later
    assert max(scores, key=scores.__getitem__) == 2  # x(0,2) wins at once


def test_solver_blocks_a_loss_in_one(tic_tac_toe):
    state = tic_tac_toe.parse_moves("x(0,0) o(1,1) x(0,1)")
    action = SolverBot(tic_tac_toe).select_action(state, np.random.default_rng(0))
    assert state.action_to_string(action) == "o(0,2)"


def test_solver_delays_a_forced_loss(tic_tac_toe):
    state = tic_tac_toe.parse_moves("x(1,1) o(0,1) x(0,0)")  # O is lost whatever it plays
    solver = Solver(tic_tac_toe)
    assert solver.value(state) == -1
    assert set(solver.action_values(state).values()) == {-1}
    action = SolverBot(tic_tac_toe).select_action(state, np.random.default_rng(0))
    assert state.action_to_string(action) == "o(2,2)"  # the block: the loss comes later


def test_tic_tac_toe_is_a_draw_from_the_start(tic_tac_toe):
    solver = Solver(tic_tac_toe)
    assert solver.value(tic_tac_toe.new_state()) == 0
    assert solver.score(tic_tac_toe.new_state()) == 0
    assert set(solver.action_values(tic_tac_toe.new_state()).values()) == {0}


def test_analysis_gives_values_of_legal_moves_and_nan_elsewhere(tic_tac_toe):
    state = tic_tac_toe.parse_moves("x(0,0) o(1,1) x(0,1) o(2,2)")
    analysis = SolverBot(tic_tac_toe).analyse(state)
    assert state.action_to_string(analysis.action) == "x(0,2)"
    assert analysis.value == 1.0 and analysis.pv[0] == analysis.action
    for action in range(tic_tac_toe.num_actions):
        if action in state.legal_actions():
            assert analysis.q[action] in (-1.0, 0.0, 1.0)
        else:
            assert math.isnan(analysis.q[action])


def test_solver_refuses_games_too_big_to_solve():
    with pytest.raises(UserError, match="too big"):
        SolverBot(load("connect4"))


def test_solver_allowed_a_longer_game_judges_its_late_positions():
    """Solver(game, max_length=...) is for late positions of a longer game (the Hex 5x5 check in
    benchmarks/decided_at.py): the default still refuses Hex 5x5, and a raised limit solves a
    position where Black (first) connects top to bottom in one move, and where White then has
    to block that one cell or lose."""
    hex5 = load("hex5")
    with pytest.raises(UserError, match="too big"):
        Solver(hex5)
    solver = Solver(hex5, max_length=hex5.max_game_length)
    # Black on the middle column's rows 0, 1, 3, 4 (cells 2, 7, 17, 22); White on the edge.
    black_to_move = hex5.state_from_actions([2, 0, 7, 5, 17, 10, 22, 15])
    assert solver.value(black_to_move) == 1
    assert solver.action_values(black_to_move)[12] == 1
    white_to_move = hex5.state_from_actions([2, 0, 7, 5, 17, 10, 22])
    values = solver.action_values(white_to_move)
    assert all(v < 0 for a, v in values.items() if a != 12)  # only the block can hold


def _check_agreement(game, positions):
    solver = Solver(game)
    for position in positions:
        scores = solver.action_scores(game.state_from_actions(position.actions))
        best = max(scores.values())
        assert {a for a, s in scores.items() if s == best} == position.optimal
        assert {a for a, s in scores.items() if _sign(s) == _sign(best)} == position.optimal_wdl
        assert _sign(best) == position.value
        assert {a: pons_score(s) for a, s in scores.items()} == {
            a: s for a, s in enumerate(position.scores) if s is not None
        }


def test_solver_agrees_with_the_labelled_tic_tac_toe_positions(tic_tac_toe):
    _check_agreement(tic_tac_toe, load_positions("tic_tac_toe")[::10])


def test_solver_agrees_with_labelled_late_connect_four_positions():
    positions = [p for p in load_positions("connect_four_5x4") if len(p.actions) >= 8][:60]
    _check_agreement(load("connect4-5x4"), positions)


@pytest.mark.slow
def test_solver_agrees_with_every_labelled_connect_four_5x4_position():
    _check_agreement(load("connect4-5x4"), load_positions("connect_four_5x4"))


@pytest.mark.slow
def test_connect_four_5x4_is_a_draw_from_the_start():
    game = load("connect4-5x4")
    solver = Solver(game)
    assert solver.value(game.new_state()) == 0
    assert solver.action_values(game.new_state()) == {0: -1, 1: 0, 2: 0, 3: 0, 4: -1}


def _minimax(state, player: int) -> int:
    """Plain minimax for `player`, no pruning and no negation: the slow, obvious reference."""
    if state.is_terminal():
        return _sign(state.returns()[player])
    values = [_minimax(state.child(a), player) for a in state.legal_actions()]
    return max(values) if state.current_player() == player else min(values)


def test_solver_is_right_when_a_player_moves_twice_in_a_row():
    # Dots and boxes: completing a box earns another move, so negating at every ply is wrong.
    game = load("dots_and_boxes(num_rows=1,num_cols=2)")
    solver = Solver(game)
    seen, stack, repeats = set(), [game.new_state()], 0
    while stack:
        state = stack.pop()
        if state.is_terminal() or str(state) in seen:
            continue
        seen.add(str(state))
        mover = state.current_player()
        assert solver.value(state) == _minimax(state, mover)
        for action in state.legal_actions():
            child = state.child(action)
            repeats += not child.is_terminal() and child.current_player() == mover
            stack.append(child)
    assert repeats > 0
