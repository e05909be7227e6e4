"""Batched self-play: many games at once, one network call per simulation step for all of them.

A pool of `concurrent_games` games shares one `Search`: each network call evaluates one leaf of
every game. A game whose search has spent its budget plays its move and starts the next search
at once, while the others go on (`Search.restart`); a finished game's slot goes to the next
game. So the batch stays near `concurrent_games` whatever the mix of budgets. (Moves in
lockstep left the 70% of games with a 24-simulation budget idle for 104 of a full search's 128
steps: batches of ~13 from 64 games.) The trainer's queue holds one game per slot more than an
iteration needs (`carry_over`): the games still going when it has its games wait for the next
iteration, so the last games never play out alone (that took the last 28% of an iteration's
time in batches under half the slots). With `reuse_tree` the next move's search keeps the
subtree of the move played, with its visits (AlphaGo Zero).

Playout cap randomization (Wu 2019, KataGo): a fraction of moves get the full search and become
training targets; the others get a small budget, are played but not recorded as targets. The
network sees more games for the same compute.

With `selfplay.workers` > 1 the games are shared out among that many processes, each with its
own copy of the network and one torch thread (on a CPU, one process per core beats one process
with a thread per core). Game i always draws from `default_rng([seed, i])`, for its moves and
its root noise alike, so a game does not depend on which process played it or beside which
other games.
"""

from __future__ import annotations

import atexit
import dataclasses
import logging
import math
import multiprocessing
import os
import resource
import sys
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from agents.evaluators import Evaluator
from agents.mcts import MCTSConfig, Search, choose_action
from games.catalogue import GameSpec
from games.game import Game, State, load
from sandbox.training.records import GameRecord

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SelfPlayConfig:
    games_per_iteration: int = 64  # complete games played per training iteration
    concurrent_games: int = 64  # games whose leaves share one network call
    full_search_fraction: float = 1.0  # playout cap randomization: moves searched fully (targets)
    fast_simulations: int = 16  # budget of the other moves, which are not training targets
    workers: int = 1  # self-play processes (one per core is fastest on CPU)
    reuse_tree: bool = True  # the next move's search starts from the subtree of the move played
    # The trainer's games not finished when an iteration has its games wait for the next one
    # (KataGo's self-play never drains): every slot stays busy, where playing them out left the
    # last quarter of an iteration to ever smaller batches. They go on with the new weights.
    carry_over: bool = True
    # After the sampled opening, the chance that the move played is a uniformly random legal
    # move instead of the search's (its search is still a target). Self-play between two strong
    # sides never leaves a hopeless stone in the other's area; weaker opponents do, and a policy
    # that never saw one passes beside it (Tromp-Taylor then counts the area as neutral).
    random_move_fraction: float = 0.0
    # Of those random moves, the share that are passes where a pass is legal (Go). Weak players
    # pass early; two like sides never do, so a policy that never saw the opponent pass with the
    # board unsettled passes back, and the second pass ends the game as the board stands.
    random_pass_share: float = 0.0
    # The share of games with a weak side: one seat, drawn per game, whose moves after the
    # opening are random with chance `weak_side_random_fraction` (passes at `random_pass_share`)
    # instead of `random_move_fraction`. A few random moves on both sides are not the opponent
    # a class brings: a weak player strews stones in the strong side's area all game and passes
    # when it likes, and a Go policy that never met one passes beside them and loses the count.
    # Both sides' searches stay targets, so the strong side learns to clean up.
    weak_side_games: float = 0.0
    weak_side_random_fraction: float = 0.5

    # The values each field may take, checked where a config is read (sandbox/config.py).
    RANGES = {
        "games_per_iteration": "[1, 100000]",
        "concurrent_games": "[1, 10000]",
        "full_search_fraction": "(0, 1]",
        "fast_simulations": "[0, 100000]",
        "workers": "[1, 256]",
        "random_move_fraction": "[0, 1)",
        "random_pass_share": "[0, 1]",
        "weak_side_games": "[0, 1]",
        "weak_side_random_fraction": "[0, 1]",
    }


