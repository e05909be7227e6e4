"""Self-play on many processes or machines with Ray: N self-play actors, one learner.

The learner is this process. It owns the network, the optimizer and the replay buffer, hands
chunks of game indices to the actors (`actors.Fleet`), trains on what comes back, and broadcasts
new weights through Ray's object store every `broadcast_every` steps. An iteration is a fixed
number of new games (`selfplay.games_per_iteration`) followed by its training steps and one
atomic commit (`commit.commit_iteration`), so the run folder, metrics, checkpoints and
`--resume` are those of the single-process trainer (`loop.py`). Actors play on while the learner
trains, at most an iteration ahead of it: the learner sets the pace, so the samples trained per
position generated stay as set (`samples_per_position`), and each row logs the measured ratio.

Faults:
- An actor that dies (its process killed, its node lost) is replaced, its unfinished chunk goes
  to the new actor, and a warning says so; a chunk is accepted only from the actor it was sent
  to, so no game (and no position) is counted twice.
- SIGINT / SIGTERM: the actors are killed, a cluster this process started is shut down, and
  `Interrupted` goes up to the CLI; the last commit stands and `--resume` continues from it.
- A lost learner (a killed process, a lost head node) is resumed with `--resume`: checkpoints
  are atomic, and the checkpoint's `games_played` is the next game index never handed out.

Ray is optional (`pip install '.[ray]'`) and imported only when a Ray run starts.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import os
import signal
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from agents.evaluators import NetworkEvaluator
from games.errors import UserError
from sandbox.training.actors import Chunk, Fleet
from sandbox.training.commit import commit_iteration
from sandbox.training.interrupt import Interrupted
from sandbox.training.learner import schedule_learning_rate
from sandbox.training.loop import (
    Evaluation,
    IterationInfo,
    Learned,
    count_bad_iterations,
    game_stats,
    learn,
    mean_step_metrics,
)
from sandbox.training.metrics import MetricsWriter
from sandbox.training.replay import ReplayBuffer
from sandbox.training.run import RunDir
from sandbox.training.state import open_run

if TYPE_CHECKING:
    from collections.abc import Callable

    from sandbox.config import Config

log = logging.getLogger(__name__)

INSTALL_HINT = "pip install '.[ray]' (or make ray)"


@dataclass(frozen=True)
class DistributedConfig:
    backend: str = "local"  # "local": the single-process trainer; "ray": actors + one learner
    actors: int = 2  # Ray self-play actors, each playing many games at once
    address: str = ""  # "" = start a local Ray cluster; "auto" or HOST:PORT = join a running one
    cpus: int = 0  # CPUs of a local cluster (0 = os.cpu_count())
    actor_cpus: float = 0.0  # CPUs each actor reserves; 0 = 1, or a share when actors > CPUs
    actor_gpus: float = 0.0  # GPUs each actor reserves (0.25: four share one); > 0 plays on it
    actor_threads: int = 1  # torch threads per actor (one per core is fastest for small nets)
    chunk_games: int = 0  # games per task handed to an actor (0 = games_per_iteration / actors)
    broadcast_every: int = 10  # learner steps between weight broadcasts (0 = once an iteration)
    samples_per_position: float = 0.0  # samples trained per new position (0: steps_per_iteration)
    dashboard: bool = False  # the Ray dashboard with a local cluster (needs ray[default])

    # The values each field may take, checked where a config is read (sandbox/config.py).
    RANGES = {
        "backend": ("local", "ray"),
        "actors": "[1, 4096]",
        "cpus": "[0, 65536]",
        "actor_cpus": "[0, 1024]",
        "actor_gpus": "[0, 64]",
        "actor_threads": "[1, 1024]",
        "chunk_games": "[0, 100000]",
        "broadcast_every": ">= 0",
        "samples_per_position": "[0, 1000000]",
    }


@dataclass(frozen=True)
class DistributedIterationInfo(IterationInfo):
    """IterationInfo plus the actors' process ids by slot (the tests kill one)."""

    actor_pids: dict[int, int] = field(default_factory=dict)


def require_ray() -> Any:
    """The `ray` module, or one line saying how to install it."""
    try:
        import ray
    except ImportError:
        message = f"--backend ray needs Ray, which is not installed: {INSTALL_HINT}"
        raise UserError(message) from None
    return ray


