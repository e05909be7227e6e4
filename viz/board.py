"""Pure drawing of a board and its analysis overlay; reads the state, changes nothing.

One function per geometry draws the empty board and its pieces (square grid with X/O or
Breakthrough pieces, Go's intersections and stones, connect four's frame and discs, Hex's
rhombus of hexagons with each player's edges in their colour). The overlay is drawn the same way
for all of them, at each action's anchor cell (`layout.action_anchor`):
  System 1's prior   an orange wash over the cell, stronger for likelier moves (heatmap)
  System 2's visits  a teal number in a white badge, Q in small print beneath
  chosen moves       an orange "1" badge (network) and a teal "2" badge (search)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pygame

from games.game import Action, Game, State
from games.geometry import board_geometry
from viz import theme
from viz.layout import (
    BoardLayout,
    Cell,
    action_anchor,
    board_layout,
    column_labels,
    move_cells,
    read_pieces,
    row_label,
)
from viz.theme import Colour, Palette

MAX_BADGES = 10  # visit badges drawn at most; the panel lists the rest


@dataclass(frozen=True)
class Overlay:
    """What to show on top of the pieces; every field is optional."""

    prior: np.ndarray | None = None  # System 1's policy [A]: orange heatmap
    visits: np.ndarray | None = None  # System 2's visit counts [A]: teal numbers
    q: np.ndarray | None = None  # Q [A] from the mover's view, NaN where unvisited
    system1: Action | None = None  # the network's move: orange "1" badge
    system2: Action | None = None  # the search's move: teal "2" badge
    last_move: Action | None = None  # ringed so the class sees what just happened
    selected: Cell | None = None  # a picked-up piece (Breakthrough)
    targets: tuple[Cell, ...] = ()  # where the picked-up piece may go
    refused: Cell | None = None  # an illegal click, outlined red for a moment
    drop: tuple[int, float] | None = None  # connect four: (column, 0..1) of the falling disc


def draw_board(
    surface: pygame.Surface,
    rect: tuple[float, float, float, float],
    game: Game,
    state: State,
    overlay: Overlay | None = None,
) -> BoardLayout:
    """Draws `state` fitted into `rect` (x, y, w, h) and returns the layout for hit tests.

    Takes the Game rather than a bare BoardGeometry because reading whose stone is where needs
    the preset's colour planes.
    """
    overlay = overlay or Overlay()
    geometry = board_geometry(game)
    layout = board_layout(rect, geometry)
    colours = theme.palette(game.openspiel.get_type().short_name)
    pieces = read_pieces(game, state)
    heat = _heat(game, state, overlay, pieces)
    if layout.kind == "none":
        _draw_text_board(surface, rect, state)
        return layout
    draw = {"hex": _draw_hex, "go": _draw_go, "columns": _draw_columns}.get(layout.kind, _draw_grid)
    draw(surface, layout, game, colours, pieces, heat, overlay)
    _draw_labels(surface, layout, game)
    _mark_last_move(surface, layout, geometry, state, overlay, pieces, colours)
    _draw_analysis(surface, layout, game, state, overlay, pieces)
    return layout


def _heat(game: Game, state: State, overlay: Overlay, pieces: np.ndarray) -> dict[Cell, float]:
    """Prior mass per anchor cell, scaled so the likeliest cell is 1."""
    if overlay.prior is None or state.is_terminal():
        return {}
    geometry = board_geometry(game)
    heat: dict[Cell, float] = {}
    for action in np.flatnonzero(overlay.prior > 0):
        cell = action_anchor(geometry, state, int(action), pieces)
        if cell is not None:
            heat[cell] = heat.get(cell, 0.0) + float(overlay.prior[action])
    top = max(heat.values(), default=0.0)
    return {cell: p / top for cell, p in heat.items()} if top > 0 else {}


def _wash(base: Colour, heat: float) -> Colour:
    """The heatmap colour of a cell: base blended towards orange, never fully opaque."""
    return theme.mix(base, theme.PRIOR, 0.8 * heat) if heat > 0.02 else base


def _rect(layout: BoardLayout, cell: Cell, shrink: float = 0.0) -> pygame.Rect:
    x, y, w, h = layout.cell_rect(cell)
    d = shrink * layout.cell
    return pygame.Rect(round(x + d), round(y + d), round(w - 2 * d), round(h - 2 * d))


def _disc(surface, centre, radius: float, fill: Colour, edge: Colour) -> None:
    pygame.draw.circle(surface, fill, centre, radius)
    pygame.draw.circle(surface, edge, centre, radius, max(1, round(radius * 0.08)))


def _draw_grid(surface, layout, game, colours: Palette, pieces, heat, overlay) -> None:
    """Tic-tac-toe (X and O in a lined grid) and Breakthrough (pieces on a checkerboard)."""
    is_board_game = not board_geometry(game).places_stones
    line = max(2, round(layout.cell * 0.04))
    for cell in layout.cells():
        base = colours.board
        if is_board_game and (cell[0] + cell[1]) % 2:
            base = colours.alt
        pygame.draw.rect(surface, _wash(base, heat.get(cell, 0.0)), _rect(layout, cell))
    outer = _rect(layout, (0, 0)).union(_rect(layout, (layout.rows - 1, layout.cols - 1)))
    if not is_board_game:
        for k in range(1, layout.cols):
            x = outer.left + k * layout.cell
            pygame.draw.line(surface, colours.line, (x, outer.top), (x, outer.bottom), line)
        for k in range(1, layout.rows):
            y = outer.top + k * layout.cell
            pygame.draw.line(surface, colours.line, (outer.left, y), (outer.right, y), line)
    else:
        pygame.draw.rect(surface, colours.line, outer, line)
    for (row, col), owner in np.ndenumerate(pieces):
        if owner < 0:
            continue
        style = colours.players[owner]
        cx, cy = layout.center((row, col))
        r = layout.cell * 0.32
        if is_board_game:
            _disc(surface, (cx, cy), r * 1.05, style.fill, style.edge)
        elif owner == 0:
            w = max(3, round(layout.cell * 0.1))
            pygame.draw.line(surface, style.fill, (cx - r, cy - r), (cx + r, cy + r), w)
            pygame.draw.line(surface, style.fill, (cx - r, cy + r), (cx + r, cy - r), w)
        else:
            pygame.draw.circle(surface, style.fill, (cx, cy), r * 1.05, max(3, round(r * 0.3)))


def _draw_go(surface, layout, game, colours: Palette, pieces, heat, overlay) -> None:
    """Wooden board, lines through the cell centres, stones on the intersections."""
    half = layout.cell / 2
    first = layout.center((layout.rows - 1, 0))
    last = layout.center((0, layout.cols - 1))
    pygame.draw.rect(
        surface,
        colours.board,
        pygame.Rect(
            first[0] - half,
            first[1] - half,
            last[0] - first[0] + layout.cell,
            last[1] - first[1] + layout.cell,
        ),
    )
    for cell, h in heat.items():
        pygame.draw.rect(surface, _wash(colours.board, h), _rect(layout, cell, 0.04))
    width = max(1, round(layout.cell * 0.03))
    for c in range(layout.cols):
        x = layout.center((0, c))[0]
        pygame.draw.line(surface, colours.line, (x, first[1]), (x, last[1]), width)
    for r in range(layout.rows):
        y = layout.center((r, 0))[1]
        pygame.draw.line(surface, colours.line, (first[0], y), (last[0], y), width)
    if layout.rows >= 7 and layout.rows == layout.cols:
        edge = 2 if layout.rows < 13 else 3
        for r in (edge, layout.rows // 2, layout.rows - 1 - edge):
            for c in (edge, layout.cols // 2, layout.cols - 1 - edge):
                if layout.rows < 9 and (r, c) != (layout.rows // 2, layout.cols // 2):
                    continue
                pygame.draw.circle(surface, colours.line, layout.center((r, c)), layout.cell * 0.08)
    for (row, col), owner in np.ndenumerate(pieces):
        if owner >= 0:
            style = colours.players[owner]
            _disc(surface, layout.center((row, col)), layout.cell * 0.46, style.fill, style.edge)


def _draw_columns(surface, layout, game, colours: Palette, pieces, heat, overlay) -> None:
    """Connect four: a blue frame with round holes; discs fall into the lowest free hole."""
    frame = _rect(layout, (layout.rows - 1, 0)).union(_rect(layout, (0, layout.cols - 1)))
    pygame.draw.rect(
        surface,
        colours.board,
        frame.inflate(layout.cell * 0.2, layout.cell * 0.2),
        border_radius=round(layout.cell * 0.15),
    )
    falling = overlay.drop if overlay.drop is not None and overlay.drop[1] < 1 else None
    radius = layout.cell * 0.4
    for (row, col), owner in np.ndenumerate(pieces):
        centre = layout.center((row, col))
        hole = _wash(colours.alt, heat.get((row, col), 0.0))
        pygame.draw.circle(surface, hole, centre, radius)
        landing = (
            falling is not None
            and falling[0] == col
            and (row == layout.rows - 1 or pieces[row + 1, col] < 0)
        )
        if owner >= 0 and not landing:
            style = colours.players[owner]
            _disc(surface, centre, radius * 0.96, style.fill, style.edge)
    if falling is not None:
        col, t = falling
        stack = [r for r in range(layout.rows) if pieces[r, col] >= 0]
        if stack:
            row = max(stack)
            top = layout.center((-1, col))[1]
            end = layout.center((row, col))[1]
            y = top + (end - top) * min(1.0, t * t)
            style = colours.players[pieces[row, col]]
            _disc(surface, (layout.center((row, col))[0], y), radius * 0.96, style.fill, style.edge)


def _draw_hex(surface, layout, game, colours: Palette, pieces, heat, overlay) -> None:
    """A rhombus of hexagons; player 0 joins top and bottom, player 1 left and right."""
    red, blue = colours.players
    edge_width = max(4, round(layout.cell * 0.28))
    for row in range(layout.rows):  # each player's edges, drawn first so cells overlap half
        for col in range(layout.cols):
            corners = layout.hex_corners((row, col))
            if row == 0:
                pygame.draw.lines(surface, red.fill, False, corners[3:6], edge_width)
            if row == layout.rows - 1:
                pygame.draw.lines(surface, red.fill, False, corners[0:3], edge_width)
            if col == 0:
                pygame.draw.lines(surface, blue.fill, False, corners[1:4], edge_width)
            if col == layout.cols - 1:
                pygame.draw.lines(
                    surface, blue.fill, False, [*corners[4:6], corners[0]], edge_width
                )
    width = max(1, round(layout.cell * 0.06))
    for cell in layout.cells():
        corners = layout.hex_corners(cell)
        pygame.draw.polygon(surface, _wash(colours.board, heat.get(cell, 0.0)), corners)
        pygame.draw.polygon(surface, colours.line, corners, width)
        owner = pieces[cell]
        if owner >= 0:
            style = colours.players[owner]
            _disc(surface, layout.center(cell), layout.cell * 0.68, style.fill, style.edge)


def _draw_text_board(surface, rect, state: State) -> None:
    """A game without a known geometry: OpenSpiel's own text picture of the state."""
    lines = str(state).splitlines() or [""]
    x, y, w, h = rect
    px = min(h / (len(lines) + 2), 1.6 * w / max(8, max(len(s) for s in lines)))
    font = theme.font(round(px), mono=True)
    top = y + (h - len(lines) * font.get_linesize()) / 2
    for i, text in enumerate(lines):
        surface.blit(
            font.render(text, True, theme.TEXT), (x + w * 0.05, top + i * font.get_linesize())
        )


