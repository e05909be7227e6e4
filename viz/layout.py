"""Where things are on screen: cells to pixels and back, pieces from a state, moves to cells.

Kept apart from the drawing so the viewer, the tests and `board.py` agree on one mapping: a test
clicks at `layout.center(cell)` and the viewer's hit test must give that cell back.

Cells are (row, col) of the observation tensor (see `games.geometry`). Connect four and Go put
row 0 at the bottom of the screen, the others at the top, matching OpenSpiel's own printouts.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np

from games.game import Action, Game, State
from games.geometry import BoardGeometry, board_geometry

Cell = tuple[int, int]
Point = tuple[float, float]
SQRT3 = math.sqrt(3.0)
GO_LETTERS = "abcdefghjklmnopqrstuvwxyz"  # Go skips "i", as OpenSpiel's move names do
_MOVE = re.compile(r"^([a-z])(\d+)([a-z])(\d+)\*?$")  # Breakthrough "a2b3" or "a2b3*"


@dataclass(frozen=True)
class BoardLayout:
    """Pixel geometry of one board drawn in one rectangle."""

    kind: str  # "grid", "columns", "hex", "go" or "none"
    rows: int
    cols: int
    cell: float  # square side (grid, go, columns) or hexagon radius (hex)
    x0: float  # centre of the top-left cell on screen
    y0: float
    header: float  # connect four: height of the strip above the board that shows column stats

    @property
    def flipped(self) -> bool:
        return self.kind in ("columns", "go")

    def center(self, cell: Cell) -> Point:
        """Screen centre of a cell; row -1 is a connect-four column's header."""
        row, col = cell
        if self.kind == "hex":
            return (self.x0 + SQRT3 * self.cell * (col + row / 2), self.y0 + 1.5 * self.cell * row)
        if row < 0:  # column header
            return (self.x0 + col * self.cell, self.y0 - self.cell / 2 - self.header / 2)
        screen_row = self.rows - 1 - row if self.flipped else row
        return (self.x0 + col * self.cell, self.y0 + screen_row * self.cell)

    def cell_rect(self, cell: Cell) -> tuple[float, float, float, float]:
        """Square around a cell (x, y, w, h); the header strip for row -1."""
        cx, cy = self.center(cell)
        if cell[0] < 0:
            return (cx - self.cell / 2, cy - self.header / 2, self.cell, self.header)
        return (cx - self.cell / 2, cy - self.cell / 2, self.cell, self.cell)

    def hex_corners(self, cell: Cell, scale: float = 1.0) -> list[Point]:
        """The six corners of a pointy-top hexagon, clockwise from the lower right (30 deg)."""
        cx, cy = self.center(cell)
        r = self.cell * scale
        return [
            (cx + r * math.cos(math.radians(a)), cy + r * math.sin(math.radians(a)))
            for a in (30, 90, 150, 210, 270, 330)
        ]

    def cells(self) -> list[Cell]:
        return [(r, c) for r in range(self.rows) for c in range(self.cols)]

    def hit(self, pos: Point) -> Cell | None:
        """The cell under a screen point, or None off the board (a header picks its column)."""
        x, y = pos
        if self.kind == "none":
            return None
        if self.kind == "hex":
            best = min(self.cells(), key=lambda c: _dist2(self.center(c), pos))
            return best if _dist2(self.center(best), pos) <= (0.9 * self.cell) ** 2 else None
        col = math.floor((x - self.x0) / self.cell + 0.5)
        screen_row = math.floor((y - self.y0) / self.cell + 0.5)
        if not 0 <= col < self.cols:
            return None
        if self.kind == "columns" and self.y0 - self.cell / 2 - self.header <= y < self.y0:
            return (-1, col)  # the strip above the board picks the column too
        if not 0 <= screen_row < self.rows:
            return None
        return (self.rows - 1 - screen_row if self.flipped else screen_row, col)


def _dist2(a: Point, b: Point) -> float:
    return (a[0] - b[0]) ** 2 + (a[1] - b[1]) ** 2


def board_layout(rect: tuple[float, float, float, float], geometry: BoardGeometry) -> BoardLayout:
    """Fits the board into `rect` (x, y, w, h), leaving room around it for coordinates."""
    x, y, w, h = rect
    labelled = not (geometry.kind == "grid" and geometry.places_stones)  # tic-tac-toe: none
    font_room = 0.5 if labelled else 0.1
    rows, cols = geometry.rows, geometry.cols
    if geometry.kind == "hex":
        # Width: cols hexagons plus the half-hexagon shift of each lower row; height 1.5 per row.
        size = min(
            w / (SQRT3 * (cols + (rows - 1) / 2) + 2 * font_room),
            h / (1.5 * (rows - 1) + 2 + 2 * font_room),
        )
        width = SQRT3 * size * (cols + (rows - 1) / 2)
        height = size * (1.5 * (rows - 1) + 2)
        x0 = x + (w - width) / 2 + SQRT3 * size / 2
        y0 = y + (h - height) / 2 + size
        return BoardLayout("hex", rows, cols, size, x0, y0, 0.0)
    header_cells = 0.5 if geometry.kind == "columns" else 0.0
    cell = min(w / (cols + 2 * font_room), h / (rows + header_cells + 2 * font_room))
    header = header_cells * cell
    x0 = x + (w - cols * cell) / 2 + cell / 2
    y0 = y + (h - rows * cell - header) / 2 + header + cell / 2
    return BoardLayout(geometry.kind, rows, cols, cell, x0, y0, header)


