"""What the bad-input tests (`test_bad_input*.py`) share: the CLI run in-process and the check
that it refused with one line, exit status 2, no traceback and no changed file; a worker process
for whatever reaches OpenSpiel with an arbitrary game string, so that a segfault or a hang fails
the test instead of killing pytest; tiny checkpoints as bytes; a few labelled positions.
"""

from __future__ import annotations

import collections
import io
import json
import os
import select
import subprocess
import sys
import tempfile
import typing
import warnings
from pathlib import Path

import pytest
import torch
from hypothesis import HealthCheck, settings

from sandbox.cli import main

ROOT = Path(__file__).resolve().parents[1]
CASES: collections.Counter[str] = collections.Counter()  # input kind -> cases tried
FAST = settings(
    deadline=None,
    database=None,  # no .hypothesis folder in the repository
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
# Set in front of a value under test: were it accepted by mistake, the training stays tiny.
TINY = [
    "network.channels=4",
    "network.blocks=0",
    "network.value_hidden=4",
    "mcts.num_simulations=2",
    "selfplay.games_per_iteration=2",
    "selfplay.concurrent_games=2",
    "learner.batch_size=4",
    "learner.steps_per_iteration=1",
    "learner.min_buffer=1",
    "train.iterations=1",
    "train.eval_every=0",
    "train.threads=1",
    'train.device="cpu"',
]


def snapshot(root: Path) -> dict[str, bytes | None]:
    """Every file (its bytes) and folder (None) under root."""
    return {
        str(p.relative_to(root)): (p.read_bytes() if p.is_file() else None)
        for p in sorted(root.rglob("*"))
    }


HIDDEN = (DeprecationWarning, PendingDeprecationWarning, ImportWarning, ResourceWarning)


def run_cli(capsys, argv: list[str]) -> tuple[int, str]:
    """(exit status, stderr) of the CLI, with the warnings a user would see on stderr."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            code = main([str(a) for a in argv])
        except SystemExit as exit_:  # argparse's own errors
            code = exit_.code
    shown = [f"{w.category.__name__}: {w.message}" for w in caught if w.category not in HIDDEN]
    return code, capsys.readouterr().err + "".join(f"{line}\n" for line in shown)


def assert_refused(code, err: str, *needles: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert "Traceback" not in err, err
    assert code == 2, f"exit {code}: {err}"
    assert len(lines) == 1, err
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


def refused_unchanged(capsys, root: Path, argv: list[str], *needles: str) -> str:
    """Runs the CLI; asserts one line, exit 2, and that nothing under root changed."""
    before = snapshot(root)
    code, err = run_cli(capsys, argv)
    line = assert_refused(code, err, *needles)
    assert snapshot(root) == before, "a file changed"
    return line


# ---------------------------------------------------------------------------------------------
# A worker process for whatever reaches OpenSpiel with an arbitrary game string.

WORKER = r"""
import faulthandler, json, os, sys, tempfile
faulthandler.enable()
protocol = os.fdopen(os.dup(1), "w")
os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
sys.stderr = open(2, "w", closefd=False, buffering=1)
import numpy as np
from sandbox.cli import main

def contract(text):
    from games.encoding import encode, legal_mask
    from games.game import load
    from games.geometry import board_geometry
    from games.symmetries import symmetries
    game = load(text)
    board_geometry(game)
    symmetries(game)
    state, rng = game.new_state(), np.random.default_rng(0)
    while not state.is_terminal():
        assert encode(game, state).shape == game.observation_shape
        mask = legal_mask(game, state)
        assert mask.any(), "no legal move before the end"
        state.apply_action(int(rng.choice(np.flatnonzero(mask))))
    return 0

for line in sys.stdin:
    request = json.loads(line)
    with tempfile.TemporaryFile() as err:
        sys.stderr.flush()
        saved = os.dup(2)
        os.dup2(err.fileno(), 2)
        try:
            if "contract" in request:
                code = contract(request["contract"])
            else:
                code = main(request["argv"])
        except SystemExit as exit_:
            code = exit_.code
        except BaseException:
            import traceback
            traceback.print_exc()
            code = "exception"
        sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(saved)
        err.seek(0)
        text = err.read().decode("utf-8", "replace")
    protocol.write(json.dumps({"code": code, "err": text}) + "\n")
    protocol.flush()
"""


class Worker:
    """One long-lived Python process that runs requests; restarted after it dies."""

    def __init__(self, cwd: Path):
        self.cwd = cwd
        self.proc: subprocess.Popen | None = None

    def _start(self) -> subprocess.Popen:
        env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}
        return subprocess.Popen(
            [sys.executable, "-c", WORKER],
            cwd=self.cwd,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,  # only a crash writes here: requests have their own stderr
            text=True,
        )

    def ask(self, request: dict, timeout: float = 120) -> dict:
        if self.proc is None or self.proc.poll() is not None:
            self.proc = self._start()
        self.proc.stdin.write(json.dumps(request) + "\n")
        self.proc.stdin.flush()
        ready, _, _ = select.select([self.proc.stdout], [], [], timeout)
        line = self.proc.stdout.readline() if ready else ""
        if not line:
            self.proc.kill()
            code = self.proc.wait()
            tail = self.proc.stderr.read()[-2000:]
            self.proc = None
            why = "hung" if not ready else f"died (exit {code})"
            pytest.fail(f"worker {why} on {request}:\n{tail}")
        return json.loads(line)

    def __enter__(self) -> Worker:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.stdin.close()
            self.proc.wait(timeout=30)


def refused_by_worker(worker: Worker, game: str) -> str:
    """`sandbox match random random --game GAME`, in the worker: must be refused."""
    answer = worker.ask({"argv": ["match", "random", "random", "--game", game, "--games", "2"]})
    return assert_refused(answer["code"], answer["err"])


def fresh_folder(tmp_path: Path) -> Path:
    """A new empty folder for one hypothesis example: examples share the test's tmp_path."""
    return Path(tempfile.mkdtemp(dir=tmp_path))


def report_cases() -> None:
    print("\ncases tried per input kind: " + ", ".join(f"{k} {n}" for k, n in CASES.items()))


def payload_of(data: bytes) -> dict:
    return torch.load(io.BytesIO(data), weights_only=True)


def bytes_of(payload: typing.Any) -> bytes:
    buffer = io.BytesIO()
    torch.save(payload, buffer)
    return buffer.getvalue()


def model_bytes(folder: Path) -> bytes:
    """An untrained play-only tic-tac-toe checkpoint (channels 4, no residual block)."""
    from agents.network import build_network
    from games.game import load
    from sandbox.config import Config, NetworkConfig
    from sandbox.training.checkpoint import make_payload, save_checkpoint

    game = load("tic-tac-toe")
    cfg = Config(game=game.name, network=NetworkConfig(channels=4, blocks=0, value_hidden=4))
    torch.manual_seed(0)
    net = build_network(cfg.network, game)
    save_checkpoint(folder / "model.pt", make_payload(cfg, game, net, None, step=3, iteration=1))
    return (folder / "model.pt").read_bytes()


def tic_tac_toe_positions() -> list[dict]:
    """Every 200th record of the shipped tic-tac-toe positions: a dozen valid ones."""
    path = ROOT / "sandbox/evaluation/positions/tic_tac_toe.public.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()[::200]]
