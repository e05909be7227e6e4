"""PUCT search and Gumbel root selection: tactics, bookkeeping, noise, determinism, batching."""

from __future__ import annotations

import json
import math
import os
import re
import zlib
from pathlib import Path

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
    search_result,
    ucb_scores,
)
from games.game import Game, load
from sandbox.config import MCTSConfig

TIC_TAC_TOE = load("tic-tac-toe")
GOLDEN_TREE = Path(__file__).parent / "data" / "golden_tree_tic_tac_toe.json"


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
    search = Search([state], HashEvaluator(TIC_TAC_TOE), cfg, np.random.default_rng(0), 200)
    search.run()
    tree = search.tree
    expanded = np.flatnonzero(tree.is_expanded[: tree.num_nodes])
    for node in expanded:
        legal = tree.states[node].legal_actions()
        illegal = np.setdiff1d(np.arange(TIC_TAC_TOE.num_actions), legal)
        assert tree.visits[node, illegal].sum() == 0


def test_same_seed_gives_the_same_result():
    state = TIC_TAC_TOE.parse_moves("x(0,0)")
    cfg = MCTSConfig(num_simulations=60)
    a, b = (
        run_search([state], HashEvaluator(TIC_TAC_TOE), cfg, np.random.default_rng(7),
                   is_noisy=True)[0]  # root noise on
        for _ in range(2)
    )  # fmt: skip
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
    batched = run_search(states, evaluator, cfg, rngs, is_noisy=True)
    for i, state in enumerate(states):
        [alone] = run_search([state], evaluator, cfg, np.random.default_rng(i), is_noisy=True)
        assert np.array_equal(batched[i].visits, alone.visits)


@pytest.mark.parametrize("use_gumbel", [False, True])
def test_a_restarted_tree_searches_like_a_fresh_search_and_reuses_its_rows(use_gumbel):
    game = load("connect4-5x4")
    states = [game.new_state() for _ in range(3)]
    for i, state in enumerate(states):
        state.apply_action(i)
    later = states[0].clone()
    later.apply_action(4)
    cfg = MCTSConfig(num_simulations=40, gumbel=use_gumbel)
    evaluator = HashEvaluator(game)
    search = Search(states, evaluator, cfg, [np.random.default_rng(i) for i in range(3)],
                    [10, 40, 40], is_noisy=True)  # fmt: skip
    while 0 not in search.finished():
        assert search.step()
    assert search.finished() == [0]
    search.restart(0, later, 30, np.random.default_rng(9))
    assert search.finished() == []  # its new root waits for the next step's evaluation
    search.run()
    assert search.finished() == [0, 1, 2] and search.done == [30, 40, 40]
    [fresh] = run_search([later], evaluator, cfg, np.random.default_rng(9), 30, is_noisy=True)
    assert np.array_equal(search.result(0).visits, fresh.visits)
    assert search.result(0).best_action == fresh.best_action
    for b in (1, 2):
        [alone] = run_search([states[b]], evaluator, cfg, np.random.default_rng(b), 40,
                             is_noisy=True)  # fmt: skip
        assert np.array_equal(search.result(b).visits, alone.visits)
    # One row per root and per simulation, less the 10 rows of tree 0's first search, reused:
    assert search.tree.num_nodes <= 3 + 40 + 40 + 30
    owners = search.tree.owner[: search.tree.num_nodes]
    assert all(owners[node] == 0 for node in search.tree.children[0][search.tree.children[0] >= 0])


def check_tree_is_consistent(search: Search) -> None:
    """From every root: each child's state is its parent's after the edge's action, owned by the
    same tree, and an expanded node's visits are its parent edge's visits less the first."""
    tree = search.tree
    for b in range(len(search.states)):
        assert str(tree.states[b]) == str(search.states[b])
        frontier = [b]
        while frontier:
            s = frontier.pop()
            for a in np.flatnonzero(tree.children[s] >= 0).tolist():
                child = int(tree.children[s, a])
                assert tree.owner[child] == b
                expected = tree.states[s].clone()
                expected.apply_action(a)
                assert str(tree.states[child]) == str(expected)
                if tree.is_expanded[child]:
                    assert tree.visits[child].sum() == tree.visits[s, a] - 1
                frontier.append(child)


