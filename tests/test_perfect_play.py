"""The learning claim, end to end: tic-tac-toe from scratch by self-play reaches perfect play, and
it still does when the run is SIGKILLed over and over (at every write boundary of a commit and at
random moments) and resumed each time: the killed run ends bit for bit where the uninterrupted
one does."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch

from games import load
from sandbox.config import load_config
from sandbox.evaluation.arena import play_match
from sandbox.evaluation.referee import load_positions, score_agent
from sandbox.specs import make_agent
from sandbox.training.checkpoint import read_checkpoint
from sandbox.training.loop import train
from sandbox.training.metrics import read_metrics
from sandbox.training.run import RunDir

ROOT = Path(__file__).resolve().parents[1]
# A fixed number of iterations (not minutes) makes the outcome independent of machine load.
SETTINGS = ["train.minutes=0.0", "train.iterations=70", "train.checkpoint_every=7"]
BOUNDARIES = ("records", "replay", "metrics", "step", "latest")


@pytest.fixture(scope="module")
def reference_run(tmp_path_factory) -> RunDir:
    run = RunDir(tmp_path_factory.mktemp("reference") / "run")
    train(load_config(game="tic-tac-toe", overrides=SETTINGS), run)
    return run


def assert_plays_perfectly(run: RunDir) -> None:
    game = load("tic-tac-toe")
    positions = load_positions("tic_tac_toe")
    system2 = make_agent(f"mcts:model={run.path},sims=64", game)
    system1 = make_agent(f"policy:model={run.path}", game)
    rng = np.random.default_rng(0)
    assert score_agent(system2, game, positions, rng).accuracy >= 0.995
    assert score_agent(system1, game, positions, rng).accuracy >= 0.95
    result = play_match(system2, make_agent("solver", game), game, 20, seed=0)
    assert result.losses == 0


@pytest.mark.slow
def test_tic_tac_toe_self_play_reaches_perfect_play(reference_run):
    assert_plays_perfectly(reference_run)


def _train(run_dir: Path, kill_at: str | None = None) -> subprocess.Popen:
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    env.pop("SANDBOX_KILL_AT", None)
    if kill_at:
        env["SANDBOX_KILL_AT"] = kill_at
    args = [arg for s in SETTINGS for arg in ("--set", s)]
    command = [sys.executable, "-m", "sandbox", "train", "tic-tac-toe", "--quiet", "--resume",
               "--run-dir", str(run_dir), *args]  # fmt: skip
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)  # fmt: skip


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")
def test_a_run_killed_at_every_write_boundary_and_at_random_ends_as_the_uninterrupted_one(
    reference_run, tmp_path
):
    run = RunDir(tmp_path / "run")
    kills = 0
    # At each boundary of the second and the fifth commit (a step checkpoint is due at 7).
    for boundary in BOUNDARIES:
        for count in (1, 2):
            process = _train(run.path, f"{boundary}:{count}")
            _, stderr = process.communicate(timeout=300)
            assert process.returncode == -signal.SIGKILL, stderr
            kills += 1
    rng = np.random.default_rng(0)
    while kills < 24:  # then at random moments (start-up, self-play, learning, commits)
        process = _train(run.path)
        time.sleep(float(rng.uniform(0.5, 4.0)))
        if process.poll() is not None:
            break
        process.kill()
        process.communicate()
        kills += 1
    process = _train(run.path)
    _, stderr = process.communicate(timeout=600)
    assert process.returncode == 0, stderr
    assert "Traceback" not in stderr

    ours, theirs = read_checkpoint(run.latest), read_checkpoint(reference_run.latest)
    assert ours["iteration"] == theirs["iteration"] == 70
    assert ours["games_played"] == theirs["games_played"]
    for key in theirs["model"]:
        assert torch.equal(ours["model"][key], theirs["model"][key]), key
    a = np.load(run.path / ours["replay_file"])
    b = np.load(reference_run.path / theirs["replay_file"])
    for key in b.files:  # the same positions in the same rows: none lost, none twice
        assert np.array_equal(a[key], b[key]), key
    rows = read_metrics(run.path / "metrics.jsonl")
    assert [r["iteration"] for r in rows] == list(range(1, 71))
    steps = sorted(p.name for p in run.checkpoints.glob("step_*.pt"))
    assert steps == sorted(p.name for p in reference_run.checkpoints.glob("step_*.pt"))
    assert len(steps) == 10
    assert not list(run.path.rglob("*.tmp*"))
    assert sorted(p.name for p in run.games.glob("*.jsonl")) == [
        f"iter_{i:05d}.jsonl" for i in range(70)
    ]
    assert kills >= 20
    assert_plays_perfectly(run)
