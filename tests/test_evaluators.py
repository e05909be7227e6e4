"""Evaluators: masked priors, per-player values, the cache, the fast encoder, pickling."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
import torch

from agents.evaluators import (
    NetworkEvaluator,
    PlaneEncoder,
    UniformEvaluator,
    masked_softmax,
    position_keys,
)
from agents.network import build_network
from games.catalogue import GAMES
from games.encoding import encode_batch, legal_mask_batch
from games.game import load
from sandbox.config import NetworkConfig


def random_states(game, count, rng, max_plies=12):
    states = []
    while len(states) < count:
        state = game.new_state()
        for _ in range(rng.integers(0, max_plies)):
            legal = state.legal_actions()
            state.apply_action(legal[rng.integers(len(legal))])
            if state.is_terminal():
                break
        if not state.is_terminal():
            states.append(state)
    return states


def tiny_evaluator(game_name="connect4-5x4", cache_size=1000):
    game = load(game_name)
    torch.manual_seed(0)
    net = build_network(NetworkConfig(channels=8, blocks=1, value_hidden=8), game)
    return NetworkEvaluator(game, net, cache_size=cache_size)


@pytest.mark.parametrize("name", list(GAMES))
def test_plane_encoder_reads_movers_legal_moves_and_the_planes_games_encoding_makes(name):
    game = load(name)
    states = random_states(game, 6, np.random.default_rng(0))
    movers, planes, legal = PlaneEncoder(game).read(states)
    assert movers.tolist() == [s.current_player() for s in states]
    assert np.array_equal(planes, encode_batch(game, states))
    assert np.array_equal(legal, legal_mask_batch(game, states))


def test_position_keys_are_short_for_binary_planes_and_never_confuse_other_planes():
    planes = np.zeros((3, 2, 3, 4), np.float32)
    planes[1, 0, 1, 2] = 1.0
    planes[2, 0, 1, 2] = 0.5  # not a 0/1 plane: the whole batch keeps full-length keys
    binary = position_keys(planes[:2])
    assert [len(k) for k in binary] == [3, 3]  # 24 cells, one bit each
    assert binary[0] != binary[1] and position_keys(planes[:1]) == binary[:1]
    full = position_keys(planes)
    assert all(len(k) == 24 * 4 for k in full)
    assert len(set(full)) == 3 and not set(full) & set(binary)


def test_a_full_cache_forgets_its_oldest_positions_first():
    evaluator = tiny_evaluator(cache_size=8)
    states = random_states(evaluator.game, 40, np.random.default_rng(5))
    encoder, seen, distinct = PlaneEncoder(evaluator.game), set(), []  # one state a position
    for state in states:
        key = position_keys(encoder.read([state])[1])[0]
        if key not in seen:
            seen.add(key)
            distinct.append(state)
    assert len(distinct) >= 12
    for state in distinct[:12]:
        evaluator.evaluate([state])
    assert evaluator.cache_entries <= 8
    evaluator.reset_counters()
    evaluator.evaluate(distinct[11:12])  # the newest: still there
    assert (evaluator.hits, evaluator.misses) == (1, 0)
    evaluator.evaluate(distinct[:1])  # the oldest: gone
    assert evaluator.misses == 1


def test_network_priors_are_masked_and_values_zero_sum():
    evaluator = tiny_evaluator()
    states = random_states(evaluator.game, 8, np.random.default_rng(1))
    priors, values = evaluator.evaluate(states)
    for state, prior in zip(states, priors, strict=True):
        legal = np.zeros(evaluator.game.num_actions, bool)
        legal[state.legal_actions()] = True
        assert np.all(prior[~legal] == 0) and np.all(prior[legal] > 0)
        assert np.isclose(prior.sum(), 1.0)
    assert np.allclose(values.sum(axis=1), 0.0)


def test_cache_returns_identical_results_and_counts_hits():
    evaluator = tiny_evaluator()
    states = random_states(evaluator.game, 5, np.random.default_rng(2))
    first = evaluator.evaluate(states)
    assert (evaluator.hits, evaluator.misses) == (0, 5)
    again = evaluator.evaluate(states[::-1])
    assert (evaluator.hits, evaluator.misses) == (5, 5) and evaluator.calls == 1
    assert np.array_equal(again[0], first[0][::-1]) and np.array_equal(again[1], first[1][::-1])
    uncached = tiny_evaluator(cache_size=0).evaluate(states)
    assert np.allclose(uncached[0], first[0]) and np.allclose(uncached[1], first[1])


def test_one_position_twice_in_a_call_is_evaluated_once():
    evaluator = tiny_evaluator(cache_size=0)
    state = evaluator.game.new_state()
    priors, _ = evaluator.evaluate([state, state.clone(), state])
    assert evaluator.positions_evaluated == 1 and evaluator.hits == 2
    assert np.array_equal(priors[0], priors[1])


def test_softmax_keeps_every_legal_action_above_zero():
    logits = np.array([[0.0, -200.0, 50.0, 9.0]], dtype=np.float32)
    legal = np.array([[True, True, True, False]])
    priors = masked_softmax(logits, legal)
    assert np.all(priors[0, :3] > 0) and priors[0, 3] == 0 and np.isclose(priors.sum(), 1.0)


def test_evaluator_pickles_with_its_weights_and_without_its_cache():
    evaluator = tiny_evaluator()
    states = random_states(evaluator.game, 3, np.random.default_rng(3))
    priors, values = evaluator.evaluate(states)
    copy = pickle.loads(pickle.dumps(evaluator))
    assert copy.cache_entries == 0 and copy.net is not evaluator.net
    copy_priors, copy_values = copy.evaluate(states)
    assert np.allclose(copy_priors, priors) and np.allclose(copy_values, values)


def test_uniform_evaluator_is_uniform_over_legal_moves():
    game = load("tic-tac-toe")
    state = game.parse_moves("x(1,1)")
    priors, values = UniformEvaluator(game).evaluate([state])
    assert np.allclose(priors[0][state.legal_actions()], 1 / 8) and priors[0][4] == 0
    assert np.all(values == 0)


def trained_batch_norms(net, seed=0):
    """Running statistics and affine weights far from their defaults, as training leaves them
    (a folding that dropped any of them would then change the outputs)."""
    generator = torch.Generator().manual_seed(seed)
    for module in net.modules():
        if isinstance(module, torch.nn.BatchNorm2d):
            ranges = [
                (module.running_mean, -1, 1),
                (module.running_var, 0.3, 3),
                (module.weight, 0.5, 1.5),
                (module.bias, -0.5, 0.5),
            ]
            for tensor, low, high in ranges:
                tensor.data.copy_(
                    torch.rand(tensor.shape, generator=generator) * (high - low) + low
                )
    return net


def raw_outputs(evaluator, states):
    """The priors and values of `evaluator.net` itself (batch norms unfolded)."""
    movers = np.array([s.current_player() for s in states])
    with torch.inference_mode():
        logits, value = evaluator.net.eval()(torch.from_numpy(encode_batch(evaluator.game, states)))
    legal = np.array([s.legal_actions_mask() for s in states], bool)
    return (
        masked_softmax(logits.numpy(), legal),
        value.double().numpy()[np.arange(len(states))],
        movers,
    )


def test_the_forward_runs_the_network_with_its_batch_norms_folded_and_the_same_outputs():
    evaluator = tiny_evaluator("go5", cache_size=0)
    trained_batch_norms(evaluator.net)
    states = random_states(evaluator.game, 16, np.random.default_rng(3))
    priors, values = evaluator.evaluate(states)
    expected_priors, expected_value, movers = raw_outputs(evaluator, states)
    assert not any(isinstance(m, torch.nn.BatchNorm2d) for m in evaluator.inference_net.modules())
    np.testing.assert_allclose(priors, expected_priors, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(values[np.arange(16), movers], expected_value, atol=1e-5)


def test_new_weights_reach_the_forward_once_the_cache_is_cleared():
    """The trainer changes `net` in place, then clears the cache: the folded copy must follow."""
    evaluator = tiny_evaluator("connect4-5x4", cache_size=0)
    states = random_states(evaluator.game, 8, np.random.default_rng(4))
    before, _ = evaluator.evaluate(states)
    trained_batch_norms(evaluator.net, seed=1)
    with torch.no_grad():
        for p in evaluator.net.parameters():
            p.add_(0.5 * torch.randn_like(p))
    evaluator.clear_cache()
    after, _ = evaluator.evaluate(states)
    expected, _, _ = raw_outputs(evaluator, states)
    assert not np.allclose(after, before, atol=1e-3)
    np.testing.assert_allclose(after, expected, rtol=1e-4, atol=1e-6)