def connect(ray: Any, dist: DistributedConfig) -> bool:
    """Joins `dist.address` or starts a local cluster; returns whether this process started
    the connection (and so shuts it down). Ray's own SIGTERM handler is undone: ours stands."""
    if ray.is_initialized():
        return False  # a caller (a test, the benchmark) connected already
    handlers = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    common = {"log_to_driver": False, "logging_level": logging.WARNING}
    try:
        if dist.address:
            ray.init(address=dist.address, **common)
        else:
            ray.init(
                address="local",  # a new cluster, even where `ray start` runs one
                num_cpus=dist.cpus or os.cpu_count() or 1,
                include_dashboard=dist.dashboard,
                **common,
            )
    except (ConnectionError, RuntimeError, ValueError) as err:
        where = dist.address or "a local cluster"
        hint = (
            " (is `ray start` running there? A cluster with token authentication also needs "
            "RAY_AUTH_MODE=token and its token: see the README)"
            if dist.address
            else ""
        )
        raise UserError(
            f"cannot connect to Ray at {where}: {' '.join(str(err).split())}{hint}"
        ) from None
    finally:
        for signum, handler in handlers.items():
            if handler is not None:
                signal.signal(signum, handler)
    return True


def actor_options(ray: Any, dist: DistributedConfig) -> dict[str, Any]:
    """Resources each actor reserves; more actors than CPUs share them (oversubscribed)."""
    cpus = dist.actor_cpus
    if not cpus:
        total = float(ray.cluster_resources().get("CPU", 1))
        cpus = 1.0 if dist.actors <= total else total / dist.actors
        if dist.actors > total:
            log.warning("%d actors on %g CPUs: oversubscribed, %.2f CPU each", dist.actors,
                        total, cpus)  # fmt: skip
    options: dict[str, Any] = {"num_cpus": cpus, "scheduling_strategy": "SPREAD"}
    if dist.actor_gpus:
        options["num_gpus"] = dist.actor_gpus
    return options


def train_distributed(
    cfg: Config,
    run: RunDir,
    resume: bool = False,
    on_iteration: Callable[[IterationInfo], None] | None = None,
    evaluation: Evaluation | None = None,
) -> dict[str, Any]:
    """`loop.train` with self-play on Ray actors: same arguments, files and return value."""
    ray = require_ray()
    start = time.monotonic()
    budget = cfg.train.minutes * 60
    deadline = time.time() + budget if budget else None
    state = open_run(cfg, run, resume)
    game, net, optimizer, buffer, rng, device = (
        state.game, state.net, state.optimizer, state.buffer, state.rng, state.device
    )  # fmt: skip
    step, iteration = state.step, state.iteration
    saved_iteration = iteration  # what latest.pt holds: a signal may land after `+= 1`
    committed = (state.saved or {}).get("games_committed", state.games_played)
    metrics_writer = MetricsWriter(run.path)
    evaluator = NetworkEvaluator(game, net, device)
    dist = cfg.distributed
    games_per_iteration = cfg.selfplay.games_per_iteration
    chunk = dist.chunk_games or math.ceil(games_per_iteration / dist.actors)
    is_owner = False
    fleet = None
    last: dict[str, Any] = {}
    bad_iterations = 0
    try:
        is_owner = connect(ray, dist)
        fleet = Fleet(ray, cfg, state.games_played, chunk, actor_options(ray, dist))
        fleet.deadline = deadline
        fleet.broadcast(step, net, is_learner_step=False)
        fleet.fill()
        log.info("%d self-play actors, %d games per chunk, learner on %s", dist.actors, chunk,
                 device)  # fmt: skip
        while iteration < cfg.train.iterations:
            if deadline is not None and time.time() >= deadline:
                break
            t0 = time.monotonic()
            restarts_before, latencies_before = fleet.restarts, len(fleet.latencies)
            chunks = _collect(fleet, games_per_iteration, deadline)
            selfplay_seconds = time.monotonic() - t0
            records = sorted((r for c in chunks for r in c.records), key=lambda r: r.index)
            positions = buffer.add_games(records)
            committed += len(records)
            lag = float(np.mean([step - c.version for c in chunks])) if chunks else 0.0
            t1 = time.monotonic()
            learned = Learned(step=step)
            minutes = (state.wall_before + time.monotonic() - start) / 60  # the run's clock
            rate = schedule_learning_rate(optimizer, cfg.learner, minutes)
            is_late = deadline is not None and time.time() >= deadline
            if len(buffer) >= cfg.learner.min_buffer and not is_late:
                learned = _learn(net, optimizer, buffer, cfg, rng, device, step, positions, fleet)
                step = learned.step
                evaluator.clear_cache()
            learn_seconds = time.monotonic() - t1
            bad_iterations = count_bad_iterations(bad_iterations, learned, iteration)
            iteration += 1
            samples = len(learned.metrics) * cfg.learner.batch_size
            seconds = time.monotonic() - t0
            latencies = fleet.latencies[latencies_before:]
            last = {
                "iteration": iteration,
                "games": fleet.next_index,
                "buffer": len(buffer),
                "selfplay_seconds": selfplay_seconds,
                "learn_seconds": learn_seconds,
                "sims_per_second": sum(c.stats.simulations for c in chunks) / max(seconds, 1e-9),
                "kl_search_prior": _mean_kl(chunks),
                "nonfinite_steps": learned.faults,
                "learning_rate": rate,
                "wall_seconds": state.wall_before + time.monotonic() - start,
                **game_stats(records),
                **mean_step_metrics(learned.metrics),
                "actors": dist.actors,
                "actor_restarts": fleet.restarts - restarts_before,
                "positions": positions,
                "positions_per_second": positions / max(seconds, 1e-9),
                "samples_per_position": samples / max(positions, 1),
                "learner_samples_per_second": samples / max(learn_seconds, 1e-9),
                "weights_lag_steps": lag,  # learner steps the games' weights were behind
            }
            if latencies:
                last["weights_latency_seconds"] = float(np.mean(latencies))
            if (
                evaluation is not None
                and cfg.train.eval_every
                and iteration % cfg.train.eval_every == 0
            ):
                last.update(evaluation(iteration, evaluator))
            state.step, state.iteration, state.games_played = step, iteration, fleet.next_index
            payload = state.payload(
                cfg, games_committed=committed, wall_seconds=last["wall_seconds"]
            )
            keep_step = bool(cfg.train.checkpoint_every) and (
                iteration % cfg.train.checkpoint_every == 0
            )
            commit_iteration(run, payload, buffer, records, metrics_writer, last, keep_step)
            saved_iteration = iteration
            if on_iteration is not None:
                elapsed = time.monotonic() - start
                pids = dict(fleet.pids)
                on_iteration(DistributedIterationInfo(iteration, step, elapsed, budget, last, pids))
    except Interrupted as err:
        raise Interrupted(
            err.signum,
            f"interrupted by {signal.Signals(err.signum).name}: the actors are stopped and the "
            f"run is saved at iteration {saved_iteration} ({run.latest}); continue with --resume",
        ) from None
    finally:
        if fleet is not None:
            fleet.stop()
        if is_owner:
            ray.shutdown()
        metrics_writer.close()
    return last


