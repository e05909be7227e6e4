"""The Agent protocol every player implements, and the Analysis the viewer and experiments read.

An agent is anything that picks a move: the network alone (System 1), the network with search
(System 2), a random player, OpenSpiel's rollout MCTS, the exact solver. Arena, referee, sweep,
tournament and viewer see only this protocol: `select_actions` and `analyse_many` are the
batched forms (a network agent answers many positions with one network call per simulation
step; `OneAtATime` gives the others a loop). An agent the viewer can step simulation by
simulation is a `SearchAgent`: it hands out its own `Search`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, runtime_checkable

import numpy as np

from games.game import Action, State

if TYPE_CHECKING:
    from agents.mcts import Search


Rng = np.random.Generator | Sequence[np.random.Generator]  # one for all states, or one each


def rngs_for(rng: Rng, count: int) -> list[np.random.Generator]:
    """One generator per state: the shared one repeated, or the caller's own list."""
    if isinstance(rng, np.random.Generator):
        return [rng] * count
    rngs = list(rng)
    if len(rngs) != count:
        raise ValueError(f"{len(rngs)} generators for {count} states")
    return rngs


def greedy_action(prior: np.ndarray) -> Action:
    """System 1's move: the network's favourite (argmax of the prior [A]; ties: lowest action)."""
    return int(np.argmax(prior))


def greedy_actions(priors: np.ndarray) -> list[Action]:
    """System 1's move in each row of priors [B, A]."""
    return [int(a) for a in np.argmax(priors, axis=1)]


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

    @property
    def network_action(self) -> Action | None:
        """System 1's move, when the agent has a prior."""
        return None if self.prior is None else greedy_action(self.prior)


@runtime_checkable
class Agent(Protocol):
    name: str

    def select_action(self, state: State, rng: np.random.Generator) -> Action:
        """The move to play in `state` (a non-terminal state; not modified)."""
        ...

    def analyse(self, state: State) -> Analysis:
        """The agent's view of `state`, for the viewer and the experiments."""
        ...

    def select_actions(self, states: Sequence[State], rng: Rng) -> list[Action]:
        """The move in each state; network agents answer all of them in one batched search.

        `rng` is one generator, or one per state (then each state's move depends on its own
        generator alone, as if it were asked alone: a match's game replays from its seed).
        """
        ...

    def analyse_many(self, states: Sequence[State]) -> list[Analysis]:
        """`analyse` of each state, batched where the agent can."""
        ...


@runtime_checkable
class SearchAgent(Agent, Protocol):
    """An agent whose thinking is a `Search` the caller can advance step by step (the viewer)."""

    num_simulations: int  # the agent's own budget per move; 0 = System 1
    has_network: bool  # guided by a trained network (else a uniform or rollout evaluator)

    def new_search(self, states: Sequence[State], rng: np.random.Generator | None = None) -> Search:
        """A fresh search over `states` with this agent's settings and no root noise."""
        ...


class OneAtATime:
    """Batched methods for agents that think about one position at a time."""

    def select_actions(self, states: Sequence[State], rng: Rng) -> list[Action]:
        return [
            self.select_action(state, r)  # type: ignore[attr-defined]
            for state, r in zip(states, rngs_for(rng, len(states)), strict=True)
        ]

    def analyse_many(self, states: Sequence[State]) -> list[Analysis]:
        return [self.analyse(state) for state in states]  # type: ignore[attr-defined]
