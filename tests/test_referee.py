"""Referee scoring: exact fractions on synthetic labels, shipped files, malformed input, the CLI."""

from __future__ import annotations

import json

import numpy as np
import pytest

from agents.base import OneAtATime
from agents.bots import RandomBot
from agents.solver import SolverBot
from games.errors import UserError
from games.game import load
from sandbox.cli import main
from sandbox.evaluation.referee import (
    REFEREE_DIR,
    game_of_positions,
    load_positions,
    score_agent,
    subsample,
)


class ScriptedAgent:
    """Plays a fixed move per position (keyed by the actions that led to it)."""

    name = "scripted"
    select_actions = OneAtATime.select_actions

    def __init__(self, moves: dict[tuple[int, ...], int]):
        self.moves = moves

    def select_action(self, state, rng):
        return self.moves[tuple(state.history())]

    def analyse(self, state):
        raise NotImplementedError


def _line(actions, optimal, optimal_wdl, legal, value=0):
    record = {
        "game": "tic_tac_toe",
        "actions": actions,
        "value": value,
        "optimal": optimal,
        "optimal_wdl": optimal_wdl,
        "legal": legal,
    }
    return json.dumps(record) + "\n"


@pytest.fixture
def synthetic_file(tmp_path):
    """Four tic-tac-toe positions; labels need not be true, only consistent for the fractions."""
    path = tmp_path / "four.jsonl"
    path.write_text(
        _line([], [4], [0, 4], list(range(9)))  # first third, informative
        + _line([0], [4], [4, 8], [1, 2, 3, 4, 5, 6, 7, 8])  # first third, informative
        + _line([0, 4, 8, 2], [6], [6], [1, 3, 5, 6, 7])  # second third, informative
        + _line([0, 1, 2, 4, 3, 5, 7], [6, 8], [6, 8], [6, 8])  # last third, not informative
    )
    return path


def test_scores_synthetic_positions_with_exact_fractions(synthetic_file):
    positions = load_positions(synthetic_file)
    agent = ScriptedAgent({(): 0, (0,): 8, (0, 4, 8, 2): 6, (0, 1, 2, 4, 3, 5, 7): 6})
    report = score_agent(agent, load("tic-tac-toe"), positions, np.random.default_rng(0))
    # value-preserving: all 4 right; strict: only positions 3 and 4 ([6] and [7, 8]).
    assert (report.overall.n, report.overall.correct, report.overall.correct_strict) == (4, 4, 2)
    assert report.accuracy == 1.0 and report.accuracy_strict == 0.5
    assert (report.informative.n, report.informative.correct_strict) == (3, 1)
    phases = {k: (a.n, a.correct, a.correct_strict) for k, a in report.by_phase.items()}
    assert phases == {"first": (2, 2, 0), "second": (1, 1, 1), "last": (1, 1, 1)}
    assert report.correct == (True, True, True, True)
    assert report.correct_strict == (False, False, True, True)
    assert report.chosen == (0, 8, 6, 6)
    assert report.to_dict()["accuracy"] == 1.0


def test_wrong_moves_count_against_the_agent(synthetic_file):
    positions = load_positions(synthetic_file)
    agent = ScriptedAgent({(): 1, (0,): 4, (0, 4, 8, 2): 1, (0, 1, 2, 4, 3, 5, 7): 8})
    report = score_agent(agent, load("tic-tac-toe"), positions, np.random.default_rng(0))
    assert report.correct == (False, True, False, True)
    assert report.overall.accuracy == 0.5 and report.informative.correct == 1
    low, high = report.overall.interval
    assert low < 0.5 < high


def test_solver_scores_perfectly_on_the_shipped_tic_tac_toe_positions():
    game = load("tic-tac-toe")
    report = score_agent(
        SolverBot(game), game, load_positions("tic_tac_toe"), np.random.default_rng(0)
    )
    assert report.accuracy == 1.0 and report.accuracy_strict == 1.0


