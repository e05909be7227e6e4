"""The training loop end to end: checkpoints round-trip, resume continues, nothing overwritten."""

import dataclasses
import json

import numpy as np
import pytest
import torch

from agents.evaluators import NetworkEvaluator
from agents.mcts import run_search
from games import UserError, load
from sandbox.specs import make_agent
from sandbox.training.checkpoint import checkpoint_config, load_network, read_checkpoint
from sandbox.training.loop import train
from sandbox.training.metrics import read_metrics
from sandbox.training.records import read_records, replay
from sandbox.training.run import RunDir


def test_checkpoint_round_trips_the_network(tiny_checkpoint):
    path = tiny_checkpoint("connect4-5x4")
    net, game, payload = load_network(path)
    again, _, _ = load_network(path, game)
    obs = torch.randn(2, *game.observation_shape)
    assert torch.equal(net(obs)[0], again(obs)[0])
    assert payload["step"] == 3 and game.name == "connect4-5x4"


def test_checkpoint_of_another_game_is_refused(tiny_checkpoint):
    with pytest.raises(UserError, match="is for game 'tic-tac-toe', not 'connect4-5x4'"):
        load_network(tiny_checkpoint("tic-tac-toe"), load("connect4-5x4"))


def test_truncated_checkpoint_gives_a_clear_error(tiny_checkpoint, tmp_path):
    data = tiny_checkpoint("tic-tac-toe").read_bytes()
    broken = tmp_path / "broken.pt"
    broken.write_bytes(data[: len(data) // 2])
    with pytest.raises(UserError, match="damaged or not a checkpoint"):
        read_checkpoint(broken)
    (tmp_path / "text.pt").write_text("hello")
    with pytest.raises(UserError, match="damaged or not a checkpoint"):
        read_checkpoint(tmp_path / "text.pt")


def test_training_writes_metrics_games_and_checkpoints_that_agents_load(smoke_config, tmp_path):
    run = RunDir(tmp_path / "run")
    last = train(smoke_config, run)
    assert last["iteration"] == 2 and run.latest.exists() and run.config.exists()
    rows = [json.loads(line) for line in (run.path / "metrics.jsonl").read_text().splitlines()]
    assert [r["iteration"] for r in rows] == [1, 2] and "policy_loss" in rows[-1]
    game = load("tic-tac-toe")
    for record in read_records(run.games / "iter_00000.jsonl"):
        state = replay(game, record)  # raises on any illegal action
        assert state.is_terminal() and sum(record.returns) == 0
        assert all(np.isclose(sum(p), 1.0) for p in record.policy_targets if p is not None)
    # An agent of the run directory plays its latest checkpoint with the saved search settings:
    # a legal move, the one a search with that checkpoint's network and settings picks.
    agent = make_agent(f"mcts:model={run.path},sims=16", game)
    state = game.parse_moves("x(0,0) o(1,1) x(2,2)")
    move = agent.select_action(state, np.random.default_rng(0))
    assert move in state.legal_actions()
    net, _, payload = load_network(run.latest, game)
    weights = agent.evaluator.net.state_dict()
    assert all(torch.equal(weights[k], v) for k, v in net.state_dict().items())
    cfg = checkpoint_config(payload).mcts
    [result] = run_search([state], NetworkEvaluator(game, net), cfg, np.random.default_rng(0), 16)
    assert move == result.best_action


def test_training_refuses_to_overwrite_an_existing_run(smoke_config, tmp_path):
    run = RunDir(tmp_path / "run")
    train(smoke_config, run)
    before = run.latest.read_bytes()
    with pytest.raises(UserError, match="--resume"):
        train(smoke_config, run)
    assert run.latest.read_bytes() == before


def test_resume_continues_exactly_where_the_checkpoint_left(smoke_config, tmp_path):
    """Two iterations then two more after a resume equal four in one go."""
    straight = RunDir(tmp_path / "straight")
    train(
        dataclasses.replace(
            smoke_config, train=dataclasses.replace(smoke_config.train, iterations=4)
        ),
        straight,
    )
    split = RunDir(tmp_path / "split")
    train(smoke_config, split)
    train(
        dataclasses.replace(
            smoke_config, train=dataclasses.replace(smoke_config.train, iterations=4)
        ),
        split,
        resume=True,
    )
    a, b = read_checkpoint(straight.latest), read_checkpoint(split.latest)
    assert a["step"] == b["step"] == 8 and a["iteration"] == b["iteration"] == 4
    for key in a["model"]:
        assert torch.allclose(a["model"][key].float(), b["model"][key].float(), atol=1e-5), key


def test_the_learning_rate_schedule_runs_on_the_runs_clock_and_reaches_the_optimizer(
    smoke_config, tmp_path
):
    """Each metrics row says the rate its steps used; a finished fall leaves the optimizer, and
    so the checkpoint a resume starts from, at the final rate; without a schedule it stays."""
    flat = RunDir(tmp_path / "flat")
    train(smoke_config, flat)
    assert [r["learning_rate"] for r in read_metrics(flat.path / "metrics.jsonl")] == [
        smoke_config.learner.learning_rate
    ] * 2
    learner = dataclasses.replace(
        smoke_config.learner, anneal_minutes=1e-9, learning_rate_final=1e-5
    )
    annealed = RunDir(tmp_path / "annealed")
    train(dataclasses.replace(smoke_config, learner=learner), annealed)
    rows = read_metrics(annealed.path / "metrics.jsonl")
    assert [r["learning_rate"] for r in rows] == pytest.approx([1e-5, 1e-5])
    saved = read_checkpoint(annealed.latest)["optimizer"]["param_groups"][0]["lr"]
    assert saved == pytest.approx(1e-5)


def test_resume_without_a_checkpoint_starts_fresh(smoke_config, tmp_path):
    run = RunDir(tmp_path / "new")
    last = train(smoke_config, run, resume=True)
    assert last["iteration"] == 2


def test_the_loop_runs_the_evaluation_it_is_handed_every_k_iterations(smoke_config, tmp_path):
    cfg = dataclasses.replace(
        smoke_config, train=dataclasses.replace(smoke_config.train, iterations=4, eval_every=2)
    )
    calls = []

    def evaluation(iteration, evaluator):
        calls.append(iteration)
        return {"eval/probe": float(iteration)}

    run = RunDir(tmp_path / "run")
    train(cfg, run, evaluation=evaluation)
    rows = read_metrics(run.path / "metrics.jsonl")
    assert calls == [2, 4]
    assert [r.get("eval/probe") for r in rows] == [None, 2.0, None, 4.0]


def test_periodic_evaluation_scores_a_trained_model_above_an_untrained_one(tiny_checkpoint):
    """System 1 and System 2 of the shipped tic-tac-toe model beat random; an untrained
    network's System 1 does clearly worse (a swapped seat or sign would show here)."""
    from sandbox.config import load_config
    from sandbox.evaluation.periodic import against_random
    from sandbox.specs import load_model

    game = load("tic-tac-toe")
    cfg = load_config(overrides=["train.eval_games=20", "train.eval_simulations=16"])
    evaluate = against_random(game, cfg)
    trained = evaluate(1, load_model("zoo:tic-tac-toe", game)[0])
    untrained = evaluate(1, load_model(str(tiny_checkpoint("tic-tac-toe")), game)[0])
    assert trained["eval/policy_vs_random_score"] >= 0.9
    assert trained["eval/mcts_vs_random_score"] >= 0.9
    assert untrained["eval/policy_vs_random_score"] < trained["eval/policy_vs_random_score"]


def test_periodic_evaluation_scores_the_network_against_its_previous_weights(tiny_checkpoint):
    """The first call has no previous weights; a trained network then beats its untrained
    predecessor, and the same weights against themselves score exactly 1/2 (both seats)."""
    from sandbox.config import load_config
    from sandbox.evaluation.periodic import against_random
    from sandbox.specs import load_model

    game = load("tic-tac-toe")
    cfg = load_config(overrides=["train.eval_games=12", "train.eval_simulations=16",
                                 "train.eval_positions=0"])  # fmt: skip
    untrained = load_model(str(tiny_checkpoint("tic-tac-toe")), game)[0]
    trained = load_model("zoo:tic-tac-toe", game)[0]
    evaluate = against_random(game, cfg)
    assert "eval/mcts_vs_previous_score" not in evaluate(1, untrained)
    assert evaluate(2, trained)["eval/mcts_vs_previous_score"] > 0.5
    assert evaluate(3, trained)["eval/mcts_vs_previous_score"] == 0.5


def test_a_training_curve_extended_later_keeps_its_scored_checkpoints(smoke_config, tmp_path):
    """benchmarks/training_curve.py --extend: the checkpoints scored in an earlier call keep
    their figures; only the new ones are scored (a 4-hour run's curve, extended at its end)."""
    from sandbox.evaluation.progress import CheckpointScore, score_checkpoints
    from sandbox.evaluation.referee import load_positions, subsample

    cfg = dataclasses.replace(
        smoke_config, train=dataclasses.replace(smoke_config.train, iterations=4,
                                                checkpoint_every=1)
    )  # fmt: skip
    run = RunDir(tmp_path / "run")
    train(cfg, run)
    game = load("tic-tac-toe")
    positions = subsample(load_positions("tic_tac_toe"), 20)
    first = score_checkpoints(run, game, positions, [0])
    steps = [s.step for s in first]
    assert len(steps) >= 2
    marked = CheckpointScore(steps[0], 1.0, 1, {0: -1.0})  # a figure no scoring can give
    again = score_checkpoints(run, game, positions, [0], done=[marked])
    assert [s.step for s in again] == steps
    assert again[0].accuracy == {0: -1.0}  # kept, not rescored
    assert [s.accuracy for s in again[1:]] == [s.accuracy for s in first[1:]]


def test_a_new_run_starts_from_a_models_weights_and_shape_with_init(smoke_config, tmp_path):
    """`sandbox train GAME --init MODEL`: the first iteration's self-play uses the model's
    weights (not random ones), the network shape is the model's whatever the config says, and
    the run's config.toml names the model; a model of another game is refused in one line."""
    from sandbox.training.start import prepare_run

    model = tmp_path / "model"  # a trained run of another shape than smoke_config's network
    bigger = dataclasses.replace(
        smoke_config, network=dataclasses.replace(smoke_config.network, channels=12)
    )
    train(bigger, RunDir(model))
    start, _, _ = load_network(model)
    overrides = [f"train.init_model={json.dumps(str(model))}", "train.iterations=1"]
    overrides += ["learner.min_buffer=5000", "train.eval_every=0"]  # no learning step yet
    cfg, run = prepare_run("tic-tac-toe", tmp_path / "tuned", overrides=overrides)
    assert cfg.network.channels == 12  # from the model, not the preset's 64
    train(cfg, run)
    tuned, _, _ = load_network(run.latest)
    assert all(torch.equal(v, tuned.state_dict()[k]) for k, v in start.state_dict().items())
    assert f'init_model = "{model}"' in run.config.read_text()
    with pytest.raises(UserError, match="is for game 'tic-tac-toe', not 'connect4-5x4'"):
        prepare_run("connect4-5x4", tmp_path / "other", overrides=overrides[:1])


@pytest.mark.parametrize("missing", [1, 2], ids=["before-pass-wins", "before-both"])
def test_a_go_checkpoint_from_before_the_newer_planes_plays_as_before_and_resumes(
    tiny_checkpoint, tmp_path, missing
):
    """zoo:go7 was saved before the pass-wins plane, zoo:go5 and zoo:go9 before the pass plane
    too: each loads with zero weights for what it lacks and plays exactly as it did."""
    from agents.network import PolicyValueNet
    from games.encoding import encode_batch
    from sandbox.training.learner import make_optimizer

    game = load("go5")
    payload = torch.load(tiny_checkpoint("go5"), weights_only=False)
    payload["model"]["stem.0.weight"] = payload["model"]["stem.0.weight"][:, :-missing].clone()
    planes = game.observation_shape[0] - missing
    old = PolicyValueNet((planes, *game.observation_shape[1:]), game.num_actions, 8, 1, 8)
    old.load_state_dict(payload["model"])
    old.eval()
    optimizer = torch.optim.AdamW(old.parameters())
    old(torch.randn(4, planes, 5, 5))[1].sum().backward()
    optimizer.step()
    payload["model"] = {k: v.clone() for k, v in old.state_dict().items()}
    payload["optimizer"] = optimizer.state_dict()
    path = tmp_path / "old.pt"
    torch.save(payload, path)

    net, _, widened = load_network(path, game)
    rng = np.random.default_rng(0)
    states = [game.new_state() for _ in range(4)]
    for k, state in enumerate(states):
        for _ in range(3 * k):
            state.apply_action(int(rng.choice(state.legal_actions())))
    x = torch.from_numpy(encode_batch(game, states))
    x[:, -missing:] = 1.0  # the new planes change nothing until training gives them weights
    with torch.no_grad():
        for new_out, old_out in zip(net(x), old(x[:, :-missing]), strict=True):
            torch.testing.assert_close(new_out, old_out)
    resumed = make_optimizer(net, dataclasses.replace(checkpoint_config(widened).learner))
    resumed.load_state_dict(widened["optimizer"])
    net.train()
    net(x)[1].sum().backward()
    resumed.step()  # the moments have the widened shape


@pytest.mark.parametrize("missing", [1, 2])
def test_a_go_replay_buffer_from_before_the_newer_planes_loads_with_them_empty(tmp_path, missing):
    from sandbox.training.replay import ReplayBuffer

    game = load("go5")
    buffer = ReplayBuffer(game, capacity=100)
    state, actions = game.new_state(), []
    rng = np.random.default_rng(1)
    while not state.is_terminal():
        actions.append(int(rng.choice(state.legal_actions())))
        state.apply_action(actions[-1])
    uniform = [[1.0 / game.num_actions] * game.num_actions] * len(actions)
    from sandbox.training.records import GameRecord

    buffer.add_game(GameRecord(game.spec.openspiel, 0, 0, actions, uniform, list(state.returns())))
    buffer.save(tmp_path / "new.npz")
    data = dict(np.load(tmp_path / "new.npz"))
    data["obs"] = data["obs"][:, :-missing]
    np.savez_compressed(tmp_path / "old.npz", **data)
    again = ReplayBuffer(game, capacity=100)
    again.load(tmp_path / "old.npz")
    n = len(buffer)
    assert len(again) == n and not again.obs[:n, -missing:].any()
    np.testing.assert_array_equal(again.obs[:n, :-missing], buffer.obs[:n, :-missing])
