"""The viewer driven headless (SDL_VIDEODRIVER=dummy) by synthetic mouse and key events."""

from __future__ import annotations

import math
import os

import numpy as np
import pytest

os.environ["SDL_VIDEODRIVER"] = "dummy"
os.environ["SDL_AUDIODRIVER"] = "dummy"

import pygame  # noqa: E402

from agents.network import build_network  # noqa: E402
from games.game import load  # noqa: E402
from games.geometry import board_geometry  # noqa: E402
from sandbox.config import Config, NetworkConfig  # noqa: E402
from sandbox.specs import make_agent  # noqa: E402
from sandbox.training.checkpoint import make_payload, save_checkpoint  # noqa: E402
from viz import theme  # noqa: E402
from viz.panel import move_rows  # noqa: E402
from viz.readout import overlay, result_text  # noqa: E402
from viz.session import Session  # noqa: E402
from viz.viewer import Viewer, render_frame, save_screenshot  # noqa: E402


@pytest.fixture(scope="module", autouse=True)
def display():
    pygame.display.init()
    pygame.font.init()
    yield
    pygame.display.quit()


@pytest.fixture(scope="module")
def checkpoints(tmp_path_factory):
    """Small untrained networks: the viewer's contract does not depend on playing well."""
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    paths = {}
    for name in ("tic-tac-toe", "connect4-5x4"):
        game = load(name)
        cfg = Config(game=name, network=NetworkConfig(channels=8, blocks=1, value_hidden=8))
        path = tmp_path_factory.mktemp("models") / f"{name}.pt"
        save_checkpoint(path, make_payload(cfg, game, build_network(cfg.network, game), None, 0, 0))
        paths[name] = path
    return paths


def agent(checkpoints, name: str, sims: int):
    return make_agent(f"mcts:model={checkpoints[name]},sims={sims}", load(name))


def viewer_for(game_name, seats, **kwargs) -> Viewer:
    session = Session(load(game_name), seats, move_delay=0.0, **kwargs)
    return Viewer(session, size=(1024, 640))


def click(viewer: Viewer, cell) -> None:
    x, y = viewer.frame.board.center(cell)
    pygame.event.post(
        pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=(round(x), round(y)), button=1)
    )
    viewer.tick()


def press(viewer: Viewer, key: int, mod: int = 0, think_slice: float = 0.03) -> None:
    pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=key, mod=mod, unicode=""))
    viewer.tick(think_slice)


def tick_until(viewer: Viewer, done, ticks: int = 500) -> None:
    for _ in range(ticks):
        if done():
            return
        viewer.tick()
    raise AssertionError("the viewer never got there")


def play_to_the_end_by_clicks(viewer: Viewer) -> int:
    """Clicks the first legal cell whenever it is the human's turn; returns the clicks made."""
    session = viewer.session
    geometry = board_geometry(session.game)
    clicks = 0
    while not session.state.is_terminal():
        if session.is_human_turn():
            action = session.state.legal_actions()[0]
            cell = geometry.action_cell(action)
            cell = (geometry.rows - 1, cell[1]) if geometry.kind == "columns" else cell
            before = len(session.history)
            click(viewer, cell)
            assert session.history[before : before + 1] == [action]
            clicks += 1
        else:
            tick_until(viewer, lambda: session.is_human_turn() or session.state.is_terminal())
    return clicks


@pytest.mark.parametrize("name", ["tic-tac-toe", "connect4-5x4"])
def test_a_human_plays_a_whole_game_against_the_agent_by_clicks(checkpoints, name):
    viewer = viewer_for(name, [None, agent(checkpoints, name, 4)])
    clicks = play_to_the_end_by_clicks(viewer)
    session = viewer.session
    assert clicks == sum(1 for p in session.movers if p == 0) >= 3
    assert result_text(session) is not None and session.state.is_terminal()
    viewer.tick()  # draws the result banner without error


def test_an_illegal_click_changes_nothing_and_says_why(checkpoints):
    viewer = viewer_for("tic-tac-toe", [None, agent(checkpoints, "tic-tac-toe", 2)])
    click(viewer, (1, 1))
    tick_until(viewer, viewer.session.is_human_turn)
    history = list(viewer.session.history)
    board = str(viewer.session.state)
    click(viewer, (1, 1))  # taken
    assert viewer.session.history == history and str(viewer.session.state) == board
    assert "taken" in viewer.session.hint
    assert overlay(viewer.session).refused == (1, 1)


