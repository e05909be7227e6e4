"""Self-play actors for the Ray backend, and the fleet of them that the learner drives.

`SelfPlayActor` is a plain class (it imports no Ray, so it runs and tests without it); the fleet
wraps it with `ray.remote`. Each actor holds a network and plays chunks of games with the
batched self-play of the single-process trainer (`play_games`: many games at once, one network
call per simulation step). The learner hands out the chunks: game indices come from one counter,
so an index is played once, or again only by the replacement of an actor that died before
returning it, and a returned chunk is accepted from the actor it was issued to only.

Weights travel through the object store: the learner `ray.put`s each new version once and every
actor fetches it (Ray resolves the reference before `set_weights` runs). An actor finishes its
chunk before taking new weights, so all the games of a chunk are played by one version, and each
record is tagged with it.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import time
from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from agents.evaluators import NetworkEvaluator
from agents.network import build_network
from games.errors import UserError
from games.game import load
from sandbox.training.interrupt import deferred
from sandbox.training.records import GameRecord
from sandbox.training.selfplay import SelfPlayStats, play_games

if TYPE_CHECKING:
    from sandbox.config import Config

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Chunk:
    """What an actor sends back for one task: the games `first .. first + size - 1`."""

    first: int
    size: int
    version: int  # the weights version (learner step) that played every game of the chunk
    records: list[GameRecord]  # finished games (a deadline drops the others)
    stats: SelfPlayStats
    started: float  # time.time() when the chunk began
    is_first_of_version: bool  # the first chunk this actor played with `version`
    seconds: float


class SelfPlayActor:
    """One self-play process (a Ray actor): the network of one weights version, and play."""

    def __init__(self, cfg: Config, chunk_games: int, threads: int, device: str):
        torch.set_num_threads(threads)
        self.cfg = cfg
        self.game = load(cfg.game)
        concurrent = min(cfg.selfplay.concurrent_games, chunk_games)
        self.selfplay = dataclasses.replace(cfg.selfplay, workers=1, concurrent_games=concurrent)
        self.net = build_network(cfg.network, self.game).to(device)
        self.evaluator = NetworkEvaluator(self.game, self.net, device)
        self.version = -1
        self.is_new_version = False

    def pid(self) -> int:
        return os.getpid()

    def set_weights(self, version: int, weights: dict[str, np.ndarray]) -> int:
        """Loads a broadcast version (Ray has fetched it from the object store)."""
        self.net.load_state_dict({k: torch.tensor(v) for k, v in weights.items()})
        self.net.eval()
        self.evaluator.clear_cache()
        self.version, self.is_new_version = version, True
        return version

    def play(self, first: int, size: int, deadline: float | None) -> Chunk:
        started, is_first = time.time(), self.is_new_version
        self.is_new_version = False
        records, stats = play_games(
            self.game, self.cfg.mcts, self.selfplay, self.evaluator, size, self.cfg.train.seed,
            first, deadline,
        )  # fmt: skip
        tagged = [dataclasses.replace(r, weights_version=self.version) for r in records]
        return Chunk(
            first, size, self.version, tagged, stats, started, is_first, time.time() - started
        )


def weights_of(net: torch.nn.Module) -> dict[str, np.ndarray]:
    """A state dict as numpy arrays: what goes into the object store (zero-copy for actors)."""
    return {k: v.detach().cpu().numpy() for k, v in net.state_dict().items()}


@dataclass
class _Task:
    slot: int
    generation: int  # which incarnation of the slot's actor it was sent to
    kind: str  # "pid", "weights" or "play"
    first: int = 0
    size: int = 0


class Fleet:
    """The learner's side of the actors: start, feed, watch and replace them.

    Every call to an actor is one reference in `tasks`; `pump` waits on all of them at once
    (`ray.wait`), so a dead actor shows up as an error on whichever of its calls returns first:
    it is killed, a new one takes its slot, and its unfinished chunk goes to the new one.
    """

    def __init__(
        self, ray: Any, cfg: Config, first_index: int, chunk: int, options: dict[str, Any]
    ):
        self.ray = ray
        self.cfg = cfg
        self.chunk = chunk
        self.next_index = first_index  # the next game index never handed out
        self.ahead = cfg.selfplay.games_per_iteration + cfg.distributed.actors * chunk
        self.deadline: float | None = None
        self.remote = ray.remote(SelfPlayActor).options(**options)
        self.device = "cuda" if options.get("num_gpus") else "cpu"
        self.handles: list[Any] = []
        self.generation: list[int] = []
        self.pids: dict[int, int] = {}
        self.sent: list[int] = []  # the newest version sent to each slot
        self.tasks: dict[Any, _Task] = {}
        self.backlog: deque[Chunk] = deque()  # returned chunks not yet taken by an iteration
        self.weights: tuple[int, Any] | None = None
        self.stepped_at: dict[int, float] = {}  # version -> when the learner made it
        self.latencies: list[float] = []
        self.restarts = 0
        self.deaths_in_a_row = 0
        for slot in range(cfg.distributed.actors):
            self.handles.append(None)
            self.generation.append(0)
            self.sent.append(-1)
            self._start(slot)

    def _start(self, slot: int) -> None:
        dist = self.cfg.distributed
        handle = self.remote.remote(self.cfg, self.chunk, dist.actor_threads, self.device)
        self.handles[slot] = handle
        self.generation[slot] += 1
        self.sent[slot] = -1
        self.pids.pop(slot, None)
        self.tasks[handle.pid.remote()] = _Task(slot, self.generation[slot], "pid")

    def broadcast(self, version: int, net: torch.nn.Module, is_learner_step: bool = True) -> None:
        """One `ray.put` of the new weights; each actor without weights in flight gets them
        now (after its current chunk), the others when their next chunk is issued."""
        self.weights = (version, self.ray.put(weights_of(net)))
        if is_learner_step:
            self.stepped_at[version] = time.time()
        oldest = min(self.sent)  # no actor can start playing an older version now
        self.stepped_at = {v: t for v, t in self.stepped_at.items() if v >= oldest}
        in_flight = {t.slot for t in self.tasks.values() if t.kind == "weights"}
        for slot in range(len(self.handles)):
            if slot not in in_flight:
                self._send_weights(slot)

    def _send_weights(self, slot: int) -> None:
        if self.weights is None or self.sent[slot] >= self.weights[0]:
            return
        version, ref = self.weights
        self.tasks[self.handles[slot].set_weights.remote(version, ref)] = _Task(
            slot, self.generation[slot], "weights"
        )
        self.sent[slot] = version

    def _issue(self, slot: int, first: int | None = None, size: int = 0) -> None:
        if first is None:
            first, size = self.next_index, self.chunk
            self.next_index += size
        self._send_weights(slot)
        ref = self.handles[slot].play.remote(first, size, self.deadline)
        self.tasks[ref] = _Task(slot, self.generation[slot], "play", first, size)

    def in_flight(self) -> list[_Task]:
        return [t for t in self.tasks.values() if t.kind == "play"]

    @property
    def backlog_games(self) -> int:
        return sum(len(c.records) for c in self.backlog)

    def fill(self) -> None:
        """Hands a chunk to every idle actor, unless the games ahead of the learner already
        fill an iteration (the learner sets the pace: samples per position stay as set)."""
        if self.deadline is not None and time.time() >= self.deadline:
            return
        busy = {t.slot for t in self.in_flight()}
        for slot in range(len(self.handles)):
            ahead = self.backlog_games + sum(t.size for t in self.in_flight())
            if slot not in busy and ahead + self.chunk <= self.ahead:
                self._issue(slot)

    def pump(self, timeout: float) -> None:
        """Takes in whatever has returned within `timeout` seconds and keeps the actors busy."""
        from ray.exceptions import ObjectLostError, RayActorError

        if self.tasks:
            refs = list(self.tasks)
            # A SIGTERM or Ctrl-C raised inside Ray's wait comes out as Ray's SystemError with
            # a traceback; deferred, it is raised here when the wait (at most `timeout`) ends.
            with deferred():
                ready, _ = self.ray.wait(refs, num_returns=1, timeout=timeout)
                if ready:
                    ready, _ = self.ray.wait(refs, num_returns=len(refs), timeout=0)
            for ref in ready:
                task = self.tasks.pop(ref)
                try:
                    value = self.ray.get(ref)
                except (RayActorError, ObjectLostError) as err:
                    self._replace(task, err)
                    continue
                if task.generation == self.generation[task.slot]:
                    self._accept(task, value)
        self.fill()

    def _accept(self, task: _Task, value: Any) -> None:
        if task.kind == "pid":
            self.pids[task.slot] = value
            log.info("actor %d started (pid %d)", task.slot, value)
        elif task.kind == "play":
            self.deaths_in_a_row = 0
            self.backlog.append(value)
            if value.is_first_of_version and value.version in self.stepped_at:
                self.latencies.append(value.started - self.stepped_at[value.version])

    def _replace(self, task: _Task, err: Exception) -> None:
        """A call of a dead actor failed: a new actor takes the slot and its chunk (once)."""
        slot = task.slot
        if task.generation != self.generation[slot]:
            return  # another call of the same dead actor: it has been replaced already
        lost = [t for t in self.in_flight() if t.slot == slot and t.generation == task.generation]
        if task.kind == "play":  # the failed call itself (already taken out of `tasks`)
            lost.append(task)
        self.deaths_in_a_row += 1
        if self.deaths_in_a_row > 2 * len(self.handles) + 2:
            reason = " ".join(str(err).split())[:300]
            raise UserError(f"self-play actors keep dying before finishing a chunk: {reason}")
        self._kill(self.handles[slot])
        pid = self.pids.get(slot, "?")
        self.restarts += 1
        self._start(slot)
        games = ", ".join(f"games {t.first}-{t.first + t.size - 1} re-issued" for t in lost)
        log.warning(
            "actor %d (pid %s) died (%s); replaced%s", slot, pid, type(err).__name__,
            f", {games}" if games else "",
        )  # fmt: skip
        for t in lost:
            self._issue(slot, t.first, t.size)

    def take(self, num_games: int) -> list[Chunk]:
        """The oldest returned chunks holding at least `num_games` games (or all of them)."""
        taken: list[Chunk] = []
        while self.backlog and sum(len(c.records) for c in taken) < num_games:
            taken.append(self.backlog.popleft())
        return taken

    def drain(self, seconds: float) -> None:
        """After the deadline: waits (at most `seconds`) for the chunks in flight, which the
        actors end at the deadline, to bring back the games finished by then."""
        end = time.monotonic() + seconds
        while self.in_flight() and time.monotonic() < end:
            self.pump(min(0.5, max(0.0, end - time.monotonic())))

    def stop(self) -> None:
        """Kills every actor now (their games in flight are lost: never committed)."""
        for handle in self.handles:
            self._kill(handle)
        self.tasks.clear()

    def _kill(self, handle: Any) -> None:
        try:
            self.ray.kill(handle, no_restart=True)
        except Exception as err:  # noqa: BLE001 - an actor already gone, a cluster lost
            log.debug("could not kill an actor: %s", err)
