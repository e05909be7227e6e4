"""The players: RandomBot, PolicyBot (System 1), MCTSBot (System 2), RolloutBot, SolverBot.

Each implements `agents.base.Agent`; `as_pyspiel_bot` hands any of them to OpenSpiel's tooling.
"""

from __future__ import annotations

import numpy as np
import pyspiel

from agents.base import Agent, Analysis
from agents.evaluators import NetworkEvaluator, UniformEvaluator
from agents.mcts import choose_action, run_search
from games.encoding import legal_mask
from games.game import Action, Game, State
from sandbox.config import MCTSConfig


class RandomBot:
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


class PolicyBot:
    """System 1: one forward pass, then argmax (temperature 0) or a sample of the policy."""

    def __init__(self, evaluator: NetworkEvaluator, temperature: float = 0.0, name: str = "policy"):
        self.game = evaluator.game
        self.evaluator = evaluator
        self.temperature = temperature
        self.name = name

    def select_action(self, state: State, rng: np.random.Generator) -> Action:
        priors, _ = self.evaluator.evaluate([state])
        prior = priors[0]
        if self.temperature <= 0:
            return int(np.argmax(prior))
        logits = np.log(np.maximum(prior, 1e-30)) / self.temperature
        probs = np.where(legal_mask(self.game, state), np.exp(logits - logits.max()), 0.0)
        return int(rng.choice(len(probs), p=probs / probs.sum()))

    def analyse(self, state: State) -> Analysis:
        priors, values = self.evaluator.evaluate([state])
        value = float(values[0, state.current_player()])
        action = int(np.argmax(priors[0]))
        return Analysis(action, prior=priors[0], value=value, network_value=value, pv=(action,))


class MCTSBot:
    """System 2: PUCT search guided by the network, no root noise, argmax of visits."""

    def __init__(
        self,
        evaluator,
        cfg: MCTSConfig,
        name: str = "mcts",
        seed: int = 0,
    ):
        self.game = evaluator.game
        self.evaluator = evaluator
        self.cfg = cfg
        self.name = name
        self._rng = np.random.default_rng(seed)

    def search(self, state: State, rng: np.random.Generator | None = None):
        [result] = run_search([state], self.evaluator, self.cfg, rng or self._rng)
        return result

    def select_action(self, state: State, rng: np.random.Generator) -> Action:
        if self.cfg.num_simulations <= 0:
            priors, _ = self.evaluator.evaluate([state])
            return int(np.argmax(priors[0]))
        return choose_action(self.search(state, rng), 0.0, rng)

    def analyse(self, state: State) -> Analysis:
        if self.cfg.num_simulations <= 0:
            return PolicyBot(self.evaluator).analyse(state)
        result = self.search(state)
        return Analysis(
            action=result.best_action,
            prior=result.prior,
            visits=result.visits,
            q=result.q,
            value=float(result.root_values[result.to_play]),
            network_value=result.network_value,
            pv=tuple(result.pv),
        )


class RolloutBot:
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
