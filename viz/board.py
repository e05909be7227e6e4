"""Pure drawing of a board and its analysis overlay; reads the state, changes nothing.

One function per geometry draws the empty board and its pieces (square grid with X/O or
Breakthrough pieces, Go's intersections and stones, connect four's frame and discs, Hex's
rhombus of hexagons with each player's edges in their colour). System 1's prior is an orange
wash over each action's anchor cell (`layout.action_anchor`), stronger for likelier moves (a
heatmap; a square several piece moves reach shows its likeliest one, not their sum). The rest
of the overlay (System 2's visits, the chosen moves, the winning line) is `marks.py`.
"""

from __future__ import annotations

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
    read_pieces,
    row_label,
)
from viz.marks import draw_marks, mark_last_move
from viz.theme import Colour, Palette


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
    winning: tuple[Cell, ...] = ()  # game over: the winner's line (`viz.outcome`)


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
    _draw_labels(surface, layout, game, pygame.Rect(*(round(v) for v in rect)))
    mark_last_move(surface, layout, geometry, state, overlay, pieces, colours)
    draw_marks(surface, layout, game, state, overlay, pieces)
    return layout


def _heat(game: Game, state: State, overlay: Overlay, pieces: np.ndarray) -> dict[Cell, float]:
    """The likeliest move's prior at each anchor cell, scaled so the likeliest cell is 1."""
    if overlay.prior is None or state.is_terminal():
        return {}
    geometry = board_geometry(game)
    heat: dict[Cell, float] = {}
    for action in np.flatnonzero(overlay.prior > 0):
        cell = action_anchor(geometry, state, int(action), pieces)
        if cell is not None:
            heat[cell] = max(heat.get(cell, 0.0), float(overlay.prior[action]))
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
    box = pygame.Rect(round(x), round(y), round(w), round(h))
    px = min(h / (len(lines) + 2), 1.6 * w / max(8, max(len(s) for s in lines)))
    line_height = theme.font(round(px), mono=True).get_linesize()
    top = y + (h - len(lines) * line_height) / 2
    for i, text in enumerate(lines):
        theme.draw_text(surface, text, px, theme.TEXT, box, mono=True,
                        topleft=(x + w * 0.05, top + i * line_height))  # fmt: skip


def _draw_labels(surface, layout: BoardLayout, game: Game, box: pygame.Rect) -> None:
    """File letters and rank numbers as OpenSpiel's move names spell them."""
    geometry = board_geometry(game)
    if geometry.kind == "grid" and geometry.places_stones:
        return  # tic-tac-toe: moves are named by (row,col), shown in the panel instead
    px = max(18.0, layout.cell * (0.36 if layout.kind != "hex" else 0.55))
    height = theme.font(px).get_height()
    for col, text in enumerate(column_labels(game)):
        if layout.kind == "hex":
            x, y = layout.center((0, col))
            y -= layout.cell * 1.55
        else:
            x, y = layout.center((0 if layout.flipped else layout.rows - 1, col))
            y += layout.cell * (0.5 if layout.kind != "columns" else 0.62) + height * 0.6
        theme.draw_text(surface, text, px, theme.MUTED, box, center=(x, y))
    if layout.kind == "columns":
        return
    for row in range(layout.rows):
        text = row_label(game, row)
        x, y = layout.center((row, 0))
        width = theme.font(px).size(text)[0]
        x -= layout.cell * (0.5 if layout.kind != "hex" else 1.05) + width * 0.7
        theme.draw_text(surface, text, px, theme.MUTED, box, center=(x, y))
