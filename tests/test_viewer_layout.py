"""The viewer's layout at awkward window sizes: every text inside its box, the board steady.

Text rectangles are measured as drawn (`theme.recording_text`), against the window and against
the box each one had to stay in, for a portrait 900x1000 and 600x900 and the usual landscape
sizes, in play, help, watch (paused), game over, the quit question and the review.
"""

from __future__ import annotations

import os

import numpy as np
import pytest

os.environ["SDL_VIDEODRIVER"] = "dummy"

import pygame  # noqa: E402

from games.game import load  # noqa: E402
from sandbox.specs import make_agent  # noqa: E402
from viz import theme  # noqa: E402
from viz.marks import unit_of  # noqa: E402
from viz.review import ReviewJob  # noqa: E402
from viz.review_screen import ReviewScreen  # noqa: E402
from viz.screen import regions  # noqa: E402
from viz.session import Session  # noqa: E402
from viz.viewer import QUIT_QUESTION, Viewer  # noqa: E402

SIZES = [(900, 1000), (600, 900), (1280, 800), (1280, 720), (1024, 640)]


@pytest.fixture(scope="module", autouse=True)
def display():
    pygame.display.init()
    pygame.font.init()
    yield
    pygame.display.quit()


@pytest.fixture
def bot(tiny_checkpoint):
    def make(name: str, sims: int):
        return make_agent(f"mcts:model={tiny_checkpoint(name)},sims={sims}", load(name))

    return make


def finished(session: Session) -> Session:
    session.think(None)
    return session


def scenes(bot) -> dict[str, Viewer]:
    """One viewer per situation worth measuring (built once per window size)."""
    c4 = load("connect4-5x4")
    out = {}
    playing = Session(c4, [None, bot("connect4-5x4", 30)], start=[2, 2, 1], move_delay=1e9)
    out["play"] = Viewer(finished(playing))
    helped = Viewer(Session(c4, [None, bot("connect4-5x4", 5)], start=[2]))
    helped.show_help = True
    out["help"] = helped
    asking = Viewer(Session(c4, [None, bot("connect4-5x4", 5)]))
    asking.asking = QUIT_QUESTION
    out["question"] = asking
    watch = Session(c4, [bot("connect4-5x4", 5), bot("connect4-5x4", 5)], watch=True)
    watch.paused = True
    out["watch paused"] = Viewer(finished(watch))
    over = Session(c4, [None, bot("connect4-5x4", 5)], start=[0, 1, 0, 1, 0, 1, 0])
    out["game over"] = Viewer(over)
    game = load("tic-tac-toe")
    moves = [4, 0, 8, 2, 1, 7, 6]
    review = ReviewJob(game, moves, bot("tic-tac-toe", 8), 8, None).result()
    session = Session(game, [None, None], start=moves)
    out["review"] = Viewer(session, review=ReviewScreen(review, 3, can_go_back=False))
    bt = load("breakthrough5")
    piece = Session(bt, [None, make_agent("random", bt)])
    piece.click_cell((0, 1))
    out["breakthrough"] = Viewer(piece)
    return out


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_no_text_is_drawn_outside_its_box_or_the_window(bot, size):
    window = pygame.Rect((0, 0), size)
    for scene, viewer in scenes(bot).items():
        surface = pygame.Surface(size)
        with theme.recording_text() as texts:
            frame = viewer.draw(surface)
        assert texts, scene
        for drawn in texts:
            where = f"{scene} at {size}: '{drawn.text}' {drawn.rect} in {drawn.box}"
            assert window.contains(drawn.rect), where
            assert drawn.box is None or drawn.box.contains(drawn.rect), where
            assert drawn.box is None or window.contains(drawn.box), where
        for _, box in frame.buttons:
            assert window.contains(box), f"{scene} at {size}: a button off the window"
        if scene in ("help", "watch paused", "question"):  # shrunk to fit, never cut
            assert [d.text for d in texts if d.is_cut and "sims" not in d.text] == [], scene


@pytest.mark.parametrize("size", [(900, 1000), (600, 900)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_the_help_card_and_legend_fit_a_portrait_window_without_cutting(bot, size):
    viewer = scenes(bot)["help"]
    with theme.recording_text() as texts:
        viewer.draw(pygame.Surface(size))
    assert [d.text for d in texts if d.is_cut and "sims" not in d.text] == []
    assert any(d.text.startswith("Teal numbers") for d in texts)  # the legend is there


def test_the_paused_watch_line_is_whole_at_1280x800(bot):
    viewer = scenes(bot)["watch paused"]
    with theme.recording_text() as texts:
        viewer.draw(pygame.Surface((1280, 800)))
    assert any(d.text.startswith("Paused:") and not d.is_cut for d in texts)
    assert any(d.text == "Space resumes, Right plays one move" for d in texts)


def test_the_board_keeps_its_size_between_moves_and_at_game_over(bot):
    game = load("connect4-5x4")
    session = Session(game, [None, bot("connect4-5x4", 3)], move_delay=0.0)
    viewer = Viewer(session, size=(1024, 640))
    cells = {viewer.frame.board.cell}
    for _ in range(300):
        if session.state.is_terminal():
            break
        if session.is_human_turn():
            session.click_cell((0, session.state.legal_actions()[0]))
        viewer.tick()  # right after a move the analysis is briefly absent
        cells.add(viewer.frame.board.cell)
    assert session.state.is_terminal()
    viewer.tick()
    cells.add(viewer.frame.board.cell)
    assert len(cells) == 1


def test_regions_stack_the_panel_under_the_board_in_a_portrait_window():
    tall = regions((600, 900))
    assert tall.panel.top >= tall.board.bottom and tall.panel.width == 600
    wide = regions((1280, 800))
    assert wide.panel.left >= wide.board.right and wide.panel.height == 800


@pytest.mark.parametrize("count", [812, 6400, 12345])
def test_big_visit_counts_stay_inside_their_cell(count):
    game = load("connect4-5x4")
    state = game.new_state()
    visits = np.zeros(5)
    visits[2] = count
    q = np.where(visits > 0, 0.25, np.nan)
    from viz.board import Overlay, draw_board

    surface = pygame.Surface((480, 420))
    with theme.recording_text() as texts:
        layout = draw_board(surface, (0, 0, 480, 420), game, state, Overlay(visits=visits, q=q))
    [badge] = [d for d in texts if d.text[0].isdigit() and d.text not in "01234"]
    assert badge.rect.width < 0.8 * unit_of(layout)
    assert badge.text in ("812", "6.4k", "12k")