def random_move(game: Game, state: State, pass_share: float, rng: np.random.Generator) -> int:
    """A uniformly random legal move, or with chance `pass_share` a pass where the game has one."""
    legal = state.legal_actions()
    if pass_share > 0 and game.pass_action in legal and rng.random() < pass_share:
        return int(game.pass_action)
    return int(rng.choice(legal))


def weak_seat(sp: SelfPlayConfig, seed: int, index: int, num_players: int = 2) -> int | None:
    """The seat that plays weakly in game `index` of a run, or None (a game with two like sides).

    Drawn from the game's own seed sequence, not from its move generator, so the draw does not
    shift the game's moves and a game carried over to the next iteration keeps its weak side.
    """
    if sp.weak_side_games <= 0:
        return None
    rng = np.random.default_rng([seed, index, 1])
    if rng.random() >= sp.weak_side_games:
        return None
    return int(rng.integers(num_players))


def random_move_chance(sp: SelfPlayConfig, weak: int | None, mover: int) -> float:
    """The chance that `mover`'s next move (after the opening) is random rather than searched."""
    return sp.weak_side_random_fraction if mover == weak else sp.random_move_fraction


@dataclass
class GameInProgress:
    """A self-play game waiting between iterations, with its moves and its generator as they
    were: the next iteration plays it on (with the new weights) from where it stopped."""

    seed: int
    index: int
    rng: np.random.Generator | None = None  # None: not started (made when it starts: cheap)
    actions: list[int] = field(default_factory=list)
    targets: list[list[float] | None] = field(default_factory=list)
    root_values: list[float] = field(default_factory=list)

    @classmethod
    def new(cls, seed: int, index: int) -> GameInProgress:
        """Game `index` of a run, not started: it will draw from `default_rng([seed, index])`."""
        return cls(seed, index)

    def start(self) -> np.random.Generator:
        if self.rng is None:
            self.rng = np.random.default_rng([self.seed, self.index])
        return self.rng

    def to_dict(self) -> dict[str, Any]:
        """Plain lists, ints and strings: a checkpoint loads them with `weights_only=True`."""
        from sandbox.training.state import rng_state_to

        return {
            "seed": self.seed,
            "index": self.index,
            "rng": None if self.rng is None else rng_state_to(self.rng.bit_generator.state),
            "actions": list(self.actions),
            "targets": list(self.targets),
            "root_values": list(self.root_values),
        }

    @classmethod
    def from_dict(cls, saved: dict[str, Any]) -> GameInProgress:
        from sandbox.training.state import rng_state_from

        rng = None
        if saved["rng"] is not None:
            rng = np.random.default_rng()
            rng.bit_generator.state = rng_state_from(saved["rng"])
        return cls(
            saved["seed"], saved["index"], rng, saved["actions"], saved["targets"],
            saved["root_values"],
        )  # fmt: skip


@dataclass
class _Slot:
    game: GameInProgress
    state: State
    rng: np.random.Generator  # the game's, started
    weak: int | None = None  # the seat that plays weakly in this game (`weak_seat`), if any
    is_full: bool = False  # this move's search has the full budget (a training target)


@dataclass(frozen=True)
class SelfPlayStats:
    games: int
    moves: int
    simulations: int
    kl_search_prior: float  # mean KL(search policy || network prior) on full searches
    full_searches: int = 0  # moves recorded as training targets
    evaluations: int = 0  # leaves asked of the evaluator (cache hits included)
    cache_hits: int = 0
    network_positions: int = 0  # positions through the network (misses)
    network_calls: int = 0  # forward passes
    network_seconds: float = 0.0  # time inside the network, summed over workers
    peak_rss_bytes: int = 0  # peak resident memory of the (largest) self-play process


_COUNTERS = ("hits", "misses", "positions_evaluated", "calls", "forward_seconds")


