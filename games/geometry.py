"""Where each action lands on the board: the link between OpenSpiel action ids and cells.

For every preset with a board, observation plane cell (row, col) and the action that places a
stone there agree: action = row * cols + col (Hex, Go, tic-tac-toe), or action = col (connect
four, the disc falls to the lowest free row). Row 0 is the first row of the observation tensor:
the bottom row in connect four and Go, the top row in tic-tac-toe and Hex.
"""

from __future__ import annotations

from dataclasses import dataclass

from games.game import Action, Game


@dataclass(frozen=True)
class BoardGeometry:
    kind: str  # "grid", "columns", "hex", "go" or "none"
    rows: int
    cols: int
    num_actions: int
    places_stones: bool  # an action is a cell (False for Breakthrough: an action is a move)

    def action_cell(self, action: Action) -> tuple[int, int] | None:
        """The cell an action names: (row, col), (-1, col) for a column, None for other actions."""
        if self.kind == "columns":
            return (-1, action) if 0 <= action < self.cols else None
        if not self.places_stones or not 0 <= action < self.rows * self.cols:
            return None
        return divmod(action, self.cols)

    def cell_action(self, row: int, col: int) -> Action | None:
        """The action that plays at (row, col); any row of a column for connect four."""
        if not (0 <= col < self.cols):
            return None
        if self.kind == "columns":
            return col
        if not self.places_stones or not (0 <= row < self.rows):
            return None
        return row * self.cols + col


def board_geometry(game: Game) -> BoardGeometry:
    _, rows, cols = game.raw_observation_shape
    kind = game.spec.geometry
    places_stones = kind in ("hex", "go", "columns") or (
        kind == "grid" and game.num_actions == rows * cols
    )
    return BoardGeometry(kind, rows, cols, game.num_actions, places_stones)
