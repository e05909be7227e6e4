"""The AlphaZero loop: self-play -> replay buffer -> learner -> checkpoint (-> evaluation).

Everything a run needs to continue lives in its RunDir and is written atomically after every
iteration, so a crash or Ctrl-C loses at most the iteration in flight, and `--resume` carries on
with the same network, optimizer, buffer, counters and random streams.

The loop does not know how strength is measured: the caller hands it an `Evaluation` (a
function of the iteration and the current evaluator) and its metrics go into the same row.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from agents.evaluators import NetworkEvaluator
from agents.network import build_network, resolve_device
from games.errors import UserError
from games.game import load
from sandbox.training.checkpoint import make_payload, read_checkpoint, save_checkpoint
from sandbox.training.learner import StepMetrics, make_optimizer, train_step
from sandbox.training.metrics import MetricsWriter
from sandbox.training.records import write_records
from sandbox.training.replay import ReplayBuffer
from sandbox.training.run import RunDir
from sandbox.training.selfplay import play_games

if TYPE_CHECKING:
    from sandbox.config import Config

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TrainConfig:
    iterations: int = 1_000_000  # upper bound; --minutes usually ends the run first
    minutes: float = 0.0  # wall-clock budget, 0 = none
    seed: int = 0
    device: str = "auto"  # "cpu", "cuda" or "auto"
    threads: int = 0  # torch intra-op threads, 0 = one per core
    checkpoint_every: int = 10  # iterations between kept step_*.pt files (latest.pt every time)
    eval_every: int = 5  # iterations between evaluations (0 = none)
    eval_games: int = 20  # games per opponent in each evaluation
    eval_simulations: int = 32  # simulations of the evaluated System 2


# (iteration, evaluator of the current weights) -> metrics for that iteration's row
Evaluation = Callable[[int, NetworkEvaluator], dict[str, float]]


@dataclass(frozen=True)
class IterationInfo:
    """What the progress bar shows after each iteration."""

    iteration: int
    step: int
    elapsed: float  # seconds in this invocation
    budget: float  # seconds allowed in this invocation (0 = no limit)
    metrics: dict[str, Any]


def train(
    cfg: Config,
    run: RunDir,
    resume: bool = False,
    on_iteration: Callable[[IterationInfo], None] | None = None,
    evaluation: Evaluation | None = None,
) -> dict[str, Any]:
    """Runs the loop until `cfg.train.minutes` or `cfg.train.iterations` is reached.

    Args:
        resume: continue from `run`'s latest checkpoint (a fresh start if there is none).
        evaluation: called every `cfg.train.eval_every` iterations; its metrics join the row.
    Returns:
        the last metrics row.
    """
    from sandbox.config import dump_toml  # the composed config imports this module

    game = load(cfg.game)
    if run.has_checkpoint() and not resume:
        raise UserError(
            f"{run.path} already holds a run; pass --resume to continue it or choose another "
            "--run-dir (nothing was overwritten)"
        )
    threads = cfg.train.threads or os.cpu_count() or 1
    torch.set_num_threads(threads)
    device = resolve_device(cfg.train.device)
    torch.manual_seed(cfg.train.seed)
    net = build_network(cfg.network, game).to(device)
    optimizer = make_optimizer(net, cfg.learner)
    buffer = ReplayBuffer(game, cfg.replay.capacity, cfg.replay.augment)
    rng = np.random.default_rng([cfg.train.seed, 1])
    step = iteration = games_played = 0
    if resume and run.has_checkpoint():
        payload = read_checkpoint(run.latest)
        if not load(payload["openspiel"]).is_same_as(game):
            raise UserError(f"{run.path} is a run of {payload['game']}, not {game.name}")
        net.load_state_dict(payload["model"])
        optimizer.load_state_dict(payload["optimizer"])
        for group in optimizer.param_groups:  # the config, not the checkpoint, sets the rate:
            group["lr"] = cfg.learner.learning_rate  # a resumed run may anneal it (--set)
            group["weight_decay"] = cfg.learner.weight_decay
        step, iteration = payload["step"], payload["iteration"]
        games_played = payload.get("games_played", 0)
        rng.bit_generator.state = _rng_state_from(payload["rng_state"])
        torch.set_rng_state(payload["torch_rng_state"])
        if run.replay.exists():
            buffer.load(run.replay)
        log.info("resumed %s at iteration %d, step %d", run.path, iteration, step)
    run.create()
    run.config.write_text(dump_toml(cfg))
    metrics_writer = MetricsWriter(run.path)
    # The cache serves transpositions within one iteration; it is cleared whenever the
    # weights change, so self-play never sees a stale network's answer.
    evaluator = NetworkEvaluator(game, net, device)
    start = time.monotonic()
    budget = cfg.train.minutes * 60
    last: dict[str, Any] = {}
    try:
        while iteration < cfg.train.iterations:
            if budget and time.monotonic() - start >= budget:
                break
            t0 = time.monotonic()
            net.eval()
            records, sp = play_games(
                game,
                cfg.mcts,
                cfg.selfplay,
                evaluator,
                cfg.selfplay.games_per_iteration,
                cfg.train.seed,
                games_played,
            )
            selfplay_seconds = time.monotonic() - t0
            games_played += len(records)
            buffer.add_games(records)
            write_records(run.games / f"iter_{iteration:05d}.jsonl", records)
            t1 = time.monotonic()
            step_metrics: list[StepMetrics] = []
            if len(buffer) >= cfg.learner.min_buffer:
                for _ in range(cfg.learner.steps_per_iteration):
                    batch = buffer.sample(cfg.learner.batch_size, rng)
                    step_metrics.append(train_step(net, optimizer, batch, cfg.learner, device))
                    step += 1
                evaluator.clear_cache()
            iteration += 1
            last = {
                "iteration": iteration,
                "games": games_played,
                "buffer": len(buffer),
                "selfplay_seconds": selfplay_seconds,
                "learn_seconds": time.monotonic() - t1,
                "sims_per_second": sp.simulations / max(selfplay_seconds, 1e-9),
                "kl_search_prior": sp.kl_search_prior,
                **_game_stats(records),
                **_mean_step_metrics(step_metrics),
            }
            if (
                evaluation is not None
                and cfg.train.eval_every
                and iteration % cfg.train.eval_every == 0
            ):
                last.update(evaluation(iteration, evaluator))
            _save(run, cfg, game, net, optimizer, step, iteration, games_played, rng, buffer)
            metrics_writer.write(step, last)
            if on_iteration is not None:
                info = IterationInfo(iteration, step, time.monotonic() - start, budget, last)
                on_iteration(info)
    finally:
        metrics_writer.close()
    return last


def _save(run, cfg, game, net, optimizer, step, iteration, games_played, rng, buffer) -> None:
    extra = {
        "games_played": games_played,
        "rng_state": _rng_state_to(rng.bit_generator.state),
        "torch_rng_state": torch.get_rng_state(),
    }
    payload = make_payload(cfg, game, net, optimizer, step, iteration, extra)
    buffer.save(run.replay)
    save_checkpoint(run.latest, payload)
    if cfg.train.checkpoint_every and iteration % cfg.train.checkpoint_every == 0:
        save_checkpoint(run.step_checkpoint(step), payload)


def _rng_state_to(state: dict[str, Any]) -> dict[str, Any]:
    """numpy's PCG64 state holds 128-bit ints; store them as strings for weights_only loading."""
    inner = state["state"]
    return {
        "bit_generator": state["bit_generator"],
        "state": str(inner["state"]),
        "inc": str(inner["inc"]),
        "has_uint32": state["has_uint32"],
        "uinteger": state["uinteger"],
    }


def _rng_state_from(saved: dict[str, Any]) -> dict[str, Any]:
    return {
        "bit_generator": saved["bit_generator"],
        "state": {"state": int(saved["state"]), "inc": int(saved["inc"])},
        "has_uint32": saved["has_uint32"],
        "uinteger": saved["uinteger"],
    }


def _game_stats(records) -> dict[str, float]:
    if not records:
        return {}
    lengths = [r.length for r in records]
    first = [r.returns[0] for r in records]
    return {
        "game_length": float(np.mean(lengths)),
        "first_player_wins": float(np.mean([x > 0 for x in first])),
        "draws": float(np.mean([x == 0 for x in first])),
        "second_player_wins": float(np.mean([x < 0 for x in first])),
    }


def _mean_step_metrics(steps: list[StepMetrics]) -> dict[str, float]:
    if not steps:
        return {}
    return {
        key: float(np.mean([getattr(m, key) for m in steps]))
        for key in ("loss", "policy_loss", "value_loss", "policy_entropy")
    }