def test_a_click_on_a_full_column_is_refused(checkpoints):
    seats = [None, agent(checkpoints, "connect4-5x4", 2)]
    viewer = viewer_for("connect4-5x4", seats, start=[0, 0, 0, 0])
    click(viewer, (-1, 0))
    assert viewer.session.history == [0, 0, 0, 0]
    assert "full" in viewer.session.hint


def test_undo_restores_the_position_before_the_humans_last_move(checkpoints):
    viewer = viewer_for("tic-tac-toe", [None, agent(checkpoints, "tic-tac-toe", 2)])
    click(viewer, (0, 0))
    tick_until(viewer, viewer.session.is_human_turn)
    before = str(viewer.session.state)
    click(viewer, (2, 2) if viewer.session.history[-1] != 8 else (2, 1))
    tick_until(viewer, viewer.session.is_human_turn)
    press(viewer, pygame.K_u)
    assert str(viewer.session.state) == before and len(viewer.session.history) == 2


def test_new_game_and_swap_sides_let_the_agent_open(checkpoints):
    viewer = viewer_for("tic-tac-toe", [None, agent(checkpoints, "tic-tac-toe", 2)])
    click(viewer, (0, 0))
    press(viewer, pygame.K_n)
    assert viewer.session.history == []
    press(viewer, pygame.K_x)
    tick_until(viewer, lambda: len(viewer.session.history) == 1)
    assert viewer.session.is_human_turn() and viewer.session.mover == 1


def test_the_panel_shows_the_numbers_of_the_agents_own_analysis(checkpoints):
    bot = agent(checkpoints, "connect4-5x4", 40)
    session = Session(load("connect4-5x4"), [None, bot], start=[2], move_delay=1e9)
    viewer = Viewer(session, size=(1024, 640))
    tick_until(viewer, lambda: session.thinker is not None and session.thinker.done)
    expected = bot.analyse(session.state)
    rows = move_rows(session, session.analysis())
    assert rows, "the panel lists candidate moves"
    for row in rows:
        a = row.action
        assert row.visits == int(expected.visits[a])
        assert row.prior == pytest.approx(expected.prior[a])
        assert (row.q is None) == math.isnan(expected.q[a])
        assert row.cells()[1] == f"{100 * expected.prior[a]:.0f}%"
    assert overlay(session).system2 == expected.action
    assert session.analysis().value == pytest.approx(expected.value)


def test_the_window_answers_events_during_a_1000_simulation_search(checkpoints):
    seats = [agent(checkpoints, "connect4-5x4", 1000), None]
    viewer = viewer_for("connect4-5x4", seats)
    viewer.tick(think_slice=0.005)
    thinker = viewer.session.thinker
    first = thinker.sims_done
    assert 0 < first < 1000
    press(viewer, pygame.K_h, think_slice=0.005)  # handled in the next frame; the search goes on
    assert viewer.show_help and not thinker.done
    press(viewer, pygame.K_h, think_slice=0.005)
    assert not viewer.show_help and first < thinker.sims_done < 1000
    assert viewer.session.history == []  # no move until the search has finished


def test_step_mode_adds_visits_one_simulation_per_key(checkpoints):
    viewer = viewer_for("tic-tac-toe", [agent(checkpoints, "tic-tac-toe", 50), None])
    press(viewer, pygame.K_s)
    thinker = viewer.session.thinker
    assert thinker.sims_done == 0
    press(viewer, pygame.K_RIGHT)
    assert thinker.sims_done == 1 and viewer.session.analysis().visits.sum() == 1
    press(viewer, pygame.K_RIGHT, pygame.KMOD_SHIFT)
    assert thinker.sims_done == 11 and viewer.session.history == []
    press(viewer, pygame.K_RETURN)
    tick_until(viewer, lambda: len(viewer.session.history) == 1)


