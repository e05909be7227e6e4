"""The examples of the bad-input report, one by one: impossible board sizes (some segfaulted or
hung OpenSpiel), values that parse but make no sense, devices this torch cannot use, config files
that cannot be read, checkpoints without their config or game or of another network shape,
exported models given to `--resume`, truncated, empty or foreign replay buffers, a position file
with a finished game, a read-only or full disk. Each gives exit status 2 and one line naming the
problem, and changes no file. The property-based tests are in `test_bad_input.py`.
"""

from __future__ import annotations

import errno
import json
import math
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pytest
import torch
from edge_cli import (
    CASES,
    TINY,
    Worker,
    bytes_of,
    model_bytes,
    payload_of,
    refused_by_worker,
    refused_unchanged,
    report_cases,
    run_cli,
    tic_tac_toe_positions,
)

from sandbox.config import Config, load_config


@pytest.fixture(scope="module", autouse=True)
def _report_cases():
    yield
    report_cases()


@pytest.fixture(scope="module")
def worker(tmp_path_factory):
    with Worker(tmp_path_factory.mktemp("worker")) as w:
        yield w


@pytest.fixture(scope="module")
def good_model(tmp_path_factory) -> bytes:
    return model_bytes(tmp_path_factory.mktemp("model"))


@pytest.fixture(scope="module")
def good_positions() -> list[dict]:
    return tic_tac_toe_positions()


@pytest.mark.parametrize(
    "game",
    [
        "connect_four(rows=-1)",
        "connect_four(rows=0)",  # segfaulted
        "connect_four(columns=0)",
        "hex(board_size=0)",
        "hex(board_size=1)",
        "go(board_size=0)",
        "y(board_size=-1)",  # segfaulted
        "havannah(board_size=-1)",  # segfaulted
        "gomoku(size=100000)",  # hung
        "lines_of_action(max_game_length=0)",
    ],
)
def test_impossible_board_sizes_are_refused(worker, game):
    CASES["game strings"] += 1
    refused_by_worker(worker, game)


@pytest.mark.parametrize(
    "setting, needle",
    [
        ("learner.learning_rate=-0.1", "learner.learning_rate"),
        ("learner.learning_rate=nan", "finite"),
        ("learner.batch_size=-1", "learner.batch_size"),
        ("learner.batch_size=0", "learner.batch_size"),
        ("replay.capacity=0", "replay.capacity"),
        ("selfplay.concurrent_games=0", "selfplay.concurrent_games"),  # hung
        ("selfplay.games_per_iteration=0", "selfplay.games_per_iteration"),  # spun
        ("mcts.num_simulations=0", "mcts.num_simulations"),
        ("mcts.num_simulations=-5", "mcts.num_simulations"),
        ("mcts.c_puct=nan", "mcts.c_puct"),
        ("mcts.temperature=nan", "mcts.temperature"),
        ("mcts.dirichlet_fraction=1.5", "[0, 1]"),
        ("train.seed=-1", "train.seed"),
        ("replay.capacity=100", "learner.min_buffer"),  # 100 < the preset's min_buffer
        ('train.device="tpu"', "train.device"),
    ],
)
def test_values_that_parse_but_make_no_sense_are_refused(capsys, tmp_path, setting, needle):
    CASES["--set values"] += 1
    argv = ["train", "tic-tac-toe", "--quiet", "--run-dir", tmp_path / "run", "--set", setting]
    refused_unchanged(capsys, tmp_path, argv, needle)


@pytest.mark.parametrize(
    "spec, needle",
    [
        ("mcts:sims=-5", "sims must be finite and >= 0"),
        ("mcts:sims=1000000", "<= 100000"),
        ("mcts:c_puct=nan", "c_puct"),
        ("mcts:temperature=nan", "temperature"),
        ("policy:temperature=nan", "temperature"),
        ("rollout:uct_c=nan", "uct_c"),  # segfaulted
        ("rollout:sims=0", "sims >= 1"),
        ("rollout:sims=99999999999", "sims"),
    ],
)
def test_spec_values_that_make_no_sense_are_refused(capsys, tmp_path, spec, needle):
    CASES["spec strings"] += 1
    argv = ["match", spec, "random", "--game", "tic-tac-toe", "--games", "2"]
    refused_unchanged(capsys, tmp_path, argv, needle)