STALL_SECONDS = 120  # no game back for this long: say what may be wrong (and keep waiting)


def _collect(fleet: Fleet, num_games: int, deadline: float | None) -> list[Chunk]:
    """Waits for `num_games` new games (whole chunks); at the deadline, the games finished."""
    waiting_since, have = time.monotonic(), fleet.backlog_games
    while fleet.backlog_games < num_games:
        if deadline is not None and time.time() >= deadline:
            fleet.drain(seconds=10.0)
            return fleet.take(fleet.backlog_games)
        wait = 1.0 if deadline is None else min(1.0, max(0.0, deadline - time.time()))
        fleet.pump(wait)
        if fleet.backlog_games != have:
            waiting_since, have = time.monotonic(), fleet.backlog_games
        elif time.monotonic() - waiting_since > STALL_SECONDS:
            log.warning("no games from the actors for %d s: are they waiting for free CPUs or "
                        "a lost node? (`ray status`)", STALL_SECONDS)  # fmt: skip
            waiting_since = time.monotonic()
    return fleet.take(num_games)


def _learn(
    net: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    buffer: ReplayBuffer,
    cfg: Config,
    rng: np.random.Generator,
    device: torch.device,
    step: int,
    positions: int,
    fleet: Fleet,
) -> Learned:
    """The iteration's steps, in bursts of `broadcast_every`: after each burst the new weights
    are broadcast and the actors that finished a chunk get another."""
    dist = cfg.distributed
    steps = cfg.learner.steps_per_iteration
    if dist.samples_per_position:
        steps = max(1, round(dist.samples_per_position * positions / cfg.learner.batch_size))
    burst = dist.broadcast_every or steps
    out = Learned(step=step)
    while out.step - step < steps:
        size = min(burst, steps - (out.step - step))
        part_cfg = dataclasses.replace(
            cfg, learner=dataclasses.replace(cfg.learner, steps_per_iteration=size)
        )
        part = learn(net, optimizer, buffer, part_cfg, rng, device, out.step)
        out.metrics.extend(part.metrics)
        out.step = part.step
        if part.faults:
            out.faults = part.faults
            break
        fleet.broadcast(out.step, net)
        fleet.pump(0.0)
    return out


def _mean_kl(chunks: list[Chunk]) -> float:
    full = sum(c.stats.full_searches for c in chunks)
    return sum(c.stats.kl_search_prior * c.stats.full_searches for c in chunks) / max(full, 1)