def test_advancing_keeps_the_subtree_of_the_move_played_and_frees_the_rest():
    game = load("connect4-5x4")
    states = [game.new_state(), game.new_state()]
    states[1].apply_action(2)
    cfg = MCTSConfig(num_simulations=60)
    rngs = [np.random.default_rng(i) for i in range(2)]
    search = Search(states, HashEvaluator(game), cfg, rngs, is_noisy=True)
    search.run()
    action = search.result(0).best_action
    child = int(search.tree.children[0, action])
    kept = search.tree.visits[child].sum()
    assert 0 < kept < 59
    after = states[0].clone()
    after.apply_action(action)
    used = search.tree.num_nodes
    search.advance(0, action, after, 25, np.random.default_rng(5))
    check_tree_is_consistent(search)
    assert search.tree.visits[0].sum() == kept  # the statistics came along
    assert len(search.tree.free) == 60 - kept  # every other node of tree 0 (root's row reused)
    assert search.finished() == [1]  # tree 1 has spent its budget; tree 0 has 25 to go
    search.run()
    check_tree_is_consistent(search)
    assert search.tree.visits[0].sum() == kept + 25 and search.done == [25, 60]
    assert search.tree.num_nodes <= used + max(0, 25 - (60 - kept))  # freed rows came first
    result = search.result(0)
    assert result.best_action in after.legal_actions()
    assert np.isclose(result.policy_target.sum(), 1.0)


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
    # A uniform prior and value: all nine moves tie, so only the Gumbel noise tells them apart.
    state = TIC_TAC_TOE.new_state()
    cfg = MCTSConfig(num_simulations=16, gumbel=True, dirichlet_fraction=0.0)
    evaluator = UniformEvaluator(TIC_TAC_TOE)

    def best_actions(is_noisy: bool) -> set[int]:
        return {run_search([state], evaluator, cfg, np.random.default_rng(s), is_noisy=is_noisy)[0]
                .best_action for s in range(8)}  # fmt: skip

    assert len(best_actions(is_noisy=False)) == 1  # deterministic play outside self-play
    assert len(best_actions(is_noisy=True)) > 1  # self-play: the sampled scores decide


def test_ucb_scores_are_q_plus_u_written_out_by_hand():
    """Q + U = W / max(N, 1) + c_puct * P * sqrt(max(sum_b N, 1)) / (1 + N), row by row."""
    num_actions, c_puct = TIC_TAC_TOE.num_actions, 1.7
    tree = new_tree([TIC_TAC_TOE.new_state()], 4, num_actions, 2)
    tree.num_nodes = 2
    # Node 0: action 2 illegal (P = 0), action 5 legal but unvisited, the rest visited.
    prior = [0.05, 0.2, 0.0, 0.1, 0.15, 0.3, 0.05, 0.1, 0.05]
    visits = [3, 7, 0, 1, 2, 0, 4, 1, 2]
    value_sum = [1.5, -2.1, 0.0, 0.9, -0.4, 0.0, 3.2, -1.0, 0.6]
    tree.prior[0], tree.visits[0], tree.value_sum[0] = prior, visits, value_sum
    # Node 1: a fresh node (no visits: sqrt of the total is taken as 1), actions 0 and 8 illegal.
    prior1 = [0.0, 0.3, 0.1, 0.1, 0.2, 0.1, 0.1, 0.1, 0.0]
    tree.prior[1] = prior1

    scores = ucb_scores(tree, np.array([0, 1]), c_puct)

    def by_hand(priors, visits, value_sums):
        total = sum(visits)
        expected = []
        for p, n, w in zip(priors, visits, value_sums, strict=True):
            if p == 0:
                expected.append(-math.inf)
                continue
            q = w / max(n, 1)
            u = c_puct * p * math.sqrt(max(total, 1)) / (1 + n)
            expected.append(q + u)
        return expected

    fresh = [0] * num_actions
    expected = [by_hand(prior, visits, value_sum), by_hand(prior1, fresh, fresh)]
    assert scores.shape == (2, num_actions)
    np.testing.assert_allclose(scores, np.array(expected), rtol=1e-6)
    assert np.isneginf(scores[0, 2]) and np.isneginf(scores[1, [0, 8]]).all()
    assert np.isfinite(scores[0, 5])  # unvisited but legal: Q = 0, U = c_puct * P * sqrt(20)
    assert scores[0, 5] == pytest.approx(c_puct * 0.3 * math.sqrt(20))


@pytest.mark.parametrize("seed", range(8))
def test_best_action_breaks_visit_ties_by_q_then_prior_whatever_the_action_order(seed):
    """Like OpenSpiel's assertBestChild: the same children statistics under shuffled action
    indices. Actions: (visits, W, prior) -> Q = W / N."""
    num_actions = TIC_TAC_TOE.num_actions
    cases = {
        # equal top visits: the higher Q wins, although the other has the higher prior
        "q": ([(6, 1.2, 0.30), (6, 3.0, 0.10), (5, 5.0, 0.40), (0, 0.0, 0.20)], 1),
        # equal top visits, both losing: the less negative Q wins
        "negative q": ([(4, -3.0, 0.50), (4, -1.0, 0.05), (2, 2.0, 0.45)], 1),
        # equal top visits and equal Q: the higher prior wins
        "prior": ([(5, 2.5, 0.15), (5, 2.5, 0.35), (3, 3.0, 0.30), (1, 1.0, 0.20)], 1),
        # equal visits, Q and prior except for one: the highest prior among the tied
        "three way": ([(3, 1.5, 0.2), (3, 1.5, 0.1), (3, 1.5, 0.25), (2, 2.0, 0.45)], 2),
    }
    rng = np.random.default_rng(seed)
    shuffles = [rng.permutation(num_actions) for _ in cases]  # shuffle[i]: the action of child i
    for (name, (children, winner)), shuffle in zip(cases.items(), shuffles, strict=True):
        for order in (shuffle, shuffle[::-1]):  # the winner both before and after a tied child
            tree = new_tree([TIC_TAC_TOE.new_state()], 1, num_actions, 2)
            prior = np.zeros(num_actions)
            for i, (n, w, p) in enumerate(children):
                tree.visits[0, order[i]], tree.value_sum[0, order[i]], prior[order[i]] = n, w, p
            result = search_result(tree, 0, prior, 0.0)
            assert result.best_action == order[winner], (name, order.tolist())


