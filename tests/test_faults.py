"""Nothing lost, nothing crashes: signals, worker processes, non-finite losses, deadlines and
leftovers of a killed run. The SIGKILL-at-every-write-boundary test is in test_perfect_play.py
(it shares that file's training run)."""

from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch

from sandbox.training.checkpoint import read_checkpoint
from sandbox.training.commit import recover
from sandbox.training.loop import TrainingDiverged, train
from sandbox.training.metrics import read_metrics
from sandbox.training.run import RunDir
from sandbox.training.selfplay import play_games

ROOT = Path(__file__).resolve().parents[1]
SMOKE = [
    "--set", "network.channels=8", "--set", "network.blocks=1", "--set", "network.value_hidden=8",
    "--set", "mcts.num_simulations=8", "--set", "learner.batch_size=16",
    "--set", "learner.steps_per_iteration=2", "--set", "learner.min_buffer=1",
    "--set", "train.eval_every=0", "--set", "train.threads=1", "--set", 'train.device="cpu"',
]  # fmt: skip


def with_section(cfg, section, **fields):
    return dataclasses.replace(
        cfg, **{section: dataclasses.replace(getattr(cfg, section), **fields)}
    )


def start_training(run_dir: Path, *extra: str, env: dict | None = None) -> subprocess.Popen:
    command = [sys.executable, "-m", "sandbox", "train", "tic-tac-toe", "--quiet",
               "--run-dir", str(run_dir), *SMOKE, *extra]  # fmt: skip
    return subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env={**os.environ, **(env or {})})  # fmt: skip


def wait_for(condition, seconds: float) -> bool:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(0.05)
    return False


def children_of(pid: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    return [int(x) for x in out.split()]


def is_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie (exited, not yet reaped by its new parent) is not running
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="pgrep and /proc")
@pytest.mark.parametrize("signum, status", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_signal_stops_training_in_seconds_with_a_checkpoint_one_line_and_no_workers_left(
    tmp_path, signum, status
):
    run = RunDir(tmp_path / "run")
    process = start_training(run.path, "--set", "selfplay.workers=2",
                             "--set", "selfplay.games_per_iteration=16")  # fmt: skip
    assert wait_for(run.latest.exists, 120), process.communicate()
    workers = children_of(process.pid)
    sent = time.monotonic()
    process.send_signal(signum)
    _, stderr = process.communicate(timeout=30)
    assert time.monotonic() - sent < 5
    assert process.returncode == status
    assert "Traceback" not in stderr
    last = stderr.strip().splitlines()[-1]
    assert last.startswith("sandbox: interrupted by SIG") and "--resume" in last
    payload = read_checkpoint(run.latest)
    assert payload["iteration"] >= 1
    assert workers and wait_for(lambda: not any(is_alive(p) for p in workers), 5)
    assert not list(run.path.rglob("*.tmp*"))


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="pgrep and /proc")
def test_workers_die_with_a_sigkilled_parent(tmp_path):
    run = RunDir(tmp_path / "run")
    process = start_training(run.path, "--set", "selfplay.workers=2")
    assert wait_for(run.latest.exists, 120), process.communicate()
    workers = children_of(process.pid)
    process.kill()
    process.communicate()
    assert workers and wait_for(lambda: not any(is_alive(p) for p in workers), 5)


@pytest.mark.slow
def test_sigint_during_start_up_gives_one_line_and_no_traceback(tmp_path):
    process = start_training(tmp_path / "run")
    time.sleep(0.3)  # importing torch and pyspiel
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == 130
    assert "Traceback" not in stderr
    assert len(stderr.strip().splitlines()) == 1


def test_a_signal_during_an_evaluation_names_the_iteration_that_was_saved(smoke_config, tmp_path):
    """The evaluation runs after an iteration's counter moves on and before its commit: a
    Ctrl-C there must name the iteration latest.pt holds, the one --resume continues from."""
    from sandbox.training.interrupt import Interrupted

    cfg = with_section(smoke_config, "train", iterations=4, eval_every=2)

    def evaluation(iteration, evaluator):
        raise Interrupted(signal.SIGINT)

    run = RunDir(tmp_path / "run")
    with pytest.raises(Interrupted, match="saved at iteration 1 "):
        train(cfg, run, evaluation=evaluation)
    assert read_checkpoint(run.latest)["iteration"] == 1


