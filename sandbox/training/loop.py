"""The AlphaZero loop: self-play -> replay buffer -> learner -> commit (-> evaluation).

Every iteration ends in one atomic commit (`sandbox.training.commit`): its checkpoint, buffer and
metrics row appear together or not at all, so a crash, a kill or Ctrl-C loses at most the
iteration in flight, and `--resume` carries on with the same network, optimizer, buffer,
counters and random streams as an uninterrupted run.

Faults it survives without saving anything broken:
- SIGINT / SIGTERM (`interrupt`): the iteration in flight is dropped, the workers are stopped,
  and `Interrupted` goes up to the CLI (one line, exit 130 / 143). The last commit stands.
- `--minutes` is a deadline inside self-play too: a long game never overruns it; the games
  finished by then are committed.
- A non-finite loss: the iteration's weights and optimizer state are restored, its remaining
  steps skipped and the event logged; `max_bad_iterations` such iterations in a row stop the
  run with a message (usually the learning rate is too high). Nothing is lowered silently.

The loop does not know how strength is measured: the caller hands it an `Evaluation` (a
function of the iteration and the current evaluator) and its metrics go into the same row.
"""

from __future__ import annotations

import copy
import logging
import math
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from agents.evaluators import NetworkEvaluator
from games.errors import UserError
from sandbox.training.commit import commit_iteration
from sandbox.training.interrupt import Interrupted
from sandbox.training.learner import StepMetrics, schedule_learning_rate, train_step
from sandbox.training.metrics import MetricsWriter
from sandbox.training.replay import ReplayBuffer
from sandbox.training.run import RunDir
from sandbox.training.selfplay import GameInProgress, play_queue, shutdown_workers
from sandbox.training.state import open_run

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
    eval_positions: int = 200  # labelled positions scored (where the game has a file; 0 = none)
    eval_rollout_sims: int = 0  # also play OpenSpiel's rollout MCTS at this budget (0 = no)
    # A new run starts from this model's weights and network shape (zoo:NAME, a .pt file or a
    # run folder; "" = random weights): fine-tuning a shipped model, or carrying a run on when
    # its folder was lost. Only the weights come over: optimizer, buffer and counters start new.
    init_model: str = ""

    # The values each field may take, checked where a config is read (sandbox/config.py).
    RANGES = {
        "iterations": ">= 1",
        "minutes": ">= 0",
        "seed": "[0, 9223372036854775807]",  # numpy and torch take seeds below 2**63
        "device": ("auto", "cpu", "cuda", "cuda:N", "mps"),
        "threads": "[0, 1024]",
        "checkpoint_every": ">= 0",
        "eval_every": ">= 0",
        "eval_games": ">= 1",
        "eval_simulations": "[0, 100000]",
        "eval_positions": ">= 0",
        "eval_rollout_sims": "[0, 1000000]",
    }


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


class TrainingDiverged(UserError):  # noqa: N818 - a UserError, shown as one line
    """The loss stayed non-finite: the run stops with its last good checkpoint."""


