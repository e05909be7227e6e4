"""What the viewer marks and how: numbers, hints, Breakthrough, no network, game over, Go."""

from __future__ import annotations

import os

import numpy as np
import pytest

os.environ["SDL_VIDEODRIVER"] = "dummy"

import pygame  # noqa: E402

from agents.bots import MCTSBot  # noqa: E402
from agents.evaluators import RolloutEvaluator  # noqa: E402
from agents.mcts import MCTSConfig  # noqa: E402
from games.game import load  # noqa: E402
from sandbox.specs import make_agent  # noqa: E402
from viz import theme  # noqa: E402
from viz.board import Overlay, draw_board  # noqa: E402
from viz.panel import move_rows  # noqa: E402
from viz.readout import overlay, passed, result_text  # noqa: E402
from viz.screen import regions, render_frame  # noqa: E402
from viz.session import Session  # noqa: E402
from viz.viewer import Viewer  # noqa: E402
from viz.wording import compact, plural, signed  # noqa: E402


@pytest.fixture(scope="module", autouse=True)
def display():
    pygame.display.init()
    pygame.font.init()
    yield
    pygame.display.quit()


def texts_of(session: Session, size=(1280, 800)) -> list[str]:
    with theme.recording_text() as texts:
        render_frame(pygame.Surface(size), session)
    return [t.text for t in texts]


def count(surface: pygame.Surface, colour, rect: pygame.Rect | None = None) -> int:
    part = surface.subsurface(rect) if rect is not None else surface
    return int(np.all(pygame.surfarray.array3d(part) == np.array(colour), axis=-1).sum())


def test_numbers_read_like_numbers():
    assert plural(1, "visit") == "1 visit" and plural(6400, "simulation") == "6,400 simulations"
    assert signed(-0.001) == "0.00" and signed(-0.004999) == "0.00" and signed(0.5) == "+0.50"
    assert [compact(n) for n in (7, 999, 6400, 12345)] == ["7", "999", "6.4k", "12k"]


def test_one_simulation_says_one_visit_and_no_negative_zero(tiny_checkpoint):
    game = load("tic-tac-toe")
    bot = make_agent(f"mcts:model={tiny_checkpoint()},sims=1", game)
    session = Session(game, [bot, None], move_delay=1e9)
    session.think(None)
    drawn = texts_of(session)
    assert any("1 visit" in t and "1 visits" not in t for t in drawn)
    assert not any("-0.00" in t for t in drawn)


def test_not_your_turn_names_the_budget_on_the_dial(tiny_checkpoint):
    game = load("connect4-5x4")
    bot = make_agent(f"mcts:model={tiny_checkpoint('connect4-5x4')},sims=200", game)
    session = Session(game, [bot, None], move_delay=1e9)
    while session.sims < 6400:
        session.change_sims(+1)
    session.click_cell((0, 2))
    assert "6,400 sims" in session.hint and "sims=200" not in session.hint


def test_saved_is_news_in_green_and_a_refusal_is_red(tmp_path):
    game = load("tic-tac-toe")
    viewer = Viewer(Session(game, [None, None]), size=(900, 600), screenshot_dir=tmp_path)
    viewer.save_png()
    session = viewer.session
    assert session.hint.startswith("Saved") and not session.hint_is_error
    surface = pygame.Surface((900, 600))
    status = regions((900, 600)).status
    render_frame(surface, session)
    assert (
        count(surface, theme.INFO_BG, status) > 100 and count(surface, theme.HINT_BG, status) == 0
    )
    session.click_cell((0, 0))
    session.click_cell((0, 0))  # taken
    assert session.hint_is_error


def test_breakthrough_shows_each_moves_own_count_never_a_sum():
    game = load("breakthrough5")
    state = game.new_state()
    by_name = {state.action_to_string(0, a): a for a in state.legal_actions()}
    visits = np.zeros(game.num_actions)
    visits[by_name["b5b4"]], visits[by_name["a5b4"]] = 71, 38  # two pieces, one square
    q = np.where(visits > 0, 0.1, np.nan)
    with theme.recording_text() as texts:
        draw_board(
            pygame.Surface((600, 600)), (0, 0, 600, 600), game, state, Overlay(visits=visits, q=q)
        )
    numbers = {t.text for t in texts}
    assert {"71", "38"} <= numbers and "109" not in numbers


def test_breakthrough_targets_are_drawn_over_the_visit_badges():
    game = load("breakthrough5")
    state = game.new_state()
    visits = np.zeros(game.num_actions)
    visits[state.legal_actions()] = 500
    rect = (0, 0, 600, 600)
    surface = pygame.Surface(rect[2:])
    plain = Overlay(visits=visits, q=np.where(visits > 0, 0.0, np.nan))
    picked = Overlay(visits=visits, q=plain.q, selected=(0, 1), targets=((1, 0), (1, 1), (1, 2)))
    layout = draw_board(surface, rect, game, state, picked)
    for target in picked.targets:
        x, y, w, h = (round(v) for v in layout.cell_rect(target))
        assert count(surface, theme.TARGET, pygame.Rect(x, y, w, h)) > 4 * w  # a full outline
    draw_board(surface, rect, game, state, plain)
    assert count(surface, theme.TARGET) == 0


def test_without_a_network_the_prior_gets_no_bars(tmp_path):
    game = load("tic-tac-toe")
    bot = MCTSBot(
        RolloutEvaluator(game, np.random.default_rng(0)), MCTSConfig(), num_simulations=30
    )
    session = Session(game, [None, bot])
    session.think(None)
    assert all(row.prior is None for row in move_rows(session, session.analysis()))
    surface = pygame.Surface((1280, 800))
    render_frame(surface, session)
    panel = regions((1280, 800)).panel
    assert count(surface, theme.mix(theme.PANEL, theme.PRIOR, 0.45), panel) == 0
    assert overlay(session).prior is None


def test_game_over_marks_the_winning_line_and_keeps_the_result_off_the_board():
    game = load("connect4-5x4")
    session = Session(game, [None, make_agent("random", game)], start=[0, 1, 0, 1, 0, 1, 0])
    assert overlay(session).winning == ((0, 0), (1, 0), (2, 0), (3, 0))
    assert result_text(session) == "You win (Red)!"
    with theme.recording_text() as texts:
        frame = render_frame(pygame.Surface((1280, 800)), session)
    board = pygame.Rect(frame.board.cell_rect((0, 0))).union(frame.board.cell_rect((3, 4)))
    results = [t for t in texts if "You win" in t.text]
    assert results and not any(t.rect.colliderect(board) for t in results)


def test_a_pass_in_go_is_said_on_screen():
    game = load("go5")
    session = Session(game, [None, None], start=[12, game.num_actions - 1])
    assert passed(session) == "White passed"
    assert "White passed" in texts_of(session)