def play_games(
    game: Game,
    mcts: MCTSConfig,
    sp: SelfPlayConfig,
    evaluator: Evaluator,
    num_games: int,
    seed: int,
    first_index: int = 0,
    deadline: float | None = None,
) -> tuple[list[GameRecord], SelfPlayStats]:
    """Plays `num_games` self-play games; game i uses rng `default_rng([seed, first_index + i])`.

    Args:
        deadline: `time.time()` after which no move is searched: the games finished by then
            are returned and the others dropped (a long game never overruns `--minutes`).
    """
    queue = [GameInProgress.new(seed, first_index + i) for i in range(num_games)]
    records, stats, _ = play_queue(game, mcts, sp, evaluator, queue, num_games, deadline)
    return records, stats


def play_queue(
    game: Game,
    mcts: MCTSConfig,
    sp: SelfPlayConfig,
    evaluator: Evaluator,
    queue: Sequence[GameInProgress],
    target: int,
    deadline: float | None = None,
    finished_everywhere: Any = None,
) -> tuple[list[GameRecord], SelfPlayStats, list[GameInProgress]]:
    """Plays the queue's games in its order, `concurrent_games` at a time, until `target` of
    them have finished; returns their records, the stats, and the games not finished (stopped
    where they were, or not started), by index.

    The one place where search gets root noise (`is_noisy=True`) and moves are sampled. With
    a queue longer than `target` (the trainer's `selfplay.carry_over`) every slot stays busy
    to the end: the games still going wait for the next iteration instead of playing out
    alone in ever smaller batches.

    Args:
        deadline: `time.time()` after which no move is searched: the games not finished by
            then are returned with the others not finished.
        finished_everywhere: a shared counter (`multiprocessing.Value`) of the games finished
            by every worker together; `target` then counts those, not only this queue's.
    """
    target = min(target, len(queue)) if finished_everywhere is None else target
    workers = min(sp.workers, target)
    if workers > 1:
        if str(getattr(evaluator, "device", "cpu")) == "cpu":
            return _play_in_workers(game, mcts, sp, evaluator, queue, target, workers, deadline)
        log.warning("selfplay.workers > 1 needs the network on the CPU; playing in one process")
    pending = list(queue)[::-1]
    records: list[GameRecord] = []
    moves = simulations = full_searches = 0
    kl_sum = 0.0
    counters_before = [getattr(evaluator, name, 0) for name in _COUNTERS]

    def budget(slot: _Slot) -> int:
        slot.is_full = bool(slot.rng.random() < sp.full_search_fraction)
        return mcts.num_simulations if slot.is_full else sp.fast_simulations

    def take() -> _Slot:
        waiting = pending.pop()
        weak = weak_seat(sp, waiting.seed, waiting.index, game.num_players)
        return _Slot(waiting, game.state_from_actions(waiting.actions), waiting.start(), weak)

    slots: list[_Slot] = []
    while pending and len(slots) < sp.concurrent_games:
        slots.append(take())
    budgets = [budget(slot) for slot in slots]
    rngs = [s.rng for s in slots]
    search = Search([s.state for s in slots], evaluator, mcts, rngs, budgets, is_noisy=True)
    live = set(range(len(slots)))

    def finished() -> int:
        return len(records) if finished_everywhere is None else finished_everywhere.value

    while live and finished() < target:
        if deadline is not None and time.time() >= deadline:
            break  # the games not finished are returned as they stand
        for b in search.finished():
            if finished() >= target:
                break
            slot = slots[b]
            g = slot.game
            result = search.result(b, pv_length=1)  # no line is read here
            ply = len(g.actions)
            simulations += search.done[b]
            moves += 1
            # Gumbel's chosen action is already a sample (Gumbel-top-k): play it as it is.
            is_sampled = ply < mcts.temperature_moves and not mcts.gumbel
            action = choose_action(result, mcts.temperature if is_sampled else 0.0, slot.rng)
            chance = random_move_chance(sp, slot.weak, slot.state.current_player())
            if chance > 0 and ply >= mcts.temperature_moves and slot.rng.random() < chance:
                action = random_move(game, slot.state, sp.random_pass_share, slot.rng)
            if slot.is_full:
                g.targets.append(result.policy_target.tolist())
                kl_sum += _kl(result.policy_target, result.prior)
                full_searches += 1
            else:
                g.targets.append(None)
            g.root_values.append(float(result.root_values[result.to_play]))
            g.actions.append(action)
            slot.state.apply_action(action)
            if slot.state.is_terminal():
                records.append(
                    GameRecord(
                        game=game.spec.openspiel,
                        seed=g.seed,
                        index=g.index,
                        actions=g.actions,
                        policy_targets=g.targets,
                        returns=list(slot.state.returns()),
                        root_values=g.root_values,
                    )
                )
                if finished_everywhere is not None:
                    with finished_everywhere.get_lock():
                        finished_everywhere.value += 1
                if not pending:
                    search.retire(b)
                    live.discard(b)
                    continue
                slot = slots[b] = take()
                search.restart(b, slot.state, budget(slot), slot.rng)
            elif sp.reuse_tree:
                search.advance(b, action, slot.state, budget(slot), slot.rng)
            else:
                search.restart(b, slot.state, budget(slot), slot.rng)
        else:  # not when the target was reached: nothing more is searched
            search.step()
    unfinished = [slots[b].game for b in live] + pending
    hits, misses, positions, calls, seconds = (
        getattr(evaluator, name, 0) - before
        for name, before in zip(_COUNTERS, counters_before, strict=True)
    )
    records.sort(key=lambda r: r.index)
    stats = SelfPlayStats(
        games=len(records),
        moves=moves,
        simulations=simulations,
        kl_search_prior=kl_sum / max(full_searches, 1),
        full_searches=full_searches,
        evaluations=hits + misses,
        cache_hits=hits,
        network_positions=positions,
        network_calls=calls,
        network_seconds=seconds,
        peak_rss_bytes=peak_rss_bytes(),
    )
    return records, stats, sorted(unfinished, key=lambda g: g.index)


