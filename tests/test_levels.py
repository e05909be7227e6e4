"""The strength dial: level tables beside the shipped models and `sandbox play --level N`."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

os.environ["SDL_VIDEODRIVER"] = "dummy"

from games.errors import UserError  # noqa: E402
from games.game import load  # noqa: E402
from sandbox.cli import main  # noqa: E402
from sandbox.commands.play import level_player, levels_path  # noqa: E402
from sandbox.specs import make_agent, zoo_models  # noqa: E402
from viz.levels import pick_level, read_levels  # noqa: E402
from viz.readout import seat_label  # noqa: E402
from viz.session import Session  # noqa: E402
from viz.thinker import start_thinking  # noqa: E402


@pytest.mark.parametrize("name", zoo_models())
def test_every_shipped_model_has_a_level_table_from_system_1_sampled_up(name):
    levels = read_levels(levels_path(load(name)))
    assert levels[0].sims == 0 and levels[0].temperature > 0  # System 1, sampled
    assert [lv.sims for lv in levels] == sorted(lv.sims for lv in levels)
    assert levels[-1].sims >= 64 and all(lv.count == len(levels) for lv in levels)


def test_every_preset_ships_a_model_so_the_viewer_never_falls_back_to_rollouts():
    from games.catalogue import GAMES

    assert sorted(zoo_models()) == sorted(GAMES)


def test_the_elo_is_shown_when_the_table_has_one(tmp_path):
    path = tmp_path / "x.levels.json"
    levels = [{"name": "System 1, sampled", "sims": 0, "temperature": 1.0},
              {"name": "System 2, 64 simulations", "sims": 64, "elo": 912.4}]  # fmt: skip
    path.write_text(json.dumps({"levels": levels}))
    first, second = read_levels(path)
    assert first.label() == "Level 1/2: System 1, sampled"
    assert second.label() == "Level 2/2: System 2, 64 simulations (Elo 912)"
    with pytest.raises(UserError, match="1 System 1, sampled; 2 System 2"):
        pick_level([first, second], 3)
    path.write_text('{"levels": [{"sims": 3}]}')
    with pytest.raises(UserError, match="not a level table"):
        read_levels(path)


def test_a_level_builds_its_player_and_the_seat_says_which_level():
    game = load("tic-tac-toe")
    level, bot = level_player(game, 3, "cpu", 0)
    assert bot.num_simulations == level.sims == 8
    session = Session(game, [None, bot], sims=level.sims, level=level)
    assert seat_label(session, 1).startswith("Level 3/4: System 2, 8 simulations")
    session.change_sims(+1)  # the dial moved: no longer that level
    assert not seat_label(session, 1).startswith("Level")


def test_system_1_sampled_varies_its_move_and_the_favourite_does_not():
    game = load("connect4-5x4")
    state = game.new_state()
    sampled = make_agent("policy:model=zoo:connect4-5x4,temperature=1", game)
    favourite = make_agent("policy:model=zoo:connect4-5x4", game)
    moves = set()
    for seed in range(12):
        thinker = start_thinking(sampled, state, 0, seed)
        thinker.advance(None)
        moves.add(thinker.move())
    assert len(moves) > 1
    best = {start_thinking(favourite, state, 0, seed).move() for seed in range(4)}
    assert best == {int(np.argmax(favourite.analyse(state).prior))}


def test_the_play_command_takes_a_level_and_refuses_a_bad_one(tmp_path, capsys):
    out = tmp_path / "level.png"
    assert main(["play", "tic-tac-toe", "--level", "2", "--screenshot", str(out)]) == 0
    assert out.exists()
    assert main(["play", "tic-tac-toe", "--level", "9", "--screenshot", str(out)]) == 2
    assert "--level must be 1 to 4" in capsys.readouterr().err
    # a game with no shipped model (any OpenSpiel string that is not a preset) has no dial
    assert main(["play", "hex(board_size=6)", "--level", "1", "--screenshot", str(out)]) == 2
    assert "no strength levels for" in capsys.readouterr().err


def test_the_default_level_table_is_a_dial_the_viewer_reads(tmp_path):
    """What calibrate_levels.py writes for a newly shipped model: it passes the shipped-table
    checks above and climbs to the model cards' 400-simulation search."""
    from viz.levels import default_level_table

    path = tmp_path / "go7.levels.json"
    path.write_text(json.dumps(default_level_table("zoo:go7")))
    levels = read_levels(path)
    assert levels[0].sims == 0 and levels[0].temperature > 0
    assert [lv.sims for lv in levels] == sorted(lv.sims for lv in levels) and levels[-1].sims == 400
    assert all(lv.elo is None for lv in levels) and "sandbox play go7" in path.read_text()
