"""The solver's word on the position on screen, worked out in a background thread.

`agents.solver` is exact but pure Python: the empty connect four 5x4 board takes a second or
two, a mid-game position milliseconds (its transposition table keeps what it learnt). A worker
thread solves the latest position asked for, so the window never waits; until it is done the
panel simply has no solver line. Boards too big to solve never get here (the caller catches
`UserError` from `SolverBot`).
"""

from __future__ import annotations

import threading

from agents.solver import SolverBot
from games.game import Action, State


class SolverWatch:
    """Values (1 win, 0 draw, -1 loss for the mover) of each legal move, per position."""

    def __init__(self, solver: SolverBot):
        self.solver = solver
        self._known: dict[str, dict[Action, int]] = {}
        self._wanted: State | None = None
        self._lock = threading.Lock()  # guards _known, _wanted and _busy; never held long
        self._solving = threading.Lock()  # one search at a time: the table is not thread-safe
        self._busy = False

    def values(self, state: State) -> dict[Action, int] | None:
        """The move values of `state` if solved, else None (and solving starts)."""
        if state.is_terminal():
            return None
        key = self._key(state)
        with self._lock:
            if key in self._known:
                return self._known[key]
            self._wanted = state.clone()
            if not self._busy:
                self._busy = True
                threading.Thread(target=self._work, daemon=True).start()
        return None

    def solve_now(self, state: State) -> dict[Action, int]:
        """The same, on the caller's thread (the review and tests)."""
        key = self._key(state)
        with self._solving:
            values = self._known.get(key) or self.solver.solver.action_values(state)
        with self._lock:
            self._known[key] = values
        return values

    def _key(self, state: State) -> str:
        return f"{state.move_number()}|{state}"

    def _work(self) -> None:
        while True:
            with self._lock:
                state, self._wanted = self._wanted, None
                if state is None:
                    self._busy = False
                    return
                if self._key(state) in self._known:
                    continue
            with self._solving:
                values = self.solver.solver.action_values(state)
            with self._lock:
                self._known[self._key(state)] = values
