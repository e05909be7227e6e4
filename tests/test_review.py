"""Post-game review: marks from System 1, System 2 and the solver; records saved and reopened."""

from __future__ import annotations

import os

import pytest

os.environ["SDL_VIDEODRIVER"] = "dummy"

import pygame  # noqa: E402

from games.game import load  # noqa: E402
from sandbox.cli import main  # noqa: E402
from sandbox.commands.play import game_record, saver  # noqa: E402
from sandbox.specs import make_agent  # noqa: E402
from sandbox.training.records import GameRecord, read_records, write_records  # noqa: E402
from viz.review import ReviewJob  # noqa: E402
from viz.session import Session  # noqa: E402
from viz.viewer import solver_for  # noqa: E402

# X takes the centre, O answers on an edge (a theoretical loss), then the game runs on.
BLUNDER = "x(1,1) o(0,1) x(0,0) o(2,2) x(2,0) o(1,0) x(0,2)"


@pytest.fixture
def ttt(tiny_checkpoint):
    game = load("tic-tac-toe")
    spec = f"mcts:model={tiny_checkpoint()}"
    return game, spec, make_agent(spec, game)


def test_the_review_marks_the_move_the_solver_says_lost_the_draw(ttt):
    game, _, bot = ttt
    actions = game.parse_moves(BLUNDER).history()
    review = ReviewJob(game, actions, bot, 6, solver_for(game)).result()
    assert len(review.positions) == len(actions) + 1 and review.returns == [1.0, -1.0]
    edge = review.moves[1]
    assert (edge.solver_before, edge.solver_after, edge.solver_loss) == (0, -1, 1)
    assert review.mistakes()[0].ply == 1
    assert not review.moves[0].is_mistake  # the centre keeps the draw
    for system in (1, 2):
        curve = review.curve(system)
        assert len(curve) == len(actions) + 1 and curve[-1] == 1.0  # ends at the result
    for move, position in zip(review.moves, review.positions, strict=False):
        assert move.system1 == position.analysis.network_action
        assert move.system2 == position.analysis.action


def test_without_a_solver_the_marks_come_from_the_search_alone(tiny_checkpoint):
    game = load("connect4-6x5")
    bot = make_agent(f"mcts:model={tiny_checkpoint('connect4-6x5')}", game)
    assert solver_for(game) is None  # too long a game for the exact solver
    review = ReviewJob(game, [2, 3, 2, 3], bot, 4, None).result()
    assert not review.has_solver and review.returns == []  # unfinished
    assert all(m.solver_loss is None and m.loss is not None for m in review.moves)


def test_a_played_game_is_saved_as_a_record_and_reopened_in_review(ttt, tmp_path):
    game, spec, bot = ttt
    session = Session(game, [None, bot], start=game.parse_moves(BLUNDER).history())
    path = saver(tmp_path)(session)
    [record] = read_records(path)
    assert record.actions == session.history and record.returns == [1.0, -1.0]
    assert load(record.game).is_same_as(game)
    png = tmp_path / "review.png"
    argv = ["review", str(path), "--agent", spec, "--sims", "4", "--ply", "2"]
    assert main([*argv, "--size", "900x600", "--screenshot", str(png)]) == 0
    assert pygame.image.load(str(png)).get_size() == (900, 600)


def test_self_play_records_of_a_run_open_the_same_way(ttt, tmp_path):
    game, spec, _ = ttt
    records = [
        GameRecord(
            game.spec.openspiel,
            0,
            i,
            game.parse_moves(moves).history(),
            [None] * n,
            list(game.parse_moves(moves).returns()),
        )  # fmt: skip
        for i, (moves, n) in enumerate([("x(0,0) o(1,1)", 2), (BLUNDER, 7)])
    ]
    path = tmp_path / "runs" / "tic-tac-toe" / "run" / "games" / "iter_0003.jsonl"
    write_records(path, records)
    png = tmp_path / "shot.png"
    argv = ["review", str(path), "--index", "1", "--agent", spec, "--sims", "2"]
    assert main([*argv, "--screenshot", str(png)]) == 0 and png.exists()
    assert main(["review", str(path), "--index", "5", "--agent", spec]) == 2
    assert main(["review", str(tmp_path / "missing.jsonl")]) == 2


def test_the_record_keeps_the_agents_search_where_it_searched(ttt):
    game, _, bot = ttt
    session = Session(game, [None, bot], move_delay=0.0)
    session.click_cell((1, 1))
    while len(session.history) < 2:
        session.update(None)
    record = game_record(session)
    assert record.policy_targets[0] is None  # the human's move
    assert record.policy_targets[1] is not None and abs(sum(record.policy_targets[1]) - 1) < 1e-6
    assert record.returns == [0.0, 0.0]  # unfinished
