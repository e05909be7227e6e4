"""The analysis and the game's marks drawn on top of a board's pieces (see `board.py`).

System 2's visits  a teal number in a white badge for each move, Q in small print beneath:
                   on the move's cell where a move is a cell; a piece move's badge sits in
                   its square, shifted a third of a cell towards the file the piece comes
                   from, so the pieces that can reach one square show a number each, side by
                   side, never their sum
chosen moves       an orange "1" badge (network) and a teal "2" badge (search)
last move          a ring on the piece just played
picked-up piece    its square outlined, the squares it may reach outlined in green on top
game over          the winning line through the winner's pieces
"""

from __future__ import annotations

import math

import numpy as np
import pygame

from games.game import Game, State
from games.geometry import BoardGeometry, board_geometry
from viz import theme
from viz.layout import BoardLayout, Cell, Point, action_anchor, move_cells
from viz.theme import Colour, Palette
from viz.wording import compact, signed

MAX_BADGES = 10  # visit badges drawn at most; the panel lists the rest
SIDEWAYS = 0.34  # a piece move's badge: this part of a cell towards the piece's file


def draw_marks(surface, layout: BoardLayout, game: Game, state: State, ov, pieces) -> None:
    """Everything drawn over the pieces, in the order that keeps the important on top."""
    geometry = board_geometry(game)
    unit = unit_of(layout)
    if ov.refused is not None:
        width = max(3, round(unit * 0.06))
        if layout.kind == "hex":
            pygame.draw.polygon(surface, theme.CHANGED, layout.hex_corners(ov.refused, 0.9), width)
        else:
            pygame.draw.rect(surface, theme.CHANGED, cell_box(layout, ov.refused, 0.03), width)
    if not state.is_terminal():
        _draw_arrows(surface, layout, geometry, state, ov, unit)
        if ov.visits is not None and ov.visits.sum() > 0:
            _draw_visits(surface, layout, geometry, state, ov, unit, pieces)
        _draw_choices(surface, layout, geometry, state, ov, unit, pieces)
    if ov.selected is not None:
        pygame.draw.rect(
            surface, theme.VISITS, cell_box(layout, ov.selected, 0.03), max(3, round(unit * 0.07))
        )
    for cell in ov.targets:  # drawn last: a badge must never hide where the piece may go
        pygame.draw.rect(
            surface, theme.TARGET, cell_box(layout, cell, 0.06), max(3, round(unit * 0.08))
        )
    if ov.winning:
        draw_winning_line(surface, layout, ov.winning, unit)


def unit_of(layout: BoardLayout) -> float:
    """The size of one cell on screen (a hexagon's radius is two thirds of it)."""
    return layout.cell if layout.kind != "hex" else layout.cell * 1.5


def cell_box(layout: BoardLayout, cell: Cell, shrink: float = 0.0) -> pygame.Rect:
    x, y, w, h = layout.cell_rect(cell)
    d = shrink * layout.cell
    return pygame.Rect(round(x + d), round(y + d), round(w - 2 * d), round(h - 2 * d))


def _badge_spots(layout, geometry: BoardGeometry, state: State, ov, pieces) -> list:
    """(action, screen point, is_piece_move) of each visited action that has a place."""
    spots = []
    player = max(state.current_player(), 0)
    for action in np.flatnonzero(ov.visits > 0):
        action = int(action)
        if not geometry.places_stones and geometry.kind != "columns":
            cells = move_cells(geometry, state.action_to_string(player, action))
            if cells is None:
                continue
            if ov.selected is not None and cells[0] != ov.selected:
                continue  # a piece is picked up: only its own moves
            (x1, _), (x2, y2) = layout.center(cells[0]), layout.center(cells[1])
            spots.append((action, (x2 + SIDEWAYS * (x1 - x2), y2), True))
            continue
        cell = action_anchor(geometry, state, action, pieces)
        if cell is not None:
            x, y = layout.center(cell)
            spots.append((action, (x, y + unit_of(layout) * (0.1 if cell[0] >= 0 else 0)), False))
    return spots


def _draw_visits(surface, layout, geometry, state, ov, unit: float, pieces) -> None:
    """Each visited move's own count in a badge (and its Q beneath where there is room)."""
    spots = _badge_spots(layout, geometry, state, ov, pieces)
    # The most visited moves only: a full board of numbers (Go) hides the stones and the point.
    spots.sort(key=lambda spot: -ov.visits[spot[0]])
    for action, (cx, cy), is_piece_move in spots[:MAX_BADGES]:
        width = unit * (0.28 if is_piece_move else 0.74)  # the badge stays inside its cell
        px = unit * (0.34 if is_piece_move else 0.4)
        text = compact(ov.visits[action])
        size = theme.fitting_size(text, px, width, min_px=10)
        pad = unit * (0.05 if is_piece_move else 0.1)
        box = pygame.Rect((0, 0), theme.font(size).size(text)).inflate(pad, unit * 0.02)
        box.center = (round(cx), round(cy))
        pygame.draw.rect(surface, (255, 255, 255), box, border_radius=round(unit * 0.08))
        pygame.draw.rect(
            surface, theme.VISITS, box, max(2, round(unit * 0.03)), border_radius=round(unit * 0.08)
        )
        theme.draw_text(surface, text, size, theme.VISITS, box, min_px=10, center=box.center)
        q = float(ov.q[action]) if ov.q is not None else math.nan
        if not math.isnan(q) and unit >= 48 and not is_piece_move:
            small = theme.font(unit * 0.27)
            back = pygame.Rect((0, 0), small.size(signed(q))).inflate(4, 0)
            back.midtop = (round(cx), box.bottom + 1)
            pygame.draw.rect(surface, (255, 255, 255), back, border_radius=3)
            theme.draw_text(surface, signed(q), unit * 0.27, theme.TEXT, back, center=back.center)