def test_the_sims_control_reaches_system_1_and_beyond_a_thousand(checkpoints):
    session = Session(load("tic-tac-toe"), [None, agent(checkpoints, "tic-tac-toe", 200)])
    for _ in range(20):
        session.change_sims(-1)
    assert session.sims == 0
    for _ in range(20):
        session.change_sims(+1)
    assert session.sims >= 1000


def test_breakthrough_moves_a_piece_by_two_clicks():
    game = load("breakthrough5")
    viewer = Viewer(Session(game, [None, make_agent("random", game)]), size=(1024, 640))
    click(viewer, (0, 0))  # player 0's piece on a5
    assert viewer.session.selected == (0, 0) and viewer.session.history == []
    assert (1, 0) in overlay(viewer.session).targets
    click(viewer, (2, 0))  # two squares ahead: refused, the piece stays picked up
    assert viewer.session.history == [] and viewer.session.hint
    click(viewer, (1, 0))
    played = viewer.session.history[0]
    assert game.new_state().action_to_string(0, played) == "a5a4"


def test_watch_mode_plays_both_agents_and_pauses(checkpoints):
    game = load("tic-tac-toe")
    seats = [make_agent("random", game), agent(checkpoints, "tic-tac-toe", 2)]
    session = Session(game, seats, watch=True)
    session.delay_index = 0
    viewer = Viewer(session, size=(1024, 640))
    tick_until(viewer, lambda: len(session.history) >= 2)
    press(viewer, pygame.K_SPACE)
    moves = len(session.history)
    for _ in range(5):
        viewer.tick()
    assert len(session.history) == moves
    press(viewer, pygame.K_RIGHT)  # paused: one move
    tick_until(viewer, lambda: len(session.history) == moves + 1 or session.state.is_terminal())


def test_a_screenshot_file_shows_the_pieces(tmp_path, checkpoints):
    game = load("tic-tac-toe")
    session = Session(game, [None, agent(checkpoints, "tic-tac-toe", 20)], start=[4, 0])
    path = save_screenshot(session, tmp_path / "shot.png", size=(800, 450))
    image = pygame.image.load(str(path))
    layout = render_frame(pygame.Surface((800, 450)), session).board
    x_colour, o_colour = (p.fill for p in theme.palette("tic_tac_toe").players)

    def count(cell, colour) -> int:
        x, y, w, h = (round(v) for v in layout.cell_rect(cell))
        pixels = pygame.surfarray.array3d(image.subsurface(pygame.Rect(x, y, w, h)))
        return int(np.all(pixels == np.array(colour), axis=-1).sum())

    assert count((1, 1), x_colour) > 100  # X in the centre
    assert count((0, 0), o_colour) > 100  # O in the corner
    assert count((2, 2), x_colour) == count((2, 2), o_colour) == 0


def test_save_key_writes_a_png(tmp_path):
    game = load("hex5")
    viewer = Viewer(
        Session(game, [None, make_agent("random", game)]), size=(800, 500), screenshot_dir=tmp_path
    )
    click(viewer, (2, 2))
    press(viewer, pygame.K_c)
    [path] = viewer.saved
    assert path.exists() and pygame.image.load(str(path)).get_size() == (800, 500)
    assert viewer.session.history[0] == 12  # c3


def test_the_play_command_writes_a_screenshot_and_refuses_bad_input(tmp_path, checkpoints, capsys):
    from sandbox.cli import main

    out = tmp_path / "c4.png"
    spec = f"mcts:model={checkpoints['connect4-5x4']},sims=10"
    assert (
        main(["play", "connect4-5x4", "--agent", spec, "--moves", "2 3", "--screenshot", str(out)])
        == 0
    )
    assert out.exists()
    assert main(["play", "connect4-5x4", "--sims", "-1", "--screenshot", str(out)]) == 2
    assert main(["watch", "tic-tac-toe", "--agents", "random", "human"]) == 2
    assert main(["play", "dots_and_boxes", "--agent", "random"]) == 2  # no clickable board
    assert "error" in capsys.readouterr().err


def test_the_agents_move_is_kept_with_the_analysis_it_came_from(checkpoints):
    viewer = viewer_for("tic-tac-toe", [agent(checkpoints, "tic-tac-toe", 30), None])
    tick_until(viewer, lambda: len(viewer.session.history) == 1)
    decision = viewer.session.last_decision()
    assert decision.player == 0 and decision.action == viewer.session.history[0]
    assert decision.analysis.visits.sum() == 30 and decision.analysis.action == decision.action
    assert decision.has_network


