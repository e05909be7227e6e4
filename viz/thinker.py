"""An agent thinking about one position without freezing the window.

A network agent (System 1 `PolicyBot`, System 2 `MCTSBot`, or MCTS over any evaluator) is
searched on the UI thread a slice at a time with `agents.mcts.Search`: each frame runs
simulations until its time slice is spent, so events are answered between slices and the panel
shows the visits as they accumulate. The same `Search` runs exactly one simulation per key press
in step mode. With no noise and one leaf per step it performs the very simulations `run_search`
would, so the finished analysis equals the agent's own `analyse()`. An agent with a move
temperature (`policy:temperature=1`, System 1 sampled) has its move drawn from the prior (or the
visits) once the budget is spent, with the thinker's own seeded generator.

Any other agent (random, OpenSpiel's rollout MCTS, the solver) is a black box: it thinks in a
worker thread and the viewer polls it.
"""

from __future__ import annotations

import threading
import time

import numpy as np

from agents.base import Agent, Analysis, SearchAgent, greedy_action
from agents.bots import analysis_of, sample_from
from agents.mcts import choose_action
from games.game import Action, State


def can_step(agent: Agent) -> bool:
    """Whether the viewer can run the agent's search itself, a slice or a simulation at a time."""
    return isinstance(agent, SearchAgent)


def default_sims(agent: Agent) -> int:
    """The agent's own search budget: 0 for System 1 and for agents the viewer cannot step."""
    return agent.num_simulations if isinstance(agent, SearchAgent) else 0


class SearchThinker:
    """System 1 and System 2 of a network agent, advanced a slice at a time on the UI thread."""

    can_step = True
    error: BaseException | None = None

    def __init__(self, agent: SearchAgent, state: State, sims: int, seed: int = 0):
        self.has_network = agent.has_network
        self.temperature = float(getattr(agent, "temperature", 0.0) or 0.0)
        self.sims = max(0, sims)
        self._rng = np.random.default_rng(seed)
        self._move: Action | None = None
        self._budget = self.sims
        self._search = agent.new_search([state.clone()], np.random.default_rng(seed))
        self._search.step([0])  # budgets come from the dial, not the agent (nothing runs yet)

    @property
    def sims_done(self) -> int:
        return self._search.done[0]

    @property
    def done(self) -> bool:
        return self.sims_done >= self.sims

    def advance(self, deadline: float | None) -> None:
        """Runs simulations towards the budget until `deadline` (monotonic; None: the end)."""
        self._budget = self.sims
        while not self.done and self._search.step([self._budget]):
            if deadline is not None and time.monotonic() >= deadline:
                break

    def add(self, n: int) -> None:
        """Exactly `n` more simulations now (step mode), never beyond the budget."""
        self._budget = min(self.sims, self.sims_done + n)
        while self._search.step([self._budget]):
            pass

    def extend(self, sims: int) -> bool:
        """Raises the budget keeping the tree; False if `sims` is below what is already done."""
        if sims < self.sims_done:
            return False
        self.sims = sims
        self._move = None
        return True

    def analysis(self) -> Analysis:
        """The position as the search sees it now (partial until `done`)."""
        [result] = self._search.results()
        if self.sims == 0:
            action, value = greedy_action(result.prior), result.network_value
            return Analysis(action, result.prior, value=value, network_value=value, pv=(action,))
        return analysis_of(result)

    def move(self) -> Action | None:
        """The move to play once the budget is spent: the analysis's, or a sample of it."""
        if not self.done:
            return None
        if self._move is None:
            [result] = self._search.results()
            if self.temperature <= 0:
                self._move = self.analysis().action
            elif self.sims == 0:
                legal = result.prior > 0
                self._move = sample_from(result.prior, self.temperature, legal, self._rng)
            else:
                self._move = choose_action(result, self.temperature, self._rng)
        return self._move


class ThreadThinker:
    """Any other agent: `analyse` and, if it shows no search, `select_action` in a thread."""

    can_step = False
    has_network = False

    def __init__(self, agent: Agent, state: State, sims: int = 0, seed: int = 0):
        self.sims = 0
        self._analysis: Analysis | None = None
        self._move: Action | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(
            target=self._think, args=(agent, state.clone(), seed), daemon=True
        )
        self._thread.start()

    def _think(self, agent: Agent, state: State, seed: int) -> None:
        try:
            analysis = agent.analyse(state)
            move = analysis.action
            if analysis.visits is None:  # no search to read the move from (random, solver)
                move = agent.select_action(state, np.random.default_rng(seed))
            self._analysis, self._move = analysis, int(move)
        except Exception as err:  # shown in the panel: a failing agent never kills the window
            self._error = err

    @property
    def error(self) -> BaseException | None:
        return self._error

    @property
    def sims_done(self) -> int:
        return 0

    @property
    def done(self) -> bool:
        return self._move is not None or self._error is not None

    def advance(self, deadline: float | None) -> None:
        if deadline is None:
            self._thread.join()

    def add(self, n: int) -> None:
        self.advance(None)

    def extend(self, sims: int) -> bool:
        return False

    def analysis(self) -> Analysis | None:
        return self._analysis

    def move(self) -> Action | None:
        return self._move


Thinker = SearchThinker | ThreadThinker


def start_thinking(agent: Agent, state: State, sims: int | None = None, seed: int = 0) -> Thinker:
    """A thinker for `agent` in `state`; `sims` overrides a network agent's search budget."""
    if isinstance(agent, SearchAgent):
        return SearchThinker(agent, state, default_sims(agent) if sims is None else sims, seed)
    return ThreadThinker(agent, state, seed=seed)
