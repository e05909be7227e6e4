"""Board drawing and the pixel <-> cell mapping, headless (SDL_VIDEODRIVER=dummy)."""

from __future__ import annotations

import os

import numpy as np
import pytest

os.environ["SDL_VIDEODRIVER"] = "dummy"
os.environ["SDL_AUDIODRIVER"] = "dummy"

import pygame  # noqa: E402

from games.catalogue import GAMES  # noqa: E402
from games.game import load  # noqa: E402
from games.geometry import board_geometry  # noqa: E402
from viz import theme  # noqa: E402
from viz.board import Overlay, draw_board  # noqa: E402
from viz.layout import action_anchor, board_layout, move_cells, read_pieces  # noqa: E402

RECT = (0, 0, 480, 420)


@pytest.fixture(scope="module", autouse=True)
def fonts():
    pygame.font.init()
    yield


def play_some(name: str, plies: int = 6):
    """A position with stones of both players: legal moves picked by a seeded generator."""
    game = load(name)
    state = game.new_state()
    rng = np.random.default_rng(3)
    for _ in range(plies):
        legal = state.legal_actions()
        if game.spec.geometry == "go":
            legal = legal[:-1]  # never pass: the position should hold stones
        state.apply_action(int(rng.choice(legal)))
    return game, state


def colour_pixels(surface: pygame.Surface, colour) -> int:
    pixels = pygame.surfarray.array3d(surface)
    return int(np.all(pixels == np.array(colour), axis=-1).sum())


@pytest.mark.parametrize("name", list(GAMES))
def test_every_preset_draws_its_board_and_both_players_pieces(name):
    game, state = play_some(name)
    surface = pygame.Surface(RECT[2:])
    surface.fill(theme.BACKGROUND)
    draw_board(surface, RECT, game, state)
    drawn = pygame.surfarray.array3d(surface) != np.array(theme.BACKGROUND)
    assert drawn.any(axis=-1).mean() > 0.2  # the board covers a good part of its rectangle
    players = theme.palette(game.openspiel.get_type().short_name).players
    owners = read_pieces(game, state)
    for player in (0, 1):
        assert (owners == player).any(), "the position should hold pieces of both players"
        assert colour_pixels(surface, players[player].fill) > 50, f"player {player} not drawn"


@pytest.mark.parametrize("name", list(GAMES))
def test_a_click_at_a_cells_centre_hits_that_cell(name):
    geometry = board_geometry(load(name))
    layout = board_layout((10, 20, 700, 500), geometry)
    for cell in layout.cells():
        assert layout.hit(layout.center(cell)) == cell
    assert layout.hit((0, 0)) is None


def test_a_click_above_a_connect_four_column_picks_that_column():
    layout = board_layout((0, 0, 600, 500), board_geometry(load("connect4-5x4")))
    x, _ = layout.center((0, 3))
    assert layout.hit((x, layout.center((-1, 3))[1])) == (-1, 3)


@pytest.mark.parametrize(
    "name, move, cell",
    [
        ("tic-tac-toe", "x(0,2)", (0, 2)),  # row 0 is the top row
        ("connect4-5x4", "x2", (0, 2)),  # row 0 is the bottom row: the disc fell there
        ("hex5", "c3", (2, 2)),
        ("go5", "B b1", (0, 1)),  # Go's rank 1 is observation row 0
    ],
)
def test_pieces_are_read_where_openspiel_puts_them(name, move, cell):
    game = load(name)
    state = game.new_state()
    by_name = {state.action_to_string(0, a): a for a in state.legal_actions()}
    state.apply_action(by_name[move])
    owners = read_pieces(game, state)
    assert owners[cell] == 0 and (owners >= 0).sum() == 1


def test_breakthrough_move_names_become_from_and_to_cells():
    geometry = board_geometry(load("breakthrough5"))
    assert move_cells(geometry, "a5a4") == ((0, 0), (1, 0))  # rank 5 is the top row
    assert move_cells(geometry, "b2c3*") == ((3, 1), (2, 2))
    assert move_cells(geometry, "pass") is None


def test_connect_four_numbers_sit_in_the_hole_the_disc_would_fill():
    game = load("connect4-5x4")
    state = game.parse_moves("1 1")
    anchor = action_anchor(board_geometry(game), state, 1, read_pieces(game, state))
    assert anchor == (2, 1)


def test_prior_heatmap_and_visit_badges_are_drawn_in_their_own_colours():
    game = load("tic-tac-toe")
    state = game.new_state()
    prior = np.zeros(9)
    prior[4] = 1.0
    visits = np.zeros(9)
    visits[0] = 7
    overlay = Overlay(prior=prior, visits=visits, q=np.where(visits > 0, 0.5, np.nan))
    surface = pygame.Surface(RECT[2:])
    layout = draw_board(surface, RECT, game, state, overlay)
    centre_cell = surface.get_at([round(v) for v in layout.center((1, 1))])[:3]
    assert centre_cell == theme.mix((255, 255, 255), theme.PRIOR, 0.8)  # the heatmap's orange
    x, y, w, h = (round(v) for v in layout.cell_rect((0, 0)))
    corner = surface.subsurface(pygame.Rect(x, y, w, h))
    assert colour_pixels(corner, theme.VISITS) > 20  # the teal visit badge
    assert colour_pixels(corner, theme.PRIOR) == 0  # no orange where the prior is zero