def test_a_diverging_learning_rate_never_saves_a_broken_checkpoint(smoke_config, tmp_path):
    cfg = with_section(smoke_config, "learner", learning_rate=1e6, steps_per_iteration=5)
    cfg = with_section(cfg, "train", iterations=6)
    run = RunDir(tmp_path / "run")
    with pytest.raises(TrainingDiverged, match="lower learner.learning_rate"):
        train(cfg, run)
    payload = read_checkpoint(run.latest)
    assert all(v.isfinite().all() for v in payload["model"].values() if v.is_floating_point())
    rows = read_metrics(run.path / "metrics.jsonl")
    assert [r["nonfinite_steps"] for r in rows][-2:] == [1, 1]
    calm = with_section(cfg, "learner", learning_rate=1e-3)
    last = train(calm, run, resume=True)  # still resumable, from the last good weights
    assert last["iteration"] == 6 and last["nonfinite_steps"] == 0


def test_the_time_limit_holds_inside_self_play(smoke_config, tmp_path):
    from agents.evaluators import UniformEvaluator
    from games.game import load

    game = load("tic-tac-toe")
    records, stats = play_games(game, smoke_config.mcts, smoke_config.selfplay,
                                UniformEvaluator(game), 50, seed=0,
                                deadline=time.time() - 1)  # fmt: skip
    assert records == [] and stats.moves == 0
    cfg = with_section(smoke_config, "selfplay", games_per_iteration=100_000)
    cfg = with_section(cfg, "train", minutes=0.05, iterations=10)  # 3 s for 100,000 games
    run = RunDir(tmp_path / "run")
    start = time.monotonic()
    last = train(cfg, run)
    assert time.monotonic() - start < 20
    payload = read_checkpoint(run.latest)
    assert payload["iteration"] == last["iteration"] == 1
    # the queue held the iteration's games and one more per slot; only started games wait
    concurrent = cfg.selfplay.concurrent_games
    assert last["buffer"] > 0 and payload["games_played"] == 100_000 + concurrent
    assert 0 < len(payload["games_in_progress"]) <= concurrent


def test_recover_removes_what_an_uncommitted_iteration_left(smoke_config, tmp_path):
    run = RunDir(tmp_path / "run")
    train(with_section(smoke_config, "train", iterations=2, checkpoint_every=1), run)
    committed = read_checkpoint(run.latest)
    metrics = run.path / "metrics.jsonl"
    rows = metrics.read_text()
    (run.path / "replay-00003.npz").write_bytes(b"half")
    (run.checkpoints / "latest.tmp.pt").write_bytes(b"half")
    (run.checkpoints / "step_9999999.pt").write_bytes(b"half")
    (run.games / "iter_00002.jsonl").write_text("{}\n")
    metrics.write_text(rows + '{"step": 4, "iteration": 3}\n{"step": 5, "itera')
    payload = recover(run)
    assert payload["iteration"] == committed["iteration"] == 2
    assert metrics.read_text() == rows
    assert sorted(p.name for p in run.path.glob("replay-*")) == ["replay-00002.npz"]
    assert not list(run.path.rglob("*.tmp*"))
    assert not (run.checkpoints / "step_9999999.pt").exists()
    assert not (run.games / "iter_00002.jsonl").exists()


def test_plot_reads_a_metrics_file_with_a_torn_last_line(tmp_path):
    path = tmp_path / "metrics.jsonl"
    path.write_text('{"step": 1, "loss": 2.0}\n{"step": 2, "loss": 1.5}\n{"step": 3, "lo')
    assert [r["step"] for r in read_metrics(path)] == [1, 2]


def test_a_resumed_run_equals_an_uninterrupted_one_bit_for_bit(smoke_config, tmp_path):
    cfg = with_section(smoke_config, "train", iterations=4)
    straight, split = RunDir(tmp_path / "a"), RunDir(tmp_path / "b")
    train(cfg, straight)
    train(with_section(cfg, "train", iterations=2), split)
    train(cfg, split, resume=True)
    a, b = read_checkpoint(straight.latest), read_checkpoint(split.latest)
    assert a["step"] == b["step"] and a["games_played"] == b["games_played"]
    assert a["games_in_progress"] == b["games_in_progress"] != []  # unfinished games wait
    for key in a["model"]:
        assert torch.equal(a["model"][key], b["model"][key]), key
    with (
        np.load(straight.path / a["replay_file"]) as x,
        np.load(split.path / b["replay_file"]) as y,
    ):
        for key in x.files:
            assert np.array_equal(x[key], y[key]), key
