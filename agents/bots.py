"""The players: RandomBot, PolicyBot (System 1), MCTSBot (System 2), RolloutBot; SolverBot lives
in `agents.solver`.

Each implements `agents.base.Agent`; `as_pyspiel_bot` hands any of them to OpenSpiel's tooling.
PolicyBot and MCTSBot answer many positions with one network call per simulation step.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pyspiel

from agents.base import Agent, Analysis, OneAtATime, Rng, greedy_action, greedy_actions, rngs_for
from agents.evaluators import Evaluator, NetworkEvaluator, UniformEvaluator
from agents.mcts import MCTSConfig, Search, SearchResult, choose_action
from games.encoding import legal_mask
from games.game import Action, Game, State


class RandomBot(OneAtATime):
    """Uniformly random legal moves: the Elo anchor (rating 0)."""

    def __init__(self, game: Game):
        self.game = game
        self.name = "random"

    def select_action(self, state: State, rng: np.random.Generator) -> Action:
        legal = state.legal_actions()
        return int(legal[rng.integers(len(legal))])

    def analyse(self, state: State) -> Analysis:
        prior, _ = UniformEvaluator(self.game).evaluate([state])
        return Analysis(action=int(state.legal_actions()[0]), prior=prior[0])


def sample_from(
    weights: np.ndarray, temperature: float, legal: np.ndarray, rng: np.random.Generator
) -> Action:
    """A move drawn with probability ~ weights^(1/T) over legal moves (weights: prior or visits)."""
    logits = np.log(np.maximum(weights, 1e-30)) / max(temperature, 1e-3)  # colder overflows
    probs = np.where(legal, np.exp(logits - logits[legal].max()), 0.0)
    return int(rng.choice(len(probs), p=probs / probs.sum()))


class PolicyBot:
    """System 1: one forward pass, then argmax (temperature 0) or a sample of the policy."""

    num_simulations = 0

    def __init__(self, evaluator: Evaluator, temperature: float = 0.0, name: str = "policy"):
        self.game = evaluator.game
        self.evaluator = evaluator
        self.temperature = temperature
        self.name = name
        self.has_network = isinstance(evaluator, NetworkEvaluator)

    def select_actions(self, states: Sequence[State], rng: Rng) -> list[Action]:
        if not states:
            return []
        priors, _ = self.evaluator.evaluate(states)
        if self.temperature <= 0:
            return greedy_actions(priors)
        return [
            sample_from(p, self.temperature, legal_mask(self.game, s), r)
            for p, s, r in zip(priors, states, rngs_for(rng, len(states)), strict=True)
        ]

    def select_action(self, state: State, rng: np.random.Generator) -> Action:
        return self.select_actions([state], rng)[0]

    def analyse_many(self, states: Sequence[State]) -> list[Analysis]:
        if not states:
            return []
        priors, values = self.evaluator.evaluate(states)
        out = []
        for state, prior, value in zip(states, priors, values, strict=True):
            v = float(value[state.current_player()])
            a = greedy_action(prior)
            out.append(Analysis(a, prior=prior, value=v, network_value=v, pv=(a,)))
        return out

    def analyse(self, state: State) -> Analysis:
        return self.analyse_many([state])[0]

    def new_search(self, states: Sequence[State], rng: np.random.Generator | None = None) -> Search:
        """A search with budget 0: the viewer reads the prior off it, and may raise the budget."""
        return Search(states, self.evaluator, MCTSConfig(), rng or np.random.default_rng(0), 0)


def analysis_of(result: SearchResult) -> Analysis:
    """A search's view of its root as an Analysis (System 1's prior beside System 2's visits)."""
    return Analysis(
        action=result.best_action,
        prior=result.prior,
        visits=result.visits,
        q=result.q,
        value=float(result.root_values[result.to_play]),
        network_value=result.network_value,
        pv=tuple(result.pv),
    )