def test_dirichlet_root_noise_only_when_the_caller_asks():
    state = TIC_TAC_TOE.parse_moves("x(0,0) o(1,1)")
    legal = np.zeros(TIC_TAC_TOE.num_actions, bool)
    legal[state.legal_actions()] = True
    cfg = MCTSConfig(num_simulations=8, dirichlet_fraction=0.25, dirichlet_alpha=0.3)
    evaluator = HashEvaluator(TIC_TAC_TOE)

    noisy = Search([state], evaluator, cfg, np.random.default_rng(0), is_noisy=True)
    root, network = noisy.tree.prior[0], noisy.priors[0]
    assert not np.allclose(root, network)
    assert np.all(root[~legal] == 0) and np.all(root[legal] > 0)
    assert np.isclose(root.sum(), 1.0)
    noise = (root - 0.75 * network) / 0.25  # root = (1 - f) * P + f * noise
    assert np.all(noise >= -1e-6) and np.isclose(noise.sum(), 1.0)

    quiet = Search([state], evaluator, cfg, np.random.default_rng(0))  # is_noisy=False
    assert cfg.dirichlet_fraction == 0.25
    np.testing.assert_allclose(quiet.tree.prior[0], quiet.priors[0], rtol=1e-6)  # float32


def _tree_snapshot(search: Search) -> dict:
    tree, [result] = search.tree, search.results()

    def rounded(row):
        return [round(float(x), 5) for x in row]

    return {
        "num_nodes": int(tree.num_nodes),
        "nodes": [
            {
                "to_play": int(tree.to_play[s]),
                "prior": rounded(tree.prior[s]),
                "visits": [int(n) for n in tree.visits[s]],
                "value_sum": rounded(tree.value_sum[s]),
                "children": [int(c) for c in tree.children[s]],
            }
            for s in range(tree.num_nodes)
        ],
        "root": {
            "visits": [int(n) for n in result.visits],
            "q": [None if math.isnan(q) else round(float(q), 5) for q in result.q],
            "best_action": int(result.best_action),
            "pv": [int(a) for a in result.pv],
        },
    }


def test_search_builds_the_golden_tree():
    """A fixed small search, node by node, against tests/data/golden_tree_tic_tac_toe.json (as
    mctx's tree_test). After an intended change to the search, regenerate the file with
    REGENERATE_GOLDEN=1 pytest tests/test_mcts.py -k golden, and review its diff."""
    moves = "x(0,0) o(1,1)"
    cfg = MCTSConfig(num_simulations=24, c_puct=1.5, leaves_per_step=1)
    search = Search([TIC_TAC_TOE.parse_moves(moves)], HashEvaluator(TIC_TAC_TOE), cfg,
                    np.random.default_rng(0))  # fmt: skip
    search.run()
    actual = {"game": TIC_TAC_TOE.name, "moves": moves, "num_simulations": 24, "c_puct": 1.5,
              **_tree_snapshot(search)}  # fmt: skip
    if os.environ.get("REGENERATE_GOLDEN") == "1":
        GOLDEN_TREE.parent.mkdir(exist_ok=True)
        text = json.dumps(actual, indent=1)
        rows = re.compile(r"\[\s+([^\[\]{}]*?)\s+\]")  # a list of numbers: one line
        text = rows.sub(lambda m: "[" + re.sub(r"\s+", " ", m[1]) + "]", text)
        GOLDEN_TREE.write_text(text + "\n")
        pytest.skip(f"wrote {GOLDEN_TREE}")
    golden = json.loads(GOLDEN_TREE.read_text())
    # The root's prior comes from the evaluator alone: if it differs, HashEvaluator (numpy's
    # generator, OpenSpiel's text of a state) changed, not the search.
    assert actual["nodes"][0]["prior"] == golden["nodes"][0]["prior"], "the evaluator changed"
    assert actual["num_nodes"] == golden["num_nodes"]
    for s, (node, expected) in enumerate(zip(actual["nodes"], golden["nodes"], strict=True)):
        for key, row in expected.items():  # the first difference, by node and field
            assert node[key] == row, f"node {s}, {key}"
    assert actual["root"] == golden["root"]
