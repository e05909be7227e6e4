"""Evaluators: masked priors, per-player values, the cache, the fast encoder, pickling."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
import torch

from agents.evaluators import NetworkEvaluator, PlaneEncoder, UniformEvaluator, masked_softmax
from agents.network import build_network
from games.catalogue import GAMES
from games.encoding import encode_batch
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
def test_plane_encoder_matches_games_encoding(name):
    game = load(name)
    states = random_states(game, 6, np.random.default_rng(0))
    movers = np.array([s.current_player() for s in states])
    assert np.array_equal(PlaneEncoder(game)(states, movers), encode_batch(game, states))


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


def trained_looking(net: torch.nn.Module) -> torch.nn.Module:
    """Random BatchNorm statistics and affine weights, as a trained net has (not 0/1)."""
    gen = torch.Generator().manual_seed(0)
    for module in net.modules():
        if isinstance(module, torch.nn.BatchNorm2d):
            n = module.num_features
            module.running_mean.copy_(torch.randn(n, generator=gen))
            module.running_var.copy_(torch.rand(n, generator=gen) + 0.5)
            module.weight.data.copy_(torch.randn(n, generator=gen))
            module.bias.data.copy_(torch.randn(n, generator=gen))
    return net.eval()


@pytest.mark.parametrize("name", ["connect4", "go5", "hex5"])
def test_the_inference_copy_computes_the_same_function(name):
    from agents.network import inference_copy

    game = load(name)
    torch.manual_seed(1)
    net = trained_looking(build_network(NetworkConfig(channels=16, blocks=2), game))
    fused = inference_copy(net)
    assert not any(isinstance(m, torch.nn.BatchNorm2d) for m in fused.modules())
    x = torch.randn(9, *game.observation_shape)
    with torch.inference_mode():
        (logits, value), (fused_logits, fused_value) = net(x), fused(x)
    torch.testing.assert_close(fused_logits, logits, rtol=1e-4, atol=1e-4)
    torch.testing.assert_close(fused_value, value, rtol=1e-4, atol=1e-4)


def test_new_weights_are_seen_after_clear_cache():
    game = load("connect4")
    torch.manual_seed(2)
    net = trained_looking(build_network(NetworkConfig(channels=8, blocks=1), game))
    evaluator = NetworkEvaluator(game, net)
    state = game.new_state()
    before, _ = evaluator.evaluate([state])
    with torch.no_grad():
        net.policy_head[-1].bias.add_(torch.arange(game.num_actions, dtype=torch.float32))
    evaluator.clear_cache()
    after, _ = evaluator.evaluate([state])
    with torch.inference_mode():
        logits, _ = net.eval()(torch.from_numpy(evaluator.encoder([state], np.array([0]))))
    expected = masked_softmax(logits.numpy(), np.ones((1, game.num_actions), bool))
    assert not np.allclose(before, after)
    np.testing.assert_allclose(after, expected, rtol=1e-4, atol=1e-6)