@pytest.mark.parametrize(
    "flags, needle",
    [
        (["--minutes", "nan"], "--minutes"),
        (["--minutes", "-1"], "--minutes"),
        (["--minutes", "inf"], "--minutes"),
        (["--device", "tpu"], "tpu"),
        pytest.param(
            ["--device", "cuda"],
            "not available",
            marks=pytest.mark.skipif(torch.cuda.is_available(), reason="this torch has CUDA"),
        ),
        pytest.param(
            ["--device", "mps"],
            "not available",
            marks=pytest.mark.skipif(torch.backends.mps.is_available(), reason="MPS is here"),
        ),
    ],
)
def test_train_flags_that_make_no_sense_are_refused(capsys, tmp_path, flags, needle):
    CASES["train flags"] += 1
    argv = ["train", "tic-tac-toe", "--quiet", "--run-dir", tmp_path / "run", *flags]
    refused_unchanged(capsys, tmp_path, argv, needle)


@pytest.mark.parametrize(
    "make, needle",
    [
        (lambda p: p.mkdir(), "it is a directory"),
        (lambda p: p.write_bytes(b"[mcts]\nc_puct = 2.0 # caf\xe9\n"), "not UTF-8"),
        (lambda p: None, "not found"),
        (lambda p: p.write_text("[mcts\n"), "not valid TOML"),
    ],
)
def test_config_files_that_cannot_be_read_are_refused(capsys, tmp_path, make, needle):
    CASES["TOML configs"] += 1
    path = tmp_path / "config.toml"
    make(path)
    argv = ["train", "tic-tac-toe", "--quiet", "--run-dir", tmp_path / "run", "--config", path]
    refused_unchanged(capsys, tmp_path, argv, needle)


def _edited(good: bytes, change) -> bytes:
    payload = payload_of(good)
    change(payload)
    return bytes_of(payload)


def _other_shape(payload: dict) -> None:
    payload["config"]["network"]["channels"] = 8  # the weights are of channels=4


def _nan_weight(payload: dict) -> None:
    payload["model"]["stem.0.weight"][0, 0, 0, 0] = math.nan


@pytest.mark.parametrize(
    "change, needle",
    [
        (lambda p: p.pop("config"), "has no config"),
        (lambda p: (p.pop("game"), p.pop("openspiel")), "has no game, openspiel"),
        (_other_shape, "stem.0.weight is [4, 4, 3, 3] in the file but [8, 4, 3, 3]"),
        (_nan_weight, "non-finite weights"),
    ],
)
def test_checkpoints_without_parts_or_of_another_shape_are_refused(
    capsys, tmp_path, good_model, change, needle
):
    CASES["checkpoint bytes"] += 1
    path = tmp_path / "model.pt"
    path.write_bytes(_edited(good_model, change))
    argv = ["match", f"policy:model={path}", "random", "--game", "tic-tac-toe", "--games", "2"]
    refused_unchanged(capsys, tmp_path, argv, needle)


@pytest.mark.parametrize(
    "content, needle",
    [(b"", "is empty"), (b"not a checkpoint", "damaged"), (None, "not a sandbox checkpoint")],
)
def test_empty_and_foreign_checkpoints_are_refused(capsys, tmp_path, content, needle):
    CASES["checkpoint bytes"] += 1
    path = tmp_path / "model.pt"
    path.write_bytes(bytes_of(torch.zeros(3)) if content is None else content)
    argv = ["match", f"policy:model={path}", "random", "--game", "tic-tac-toe", "--games", "2"]
    refused_unchanged(capsys, tmp_path, argv, needle)


# A real run to resume: one tiny iteration, copied into each test's folder.


@pytest.fixture(scope="module")
def trained_run(tmp_path_factory) -> Path:
    from sandbox.training.loop import train
    from sandbox.training.run import RunDir

    path = tmp_path_factory.mktemp("trained") / "run"
    train(load_config(overrides=[*TINY, 'game="tic-tac-toe"']), RunDir(path))
    return path


@pytest.fixture
def run_copy(tmp_path, trained_run) -> Path:
    return Path(shutil.copytree(trained_run, tmp_path / "run"))


def _resume(run: Path, *extra: str) -> list[str]:
    return ["train", "tic-tac-toe", "--quiet", "--run-dir", run, "--resume", *extra]


def _replay_file(run: Path) -> Path:
    found = sorted(run.glob("replay*.npz"))
    assert found, "the trained run has no replay buffer"
    return found[-1]


def test_the_trained_run_resumes(capsys, tmp_path, run_copy):
    """The fixture the cases below break: unbroken, --resume carries on (exit 0)."""
    code, err = run_cli(capsys, _resume(run_copy, "--set", "train.iterations=2"))
    assert code == 0, err


def test_an_exported_model_is_refused_by_resume(capsys, tmp_path, run_copy):
    CASES["checkpoint bytes"] += 1
    from sandbox.training.checkpoint import export_model

    latest = run_copy / "checkpoints" / "latest.pt"
    export_model(latest, tmp_path / "exported.pt")
    shutil.copy(tmp_path / "exported.pt", latest)
    refused_unchanged(capsys, tmp_path, _resume(run_copy), "play-only model")


