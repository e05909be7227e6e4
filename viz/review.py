"""Post-game review: every position of a game seen by System 1, System 2 and the solver.

For each position of the game (the start, after each move, the end) the agent's network gives
System 1 (its prior and value) and its search gives System 2 (visits, Q, value) at `sims`
simulations; on boards small enough the solver gives the exact value of every move. From these:

- the value curve of the game from System 1 and from System 2, for player 0 (+1: player 0
  wins), ending at the result;
- each move: what System 1 and System 2 would have played there, and how much value it lost:
  by the search, the value before the move minus the value after it, both from the mover's
  view; by the solver, the game-theoretic value before minus the value of the move played
  (win -> draw, draw -> loss: one step each), where the solver can;
- the biggest mistakes: solver-checked losses first, then the largest value losses.

`ReviewJob` computes it without freezing the window: the positions are searched in one batched
`Search` stepped a time slice at a time, and the solver runs in a worker thread. The same job
finished at once serves `sandbox review`.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import numpy as np

from agents.base import Analysis, SearchAgent, greedy_action
from agents.bots import analysis_of
from agents.solver import SolverBot
from agents.verdict import Verdict, judge
from games.game import Action, Game, Player, State
from games.symmetries import symmetries

MISTAKE = 0.15  # a search-value loss at least this large counts as a mistake (no solver)


@dataclass(frozen=True)
class PositionReview:
    """One position of the game and what each system thinks of it."""

    ply: int  # moves played before it
    mover: Player | None  # None once the game is over
    analysis: Analysis | None  # prior = System 1, visits/Q/value = System 2; None at the end
    verdict: Verdict | None  # did search change the network's move here
    solver: dict[Action, int] | None  # solver value (1, 0, -1) of each move for the mover

    def value(self, system: int, returns: list[float]) -> float | None:
        """Value for player 0 by System 1 or 2 (the result once the game is over)."""
        if self.mover is None:
            return float(returns[0]) if returns else None
        if self.analysis is None:
            return None
        v = self.analysis.network_value if system == 1 else self.analysis.value
        if system == 2 and (self.analysis.visits is None or self.analysis.visits.sum() == 0):
            return None
        return None if v is None else (v if self.mover == 0 else -v)


@dataclass(frozen=True)
class MoveReview:
    """One move of the game, marked."""

    ply: int  # 0-based: the move played in position `ply`
    player: Player
    action: Action
    system1: Action | None  # what the network alone would have played
    system2: Action | None  # what the search would have played
    loss: float | None  # search value lost by the move, mover's view (negative: gained)
    solver_before: int | None  # game value of the position for the mover
    solver_after: int | None  # game value of the move played

    @property
    def solver_loss(self) -> int | None:
        """Game-theoretic steps lost (0, 1 or 2), where the solver knows."""
        if self.solver_before is None or self.solver_after is None:
            return None
        return self.solver_before - self.solver_after

    @property
    def is_mistake(self) -> bool:
        if self.solver_loss is not None:
            return self.solver_loss > 0
        return self.loss is not None and self.loss >= MISTAKE


@dataclass(frozen=True)
class GameReview:
    game: Game
    actions: tuple[Action, ...]
    positions: tuple[PositionReview, ...]  # len(actions) + 1
    moves: tuple[MoveReview, ...]
    returns: list[float]  # [] when the game is unfinished
    sims: int
    agent: str
    has_network: bool
    has_solver: bool

    def state(self, ply: int) -> State:
        return self.game.state_from_actions(self.actions[:ply])

    def curve(self, system: int) -> list[float | None]:
        """Value for player 0 at each position, by System 1 or System 2."""
        return [p.value(system, self.returns) for p in self.positions]

    def mistakes(self, count: int = 3) -> list[MoveReview]:
        """The worst moves: solver-checked losses first, then by value lost."""
        bad = [m for m in self.moves if m.is_mistake]
        bad.sort(key=lambda m: (-(m.solver_loss or 0), -(m.loss or 0.0), m.ply))
        return bad[:count]


class ReviewJob:
    """Computes a GameReview in slices (see the module docstring).

    Args:
        agent: a network agent (System 1 and 2 come from its network and its search).
        sims: the search budget per position (0: System 1 only).
        solver: the exact solver, or None (boards too big: no solver marks).
    """

    def __init__(
        self,
        game: Game,
        actions: list[Action] | tuple[Action, ...],
        agent: SearchAgent,
        sims: int,
        solver: SolverBot | None = None,
        seed: int = 0,
    ):
        self.game, self.actions, self.agent, self.sims = game, tuple(actions), agent, sims
        self.states = [game.state_from_actions(self.actions[:i]) for i in range(len(actions) + 1)]
        self.live = [i for i, s in enumerate(self.states) if not s.is_terminal()]
        live_states = [self.states[i] for i in self.live]
        self.search = (
            agent.new_search(live_states, np.random.default_rng(seed)) if live_states else None
        )
        self.solved: dict[int, dict[Action, int]] = {}
        self._solver_thread = None
        if solver is not None:
            self._solver_thread = threading.Thread(target=self._solve, args=(solver,), daemon=True)
            self._solver_thread.start()
        self.has_solver = solver is not None

    def _solve(self, solver: SolverBot) -> None:
        for i in reversed(self.live):  # late positions first: they fill the table for early ones
            self.solved[i] = solver.solver.action_values(self.states[i])

    @property
    def progress(self) -> float:
        """Fraction of the simulations done (the solver is usually quicker)."""
        if self.search is None or self.sims == 0:
            return 1.0
        return sum(self.search.done) / (self.sims * len(self.live))

    @property
    def done(self) -> bool:
        solver_done = self._solver_thread is None or not self._solver_thread.is_alive()
        return self.progress >= 1.0 and solver_done

    def advance(self, deadline: float | None) -> None:
        """Searches until `deadline` (time.monotonic; None: to the end, solver included)."""
        if self.search is not None:
            while self.search.step([self.sims] * len(self.live)):
                if deadline is not None and time.monotonic() >= deadline:
                    return
        if deadline is None and self._solver_thread is not None:
            self._solver_thread.join()

    def result(self) -> GameReview:
        """The review; call once `done` (or after `advance(None)`)."""
        self.advance(None)
        syms = symmetries(self.game)
        results = dict(zip(self.live, self.search.results() if self.search else [], strict=True))
        positions = []
        for i, state in enumerate(self.states):
            if i not in results:
                positions.append(PositionReview(i, None, None, None, None))
                continue
            r = results[i]
            if self.sims > 0:
                analysis = analysis_of(r)
                verdict = judge(r.prior, r.visits, r.q, syms, state, r.best_action)
            else:
                a = greedy_action(r.prior)
                analysis = Analysis(
                    a, r.prior, value=r.network_value, network_value=r.network_value
                )
                verdict = None
            if not self.agent.has_network:
                verdict = None
            positions.append(
                PositionReview(i, state.current_player(), analysis, verdict, self.solved.get(i))
            )
        final = self.states[-1]
        returns = list(final.returns()) if final.is_terminal() else []
        moves = tuple(self._move(i, positions, returns) for i in range(len(self.actions)))
        return GameReview(
            self.game, self.actions, tuple(positions), moves, returns, self.sims,
            self.agent.name, self.agent.has_network, self.has_solver,
        )  # fmt: skip

    def _move(self, i: int, positions: list[PositionReview], returns: list[float]) -> MoveReview:
        here, there = positions[i], positions[i + 1]
        player, action = int(here.mover), self.actions[i]
        analysis = here.analysis
        before = after = None
        if analysis is not None and analysis.value is not None:
            before = analysis.value if self.sims > 0 else analysis.network_value
        if there.mover is None:
            after = float(returns[player]) if returns else None
        elif there.analysis is not None:
            v = there.analysis.value if self.sims > 0 else there.analysis.network_value
            after = None if v is None else (v if there.mover == player else -v)
        loss = None if before is None or after is None else float(before - after)
        solver_before = solver_after = None
        if here.solver:
            solver_before, solver_after = max(here.solver.values()), here.solver.get(action)
        system1 = (
            analysis.network_action if analysis is not None and self.agent.has_network else None
        )
        searched = analysis is not None and analysis.visits is not None and self.sims > 0
        system2 = analysis.action if searched else None
        return MoveReview(i, player, action, system1, system2, loss, solver_before, solver_after)