def test_the_board_follows_the_window_size(checkpoints):
    viewer = viewer_for("connect4-5x4", [None, agent(checkpoints, "connect4-5x4", 2)])
    small = viewer.frame.board.cell
    pygame.display.set_mode((1000, 760), pygame.RESIZABLE)  # what a drag of the window corner does
    viewer.tick()
    assert viewer.frame.board.cell > small
    click(viewer, (0, 4))
    assert viewer.session.history[0] == 4


def test_closing_the_window_ends_the_loop():
    game = load("tic-tac-toe")
    viewer = Viewer(Session(game, [None, make_agent("random", game)]), size=(640, 400))
    pygame.event.post(pygame.event.Event(pygame.QUIT))
    viewer.run()
    assert not viewer.running
    pygame.display.init()  # run() closed the window; the next tests open their own


def test_the_overrule_mark_waits_until_the_search_budget_is_spent(checkpoints):
    from agents.verdict import AGREES, CHANGED, UNDECIDED

    bot = agent(checkpoints, "connect4-5x4", 300)
    session = Session(load("connect4-5x4"), [bot, None], start=[2], move_delay=1e9)
    viewer = Viewer(session, size=(1024, 640))
    marks = {"SEARCH CHANGED THE MOVE", "Search agrees with the network"}
    seen_partial = 0
    while session.thinker is None or not session.thinker.done:
        with theme.recording_text() as texts:
            viewer.tick(think_slice=0.002)
        if session.thinker is not None and not session.thinker.done:
            seen_partial += 1
            assert session.verdict() is None
            drawn = {t.text for t in texts}
            assert not drawn & marks and not any("undecided" in t for t in drawn)
            assert any(t.startswith("Verdict when the search is done") for t in drawn)
    assert seen_partial > 1  # the live counts were drawn while the mark waited
    final = session.verdict()
    assert final is not None and final.kind in (CHANGED, AGREES, UNDECIDED)
    for _ in range(3):
        viewer.tick()
        assert session.verdict() == final


def test_a_full_game_then_the_review_and_a_click_on_a_move_shows_that_position(checkpoints):
    viewer = viewer_for("tic-tac-toe", [None, agent(checkpoints, "tic-tac-toe", 4)])
    play_to_the_end_by_clicks(viewer)
    session = viewer.session
    actions = list(session.history)
    press(viewer, pygame.K_r)
    tick_until(viewer, lambda: viewer.show_review)
    review = viewer.review.review
    assert review.actions == tuple(actions) and len(review.positions) == len(actions) + 1
    assert review.has_solver  # tic-tac-toe: every move solver-checked
    ply = 2
    row = next(box for p, box in viewer.frame.moves if p == ply and box.width > 200)
    with theme.recording_text() as texts:
        pygame.event.post(pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=row.center, button=1))
        viewer.tick()
    assert viewer.review.ply == ply
    drawn = [t.text for t in texts]
    name = load("tic-tac-toe").state_from_actions(actions[:ply]).action_to_string(actions[ply])
    assert any(t.startswith(f"Move {ply + 1}:") and t.endswith(name) for t in drawn)
    assert any(t.startswith(f"After move {ply} of {len(actions)}") for t in drawn)
    assert str(viewer.review.review.state(ply)) == str(
        load("tic-tac-toe").state_from_actions(actions[:ply])
    )
    press(viewer, pygame.K_ESCAPE)  # back to the finished game
    assert not viewer.show_review and viewer.running


def test_escape_asks_before_quitting():
    game = load("tic-tac-toe")
    viewer = Viewer(Session(game, [None, make_agent("random", game)]), size=(640, 400))
    press(viewer, pygame.K_ESCAPE)
    assert viewer.running and viewer.asking
    press(viewer, pygame.K_n)  # any other key goes back
    assert viewer.running and not viewer.asking
    press(viewer, pygame.K_ESCAPE)
    press(viewer, pygame.K_ESCAPE)
    assert not viewer.running