def _draw_arrows(surface, layout, geometry, state, ov, unit: float) -> None:
    """Piece moves: an arrow from the piece to its square for each system's move."""
    if geometry.places_stones or geometry.kind == "columns":
        return
    for action, colour in ((ov.system1, theme.PRIOR), (ov.system2, theme.VISITS)):
        if action is not None:
            cells = move_cells(geometry, state.action_to_string(state.current_player(), action))
            if cells is not None:
                _arrow(surface, layout, cells, colour, unit)


def _draw_choices(surface, layout, geometry, state, ov, unit: float, pieces) -> None:
    """The orange "1" (network) and teal "2" (search) badges on their moves' cells."""
    for action, colour, text, side in (
        (ov.system1, theme.PRIOR, "1", -1),
        (ov.system2, theme.VISITS, "2", 1),
    ):
        if action is None:
            continue
        cell = action_anchor(geometry, state, action, pieces)
        if cell is not None:
            cx, cy = layout.center(cell)
            centre = (cx + side * unit * 0.28, cy - unit * 0.28)
            _badge(surface, centre, text, colour, (255, 255, 255), unit * 0.18)


def _badge(surface, centre: Point, text: str, fill: Colour, ink: Colour, radius: float) -> None:
    pygame.draw.circle(surface, fill, centre, radius)
    pygame.draw.circle(surface, (255, 255, 255), centre, radius, max(2, round(radius * 0.12)))
    box = pygame.Rect(0, 0, round(radius * 2), round(radius * 2))
    box.center = (round(centre[0]), round(centre[1]))
    theme.draw_text(surface, text, radius * 1.5, ink, box, min_px=8, center=box.center)


def mark_last_move(surface, layout, geometry, state: State, ov, pieces, colours: Palette) -> None:
    """A ring in the contrasting colour on the piece just played (Go and Hex convention)."""
    action = ov.last_move
    if action is None or (geometry.kind == "grid" and geometry.places_stones):
        return  # tic-tac-toe: three to nine marks, the last one needs no pointer
    if geometry.kind == "columns":
        if ov.drop is not None and ov.drop[1] < 1:
            return
        filled = np.flatnonzero(pieces[:, action] >= 0) if 0 <= action < layout.cols else []
        cell = (int(filled[-1]), action) if len(filled) else None
    else:
        cell = action_anchor(geometry, state, action)  # move names do not depend on the position
    if cell is None or pieces[cell] < 0:
        return
    ink = theme.readable_on(colours.players[pieces[cell]].fill)
    unit = unit_of(layout)
    pygame.draw.circle(surface, ink, layout.center(cell), unit * 0.14, max(2, round(unit * 0.045)))


def draw_winning_line(surface, layout: BoardLayout, cells: tuple[Cell, ...], unit: float) -> None:
    """A white line with a dark edge through the winning pieces, and a ring on each."""
    points = [layout.center(cell) for cell in cells]
    width = max(4, round(unit * 0.1))
    if len(points) > 1 and layout.kind != "hex":
        pygame.draw.line(surface, theme.TEXT, points[0], points[-1], width + 4)
        pygame.draw.line(surface, theme.WIN_LINE, points[0], points[-1], width)
    elif len(points) > 1:
        pygame.draw.lines(surface, theme.TEXT, False, points, width + 4)
        pygame.draw.lines(surface, theme.WIN_LINE, False, points, width)
    for point in points:
        pygame.draw.circle(surface, theme.TEXT, point, unit * 0.2, max(2, round(unit * 0.05)))
        pygame.draw.circle(surface, theme.WIN_LINE, point, unit * 0.17, max(2, round(unit * 0.04)))


def _arrow(surface, layout, cells: tuple[Cell, Cell], colour: Colour, unit: float) -> None:
    (x1, y1), (x2, y2) = layout.center(cells[0]), layout.center(cells[1])
    angle = math.atan2(y2 - y1, x2 - x1)
    head = unit * 0.25
    tip = (x2 - math.cos(angle) * unit * 0.2, y2 - math.sin(angle) * unit * 0.2)
    pygame.draw.line(surface, colour, (x1, y1), tip, max(3, round(unit * 0.07)))
    left = (tip[0] - head * math.cos(angle - 0.5), tip[1] - head * math.sin(angle - 0.5))
    right = (tip[0] - head * math.cos(angle + 0.5), tip[1] - head * math.sin(angle + 0.5))
    pygame.draw.polygon(surface, colour, [tip, left, right])
