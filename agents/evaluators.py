"""Evaluators: what the search asks at a leaf. states -> priors [B, A], values [B, P].

The search never touches torch: `NetworkEvaluator` batches all the leaves of one simulation step
(across every game being played) into a single forward pass under `torch.inference_mode()`,
masks illegal actions, and hands back numpy. Results are cached by position (the encoded planes,
which are all the network sees), so transpositions and repeated analyses cost no forward pass.

Values are per player (`values[b, p]` is player p's expected return), as OpenSpiel's `returns()`
are, so the search never needs to guess whose turn follows a move.
"""

from __future__ import annotations

import io
import itertools
import time
from collections.abc import Sequence
from typing import Protocol

import numpy as np
import torch
from open_spiel.python.observation import make_observation

from agents.network import PolicyValueNet, folded_for_inference
from games.encoding import encode_batch, last_was_pass, legal_mask_batch, pass_wins
from games.game import Game, State


class Evaluator(Protocol):
    game: Game

    def evaluate(self, states: Sequence[State]) -> tuple[np.ndarray, np.ndarray]:
        """Returns priors [B, A] (0 on illegal actions, > 0 on legal ones, rows sum to 1) and
        values [B, P]."""
        ...


def mover_values(movers: np.ndarray, value: np.ndarray) -> np.ndarray:
    """value [B] from each mover's view -> values [B, 2] per player (two-player zero-sum)."""
    rows = np.arange(len(movers))
    values = np.empty((len(movers), 2), dtype=np.float64)
    values[rows, movers] = value
    values[rows, 1 - movers] = -value
    return values


def masked_softmax(logits: np.ndarray, legal: np.ndarray) -> np.ndarray:
    """softmax over legal actions, in float64 so no legal action underflows to 0. [B, A]."""
    x = np.where(legal, logits.astype(np.float64), -np.inf)
    x = np.exp(x - x.max(axis=1, keepdims=True))
    return x / x.sum(axis=1, keepdims=True)


def position_keys(obs: np.ndarray) -> list[bytes]:
    """One bytes key per row of planes [B, ...], all at once: the planes are all the network
    sees. Planes of 0s and 1s (every preset's) go one bit a cell, 32 times shorter than their
    float32 bytes: the cache hashes and holds less, and a key of other planes, at full length,
    can never equal one of them."""
    flat = np.ascontiguousarray(obs.reshape(len(obs), -1))
    bits = flat != 0
    if np.array_equal(flat, bits):
        flat = np.packbits(bits, axis=1)
    return flat.view(np.dtype((np.void, flat.shape[1] * flat.itemsize))).ravel().tolist()


