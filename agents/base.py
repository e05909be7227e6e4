"""The Agent protocol every player implements, and the Analysis the viewer and experiments read.

An agent is anything that picks a move: the network alone (System 1), the network with search
(System 2), a random player, OpenSpiel's rollout MCTS, the exact solver, a human in the viewer.
Arena, referee, sweep and viewer see only this protocol.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np

from games.game import Action, State


@dataclass(frozen=True)
class Analysis:
    """What an agent thinks of a position: System 1's prior beside System 2's visits."""

    action: Action  # the move the agent would play (deterministically)
    prior: np.ndarray | None = None  # network policy [A] (System 1's instinct)
    visits: np.ndarray | None = None  # search visit counts [A] (System 2's deliberation)
    q: np.ndarray | None = None  # search Q [A] from the mover's view, NaN where unvisited
    value: float | None = None  # value of the position for the mover, in [-1, 1]
    network_value: float | None = None  # the value head alone
    pv: tuple[Action, ...] = ()  # principal variation, starting with `action`


@runtime_checkable
class Agent(Protocol):
    name: str

    def select_action(self, state: State, rng: np.random.Generator) -> Action:
        """The move to play in `state` (a non-terminal state; not modified)."""
        ...

    def analyse(self, state: State) -> Analysis:
        """The agent's view of `state`, for the viewer and the experiments."""
        ...
