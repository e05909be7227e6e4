"""How a finished game ended, in cells: the winning line to mark on the board.

Connect four and tic-tac-toe: the longest run of the winner's pieces (at least `x_in_row`).
Hex: a shortest chain of the winner's stones between their two edges (player 0 joins top and
bottom, player 1 left and right). Breakthrough: the piece that reached the far row. Go and the
rest have no line: the result alone says who won.
"""

from __future__ import annotations

from collections import deque

import numpy as np

from games.game import Game, State
from games.geometry import board_geometry
from viz.layout import Cell, read_pieces

HEX_NEIGHBOURS = ((0, -1), (0, 1), (-1, 0), (-1, 1), (1, 0), (1, -1))


def winner(state: State) -> int | None:
    """The winning player of a finished game, None for a draw or an unfinished game."""
    if not state.is_terminal():
        return None
    returns = state.returns()
    return None if returns[0] == returns[1] else int(np.argmax(returns))


def winning_cells(game: Game, state: State) -> tuple[Cell, ...]:
    """The cells that won the game, in order along the line (empty when there is none)."""
    player = winner(state)
    geometry = board_geometry(game)
    if player is None or geometry.kind == "none":
        return ()
    pieces = read_pieces(game, state)
    if geometry.kind == "hex":
        return _hex_chain(pieces, player)
    if geometry.kind == "go":
        return ()
    if not geometry.places_stones:  # Breakthrough: a piece on the opponent's home row
        row = geometry.rows - 1 if player == 0 else 0  # Black (0) starts at the top
        return tuple((row, c) for c in range(geometry.cols) if pieces[row, c] == player)
    need = int(game.openspiel.get_parameters().get("x_in_row", 3))
    return _longest_run(pieces, player, need)


def _longest_run(pieces: np.ndarray, player: int, need: int) -> tuple[Cell, ...]:
    rows, cols = pieces.shape
    best: tuple[Cell, ...] = ()
    for dr, dc in ((0, 1), (1, 0), (1, 1), (1, -1)):
        for r in range(rows):
            for c in range(cols):
                if pieces[r, c] != player:
                    continue
                pr, pc = r - dr, c - dc
                if 0 <= pr < rows and 0 <= pc < cols and pieces[pr, pc] == player:
                    continue  # not the start of a run
                run = []
                rr, cc = r, c
                while 0 <= rr < rows and 0 <= cc < cols and pieces[rr, cc] == player:
                    run.append((rr, cc))
                    rr, cc = rr + dr, cc + dc
                if len(run) >= need and len(run) > len(best):
                    best = tuple(run)
    return best


def _hex_chain(pieces: np.ndarray, player: int) -> tuple[Cell, ...]:
    """Breadth-first search through the winner's stones from one of their edges to the other."""
    rows, cols = pieces.shape
    if player == 0:
        starts = [(0, c) for c in range(cols)]
        is_goal = lambda cell: cell[0] == rows - 1  # noqa: E731
    else:
        starts = [(r, 0) for r in range(rows)]
        is_goal = lambda cell: cell[1] == cols - 1  # noqa: E731
    came: dict[Cell, Cell | None] = {s: None for s in starts if pieces[s] == player}
    queue = deque(came)
    while queue:
        cell = queue.popleft()
        if is_goal(cell):
            chain = []
            node: Cell | None = cell
            while node is not None:
                chain.append(node)
                node = came[node]
            return tuple(reversed(chain))
        for dr, dc in HEX_NEIGHBOURS:
            nxt = (cell[0] + dr, cell[1] + dc)
            inside = 0 <= nxt[0] < rows and 0 <= nxt[1] < cols
            if inside and nxt not in came and pieces[nxt] == player:
                came[nxt] = cell
                queue.append(nxt)
    return ()