class PlaneEncoder:
    """`games.encoding.encode_batch`, ten times cheaper: OpenSpiel's observer writes each state's
    planes into one reused buffer (no Python list of floats per state), and the colour swap and
    to-play plane are done for the whole batch at once. A test checks it against `encode`."""

    def __init__(self, game: Game):
        self.game = game
        self.observation = make_observation(game.openspiel)
        self.raw_size = int(np.prod(game.raw_observation_shape))

    def read(self, states: Sequence[State]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """What the network and the search need of each state, in one pass over them (self-play
        calls this for every leaf): movers [B], planes [B, C, H, W], legal mask [B, A]."""
        n, game = len(states), self.game
        if self.observation is None or self.observation.tensor is None:
            movers = np.fromiter((s.current_player() for s in states), np.int64, n)
            return movers, encode_batch(game, states), legal_mask_batch(game, states)
        out = np.empty((n, *game.observation_shape), dtype=np.float32)
        rows = out.reshape(n, -1)[:, : self.raw_size]
        set_from, tensor = self.observation.set_from, self.observation.tensor
        players, masks = [], []
        for i, state in enumerate(states):
            player = state.current_player()
            players.append(player)
            set_from(state, player if player > 0 else 0)
            rows[i] = tensor
            masks.append(state.legal_actions_mask())
        movers = np.array(players, np.int64)
        legal = np.array(masks, dtype=bool).reshape(n, game.num_actions)
        return movers, self._finish(out, states, movers), legal

    def _finish(self, out: np.ndarray, states: Sequence[State], movers: np.ndarray) -> np.ndarray:
        """The planes beyond OpenSpiel's, once its own are in `out`, for the whole batch."""
        game = self.game
        raw_planes = game.raw_observation_shape[0]
        colours = game.spec.colour_planes
        if colours is not None:  # player 1 to move: swap the stone planes ("mine" first)
            swap = np.flatnonzero(movers == 1)
            mine, theirs = colours
            out[swap, mine], out[swap, theirs] = out[swap, theirs], out[swap, mine]
        out[:, raw_planes] = np.maximum(movers, 0)[:, None, None]
        if game.pass_action is not None:
            passed = [last_was_pass(game, state) for state in states]
            out[:, raw_planes + 1] = np.array(passed, dtype=np.float32)[:, None, None]
            wins = [pass_wins(game, state) for state in states]
            out[:, raw_planes + 2] = np.array(wins, dtype=np.float32)[:, None, None]
        return out


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
    """Batched, cached evaluation by a PolicyValueNet (the network of both System 1 and 2).

    The cache maps a position's planes to the network's raw logits [A] and value, so a hit
    costs a dictionary lookup; legal masking happens after, for hits and misses alike. Positions
    repeated within one call (two leaves of one step reaching the same state) are evaluated once.
    Clear the cache whenever the weights change: that also drops the forward's folded copy of
    the network (`inference_net`), made again from the new weights at the next call.
    """

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
        self.encoder = PlaneEncoder(game)
        self._cache: dict[bytes, bytes] = {}  # planes -> logits and value, float32
        self._inference_net: torch.nn.Module | None = None
        self.reset_counters()

    def reset_counters(self) -> None:
        self.hits = 0  # positions answered by the cache (or by a twin in the same call)
        self.misses = 0  # positions sent to the network
        self.positions_evaluated = 0
        self.calls = 0  # forward passes
        self.forward_seconds = 0.0  # time spent inside the network

    def clear_cache(self) -> None:
        self._cache.clear()
        self._inference_net = None

    @property
    def inference_net(self) -> torch.nn.Module:
        """What the forward pass runs: `net` with its batch norms folded into its convs
        (`folded_for_inference`), made from `net`'s weights at the first call after the last
        `clear_cache`; `net` itself when it is not a PolicyValueNet."""
        if self._inference_net is None:
            is_plain = isinstance(self.net, PolicyValueNet)
            self._inference_net = folded_for_inference(self.net) if is_plain else self.net
        return self._inference_net

    @property
    def cache_entries(self) -> int:
        return len(self._cache)

    @property
    def hit_rate(self) -> float:
        total = self.hits + self.misses
        return self.hits / total if total else 0.0

    def __getstate__(self) -> dict:
        """Pickled for self-play worker processes: the network travels as bytes (never as shared
        memory, which would move the trainer's own weights), the cache stays behind."""
        state = dict(self.__dict__)
        buffer = io.BytesIO()
        torch.save(self.net, buffer)
        state.update(net=buffer.getvalue(), _cache={}, encoder=None)
        state["_inference_net"] = None  # made again from `net` on the other side
        return state

    def __setstate__(self, state: dict) -> None:
        buffer = io.BytesIO(state["net"])
        state["net"] = torch.load(buffer, map_location=state["device"], weights_only=False)
        self.__dict__.update(state)
        self.encoder = PlaneEncoder(self.game)

    def evaluate(self, states: Sequence[State]) -> tuple[np.ndarray, np.ndarray]:
        n = len(states)
        movers, obs, legal = self.encoder.read(states)
        keys = position_keys(obs)
        # The loops over rows run in C (map, dict.fromkeys, bytes.join): at ~150 rows a call,
        # Python loops here were a tenth of self-play's time outside the network.
        found = list(map(self._cache.get, keys)) if self.cache_size else [None] * n
        miss_rows = [i for i, hit in enumerate(found) if hit is None]
        out = np.empty((n, self.game.num_actions + 1), np.float32)  # logits | value
        if len(miss_rows) < n:
            hit_rows = [i for i, hit in enumerate(found) if hit is not None]
            hits = b"".join([found[i] for i in hit_rows])
            out[hit_rows] = np.frombuffer(hits, np.float32).reshape(len(hit_rows), -1)
        miss_keys = [keys[i] for i in miss_rows]
        unique = dict.fromkeys(miss_keys)  # a position twice in one call is evaluated once
        self.hits += n - len(unique)  # a repeat within the call counts as a hit
        self.misses += len(unique)
        if unique:
            slot = {key: j for j, key in enumerate(unique)}
            miss_slots = list(map(slot.__getitem__, miss_keys))  # each miss's input row
            first = np.empty(len(unique), np.int64)
            first[miss_slots] = miss_rows  # any row of each position will do
            new_logits, new_value = self.forward(obs[first])
            rows = np.concatenate([new_logits, new_value[:, None].astype(np.float32)], axis=1)
            out[miss_rows] = rows[miss_slots]
            if self.cache_size:
                self._remember(unique, rows)
        logits, value = out[:, :-1], out[:, -1].astype(np.float64)
        return masked_softmax(logits, legal), mover_values(movers, value)

    def _remember(self, keys: dict[bytes, None], rows: np.ndarray) -> None:
        """Caches each row (logits and value, float32 as the network gives them) as bytes under
        its key. The dict keeps insertion order: past `cache_size` the oldest quarter goes in
        one pass, so eviction costs nothing per call."""
        cache = self._cache
        entries = rows.view(np.dtype((np.void, rows.shape[1] * rows.itemsize))).ravel()
        cache.update(zip(keys, entries.tolist(), strict=True))
        if len(cache) > self.cache_size:
            keep = self.cache_size - self.cache_size // 4
            self._cache = dict(itertools.islice(cache.items(), len(cache) - keep, None))

    def forward(self, obs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """One network call: obs [B, C, H, W] -> logits [B, A] float32, value [B] (mover's view)."""
        start = time.perf_counter()
        with torch.inference_mode():
            logits, value = self.inference_net(torch.from_numpy(obs).to(self.device))
            logits = logits.float().cpu().numpy()
            value = value.double().cpu().numpy()
        self.forward_seconds += time.perf_counter() - start
        self.calls += 1
        self.positions_evaluated += len(obs)
        return logits, value