class MCTSBot:
    """System 2: PUCT search guided by the evaluator, no root noise.

    Plays the most visited move, or with `temperature` T > 0 samples pi(a) ~ N(a)^(1/T). The
    budget is `num_simulations` (default: the config's); 0 plays System 1's move.
    """

    def __init__(
        self,
        evaluator: Evaluator,
        cfg: MCTSConfig,
        name: str = "mcts",
        seed: int = 0,
        num_simulations: int | None = None,
        temperature: float = 0.0,
    ):
        if not math.isfinite(temperature) or temperature < 0:
            raise ValueError(f"temperature must be finite and >= 0, got {temperature}")
        self.game = evaluator.game
        self.evaluator = evaluator
        self.cfg = cfg
        self.num_simulations = cfg.num_simulations if num_simulations is None else num_simulations
        self.temperature = temperature
        self.name = name
        self.has_network = isinstance(evaluator, NetworkEvaluator)
        self._rng = np.random.default_rng(seed)

    def with_simulations(self, num_simulations: int, name: str | None = None) -> MCTSBot:
        """The same player (network, settings, cache) with another budget per move."""
        return MCTSBot(
            self.evaluator, self.cfg, name or self.name, 0, num_simulations, self.temperature
        )

    def new_search(self, states: Sequence[State], rng: Rng | None = None) -> Search:
        rng = self._rng if rng is None else rng
        return Search(states, self.evaluator, self.cfg, rng, self.num_simulations)

    def search_many(self, states: Sequence[State], rng: Rng | None = None) -> list[SearchResult]:
        search = self.new_search(states, rng)
        search.run()
        return search.results()

    def search(self, state: State, rng: np.random.Generator | None = None) -> SearchResult:
        return self.search_many([state], rng)[0]

    def select_actions(self, states: Sequence[State], rng: Rng) -> list[Action]:
        if not states:
            return []
        if self.num_simulations <= 0:
            return PolicyBot(self.evaluator, self.temperature).select_actions(states, rng)
        results = self.search_many(states, rng)
        rngs = rngs_for(rng, len(states))
        return [choose_action(r, self.temperature, g) for r, g in zip(results, rngs, strict=True)]

    def select_action(self, state: State, rng: np.random.Generator) -> Action:
        return self.select_actions([state], rng)[0]

    def analyse_many(self, states: Sequence[State]) -> list[Analysis]:
        if not states:
            return []
        if self.num_simulations <= 0:
            return PolicyBot(self.evaluator).analyse_many(states)
        return [analysis_of(r) for r in self.search_many(states)]

    def analyse(self, state: State) -> Analysis:
        return self.analyse_many([state])[0]


class RolloutBot(OneAtATime):
    """OpenSpiel's C++ MCTS with random rollouts (UCT, solver on): the classic baseline."""

    def __init__(self, game: Game, num_simulations: int = 1000, seed: int = 0, uct_c: float = 2.0):
        self.game = game
        self.name = f"rollout:sims={num_simulations}"
        self.num_simulations = num_simulations
        self.uct_c = uct_c
        self._rng = np.random.default_rng(seed)

    def _bot(self, seed: int) -> pyspiel.MCTSBot:
        # A fresh bot per move: OpenSpiel seeds its generator only at construction, and a
        # per-move seed drawn from the caller's rng makes matches both varied and replayable.
        return pyspiel.MCTSBot(
            self.game.openspiel,
            pyspiel.RandomRolloutEvaluator(1, seed),
            self.uct_c,
            self.num_simulations,
            1000,  # max_memory_mb
            True,  # solve: proven wins and losses propagate up the tree
            seed,
            False,
        )

    def select_action(self, state: State, rng: np.random.Generator) -> Action:
        return int(self._bot(int(rng.integers(2**31))).step(state))

    def analyse(self, state: State) -> Analysis:
        root = self._bot(int(self._rng.integers(2**31))).mcts_search(state)
        visits = np.zeros(self.game.num_actions)
        q = np.full(self.game.num_actions, np.nan)
        for child in root.children:
            visits[child.action] = child.explore_count
            if child.explore_count:
                q[child.action] = child.total_reward / child.explore_count
        return Analysis(action=int(root.best_child().action), visits=visits, q=q)


class _PyspielBot(pyspiel.Bot):
    def __init__(self, agent: Agent, seed: int):
        pyspiel.Bot.__init__(self)
        self._agent = agent
        self._rng = np.random.default_rng(seed)

    def step(self, state: State) -> Action:
        return self._agent.select_action(state, self._rng)

    def restart_at(self, state: State) -> None:
        pass


def as_pyspiel_bot(agent: Agent, seed: int = 0) -> pyspiel.Bot:
    """Wraps an agent so OpenSpiel's own tools (evaluate_bots, ...) can use it."""
    return _PyspielBot(agent, seed)