MAX_BAD_ITERATIONS = 3  # iterations in a row with a non-finite loss before the run stops


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
    Raises:
        Interrupted: SIGINT or SIGTERM; the run is as of its last commit.
        TrainingDiverged: MAX_BAD_ITERATIONS iterations in a row had a non-finite loss.
    """
    start = time.monotonic()
    budget = cfg.train.minutes * 60
    deadline = time.time() + budget if budget else None
    state = open_run(cfg, run, resume)
    game, net, optimizer, buffer, rng = (
        state.game, state.net, state.optimizer, state.buffer, state.rng
    )  # fmt: skip
    step, iteration, games_played = state.step, state.iteration, state.games_played
    metrics_writer = MetricsWriter(run.path)
    # The cache serves transpositions within one iteration; it is cleared whenever the
    # weights change, so self-play never sees a stale network's answer.
    evaluator = NetworkEvaluator(game, net, state.device)
    last: dict[str, Any] = {}
    bad_iterations = 0
    saved_iteration = iteration  # what latest.pt holds: a signal may land after `+= 1`
    try:
        while iteration < cfg.train.iterations:
            if deadline is not None and time.time() >= deadline:
                break
            t0 = time.monotonic()
            net.eval()
            evaluator.clear_cache()  # a resumed run starts each iteration alike: cold
            queue, games_played = self_play_queue(cfg, state.games_in_progress, games_played)
            target = cfg.selfplay.games_per_iteration
            records, sp, unfinished = play_queue(
                game, cfg.mcts, cfg.selfplay, evaluator, queue, target, deadline
            )
            selfplay_seconds = time.monotonic() - t0
            # Started games wait for the next iteration (carry_over); the others are dropped,
            # their seeds skipped: a deadline leaves most of a long queue unstarted.
            carried = [g for g in unfinished if g.actions] if cfg.selfplay.carry_over else []
            buffer.add_games(records)
            t1 = time.monotonic()
            learned = Learned()
            minutes = (state.wall_before + time.monotonic() - start) / 60  # the run's clock
            rate = schedule_learning_rate(optimizer, cfg.learner, minutes)
            is_late = deadline is not None and time.time() >= deadline
            if len(buffer) >= cfg.learner.min_buffer and not is_late:
                learned = learn(net, optimizer, buffer, cfg, rng, state.device, step)
                step = learned.step
                evaluator.clear_cache()
            bad_iterations = count_bad_iterations(bad_iterations, learned, iteration)
            iteration += 1
            last = {
                "iteration": iteration,
                "games": games_played - len(carried),  # finished, or dropped at a deadline
                "buffer": len(buffer),
                "selfplay_seconds": selfplay_seconds,
                "learn_seconds": time.monotonic() - t1,
                "sims_per_second": sp.simulations / max(selfplay_seconds, 1e-9),
                "kl_search_prior": sp.kl_search_prior,
                "nonfinite_steps": learned.faults,
                "learning_rate": rate,
                "wall_seconds": state.wall_before + time.monotonic() - start,
                **game_stats(records),
                **mean_step_metrics(learned.metrics),
            }
            if (
                evaluation is not None
                and cfg.train.eval_every
                and iteration % cfg.train.eval_every == 0
            ):
                last.update(evaluation(iteration, evaluator))
            state.step, state.iteration, state.games_played = step, iteration, games_played
            state.games_in_progress = carried
            payload = state.payload(cfg, wall_seconds=last["wall_seconds"])
            keep_step = bool(cfg.train.checkpoint_every) and (
                iteration % cfg.train.checkpoint_every == 0
            )
            commit_iteration(run, payload, buffer, records, metrics_writer, last, keep_step)
            saved_iteration = iteration
            if on_iteration is not None:
                info = IterationInfo(iteration, step, time.monotonic() - start, budget, last)
                on_iteration(info)
    except Interrupted as err:
        shutdown_workers(kill=True)
        raise Interrupted(
            err.signum,
            f"interrupted by {signal.Signals(err.signum).name}: the run is saved at iteration "
            f"{saved_iteration} ({run.latest}); continue with --resume",
        ) from None
    finally:
        metrics_writer.close()
    return last


def self_play_queue(
    cfg: Config, waiting: list[GameInProgress], next_index: int
) -> tuple[list[GameInProgress], int]:
    """The games an iteration's self-play takes in order, and the next unused game index.

    Without `carry_over`: `games_per_iteration` new games. With it: the games the last
    iteration left, then new ones up to `games_per_iteration + concurrent_games`, so that every
    slot still has a game when the iteration's last game finishes (the rest wait).
    """
    sp = cfg.selfplay
    carried = list(waiting) if sp.carry_over else []
    size = sp.games_per_iteration + (sp.concurrent_games if sp.carry_over else 0)
    fresh = max(0, size - len(carried))
    new = [GameInProgress.new(cfg.train.seed, next_index + i) for i in range(fresh)]
    return carried + new, next_index + fresh


@dataclass
class Learned:
    """What one iteration's learning did."""

    step: int = 0
    metrics: list[StepMetrics] = field(default_factory=list)
    faults: int = 0  # steps with a non-finite loss (the iteration's weights were restored)


def learn(
    net: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    buffer: ReplayBuffer,
    cfg: Config,
    rng: np.random.Generator,
    device: torch.device,
    step: int,
) -> Learned:
    """`steps_per_iteration` gradient steps; a non-finite loss restores the weights and
    optimizer state of the iteration's start and skips its remaining steps."""
    good_model = copy.deepcopy(net.state_dict())
    good_optimizer = copy.deepcopy(optimizer.state_dict())
    out = Learned(step=step)
    for _ in range(cfg.learner.steps_per_iteration):
        batch = buffer.sample(cfg.learner.batch_size, rng)
        metrics = train_step(net, optimizer, batch, cfg.learner, device)
        if not (math.isfinite(metrics.loss) and _weights_are_finite(net)):
            net.load_state_dict(good_model)
            optimizer.load_state_dict(good_optimizer)
            log.warning(
                "non-finite loss or weights at step %d: restored the weights of step %d and "
                "skipped the rest of this iteration (learning rate %g)",
                out.step + 1,
                step,
                optimizer.param_groups[0]["lr"],
            )
            return Learned(step=step, faults=1)
        out.metrics.append(metrics)
        out.step += 1
    return out


def count_bad_iterations(bad_iterations: int, learned: Learned, iteration: int) -> int:
    """Iterations in a row with a non-finite loss, this one included; TrainingDiverged at
    MAX_BAD_ITERATIONS (the run is kept as of its last commit)."""
    bad_iterations = bad_iterations + 1 if learned.faults else 0
    if bad_iterations >= MAX_BAD_ITERATIONS:
        raise TrainingDiverged(
            f"the loss was not finite in {bad_iterations} iterations in a row; the run "
            f"is kept at iteration {iteration} (lower learner.learning_rate and --resume)"
        )
    return bad_iterations


def _weights_are_finite(net: torch.nn.Module) -> bool:
    """Parameters and buffers (a diverging step can leave BatchNorm's running variance inf
    while the loss still looks finite)."""
    return all(bool(t.isfinite().all()) for t in net.state_dict().values() if t.is_floating_point())


def game_stats(records) -> dict[str, float]:
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


def mean_step_metrics(steps: list[StepMetrics]) -> dict[str, float]:
    if not steps:
        return {}
    return {
        key: float(np.mean([getattr(m, key) for m in steps]))
        for key in ("loss", "policy_loss", "value_loss", "policy_entropy")
    }
