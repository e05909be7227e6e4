"""PUCT search and Gumbel root selection: tactics, bookkeeping, noise, determinism, batching."""

from __future__ import annotations

import zlib

import numpy as np
import pytest

from agents import gumbel
from agents.evaluators import UniformEvaluator
from agents.mcts import (
    Paths,
    Search,
    add_dirichlet_noise,
    backup,
    new_tree,
    run_search,
)
from games.game import Game, load
from sandbox.config import MCTSConfig

TIC_TAC_TOE = load("tic-tac-toe")


class HashEvaluator:
    """Prior and value a fixed function of the position, whatever else shares the batch: a
    network without floating-point noise, so batched and unbatched searches can be compared."""

    def __init__(self, game: Game):
        self.game = game

    def evaluate(self, states):
        priors = np.zeros((len(states), self.game.num_actions))
        values = np.zeros((len(states), 2))
        for i, state in enumerate(states):
            rng = np.random.default_rng(zlib.crc32(str(state).encode()))
            legal = state.legal_actions()
            priors[i, legal] = rng.dirichlet([1.0] * len(legal))
            value = rng.uniform(-0.5, 0.5)
            values[i, state.current_player()], values[i, 1 - state.current_player()] = value, -value
        return priors, values


def search(moves: str, **cfg_fields) -> tuple:
    state = TIC_TAC_TOE.parse_moves(moves)
    cfg = MCTSConfig(**{"num_simulations": 100, "dirichlet_fraction": 0.0, **cfg_fields})
    [result] = run_search([state], UniformEvaluator(TIC_TAC_TOE), cfg, np.random.default_rng(0))
    return state, result


@pytest.mark.parametrize("leaves", [1, 8])
@pytest.mark.parametrize(
    "moves, winning_move",
    [
        ("x(0,0) o(1,1) x(0,1) o(2,2)", "x(0,2)"),  # X to move
        ("x(0,0) o(1,1) x(2,2) o(0,1) x(2,0)", "o(2,1)"),  # O to move: catches sign bugs
    ],
)
def test_search_takes_a_win_in_one_for_either_player(moves, winning_move, leaves):
    state, result = search(moves, leaves_per_step=leaves)
    assert state.action_to_string(result.best_action) == winning_move
    assert result.q[result.best_action] > 0.9  # the mover's view: a win is +1


@pytest.mark.parametrize("leaves", [1, 8])
def test_search_blocks_a_loss_in_one(leaves):
    state, result = search("x(0,0) o(1,1) x(0,1)", leaves_per_step=leaves)
    assert state.action_to_string(result.best_action) == "o(0,2)"


@pytest.mark.parametrize("leaves", [1, 3, 16])
def test_root_visits_sum_to_num_simulations(leaves):
    states = [TIC_TAC_TOE.new_state(), TIC_TAC_TOE.parse_moves("x(1,1)")]
    cfg = MCTSConfig(num_simulations=50, leaves_per_step=leaves)
    rng = np.random.default_rng(0)
    results = run_search(states, UniformEvaluator(TIC_TAC_TOE), cfg, rng, [50, 7])
    assert [r.visits.sum() for r in results] == [50, 7]
    assert all(np.isclose(r.policy_target.sum(), 1.0) for r in results)


def test_dirichlet_noise_touches_only_legal_moves_and_keeps_the_sum_at_one():
    prior = np.array([0.0, 0.5, 0.0, 0.25, 0.25])
    noisy = add_dirichlet_noise(prior, 0.3, 0.25, np.random.default_rng(0))
    assert np.all(noisy[[0, 2]] == 0) and np.all(noisy[[1, 3, 4]] > 0)
    assert np.isclose(noisy.sum(), 1.0) and not np.array_equal(noisy, prior)


def test_search_never_selects_illegal_moves():
    state = TIC_TAC_TOE.parse_moves("x(0,0) o(1,1) x(2,2)")
    cfg = MCTSConfig(num_simulations=200, leaves_per_step=4)
    search = Search([state], HashEvaluator(TIC_TAC_TOE), cfg, np.random.default_rng(0))
    search.run([200])
    tree = search.tree
    expanded = np.flatnonzero(tree.is_expanded[: tree.num_nodes])
    for node in expanded:
        legal = tree.states[node].legal_actions()
        illegal = np.setdiff1d(np.arange(TIC_TAC_TOE.num_actions), legal)
        assert tree.visits[node, illegal].sum() == 0


def test_same_seed_gives_the_same_result():
    state = TIC_TAC_TOE.parse_moves("x(0,0)")
    cfg = MCTSConfig(num_simulations=60)  # root noise on
    a, b = (
        run_search([state], HashEvaluator(TIC_TAC_TOE), cfg, np.random.default_rng(7))[0]
        for _ in range(2)
    )
    assert np.array_equal(a.visits, b.visits) and a.best_action == b.best_action


