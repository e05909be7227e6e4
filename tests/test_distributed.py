"""The Ray backend: self-play actors and one learner, with actors killed and the learner
stopped or killed mid-run. The Ray tests start local clusters limited to 2 CPUs."""

from __future__ import annotations

import dataclasses
import logging
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sandbox.cli import main
from sandbox.config import dump_toml
from sandbox.training.checkpoint import read_checkpoint
from sandbox.training.metrics import read_metrics
from sandbox.training.records import read_records
from sandbox.training.run import RunDir
from sandbox.training.start import prepare_run

ROOT = Path(__file__).resolve().parents[1]
TINY = [
    "network.channels=8", "network.blocks=1", "network.value_hidden=8", "mcts.num_simulations=8",
    "selfplay.games_per_iteration=16", "selfplay.concurrent_games=8", "learner.batch_size=16",
    "learner.steps_per_iteration=4", "learner.min_buffer=1", "train.eval_every=0",
    "train.threads=1", 'train.device="cpu"', "distributed.cpus=2", "distributed.broadcast_every=2",
]  # fmt: skip


def tiny_cli(*settings: str) -> list[str]:
    return [arg for s in (*TINY, *settings) for arg in ("--set", s)]


def test_without_ray_the_ray_backend_says_in_one_line_how_to_install_it(
    tmp_path, monkeypatch, capsys
):
    monkeypatch.setitem(sys.modules, "ray", None)  # import ray -> ImportError
    status = main(["train", "tic-tac-toe", "--backend", "ray", "--run-dir", str(tmp_path / "r")])
    err = capsys.readouterr().err.strip().splitlines()
    assert status == 2
    assert len(err) == 1 and "pip install '.[ray]'" in err[0] and "make ray" in err[0]
    assert not (tmp_path / "r").exists()


def test_actors_without_the_ray_backend_are_refused_in_one_line(tmp_path, capsys):
    status = main(["train", "tic-tac-toe", "--actors", "2", "--run-dir", str(tmp_path / "r")])
    assert status == 2
    assert "--backend ray" in capsys.readouterr().err


def test_the_resolved_config_records_the_backend_and_the_actor_count(tmp_path):
    cfg, _ = prepare_run(
        "tic-tac-toe",
        tmp_path / "r",
        overrides=['distributed.backend="ray"', "distributed.actors=3"],
    )
    text = dump_toml(cfg)
    assert '[distributed]\nbackend = "ray"\nactors = 3\n' in text


def test_an_unknown_backend_is_refused_with_the_key_named(tmp_path):
    with pytest.raises(Exception, match="distributed.backend"):
        prepare_run("tic-tac-toe", tmp_path / "r", overrides=['distributed.backend="mpi"'])


def committed_records(run: RunDir):
    return [r for path in sorted(run.games.glob("iter_*.jsonl")) for r in read_records(path)]


@pytest.mark.slow
def test_a_sigkilled_actor_is_replaced_and_no_position_is_counted_twice(tmp_path, caplog):
    pytest.importorskip("ray")
    from agents.bots import RandomBot
    from games.game import load
    from sandbox.config import load_config
    from sandbox.evaluation.arena import play_match
    from sandbox.specs import make_agent
    from sandbox.training.distributed import train_distributed
    from sandbox.training.replay import ReplayBuffer

    busy = ["mcts.num_simulations=24", "learner.steps_per_iteration=2"]  # actors never idle
    cfg = load_config(overrides=[*TINY, *busy, 'distributed.backend="ray"', "distributed.actors=2"])
    cfg = dataclasses.replace(cfg, train=dataclasses.replace(cfg.train, iterations=20))
    run = RunDir(tmp_path / "run")
    killed: dict[str, int] = {}
    seen: list[dict[int, int]] = []

    def kill_one(info) -> None:
        seen.append(dict(info.actor_pids))
        if not killed and 0 in info.actor_pids and info.iteration >= 2:
            killed["pid"], killed["iteration"] = info.actor_pids[0], info.iteration
            os.kill(info.actor_pids[0], signal.SIGKILL)

    with caplog.at_level(logging.INFO, logger="sandbox.training"):
        last = train_distributed(cfg, run, on_iteration=kill_one)
    assert last["iteration"] == 20  # the run finished
    assert killed, "no actor pid was reported"
    died = rf"actor 0 \(pid {killed['pid']}\) died \(\w+\); replaced, games \d+-\d+ re-issued"
    assert re.search(died, caplog.text), caplog.text
    rows = read_metrics(run.path / "metrics.jsonl")
    assert sum(r["actor_restarts"] for r in rows) == 1
    replaced = [p[0] for p in seen if p.get(0) not in (None, killed["pid"])]
    assert replaced, "the replacement actor never started"

    records = committed_records(run)
    indices = [r.index for r in records]
    assert len(indices) == len(set(indices))  # no game, so no position, twice
    payload = read_checkpoint(run.latest)
    assert max(indices) < payload["games_played"]
    assert payload["games_committed"] == len(records)
    targets = sum(sum(t is not None for t in r.policy_targets) for r in records)
    assert sum(r["positions"] for r in rows) == targets
    buffer = ReplayBuffer(load("tic-tac-toe"), cfg.replay.capacity)
    buffer.load(run.path / payload["replay_file"])
    assert buffer.total_added == targets
    assert all(0 <= r.weights_version <= payload["step"] for r in records)
    assert any(r.weights_version > 0 for r in records)  # broadcasts reached the actors

    game = load("tic-tac-toe")
    agent = make_agent(f"mcts:model={run.path},sims=8", game)
    result = play_match(agent, RandomBot(game), game, 2, 0)
    assert len(result.games) == 2