def _draw_labels(surface, layout: BoardLayout, game: Game) -> None:
    """File letters and rank numbers as OpenSpiel's move names spell them."""
    geometry = board_geometry(game)
    if geometry.kind == "grid" and geometry.places_stones:
        return  # tic-tac-toe: moves are named by (row,col), shown in the panel instead
    font = theme.font(max(18.0, layout.cell * (0.36 if layout.kind != "hex" else 0.55)))
    for col, text in enumerate(column_labels(game)):
        label = font.render(text, True, theme.MUTED)
        if layout.kind == "hex":
            x, y = layout.center((0, col))
            y -= layout.cell * 1.55
        else:
            x, y = layout.center((0 if layout.flipped else layout.rows - 1, col))
            y += (
                layout.cell * (0.5 if layout.kind != "columns" else 0.62) + label.get_height() * 0.6
            )
        surface.blit(label, label.get_rect(center=(x, y)))
    if layout.kind == "columns":
        return
    for row in range(layout.rows):
        label = font.render(row_label(game, row), True, theme.MUTED)
        x, y = layout.center((row, 0))
        x -= layout.cell * (0.5 if layout.kind != "hex" else 1.05) + label.get_width() * 0.7
        surface.blit(label, label.get_rect(center=(x, y)))


def _draw_analysis(
    surface, layout: BoardLayout, game: Game, state: State, ov: Overlay, pieces: np.ndarray
) -> None:
    geometry = board_geometry(game)
    unit = layout.cell if layout.kind != "hex" else layout.cell * 1.5
    if ov.refused is not None:
        width = max(3, round(unit * 0.06))
        if layout.kind == "hex":
            pygame.draw.polygon(surface, theme.CHANGED, layout.hex_corners(ov.refused, 0.9), width)
        else:
            pygame.draw.rect(surface, theme.CHANGED, _rect(layout, ov.refused, 0.03), width)
    if ov.selected is not None:
        pygame.draw.rect(
            surface, theme.VISITS, _rect(layout, ov.selected, 0.03), max(3, round(unit * 0.07))
        )
    for cell in ov.targets:
        pygame.draw.circle(surface, theme.VISITS, layout.center(cell), unit * 0.12)
    if state.is_terminal():
        return
    if ov.visits is not None and ov.visits.sum() > 0:
        _draw_visits(surface, layout, geometry, state, ov, unit, pieces)
    for action, colour, text, side in (
        (ov.system1, theme.PRIOR, "1", -1),
        (ov.system2, theme.VISITS, "2", 1),
    ):
        if action is None:
            continue
        cells = (
            None
            if geometry.places_stones or geometry.kind == "columns"
            else move_cells(geometry, state.action_to_string(state.current_player(), action))
        )
        if cells is not None:
            _arrow(surface, layout, cells, colour, unit)
        cell = action_anchor(geometry, state, action, pieces)
        if cell is not None:
            cx, cy = layout.center(cell)
            centre = (cx + side * unit * 0.28, cy - unit * 0.28)
            _badge(surface, centre, text, colour, (255, 255, 255), unit * 0.18)