def test_random_play_scores_like_the_reference_figure():
    game = load("tic-tac-toe")
    report = score_agent(
        RandomBot(game), game, load_positions("tic_tac_toe"), np.random.default_rng(0)
    )
    assert abs(report.accuracy - 0.587) < 0.03  # shared README: uniform random 0.587


@pytest.mark.parametrize(
    "name, count",
    [("tic_tac_toe", 2260), ("tic-tac-toe", 2260), ("connect4-5x4", 500), ("connect4", 498)],
)
def test_short_names_and_preset_names_find_the_shipped_files(name, count):
    assert len(load_positions(name)) == count


def test_positions_map_to_their_preset_whatever_the_parameter_order():
    # The file writes connect_four(columns=5,rows=4,...); the preset says rows first.
    assert game_of_positions(load_positions("connect_four_5x4")).name == "connect4-5x4"
    # connect_four(columns=7,rows=6,x_in_row=4): the preset is plain connect_four (defaults).
    assert game_of_positions(load_positions("connect_four_7x6")).name == "connect4"


def test_subsample_spreads_over_the_whole_file():
    positions = load_positions("tic_tac_toe")
    sample = subsample(positions, 4)
    assert sample == [positions[0], positions[565], positions[1130], positions[1695]]
    assert subsample(positions, None) == positions


@pytest.mark.parametrize(
    "content, message",
    [
        ("{not json\n", "not JSON"),
        ('{"game": "tic_tac_toe", "actions": []}\n', "missing"),
        ("[1, 2]\n", "expected a JSON object"),
        (_line(["a"], [0], [0], [0]), "not a position"),
        ("\n", "no positions"),
        (
            _line([], [0], [0], [0]) + _line([], [0], [0], [0]).replace("tic_tac_toe", "hex"),
            "several games",
        ),
    ],
)
def test_malformed_positions_file_gives_a_user_error(tmp_path, content, message):
    path = tmp_path / "bad.jsonl"
    path.write_text(content)
    with pytest.raises(UserError, match=message):
        load_positions(path)


def test_unknown_positions_name_gives_a_user_error():
    with pytest.raises(UserError, match="no such file"):
        load_positions("connect_four_9x9")


def test_positions_of_another_game_are_refused():
    game = load("connect4-5x4")
    with pytest.raises(UserError, match="positions are of"):
        score_agent(RandomBot(game), game, load_positions("tic_tac_toe"), np.random.default_rng(0))


def test_shipped_files_are_package_data():
    assert sorted(p.name for p in REFEREE_DIR.glob("*.jsonl")) == [
        "connect_four_5x4.public.jsonl",
        "connect_four_6x5.public.jsonl",
        "connect_four_7x6.public.jsonl",
        "tic_tac_toe.public.jsonl",
    ]


def test_cli_referee_json_reports_perfect_solver_accuracy(capsys):
    rc = main(["referee", "solver", "--positions", "tic_tac_toe", "--json", "--limit", "50"])
    out = json.loads(capsys.readouterr().out)
    assert rc == 0
    assert out["accuracy"] == 1.0 and out["accuracy_strict"] == 1.0 and out["n"] == 50
    assert set(out["by_phase"]) == {"first", "second", "last"}


def test_cli_referee_prints_a_table(capsys):
    assert main(["referee", "random", "--positions", "tic-tac-toe", "--limit", "30"]) == 0
    out = capsys.readouterr().out
    assert "value-preserving" in out and "informative" in out and "last third" in out


@pytest.mark.parametrize(
    "argv",
    [
        ["referee", "solver:depth=3", "--positions", "tic_tac_toe"],
        ["referee", "solver", "--positions", "no_such_set"],
        ["referee", "solver", "--positions", "tic_tac_toe", "--game", "connect4-5x4"],
        ["referee", "solver", "--positions", "connect4-6x5"],
        ["referee", "random", "--positions", "tic_tac_toe", "--limit", "0"],
    ],
)
def test_cli_referee_bad_input_exits_2_with_one_line(capsys, argv):
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("sandbox: error:") and "Traceback" not in err[0]