def test_resume_with_another_network_shape_names_both_shapes(capsys, tmp_path, run_copy):
    CASES["checkpoint bytes"] += 1
    argv = _resume(run_copy, "--set", "network.channels=8")
    line = refused_unchanged(capsys, tmp_path, argv, "another network shape")
    assert "[4, " in line and "[8, " in line


def _write_npz(path: Path, **arrays) -> None:
    with open(path, "wb") as f:  # to a file object: np.savez keeps the name as it is
        np.savez(f, **arrays)


CONNECT_FOUR_ROWS = {
    "obs": np.zeros((2, 4, 6, 7), np.float32),
    "legal": np.zeros((2, 7), bool),
    "policy": np.zeros((2, 7), np.float32),
    "value": np.zeros(2, np.float32),
    "meta": np.array([2, 2]),
}
REPLAY_DAMAGE = {
    "truncated": (lambda p: p.write_bytes(p.read_bytes()[: p.stat().st_size // 2]), "damaged"),
    "empty": (lambda p: p.write_bytes(b""), "is empty"),
    "foreign": (lambda p: _write_npz(p, a=np.zeros(3)), "has no obs"),
    "text": (lambda p: p.write_text("hello"), "damaged"),
    "another game": (lambda p: _write_npz(p, **CONNECT_FOUR_ROWS), "another game"),
    "not finite": (lambda p: _write_npz(p, **_arrays(p, value=np.nan)), "not finite"),
}


def _arrays(path: Path, value: float) -> dict[str, np.ndarray]:
    """The buffer's arrays with every outcome set to `value`."""
    with np.load(path) as data:
        arrays = {k: data[k] for k in data.files}
    arrays["value"] = np.full_like(arrays["value"], value)
    return arrays


@pytest.mark.parametrize("kind", list(REPLAY_DAMAGE))
def test_a_bad_replay_buffer_stops_resume_before_any_work(capsys, tmp_path, run_copy, kind):
    CASES["replay buffers"] += 1
    damage, needle = REPLAY_DAMAGE[kind]
    damage(_replay_file(run_copy))
    refused_unchanged(capsys, tmp_path, _resume(run_copy), needle)


def test_a_position_file_with_a_finished_game_is_refused(capsys, tmp_path, good_positions):
    CASES["position files"] += 1
    record = {**good_positions[0], "actions": [0, 3, 1, 4, 2]}  # x wins on the top row
    path = tmp_path / "positions.jsonl"
    path.write_text(json.dumps(record) + "\n")
    argv = ["referee", "random", "--positions", path]
    refused_unchanged(capsys, tmp_path, argv, "the game is over")


def test_a_read_only_run_folder_is_refused_before_any_work(capsys, tmp_path, monkeypatch):
    CASES["run folders"] += 1

    def read_only(*args, **kwargs):
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(tempfile, "mkstemp", read_only)
    argv = ["train", "tic-tac-toe", "--quiet", "--run-dir", tmp_path / "run"]
    refused_unchanged(capsys, tmp_path, argv, "read-only")


def test_a_full_disk_is_refused_before_any_work(capsys, tmp_path, monkeypatch):
    CASES["run folders"] += 1
    usage = shutil.disk_usage(tmp_path)
    monkeypatch.setattr(shutil, "disk_usage", lambda p: usage._replace(free=1000))
    argv = ["train", "tic-tac-toe", "--quiet", "--run-dir", tmp_path / "run"]
    refused_unchanged(capsys, tmp_path, argv, "the disk is full")


def test_a_run_folder_that_is_a_file_is_refused(capsys, tmp_path):
    CASES["run folders"] += 1
    (tmp_path / "run").write_text("not a folder")
    argv = ["train", "tic-tac-toe", "--quiet", "--run-dir", tmp_path / "run"]
    refused_unchanged(capsys, tmp_path, argv, "not a directory")


def test_a_message_with_a_newline_is_still_one_line(capsys, tmp_path):
    CASES["game strings"] += 1
    refused_unchanged(capsys, tmp_path, ["train", "tic\ntac", "--run-dir", tmp_path / "run"])


def test_defaults_presets_and_shipped_models_are_within_their_ranges():
    from sandbox.config import PRESET_DIR, from_dict, to_dict
    from sandbox.specs import zoo_models, zoo_path
    from sandbox.training.checkpoint import checkpoint_config, read_checkpoint

    assert from_dict(to_dict(Config())) == Config()
    for preset in PRESET_DIR.glob("*.toml"):
        load_config(game=preset.stem)
    for name in zoo_models():
        checkpoint_config(read_checkpoint(zoo_path(name)))
