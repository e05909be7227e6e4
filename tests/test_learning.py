"""Network shapes, the loss, the replay buffer and one training step."""

import numpy as np
import pytest
import torch

from agents.network import build_network
from games import GAMES, load
from games.errors import UserError
from games.scoring import has_score, score_margin
from sandbox.config import LearnerConfig, NetworkConfig
from sandbox.training.learner import learning_rate_at, make_optimizer, train_step
from sandbox.training.records import GameRecord
from sandbox.training.replay import ReplayBuffer


@pytest.mark.parametrize("name", list(GAMES))
def test_network_outputs_one_logit_per_action_and_a_bounded_value(name):
    game = load(name)
    net = build_network(NetworkConfig(channels=8, blocks=1, value_hidden=8), game).eval()
    logits, value = net(torch.zeros(3, *game.observation_shape))
    assert logits.shape == (3, game.num_actions) and value.shape == (3,)
    assert torch.isfinite(logits).all() and (value.abs() <= 1).all()


def _random_records(game, n, seed=0):
    rng = np.random.default_rng(seed)
    records = []
    for index in range(n):
        state, actions, targets = game.new_state(), [], []
        while not state.is_terminal():
            legal = state.legal_actions()
            target = np.zeros(game.num_actions)
            target[legal] = rng.dirichlet([1.0] * len(legal))
            action = int(rng.choice(legal))
            actions.append(action)
            targets.append(target.tolist())
            state.apply_action(action)
        records.append(
            GameRecord(game.spec.openspiel, 0, index, actions, targets, list(state.returns()))
        )
    return records


def test_replay_buffer_keeps_targets_legal_under_symmetries():
    game = load("tic-tac-toe")
    buffer = ReplayBuffer(game, capacity=500, augment=True)
    added = buffer.add_games(_random_records(game, 20))
    assert added == len(buffer) > 0
    batch = buffer.sample(256, np.random.default_rng(0))
    assert np.allclose(batch.target_policy.sum(axis=1), 1.0, atol=1e-5)
    assert (batch.target_policy[~batch.legal] == 0).all()  # mass only on legal moves
    empty_plane = 0  # tic-tac-toe plane 0 marks empty cells: exactly the legal moves
    assert (batch.obs[:, empty_plane].reshape(256, -1).astype(bool) == batch.legal).all()


def test_replay_buffer_skips_fast_moves_and_wraps_around():
    game = load("tic-tac-toe")
    record = _random_records(game, 1)[0]
    targets = [None if i % 2 else t for i, t in enumerate(record.policy_targets)]
    record = GameRecord(record.game, 0, 0, record.actions, targets, record.returns)
    buffer = ReplayBuffer(game, capacity=3)
    assert buffer.add_game(record) == sum(t is not None for t in targets)
    buffer.add_games([record] * 3)
    assert len(buffer) == 3


def test_replay_buffer_round_trips_through_a_file(tmp_path):
    game = load("connect4-5x4")
    buffer = ReplayBuffer(game, capacity=1000)
    buffer.add_games(_random_records(game, 5))
    buffer.save(tmp_path / "replay.npz")
    again = ReplayBuffer(game, capacity=1000)
    again.load(tmp_path / "replay.npz")
    assert len(again) == len(buffer) and again.cursor == buffer.cursor
    assert (again.obs[: len(buffer)] == buffer.obs[: len(buffer)]).all()


def test_train_step_drives_the_loss_down_on_a_fixed_batch():
    torch.manual_seed(0)
    game = load("tic-tac-toe")
    buffer = ReplayBuffer(game, capacity=500, augment=False)
    buffer.add_games(_random_records(game, 10))
    batch = buffer.sample(64, np.random.default_rng(0))
    net = build_network(NetworkConfig(channels=16, blocks=1, value_hidden=16), game)
    cfg = LearnerConfig(learning_rate=0.01, weight_decay=0.0)
    optimizer = make_optimizer(net, cfg)
    first = train_step(net, optimizer, batch, cfg)
    for _ in range(150):
        last = train_step(net, optimizer, batch, cfg)
    assert last.value_loss < 0.3 * first.value_loss
    # cross-entropy = entropy(target) + KL(target || net): the KL part must mostly vanish
    p = batch.target_policy
    target_entropy = float(-(p * np.log(np.where(p > 0, p, 1))).sum(1).mean())
    assert last.policy_loss - target_entropy < 0.3 * (first.policy_loss - target_entropy)