def peak_rss_bytes() -> int:
    """Peak resident memory of this process so far (ru_maxrss: KiB on Linux, bytes on macOS)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024


def _kl(p: np.ndarray, q: np.ndarray) -> float:
    mask = p > 0
    return float(np.sum(p[mask] * (np.log(p[mask]) - np.log(np.maximum(q[mask], 1e-12)))))


# Worker processes: started once per worker count and kept for later calls (starting one costs
# seconds: it imports torch). Each call sends the evaluator (the network's weights, no cache).
# A worker dies with its parent, even a SIGKILLed one (it watches its parent's pid).
_POOLS: dict[int, ProcessPoolExecutor] = {}
_FINISHED: dict[int, Any] = {}  # workers -> the pool's shared count of finished games
_WORKER_FINISHED: Any = None  # in a worker process: its pool's count


def worker_pool(workers: int) -> ProcessPoolExecutor:
    """The self-play processes (one torch thread each), started on first use."""
    if workers not in _POOLS:
        context = multiprocessing.get_context("spawn")  # fork is unsafe once torch has threads
        # A shared counter is handed over when a process starts, never through a task.
        _FINISHED[workers] = context.Value("q", 0)
        _POOLS[workers] = ProcessPoolExecutor(
            workers, context, initializer=_init_worker, initargs=(_FINISHED[workers],)
        )
    return _POOLS[workers]


@atexit.register
def shutdown_workers(kill: bool = False) -> None:
    """Stops the worker processes; `kill` ends them at once (Ctrl-C: games in flight are lost)."""
    for pool in _POOLS.values():
        processes = list(getattr(pool, "_processes", {}).values())
        pool.shutdown(wait=not kill, cancel_futures=True)
        if kill:
            for process in processes:
                process.kill()
            for process in processes:
                process.join(timeout=5)
    _POOLS.clear()
    _FINISHED.clear()


def _init_worker(finished: Any = None) -> None:
    import signal

    import torch

    global _WORKER_FINISHED
    _WORKER_FINISHED = finished

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    torch.set_num_threads(1)
    _die_with_parent(os.getppid())


def _die_with_parent(parent: int) -> None:
    """Exits when the parent process is gone: PR_SET_PDEATHSIG on Linux, and a watcher thread
    everywhere (a pool's workers otherwise keep playing, ~360 MB each, after a SIGKILL)."""
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, 9)  # PR_SET_PDEATHSIG, SIGKILL
        except OSError:
            pass

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, daemon=True).start()