def _draw_visits(surface, layout, geometry, state, ov: Overlay, unit: float, pieces) -> None:
    """Visit counts (and Q) in badges at each visited action's cell; summed per cell."""
    per_cell: dict[Cell, tuple[int, float]] = {}
    for action in np.flatnonzero(ov.visits > 0):
        cell = action_anchor(geometry, state, int(action), pieces)
        if cell is None:
            continue
        n = int(ov.visits[action])
        q = float(ov.q[action]) if ov.q is not None else math.nan
        old_n, old_q = per_cell.get(cell, (0, math.nan))
        per_cell[cell] = (old_n + n, q if n > old_n / 2 or math.isnan(old_q) else old_q)
    font = theme.font(unit * 0.4)
    small = theme.font(unit * 0.27)
    # The most visited cells only: a full board of numbers (Go) hides the stones and the point.
    shown = sorted(per_cell.items(), key=lambda item: item[1][0], reverse=True)[:MAX_BADGES]
    for cell, (n, q) in shown:
        cx, cy = layout.center(cell)
        cy += unit * (0.1 if cell[0] >= 0 else 0.0)
        label = font.render(str(n), True, theme.VISITS)
        box = label.get_rect(center=(cx, cy)).inflate(unit * 0.14, unit * 0.02)
        pygame.draw.rect(surface, (255, 255, 255), box, border_radius=round(unit * 0.08))
        pygame.draw.rect(
            surface, theme.VISITS, box, max(2, round(unit * 0.03)), border_radius=round(unit * 0.08)
        )
        surface.blit(label, label.get_rect(center=box.center))
        if not math.isnan(q) and unit >= 48:
            text = small.render(f"{q:+.2f}", True, theme.TEXT)
            back = text.get_rect(midtop=(cx, box.bottom + 1)).inflate(4, 0)
            pygame.draw.rect(surface, (255, 255, 255), back, border_radius=3)
            surface.blit(text, text.get_rect(center=back.center))