def test_the_value_target_mixes_outcome_and_search_value_by_the_configured_weight():
    game = load("tic-tac-toe")
    record = _random_records(game, 1)[0]
    searched = [0.5 - 0.1 * i for i in range(record.length)]  # mover's view, one per ply
    record = GameRecord(record.game, 0, 0, record.actions, record.policy_targets,
                        record.returns, root_values=searched)  # fmt: skip
    outcome_only = ReplayBuffer(game, capacity=100)
    mixed = ReplayBuffer(game, capacity=100, search_value_weight=0.25)
    outcome_only.add_game(record)
    mixed.add_game(record)
    n = len(mixed)
    assert n == record.length
    expected = 0.75 * outcome_only.value[:n] + 0.25 * np.array(searched, np.float32)
    np.testing.assert_allclose(mixed.value[:n], expected, rtol=1e-6)
    # A record without search values (an old run's) keeps the outcome.
    plain = GameRecord(record.game, 0, 0, record.actions, record.policy_targets, record.returns)
    again = ReplayBuffer(game, capacity=100, search_value_weight=0.25)
    again.add_game(plain)
    np.testing.assert_array_equal(again.value[:n], outcome_only.value[:n])


def test_go_margins_come_from_openspiels_scoring_and_agree_with_the_winner():
    game = load("go5")  # komi 0.5
    pass_move = game.num_actions - 1
    # One Black stone, two passes: every point is Black's area (Tromp-Taylor), 25 - 0.5.
    assert score_margin(game, [12, pass_move, pass_move]) == 24.5
    for record in _random_records(game, 4, seed=3):
        margin = score_margin(game, record.actions)
        assert np.sign(margin) == np.sign(record.returns[0]) and margin % 1 == 0.5
    with pytest.raises(ValueError, match="finished"):
        score_margin(game, [12])
    assert not has_score(load("hex5"))


def test_the_score_share_of_the_value_target_is_the_movers_margin_squashed():
    game = load("go5")
    record = _random_records(game, 1, seed=3)[0]
    margin = score_margin(game, record.actions)
    outcome_only = ReplayBuffer(game, capacity=200)
    scored = ReplayBuffer(game, capacity=200, score_value_weight=0.25)
    outcome_only.add_game(record)
    scored.add_game(record)
    n = len(scored)
    movers = np.arange(n) % 2  # Go alternates, passes included
    mover_margin = np.where(movers == 0, margin, -margin)
    expected = 0.75 * outcome_only.value[:n] + 0.25 * np.tanh(mover_margin / 5.0)
    np.testing.assert_allclose(scored.value[:n], expected, rtol=1e-5)
    # The margin always keeps a share: no target reaches a full win or loss.
    assert np.all(np.abs(scored.value[:n]) < 1)
    with pytest.raises(UserError, match="no score"):
        ReplayBuffer(load("hex5"), capacity=10, score_value_weight=0.25)


def test_the_learning_rate_holds_then_falls_geometrically_on_the_runs_clock():
    cfg = LearnerConfig(
        learning_rate=2e-3, anneal_start_minutes=60, anneal_minutes=40, learning_rate_final=5e-4
    )
    assert learning_rate_at(cfg, 0) == learning_rate_at(cfg, 60) == 2e-3
    assert learning_rate_at(cfg, 80) == pytest.approx(1e-3)  # halfway: the geometric mean
    assert learning_rate_at(cfg, 100) == learning_rate_at(cfg, 500) == pytest.approx(5e-4)
    assert learning_rate_at(LearnerConfig(learning_rate=2e-3), 10_000) == 2e-3  # no schedule
