"""`sandbox sweep` and `sandbox report` from the command line."""

import pytest

from games.errors import UserError
from sandbox.cli import main
from sandbox.commands.sweep import parse_sims


def test_sims_list_with_ellipsis_keeps_doubling():
    assert parse_sims("0,1,2,4,...,64") == (0, 1, 2, 4, 8, 16, 32, 64)
    assert parse_sims("16, 0, 4") == (0, 4, 16)


@pytest.mark.parametrize("text", ["", "0,x", "...,8", "4,..."])
def test_bad_sims_list_is_a_user_error(text):
    with pytest.raises(UserError):
        parse_sims(text)


def test_bad_sims_on_the_command_line_exits_2_with_one_line(capsys):
    assert main(["sweep", "tic-tac-toe", "--sims", "0,two"]) == 2
    assert capsys.readouterr().err.count("\n") == 1


@pytest.mark.slow
def test_sweep_then_report_write_csv_plots_boards_and_page(tiny_checkpoint, tmp_path, capsys):
    ckpt = tiny_checkpoint("tic-tac-toe")
    out = tmp_path / "sweep"
    code = main(["sweep", "tic-tac-toe", "--checkpoints", str(ckpt), "--sims", "0,2,8",
                 "--limit", "10", "--games", "2", "--anchors", "rollout:sims=8",
                 "--out", str(out), "--report"])  # fmt: skip
    assert code == 0
    printed = capsys.readouterr().out
    assert "step 3 sims=8" in printed and "report:" in printed
    for name in ("results.csv", "summary.json", "strength_vs_sims.png", "report.md"):
        assert (out / name).is_file(), name
    assert main(["report", "tic-tac-toe", "--sweep", str(out), "--html"]) == 0
    assert (out / "report.html").is_file()
    assert main(["report", "connect4-5x4", "--sweep", str(out)]) == 2  # another game's sweep


def test_run_checkpoints_are_spread_evenly_in_log_steps(tmp_path):
    from pathlib import Path

    from sandbox.evaluation.contenders import spread_in_log_steps

    files = [Path(f"step_{s:07d}.pt") for s in (100, 200, 400, 800, 1600, 3200, 6400)]
    assert [f.name for f in spread_in_log_steps(files)] == [
        "step_0000100.pt",
        "step_0000800.pt",
        "step_0006400.pt",
    ]
    assert spread_in_log_steps(files[:2]) == files[:2]
