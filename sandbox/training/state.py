"""RunState: what a training run resumes from, and the one place that opens a run folder.

Both trainers (the single-process loop and the Ray learner) start the same way: refuse to start
over an existing run, build the network, optimizer, buffer and the learner's random stream,
bring the folder back to its last commit (`commit.recover`) and load it, then write the resolved
config. They also end each iteration the same way: `payload` is the checkpoint of this state.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from agents.network import PolicyValueNet, build_network, resolve_device
from games.errors import UserError
from games.game import Game, load
from sandbox.training.atomic import make_dir, write_atomically
from sandbox.training.checkpoint import make_payload
from sandbox.training.commit import recover, replay_path
from sandbox.training.learner import make_optimizer
from sandbox.training.metrics import read_metrics
from sandbox.training.replay import ReplayBuffer
from sandbox.training.run import RunDir
from sandbox.training.selfplay import GameInProgress

if TYPE_CHECKING:
    from sandbox.config import Config

log = logging.getLogger(__name__)


@dataclass
class RunState:
    game: Game
    net: PolicyValueNet
    optimizer: torch.optim.Optimizer
    buffer: ReplayBuffer
    rng: np.random.Generator  # the learner's batches
    device: torch.device
    step: int = 0  # gradient steps so far
    iteration: int = 0  # committed iterations
    games_played: int = 0  # the next unused game index (seed of game i: [seed, i])
    # Self-play games an iteration left unfinished (selfplay.carry_over): the next iteration,
    # or a resumed run, plays them on.
    games_in_progress: list[GameInProgress] = field(default_factory=list)
    wall_before: float = 0.0  # training seconds of this run's earlier invocations
    saved: dict[str, Any] | None = None  # the commit it was resumed from

    def payload(self, cfg: Config, **extra: Any) -> dict[str, Any]:
        """The checkpoint of this state (counters and random streams included)."""
        extra = {
            "games_played": self.games_played,
            "games_in_progress": [g.to_dict() for g in self.games_in_progress],
            "rng_state": rng_state_to(self.rng.bit_generator.state),
            "torch_rng_state": torch.get_rng_state(),
            **extra,
        }
        return make_payload(
            cfg, self.game, self.net, self.optimizer, self.step, self.iteration, extra
        )


def open_run(cfg: Config, run: RunDir, resume: bool) -> RunState:
    """The state a run starts from: fresh, or its last commit when there is one (`resume`)."""
    from sandbox.config import dump_toml  # the composed config imports the training modules

    game = load(cfg.game)
    if run.has_checkpoint() and not resume:
        raise UserError(
            f"{run.path} already holds a run; pass --resume to continue it or choose another "
            "--run-dir (nothing was overwritten)"
        )
    torch.set_num_threads(cfg.train.threads or os.cpu_count() or 1)
    device = resolve_device(cfg.train.device)
    torch.manual_seed(cfg.train.seed)
    net = build_network(cfg.network, game).to(device)
    state = RunState(
        game=game,
        net=net,
        optimizer=make_optimizer(net, cfg.learner),
        buffer=ReplayBuffer(
            game,
            cfg.replay.capacity,
            cfg.replay.augment,
            cfg.replay.search_value_weight,
            cfg.replay.score_value_weight,
        ),
        rng=np.random.default_rng([cfg.train.seed, 1]),
        device=device,
    )
    payload = recover(run) if run.path.exists() else None
    if payload is not None:
        _load(state, payload, run, cfg)
    elif cfg.train.init_model:
        from sandbox.training.start import read_init_model

        init_net, _ = read_init_model(cfg)
        state.net.load_state_dict(init_net.state_dict())
        log.info("new run from the weights of %s", cfg.train.init_model)
    make_dir(run.checkpoints, "run folder")
    make_dir(run.games, "run folder")
    write_atomically(run.config, lambda tmp: tmp.write_text(dump_toml(cfg)), "config")
    return state


def _load(state: RunState, payload: dict[str, Any], run: RunDir, cfg: Config) -> None:
    if not load(payload["openspiel"]).is_same_as(state.game):
        raise UserError(f"{run.path} is a run of {payload['game']}, not {state.game.name}")
    state.net.load_state_dict(payload["model"])
    state.optimizer.load_state_dict(payload["optimizer"])
    for group in state.optimizer.param_groups:  # the config, not the checkpoint, sets the rate:
        group["lr"] = cfg.learner.learning_rate  # a resumed run may anneal it (--set)
        group["weight_decay"] = cfg.learner.weight_decay
    state.step, state.iteration = payload["step"], payload["iteration"]
    state.games_played = payload.get("games_played", 0)
    saved_games = payload.get("games_in_progress", [])
    state.games_in_progress = [GameInProgress.from_dict(g) for g in saved_games]
    state.wall_before = payload.get("wall_seconds", _logged_seconds(run))
    state.rng.bit_generator.state = rng_state_from(payload["rng_state"])
    torch.set_rng_state(payload["torch_rng_state"])
    replay = replay_path(run, payload)
    if replay is not None:
        state.buffer.load(replay)
    state.saved = payload
    log.info("resumed %s at iteration %d, step %d", run.path, state.iteration, state.step)


def _logged_seconds(run: RunDir) -> float:
    """Training time of a run from before `wall_seconds` was recorded: its iterations' logged
    self-play and learning seconds."""
    path = run.path / "metrics.jsonl"
    if not path.exists():
        return 0.0
    rows = read_metrics(path)
    return float(sum(r.get("selfplay_seconds", 0) + r.get("learn_seconds", 0) for r in rows))


def rng_state_to(state: dict[str, Any]) -> dict[str, Any]:
    """numpy's PCG64 state holds 128-bit ints; store them as strings for weights_only loading."""
    inner = state["state"]
    return {
        "bit_generator": state["bit_generator"],
        "state": str(inner["state"]),
        "inc": str(inner["inc"]),
        "has_uint32": state["has_uint32"],
        "uinteger": state["uinteger"],
    }


def rng_state_from(saved: dict[str, Any]) -> dict[str, Any]:
    return {
        "bit_generator": saved["bit_generator"],
        "state": {"state": int(saved["state"]), "inc": int(saved["inc"])},
        "has_uint32": saved["has_uint32"],
        "uinteger": saved["uinteger"],
    }
