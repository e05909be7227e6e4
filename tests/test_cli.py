"""Bad input: one line naming the problem, exit status 2, no traceback, nothing overwritten."""

import subprocess
import sys

import pytest

from sandbox.cli import main
from sandbox.config import dump_toml
from sandbox.training.run import RunDir


def run_cli(capsys, *argv):
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def assert_one_line_error(code, err, *needles):
    assert code == 2
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    for needle in needles:
        assert needle in lines[0], lines[0]


@pytest.mark.parametrize(
    "argv, needles",
    [
        (["train", "tic-tac-tow"], ["unknown game 'tic-tac-tow'"]),
        (["train", "kuhn_poker"], ["chance"]),
        (["train", "goofspiel"], ["simultaneous"]),
        (["train", "leduc_poker"], ["imperfect information"]),
        (["train", "quoridor(players=4)"], ["4 players"]),
        (["train", "cliff_walking"], ["not zero-sum"]),
        (["train", "tic-tac-toe", "--set", "mcts.sims=3"], ["unknown config key 'mcts.sims'"]),
        (["train", "tic-tac-toe", "--set", "mcts.num_simulations=lots"], ["must be int"]),
        (["train", "tic-tac-toe", "--config", "/nonexistent.toml"], ["not found"]),
        (["train", "go7", "--init", "zoo:go5"], ["is for game 'go5', not 'go7'"]),
        (["train", "go7", "--init", "zoo:go8"], ["no shipped model 'zoo:go8'"]),
        (["train", "go7", "--init", "zoo:go7", "--resume"], ["--init starts a new run"]),
        (["match", "mcts:sims=", "random", "--game", "tic-tac-toe"], ["sims="]),
        (["match", "alphabeta", "random", "--game", "tic-tac-toe"], ["unknown kind 'alphabeta'"]),
        (["match", "mcts:sims=ten", "random", "--game", "tic-tac-toe"], ["not a valid int"]),
        (["match", "mcts:depth=3", "random", "--game", "tic-tac-toe"], ["unknown key 'depth'"]),
    ],
)
def test_bad_input_gives_one_line_and_exit_2(capsys, argv, needles):
    code, _, err = run_cli(capsys, *argv)
    assert_one_line_error(code, err, *needles)


def test_a_checkpoint_of_another_game_is_refused(capsys, tiny_checkpoint):
    path = tiny_checkpoint("tic-tac-toe")
    code, _, err = run_cli(
        capsys, "match", f"policy:model={path}", "random", "--game", "connect4-5x4", "--games", "2"
    )
    assert_one_line_error(code, err, "is for game 'tic-tac-toe', not 'connect4-5x4'")


def test_a_truncated_checkpoint_is_refused_and_left_alone(
    capsys, tiny_checkpoint, smoke_config, tmp_path
):
    run = RunDir(tmp_path / "run")
    run.create()
    run.config.write_text(dump_toml(smoke_config))
    data = tiny_checkpoint("tic-tac-toe").read_bytes()[:500]
    run.latest.write_bytes(data)
    code, _, err = run_cli(
        capsys, "train", "tic-tac-toe", "--run-dir", str(run.path), "--resume", "--quiet"
    )
    assert_one_line_error(code, err, "damaged or not a checkpoint")
    assert run.latest.read_bytes() == data  # nothing overwritten


def test_an_existing_run_is_not_overwritten_without_resume(capsys, tiny_checkpoint, tmp_path):
    run = RunDir(tmp_path / "run")
    run.create()
    data = tiny_checkpoint("tic-tac-toe").read_bytes()
    run.latest.write_bytes(data)
    code, _, err = run_cli(capsys, "train", "tic-tac-toe", "--run-dir", str(run.path), "--quiet")
    assert_one_line_error(code, err, "--resume")
    assert run.latest.read_bytes() == data


def test_the_console_command_prints_no_traceback_and_no_openspiel_noise():
    result = subprocess.run(
        [sys.executable, "-m", "sandbox", "train", "connect_four(bogus=1)"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0, result.stderr
    assert "Unknown parameter 'bogus'" in result.stderr


def test_games_lists_every_preset(capsys):
    code, out, _ = run_cli(capsys, "games")
    assert code == 0
    for name in ("tic-tac-toe", "connect4-5x4", "hex5", "go9", "breakthrough6"):
        assert name in out


def test_plot_draws_a_runs_curves_and_refuses_a_non_run(capsys, smoke_config, tmp_path):
    from sandbox.training.loop import train

    run = RunDir(tmp_path / "run")
    train(smoke_config, run)
    code, out, _ = run_cli(capsys, "plot", str(run.path))
    png = run.path / "training_curves.png"
    assert code == 0 and out.strip() == str(png)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    code, _, err = run_cli(capsys, "plot", str(tmp_path))
    assert_one_line_error(code, err, "no metrics.jsonl")