def board_aspect(geometry: BoardGeometry) -> float:
    """Height over width of the rectangle `board_layout` fills when it is the limit both ways."""
    labelled = not (geometry.kind == "grid" and geometry.places_stones)
    font_room = 0.5 if labelled else 0.1
    rows, cols = geometry.rows, geometry.cols
    if geometry.kind == "hex":
        return (1.5 * (rows - 1) + 2 + 2 * font_room) / (
            SQRT3 * (cols + (rows - 1) / 2) + 2 * font_room
        )
    header_cells = 0.5 if geometry.kind == "columns" else 0.0
    return (rows + header_cells + 2 * font_room) / (cols + 2 * font_room)


def read_pieces(game: Game, state: State) -> np.ndarray:
    """Who owns each cell: int8 [rows, cols], -1 empty, else the player (0 or 1).

    Read from OpenSpiel's observation tensor of player 0, which colours stones absolutely in
    every preset; the preset's `colour_planes` say which planes hold whose stones. Hex has nine
    cell states (plain, edge-connected, winning) per colour: below plane 4 is player 1 ("o"),
    above it player 0 ("x").
    """
    planes = np.asarray(state.observation_tensor(0), dtype=np.float32)
    planes = planes.reshape(game.raw_observation_shape)
    _, rows, cols = game.raw_observation_shape
    owner = np.full((rows, cols), -1, dtype=np.int8)
    if game.spec.geometry == "hex":
        owner[planes[5:].sum(axis=0) > 0] = 0
        owner[planes[:4].sum(axis=0) > 0] = 1
        return owner
    if game.spec.colour_planes is None:
        return owner
    first, second = game.spec.colour_planes
    owner[planes[first] > 0] = 0
    owner[planes[second] > 0] = 1
    return owner


def move_cells(geometry: BoardGeometry, text: str) -> tuple[Cell, Cell] | None:
    """(from, to) cells of a piece move named like OpenSpiel's Breakthrough ("c2c3", "c2d3*").

    Ranks count from the bottom (rank 1 is the last observation row), files from "a".
    """
    match = _MOVE.match(text.strip())
    if match is None:
        return None
    f1, r1, f2, r2 = match.groups()
    start = (geometry.rows - int(r1), ord(f1) - ord("a"))
    end = (geometry.rows - int(r2), ord(f2) - ord("a"))
    if not all(0 <= r < geometry.rows and 0 <= c < geometry.cols for r, c in (start, end)):
        return None
    return start, end


def piece_moves(state: State, geometry: BoardGeometry) -> dict[tuple[Cell, Cell], Action]:
    """Legal moves of a piece-moving game keyed by (from, to) cells."""
    player = state.current_player()
    moves = {}
    for action in state.legal_actions():
        cells = move_cells(geometry, state.action_to_string(player, action))
        if cells is not None:
            moves[cells] = action
    return moves


def action_anchor(
    geometry: BoardGeometry, state: State, action: Action, pieces: np.ndarray | None = None
) -> Cell | None:
    """The cell where an action's numbers are shown: its stone's cell, the hole a connect-four
    disc would land in (`pieces` given, else the column's header), the destination of a piece
    move, or None (a pass). Move names do not depend on the position, so `state` may be any."""
    if geometry.kind == "columns":
        if not 0 <= action < geometry.cols:
            return None
        if pieces is not None:
            free = np.flatnonzero(pieces[:, action] < 0)  # row 0 is the bottom
            if len(free):
                return (int(free[0]), action)
        return (-1, action)
    if geometry.places_stones:
        return geometry.action_cell(action)
    player = max(state.current_player(), 0)
    cells = move_cells(geometry, state.action_to_string(player, action))
    return cells[1] if cells else None


def column_labels(game: Game) -> list[str]:
    """Labels under each column, as OpenSpiel names them in move strings."""
    geometry = board_geometry(game)
    if geometry.kind == "columns":
        return [str(c) for c in range(geometry.cols)]
    letters = GO_LETTERS if geometry.kind == "go" else "abcdefghijklmnopqrstuvwxyz"
    return list(letters[: geometry.cols])


def row_label(game: Game, row: int) -> str:
    """The rank OpenSpiel gives a row: counted from the bottom for Go and Breakthrough."""
    geometry = board_geometry(game)
    if geometry.kind == "go":
        return str(row + 1)
    if geometry.kind == "grid" and not geometry.places_stones:
        return str(geometry.rows - row)
    return str(row + 1)
