"""ReplayBuffer: a sliding window of training positions, sampled with board symmetries.

Positions are encoded once when a game arrives (obs, legal mask, search policy, outcome from the
mover's view) and kept in preallocated ring arrays, so sampling a batch is array indexing.
Each sampled position is shown under a random symmetry of the board, with its policy and legal
mask permuted alike: the learner sees up to 8 boards for the price of one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from games.encoding import encode_into, missing_go_planes
from games.errors import UserError
from games.game import Game
from games.scoring import has_score, score_margin
from games.symmetries import symmetries
from sandbox.files import npz_load
from sandbox.training.atomic import write_atomically
from sandbox.training.records import GameRecord


@dataclass(frozen=True)
class ReplayConfig:
    capacity: int = 100_000  # positions kept (sliding window)
    augment: bool = True  # sample a random board symmetry per position
    # Value target = (1 - w) * outcome + w * the root's search value (mover's view): the search
    # value is less noisy than one game's result (Oracle's connect four study averaged both).
    search_value_weight: float = 0.0
    # Games with a score (Go): value target = (1 - s) * the above + s * tanh(margin / sqrt(cells)),
    # the mover's final margin (games/scoring.py). Win/loss alone tells the side that is lost
    # (Black under komi 9.5 on 7x7, in most self-play games) nothing about which move is better,
    # so its policy passes beside dead stones; KataGo mixes a score utility in for this.
    score_value_weight: float = 0.0

    # The values each field may take, checked where a config is read (sandbox/config.py).
    RANGES = {
        "capacity": "[1, 10000000]",
        "search_value_weight": "[0, 1]",
        "score_value_weight": "[0, 1]",
    }


@dataclass(frozen=True)
class Batch:
    obs: np.ndarray  # [B, C, H, W] float32
    legal: np.ndarray  # [B, A] bool
    target_policy: np.ndarray  # [B, A] float32, sums to 1
    target_value: np.ndarray  # [B] float32, the outcome for the player to move (see ReplayConfig)


class ReplayBuffer:
    def __init__(
        self,
        game: Game,
        capacity: int,
        augment: bool = True,
        search_value_weight: float = 0.0,
        score_value_weight: float = 0.0,
    ):
        if score_value_weight and not has_score(game):
            raise UserError(
                f"replay.score_value_weight = {score_value_weight}: {game.name} has no score to "
                "mix into the value (only games with a komi do, e.g. go7); set it to 0"
            )
        self.game = game
        self.capacity = capacity
        self.search_value_weight = search_value_weight
        self.score_value_weight = score_value_weight
        self.score_scale = float(np.sqrt(game.observation_shape[1] * game.observation_shape[2]))
        self.symmetries = symmetries(game) if augment else symmetries(game)[:1]
        self.obs = np.zeros((capacity, *game.observation_shape), dtype=np.float32)
        self.legal = np.zeros((capacity, game.num_actions), dtype=bool)
        self.policy = np.zeros((capacity, game.num_actions), dtype=np.float32)
        self.value = np.zeros(capacity, dtype=np.float32)
        self.size = 0  # valid rows
        self.cursor = 0  # next row to write
        self.total_added = 0

    def __len__(self) -> int:
        return self.size

    def add_game(self, record: GameRecord) -> int:
        """Encodes the positions that have a search target; returns how many were added."""
        state = self.game.new_state()
        added = 0
        w = self.search_value_weight
        searched = record.root_values if w and record.root_values else None
        s = self.score_value_weight
        first_margin = score_margin(self.game, record.actions) if s else 0.0
        for ply, (action, target) in enumerate(
            zip(record.actions, record.policy_targets, strict=True)
        ):
            if target is not None:
                row = self.cursor
                encode_into(self.game, state, self.obs[row])
                self.legal[row] = False
                self.legal[row, state.legal_actions()] = True
                self.policy[row] = target
                mover = state.current_player()
                outcome = record.returns[mover]
                value = outcome if searched is None else ((1 - w) * outcome + w * searched[ply])
                if s:
                    margin = first_margin if mover == 0 else -first_margin
                    value = (1 - s) * value + s * np.tanh(margin / self.score_scale)
                self.value[row] = value
                self.cursor = (self.cursor + 1) % self.capacity
                self.size = min(self.size + 1, self.capacity)
                added += 1
            state.apply_action(action)
        self.total_added += added
        return added

    def add_games(self, records: Iterable[GameRecord]) -> int:
        return sum(self.add_game(r) for r in records)

    def sample(self, batch_size: int, rng: np.random.Generator) -> Batch:
        rows = rng.integers(self.size, size=batch_size)
        obs = self.obs[rows].copy()
        legal = self.legal[rows].copy()
        policy = self.policy[rows].copy()
        which = rng.integers(len(self.symmetries), size=batch_size)
        for k, sym in enumerate(self.symmetries[1:], start=1):
            sel = which == k
            if sel.any():
                obs[sel] = sym.apply_obs(obs[sel])
                legal[sel] = sym.apply_policy(legal[sel])
                policy[sel] = sym.apply_policy(policy[sel])
        return Batch(obs, legal, policy, self.value[rows].copy())

    def save(self, path: Path) -> None:
        """Writes the buffer (atomically) so that a resumed run trains on the same data."""
        n = self.size
        write_atomically(
            path,
            lambda tmp: np.savez_compressed(
                tmp,
                obs=self.obs[:n],
                legal=self.legal[:n],
                policy=self.policy[:n],
                value=self.value[:n],
                meta=np.array([self.cursor, self.total_added]),
            ),
            "replay buffer",
        )

    def load(self, path: Path) -> None:
        """Reads a buffer written by `save` (see `read_replay`: a bad file is a UserError and
        leaves this buffer as it was)."""
        data = read_replay(path, self.game)
        n = min(len(data["value"]), self.capacity)
        meta = data["meta"]
        self.obs[:n] = data["obs"][:n]
        self.legal[:n] = data["legal"][:n]
        self.policy[:n] = data["policy"][:n]
        self.value[:n] = data["value"][:n]
        self.size = n
        self.cursor, self.total_added = (int(x) for x in meta)
        self.cursor %= self.capacity


# The arrays `save` writes, one row per position, and the dtype kind of each.
_ROWS = {"obs": "f", "legal": "b", "policy": "f", "value": "f"}
_KINDS = {"f": "finite floats", "b": "booleans"}


def read_replay(path: Path, game: Game) -> dict[str, np.ndarray]:
    """The arrays of a buffer file, checked: UserError if it is not one (empty, truncated,
    foreign) or is of another game or encoding (rows of other shapes)."""
    data = npz_load(path, "replay buffer")
    missing = [key for key in (*_ROWS, "meta") if key not in data]
    if missing:
        raise UserError(f"{path} is not a replay buffer: it has no {', '.join(missing)}")
    n = len(data["value"]) if data["value"].ndim else -1
    data = widen_for_go_planes(data, game)
    rows = {
        "obs": game.observation_shape,
        "legal": (game.num_actions,),
        "policy": (game.num_actions,),
        "value": (),
    }
    for key, kind in _ROWS.items():
        array = data[key]
        if array.shape != (n, *rows[key]):
            raise UserError(
                f"replay buffer {path} is of another game or encoding: {key} has shape "
                f"{list(array.shape)}, {game.name} needs {[max(n, 0), *rows[key]]}"
            )
        if array.dtype.kind not in kind or (kind == "f" and not np.isfinite(array).all()):
            raise UserError(f"replay buffer {path} is damaged: {key} is not {_KINDS[kind]}")
    meta = data["meta"]
    if meta.shape != (2,) or meta.dtype.kind not in "iu" or (meta < 0).any():
        raise UserError(f"replay buffer {path} is damaged: meta is not two counters")
    return data


def widen_for_go_planes(data: dict[str, np.ndarray], game: Game) -> dict[str, np.ndarray]:
    """A Go buffer written before Go had its last-move-was-a-pass or pass-wins plane
    (games/encoding.py) gets them as zeros: the positions keep their targets, and a run from
    before resumes. Zeros are right for the pass plane wherever the last move was a stone, and
    say "passing does not win" everywhere: wrong in some old positions until the buffer turns
    over, so a new run (`--init`) is the cleaner way on."""
    obs = data["obs"]
    missing = missing_go_planes(game, obs.shape[1]) if obs.ndim == 4 else 0
    if not missing:
        return data
    zeros = np.zeros((obs.shape[0], missing, *obs.shape[2:]), dtype=obs.dtype)
    return {**data, "obs": np.concatenate([obs, zeros], axis=1)}