def test_batched_search_returns_the_visits_of_searching_each_state_alone():
    game = load("connect4-5x4")
    states = [game.new_state()]
    for action in [2, 2, 1, 3, 0, 4]:
        states.append(states[-1].clone())
        states[-1].apply_action(action)
    cfg = MCTSConfig(num_simulations=40)  # with root noise: one generator per root
    evaluator = HashEvaluator(game)
    rngs = [np.random.default_rng(i) for i in range(len(states))]
    batched = run_search(states, evaluator, cfg, rngs)
    for i, state in enumerate(states):
        [alone] = run_search([state], evaluator, cfg, np.random.default_rng(i))
        assert np.array_equal(batched[i].visits, alone.visits)


def test_a_player_moving_twice_in_a_row_gets_their_own_value():
    # Dots and boxes, 1x2 boxes. Lines: 0 h(0,0) 1 h(0,1) 2 h(1,0) 3 h(1,1) 4 v(0,0) 5 v(0,1)
    # 6 v(0,2). After 0 2 4 1 3, player 1 draws 5: it closes box 0, moves again, and 6
    # closes box 1 (2-0). Drawing 6 first closes nothing and hands both boxes to player 0.
    game = load("dots_and_boxes(num_rows=1,num_cols=2)")
    state = game.state_from_actions([0, 2, 4, 1, 3])
    assert state.current_player() == 1
    cfg = MCTSConfig(num_simulations=30, dirichlet_fraction=0.0)
    [result] = run_search([state], UniformEvaluator(game), cfg, np.random.default_rng(0))
    assert result.best_action == 5
    assert result.q[5] > 0.9 and result.q[6] < 0  # a sign flip per ply would swap them


def test_backup_indexes_the_leaf_value_by_each_nodes_mover():
    game = TIC_TAC_TOE
    tree = new_tree([game.new_state()], 4, game.num_actions, 2)
    tree.num_nodes = 3
    tree.to_play[:3] = [0, 0, 1]  # player 0 moves twice, then player 1
    tree.value[3] = [0.5, -0.5]  # the leaf's value for each player
    edges = [(np.array([0]), np.array([s]), np.array([a])) for s, a in [(0, 4), (1, 2), (2, 7)]]
    paths = Paths(np.array([0]), edges, np.array([2]), np.array([7]), np.array([3]))
    backup(tree, [paths], virtual_loss=0.0)
    assert [tree.value_sum[s, a] for s, a in [(0, 4), (1, 2), (2, 7)]] == [0.5, 0.5, -0.5]


def test_search_can_be_stepped_past_its_planned_budget():
    state = TIC_TAC_TOE.new_state()
    cfg = MCTSConfig(num_simulations=4, dirichlet_fraction=0.0, leaves_per_step=2)
    search = Search([state], UniformEvaluator(TIC_TAC_TOE), cfg, np.random.default_rng(0))
    steps = 0
    while search.step([60]):
        steps += 1
    assert steps == 30 and search.done == [60]
    assert search.results()[0].visits.sum() == 60


@pytest.mark.parametrize("leaves", [1, 4])
@pytest.mark.parametrize(
    "moves, winning_move",
    [("x(0,0) o(1,1) x(0,1) o(2,2)", "x(0,2)"), ("x(0,0) o(1,1) x(2,2) o(0,1) x(2,0)", "o(2,1)")],
)
def test_gumbel_finds_a_win_in_one(moves, winning_move, leaves):
    state, result = search(moves, gumbel=True, num_simulations=32, leaves_per_step=leaves)
    assert state.action_to_string(result.best_action) == winning_move
    assert result.policy_target.argmax() == result.best_action
    legal = np.zeros(TIC_TAC_TOE.num_actions, bool)
    legal[state.legal_actions()] = True
    assert np.isclose(result.policy_target.sum(), 1.0) and np.all(result.policy_target[~legal] == 0)


def test_gumbel_spends_the_budget_by_sequential_halving():
    state = TIC_TAC_TOE.new_state()
    cfg = MCTSConfig(num_simulations=24, gumbel=True, gumbel_considered=4, dirichlet_fraction=0)
    [result] = run_search([state], HashEvaluator(TIC_TAC_TOE), cfg, np.random.default_rng(0))
    visited = np.sort(result.visits[result.visits > 0])
    assert result.visits.sum() == 24 and len(visited) == 4  # Gumbel-top-4, nothing else
    assert list(visited) == [3, 3, 9, 9]  # 4 x 3 visits, then the best 2 get 6 more each
    assert gumbel.considered_visits(4, 24)[:4] == (0, 0, 0, 0)


def test_gumbel_noise_only_with_self_play_noise():
    state = TIC_TAC_TOE.new_state()
    cfg = MCTSConfig(num_simulations=16, gumbel=True, dirichlet_fraction=0.0)
    evaluator = HashEvaluator(TIC_TAC_TOE)
    actions = {run_search([state], evaluator, cfg, np.random.default_rng(s))[0].best_action
               for s in range(5)}  # fmt: skip
    assert len(actions) == 1  # deterministic play outside self-play