def _play_share(
    spec: GameSpec,
    mcts: MCTSConfig,
    sp: SelfPlayConfig,
    evaluator: Evaluator,
    queue: list[GameInProgress],
    target: int,
    deadline: float | None,
) -> tuple[list[GameRecord], SelfPlayStats, list[GameInProgress]]:
    """One worker's share, played until `target` games have finished in all workers."""
    return play_queue(load(spec), mcts, sp, evaluator, queue, target, deadline, _WORKER_FINISHED)


def _play_in_workers(
    game: Game,
    mcts: MCTSConfig,
    sp: SelfPlayConfig,
    evaluator: Evaluator,
    queue: Sequence[GameInProgress],
    target: int,
    workers: int,
    deadline: float | None,
) -> tuple[list[GameRecord], SelfPlayStats, list[GameInProgress]]:
    """Each worker plays a contiguous share of the queue with its share of the concurrency
    (the larger shares go to the first workers), until `target` games have finished in all
    of them together.

    One count for all, not a target per worker: a worker whose games ran long no longer
    keeps the others idle at the end of every iteration (2-3% of the cores on connect4). With a
    queue longer than the target (carry-over), which games finish first now depends on the
    workers' speeds; a queue of exactly `target` games plays every one, as before. A game
    finishing in two workers at the same moment may make the total one or two over `target`.
    """
    concurrent = max(1, math.ceil(sp.concurrent_games / workers))
    one = dataclasses.replace(sp, workers=1, concurrent_games=concurrent)
    shares = np.array_split(np.arange(len(queue)), workers)
    pool = worker_pool(workers)
    with _FINISHED[workers].get_lock():
        _FINISHED[workers].value = 0
    futures = [
        pool.submit(
            _play_share,
            game.spec,
            mcts,
            one,
            evaluator,
            [queue[i] for i in share],
            target,
            deadline,
        )
        for share in shares
    ]
    outputs = [future.result() for future in futures]
    records = sorted((r for recs, _, _ in outputs for r in recs), key=lambda r: r.index)
    unfinished = sorted((g for _, _, left in outputs for g in left), key=lambda g: g.index)
    parts = [stats for _, stats, _ in outputs]
    total = {
        f.name: sum(getattr(s, f.name) for s in parts) for f in dataclasses.fields(SelfPlayStats)
    }
    total["peak_rss_bytes"] = max(s.peak_rss_bytes for s in parts)
    full = max(total["full_searches"], 1)
    total["kl_search_prior"] = sum(s.kl_search_prior * s.full_searches for s in parts) / full
    _add_counters(evaluator, total)
    return records, SelfPlayStats(**total), unfinished


def _add_counters(evaluator: Evaluator, total: dict) -> None:
    """The workers' cache and network counters, added to the caller's evaluator."""
    pairs = [
        ("hits", "cache_hits"),
        ("misses", "network_positions"),
        ("positions_evaluated", "network_positions"),
        ("calls", "network_calls"),
        ("forward_seconds", "network_seconds"),
    ]
    for name, key in pairs:
        if hasattr(evaluator, name):
            setattr(evaluator, name, getattr(evaluator, name) + total[key])
