"""Evaluators: what the search asks at a leaf. states -> priors [B, A], values [B, P].

The search never touches torch: `NetworkEvaluator` batches all the leaves of one simulation step
(across every game being played) into a single forward pass under `torch.inference_mode()`,
masks illegal actions, and hands back numpy. Results are cached by position, so transpositions
and repeated analyses cost nothing.

Values are per player (`values[b, p]` is player p's expected return), as OpenSpiel's `returns()`
are, so the search never needs to guess whose turn follows a move.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from typing import Protocol

import numpy as np
import torch

from games.encoding import encode_batch, legal_mask_batch
from games.game import Game, State


class Evaluator(Protocol):
    game: Game

    def evaluate(self, states: Sequence[State]) -> tuple[np.ndarray, np.ndarray]:
        """Returns priors [B, A] (0 on illegal actions, rows sum to 1) and values [B, P]."""
        ...


def mover_values(states: Sequence[State], value: np.ndarray) -> np.ndarray:
    """value [B] from each mover's view -> values [B, 2] per player (two-player zero-sum)."""
    movers = np.fromiter((s.current_player() for s in states), dtype=np.int64, count=len(states))
    values = np.empty((len(states), 2), dtype=np.float64)
    values[np.arange(len(states)), movers] = value
    values[np.arange(len(states)), 1 - movers] = -value
    return values


class UniformEvaluator:
    """Uniform prior over legal moves, value 0: search guided by nothing (tests, baselines)."""

    def __init__(self, game: Game):
        self.game = game

    def evaluate(self, states: Sequence[State]) -> tuple[np.ndarray, np.ndarray]:
        mask = legal_mask_batch(self.game, states).astype(np.float64)
        priors = mask / mask.sum(axis=1, keepdims=True)
        return priors, np.zeros((len(states), self.game.num_players))


class RolloutEvaluator:
    """Uniform prior; value = the returns of random play to the end (classic MCTS)."""

    def __init__(self, game: Game, rng: np.random.Generator, num_rollouts: int = 1):
        self.game = game
        self.rng = rng
        self.num_rollouts = num_rollouts

    def evaluate(self, states: Sequence[State]) -> tuple[np.ndarray, np.ndarray]:
        priors, values = UniformEvaluator(self.game).evaluate(states)
        for i, state in enumerate(states):
            for _ in range(self.num_rollouts):
                s = state.clone()
                while not s.is_terminal():
                    legal = s.legal_actions()
                    s.apply_action(legal[self.rng.integers(len(legal))])
                values[i] += np.asarray(s.returns()) / self.num_rollouts
        return priors, values


class NetworkEvaluator:
    """Batched, cached evaluation by a PolicyValueNet (the network of both System 1 and 2)."""

    def __init__(
        self,
        game: Game,
        net: torch.nn.Module,
        device: torch.device | str = "cpu",
        cache_size: int = 200_000,
    ):
        self.game = game
        self.net = net.eval()
        self.device = torch.device(device)
        self.cache_size = cache_size
        self._cache: OrderedDict[bytes, tuple[np.ndarray, float]] = OrderedDict()
        self.hits = 0
        self.misses = 0
        self.positions_evaluated = 0
        self.calls = 0

    def clear_cache(self) -> None:
        self._cache.clear()

    @property
    def hit_rate(self) -> float:
        total = self.hits + self.misses
        return self.hits / total if total else 0.0

    def evaluate(self, states: Sequence[State]) -> tuple[np.ndarray, np.ndarray]:
        obs = encode_batch(self.game, states)
        mask = legal_mask_batch(self.game, states)
        priors = np.empty((len(states), self.game.num_actions), dtype=np.float64)
        value = np.empty(len(states), dtype=np.float64)
        keys = [o.tobytes() for o in obs]
        todo = []
        for i, key in enumerate(keys):
            hit = self._cache.get(key) if self.cache_size else None
            if hit is None:
                todo.append(i)
            else:
                priors[i], value[i] = hit
        self.hits += len(states) - len(todo)
        self.misses += len(todo)
        if todo:
            p, v = self.forward(obs[todo], mask[todo])
            priors[todo] = p
            value[todo] = v
            if self.cache_size:
                for j, i in enumerate(todo):
                    self._cache[keys[i]] = (p[j], float(v[j]))
                while len(self._cache) > self.cache_size:
                    self._cache.popitem(last=False)
        return priors, mover_values(states, value)

    def forward(self, obs: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """One network call: obs [B, C, H, W], mask [B, A] -> priors [B, A], value [B]."""
        self.calls += 1
        self.positions_evaluated += len(obs)
        with torch.inference_mode():
            x = torch.from_numpy(obs).to(self.device)
            logits, value = self.net(x)
            legal = torch.from_numpy(mask).to(self.device)
            priors = torch.softmax(logits.float().masked_fill(~legal, float("-inf")), dim=-1)
        return priors.double().cpu().numpy(), value.double().cpu().numpy()