def _badge(surface, centre, text: str, fill: Colour, ink: Colour, radius: float) -> None:
    pygame.draw.circle(surface, fill, centre, radius)
    pygame.draw.circle(surface, (255, 255, 255), centre, radius, max(2, round(radius * 0.12)))
    label = theme.font(radius * 1.5).render(text, True, ink)
    surface.blit(label, label.get_rect(center=centre))


def _mark_last_move(surface, layout, geometry, state: State, ov: Overlay, pieces, colours) -> None:
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
    unit = layout.cell if layout.kind != "hex" else layout.cell * 1.5
    pygame.draw.circle(surface, ink, layout.center(cell), unit * 0.14, max(2, round(unit * 0.045)))


def _arrow(surface, layout, cells: tuple[Cell, Cell], colour: Colour, unit: float) -> None:
    (x1, y1), (x2, y2) = layout.center(cells[0]), layout.center(cells[1])
    angle = math.atan2(y2 - y1, x2 - x1)
    head = unit * 0.25
    tip = (x2 - math.cos(angle) * unit * 0.2, y2 - math.sin(angle) * unit * 0.2)
    pygame.draw.line(surface, colour, (x1, y1), tip, max(3, round(unit * 0.07)))
    left = (tip[0] - head * math.cos(angle - 0.5), tip[1] - head * math.sin(angle - 0.5))
    right = (tip[0] - head * math.cos(angle + 0.5), tip[1] - head * math.sin(angle + 0.5))
    pygame.draw.polygon(surface, colour, [tip, left, right])