def start_training(run_dir: Path, *extra: str) -> subprocess.Popen:
    command = [sys.executable, "-m", "sandbox", "train", "tic-tac-toe", "--quiet",
               "--backend", "ray", "--actors", "2", "--run-dir", str(run_dir), *extra]  # fmt: skip
    return subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)  # fmt: skip


def wait_for(condition, seconds: float) -> bool:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(0.1)
    return False


def is_alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


def descendants(pid: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    children = [int(x) for x in out.split()]
    return children + [d for c in children for d in descendants(c)]


def actor_pids(stderr: str) -> list[int]:
    return [int(p) for p in re.findall(r"actor \d+ started \(pid (\d+)\)", stderr)]


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc")
@pytest.mark.parametrize("signum, status", [(signal.SIGTERM, 143), (signal.SIGKILL, -9)])
def test_a_stopped_or_killed_learner_ends_its_actors_and_resumes_from_its_checkpoint(
    tmp_path, signum, status
):
    pytest.importorskip("ray")
    run = RunDir(tmp_path / "run")
    process = start_training(run.path, *tiny_cli())
    assert wait_for(lambda: run.latest.exists() and read_checkpoint(run.latest)["iteration"] >= 2,
                    150), process.communicate()  # fmt: skip
    ray_processes = descendants(process.pid)
    process.send_signal(signum)
    _, stderr = process.communicate(timeout=60)
    for pid in ray_processes:  # a SIGKILLed driver leaves Ray's agents behind (`ray stop`)
        if signum == signal.SIGKILL and is_alive(pid) and pid not in actor_pids(stderr):
            os.kill(pid, signal.SIGKILL)
    assert process.returncode == status, stderr
    assert "Traceback" not in stderr
    if signum == signal.SIGTERM:
        last = stderr.strip().splitlines()[-1]
        assert "actors are stopped" in last and "--resume" in last
    pids = actor_pids(stderr)
    assert pids and wait_for(lambda: not any(is_alive(p) for p in pids), 20)
    stopped_at = read_checkpoint(run.latest)["iteration"]

    more = f"train.iterations={stopped_at + 2}"
    resumed = subprocess.run(
        [sys.executable, "-m", "sandbox", "train", "tic-tac-toe", "--quiet", "--resume",
         "--run-dir", str(run.path), "--set", more],
        cwd=ROOT, capture_output=True, text=True, timeout=150,
    )  # fmt: skip
    assert resumed.returncode == 0, resumed.stderr
    payload = read_checkpoint(run.latest)
    assert payload["iteration"] == stopped_at + 2
    assert payload["config"]["distributed"]["backend"] == "ray"  # the run's own backend
    indices = [r.index for r in committed_records(run)]
    assert len(indices) == len(set(indices))
    rows = read_metrics(run.path / "metrics.jsonl")
    assert [r["iteration"] for r in rows] == list(range(1, stopped_at + 3))
