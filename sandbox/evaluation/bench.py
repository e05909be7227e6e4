"""`sandbox bench`: how fast System 2 runs, against baselines measured in the same run.

Absolute speeds depend on the machine and on whatever else runs on it, so every figure comes
with a baseline taken in the same run, on the same (untrained, randomly initialised) network and
game, in the same process layout (`workers` processes of `threads` torch threads each):
  (a)  the network's raw forward throughput, positions/s, at batch 1 and at the batch sizes the
       search sends it;
  (b)  System 2 self-play as one training iteration plays it (`play_queue`, carry-over):
       simulations/s and moves/s until `games` games have finished, from a queue of twice
       that, so every slot is busy to the end (256 games per process by default, so the
       network's batch stays near 150 once the cache has answered its share: the Python around
       each call is shared by more positions, and the forward pass runs about as fast per
       position as at 64; a window of a few seconds would see only the shared openings);
  (b0) the same `games` games played to the end, the last ones in ever smaller batches (the
       trainer without `selfplay.carry_over`);
  (b') the same self-play with one network call per leaf (one game per process, no cache);
  (c)  single-tree analysis as `MCTSBot` runs it (`leaves` leaves per step, virtual loss, the
       cache), against (c1) the same tree with one network call per leaf and no cache;
  (d)  OpenSpiel's C++ MCTS with random rollouts on the same positions.
The memory check plays many games at once in a fresh process and reports its peak resident
memory. Never a test: speed lives here, tests assert behaviour.
"""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pyspiel
import torch

from agents.bots import MCTSBot
from agents.evaluators import NetworkEvaluator
from agents.mcts import MCTSConfig
from agents.network import NetworkConfig, build_network
from games.game import Game, State, load
from sandbox.training.selfplay import (
    GameInProgress,
    SelfPlayConfig,
    peak_rss_bytes,
    play_games,
    play_queue,
    worker_pool,
)


@dataclass(frozen=True)
class BenchSettings:
    game: str = "connect4"
    channels: int = 64  # ResNet width
    blocks: int = 4  # residual blocks
    games: int = 512  # concurrent self-play games, all processes together
    sims: int = 100  # simulations per move
    seconds: float = 5.0  # length of each timed phase (a), (c), (c1), (d)
    workers: int = 1  # self-play processes
    threads: int = 1  # torch threads per process
    leaves: int = 16  # leaves per step of the single-tree analysis (c)
    seed: int = 0


@dataclass
class BenchResult:
    settings: BenchSettings
    forward: dict[int, float] = field(default_factory=dict)  # (a) batch -> positions/s
    search_batch: float = 0.0  # mean positions per network call in (b)
    forward_at_search_batch: float = 0.0  # (a) interpolated at search_batch
    selfplay: dict[str, float] = field(default_factory=dict)  # (b)
    drained: dict[str, float] = field(default_factory=dict)  # (b0)
    baseline: dict[str, float] = field(default_factory=dict)  # (b')
    single: dict[str, float] = field(default_factory=dict)  # (c), (c1)
    openspiel_sims_per_s: float = 0.0  # (d)
    peak_rss_mib: dict[str, float] = field(default_factory=dict)

    def ratios(self) -> dict[str, float]:
        raw = self.forward_at_search_batch
        sims = self.selfplay.get("sims_per_s", 0.0)
        return {
            "selfplay_over_forward": sims / raw if raw else 0.0,
            "network_share_of_selfplay": self.selfplay.get("network_positions_per_s", 0) / raw
            if raw
            else 0.0,
            "selfplay_over_one_call_per_leaf": sims / max(self.baseline.get("sims_per_s", 0), 1e-9),
            "single_over_batch1_single": self.single.get("sims_per_s", 0)
            / max(self.single.get("batch1_sims_per_s", 0), 1e-9),
            "single_over_forward": self.single.get("sims_per_s", 0)
            / max(self.single.get("forward_at_batch", 0), 1e-9),
            "selfplay_over_openspiel": sims / max(self.openspiel_sims_per_s, 1e-9),
            "network_over_forward_at_64": self.selfplay.get("network_positions_per_s", 0)
            / max(self.forward.get(64, 0.0), 1e-9),
            "carried_over_drained": sims / max(self.drained.get("sims_per_s", 0), 1e-9),
        }

    def to_dict(self) -> dict:
        out = dataclasses.asdict(self)
        out["forward"] = {str(k): v for k, v in self.forward.items()}
        out["ratios"] = self.ratios()
        return out


def forward_rate(net: torch.nn.Module, shape: Sequence[int], batch: int, seconds: float) -> float:
    """Positions per second through `net` at one batch size (inference mode, this process)."""
    x = torch.zeros(batch, *shape)
    with torch.inference_mode():
        net(x)  # warm-up
        count, start = 0, time.perf_counter()
        while time.perf_counter() - start < seconds:
            net(x)
            count += batch
    return count / (time.perf_counter() - start)


def _forward_rate_in_worker(
    evaluator: NetworkEvaluator, shape: Sequence[int], batch: int, seconds: float
) -> float:
    return forward_rate(evaluator.inference_net, shape, batch, seconds)


def parallel_forward_rate(
    evaluator: NetworkEvaluator, batch: int, seconds: float, workers: int
) -> float:
    """(a) in the self-play layout: `workers` processes at once, each at `batch`; summed."""
    shape = evaluator.game.observation_shape
    if workers <= 1:
        return forward_rate(evaluator.inference_net, shape, batch, seconds)
    pool = worker_pool(workers)
    futures = [
        pool.submit(_forward_rate_in_worker, evaluator, shape, batch, seconds)
        for _ in range(workers)
    ]
    return sum(f.result() for f in futures)


def selfplay_config(
    s: BenchSettings, concurrent: int, leaves: int = 1
) -> tuple[MCTSConfig, SelfPlayConfig]:
    """The search and self-play settings of the bench's self-play, as `play_games` takes them."""
    return (
        MCTSConfig(num_simulations=s.sims, leaves_per_step=leaves),
        SelfPlayConfig(games_per_iteration=s.games, concurrent_games=concurrent, workers=s.workers),
    )


def timed_selfplay(
    game: Game,
    cfg: tuple[MCTSConfig, SelfPlayConfig],
    evaluator: NetworkEvaluator,
    num_games: int,
    seed: int,
    carry_over: bool = False,
) -> tuple[dict[str, float], list]:
    """Plays until `num_games` games finish; with `carry_over` from a queue of twice that (the
    trainer's way: the games still going when they have finished wait), else only those."""
    start = time.perf_counter()
    if carry_over:
        queue = [GameInProgress.new(seed, i) for i in range(2 * num_games)]
        records, stats, _ = play_queue(game, *cfg, evaluator, queue, num_games)
    else:
        records, stats = play_games(game, *cfg, evaluator, num_games, seed)
    seconds = time.perf_counter() - start
    processes = max(1, cfg[1].workers)
    figures = {
        "seconds": seconds,
        "games": stats.games,
        "moves": stats.moves,
        "sims_per_s": stats.simulations / seconds,
        "moves_per_s": stats.moves / seconds,
        "network_positions_per_s": stats.network_positions / seconds,
        "mean_batch": stats.network_positions / max(stats.network_calls, 1),
        "cache_hit_rate": stats.cache_hits / max(stats.evaluations, 1),
        # Time inside the network's forward calls, over all the processes' time: what is left
        # is Python (search, encoding, the cache). Unlike (b)/(a) it needs no second phase, so
        # a change in the machine's load between (a) and (b) does not move it.
        "network_time_share": stats.network_seconds / (seconds * processes),
        # The forward pass's own rate inside self-play, positions/s per process.
        "forward_in_selfplay_per_process": stats.network_positions
        / max(stats.network_seconds, 1e-9),
        "peak_rss_mib": stats.peak_rss_bytes / 2**20,
    }
    return figures, records


def sample_positions(game: Game, records: Sequence, count: int = 4, ply: int = 6) -> list[State]:
    """Mid-opening positions from self-play games: the positions (c) and (d) search."""
    positions = []
    for record in records[:count]:
        state = game.new_state()
        for action in record.actions[: min(ply, record.length - 1)]:
            state.apply_action(action)
        positions.append(state)
    return positions


def single_tree_rates(
    searches: Sequence[MCTSBot], positions: Sequence[State], seconds: float
) -> list[float]:
    """(c) and (c1): simulations/s of one tree at a time, as MCTSBot searches, for each player;
    the searches take turns in short slices so that a change in the machine's load hits them
    alike. The cache is cleared before each search."""
    rng = np.random.default_rng(0)
    slice_seconds = min(0.5, seconds / 4)
    counts = [0] * len(searches)
    spent = [0.0] * len(searches)
    i = 0
    while min(spent) < seconds:
        for k, player in enumerate(searches):
            start = time.perf_counter()
            while time.perf_counter() - start < slice_seconds:
                player.evaluator.clear_cache()  # type: ignore[attr-defined]
                player.search(positions[i % len(positions)], rng)
                counts[k] += player.num_simulations
                i += 1
            spent[k] += time.perf_counter() - start
    return [count / t for count, t in zip(counts, spent, strict=True)]


def openspiel_rate(game: Game, positions: Sequence[State], sims: int, seconds: float) -> float:
    """(d): OpenSpiel's C++ MCTS (UCT, random rollouts), simulations/s on the same positions."""
    rollouts = pyspiel.RandomRolloutEvaluator(1, 0)
    # solve=False: a solved root would end a search early and inflate the count.
    bot = pyspiel.MCTSBot(game.openspiel, rollouts, 2.0, sims, 1000, False, 0, False)
    count, start, i = 0, time.perf_counter(), 0
    while time.perf_counter() - start < seconds:
        bot.mcts_search(positions[i % len(positions)])
        count += sims
        i += 1
    return count / (time.perf_counter() - start)


def make_evaluator(s: BenchSettings, game: Game, cache_size: int = 200_000) -> NetworkEvaluator:
    torch.manual_seed(s.seed)
    net = build_network(NetworkConfig(channels=s.channels, blocks=s.blocks), game)
    return NetworkEvaluator(game, net, "cpu", cache_size=cache_size)


def run_bench(s: BenchSettings, progress=lambda phase: None) -> BenchResult:
    """All phases, in an order that keeps each ratio's two figures close in time."""
    torch.set_num_threads(s.threads)
    game = load(s.game)
    evaluator = make_evaluator(s, game)
    result = BenchResult(s)
    cfg = selfplay_config(s, concurrent=s.games)
    if s.workers > 1:  # start the worker processes before any clock runs
        warm = selfplay_config(dataclasses.replace(s, sims=2), concurrent=s.workers)
        play_games(game, *warm, evaluator, s.workers, s.seed + 1)
    # (a) is measured on a grid of batch sizes before and after (b), and read at (b)'s mean
    # batch by interpolation, so a drift in the machine's load between them cancels out.
    nominal = -(-s.games // s.workers)  # games per process
    # 64 always: the network's best batch on a CPU is about there, the yardstick of (b).
    grid = sorted({b for b in (1, 2, 4, 8, 16, 32, 64, 128, 256) if b < nominal} | {nominal, 64})
    progress("(a) network forward")
    before = [parallel_forward_rate(evaluator, b, s.seconds / 2, s.workers) for b in grid]
    progress("(b) self-play")
    evaluator.clear_cache()
    result.selfplay, records = timed_selfplay(game, cfg, evaluator, s.games, s.seed, True)
    result.search_batch = result.selfplay["mean_batch"]
    progress("(b0) self-play, the last games played out")
    evaluator.clear_cache()
    result.drained, _ = timed_selfplay(game, cfg, evaluator, s.games, s.seed)
    progress("(a) network forward, again")
    after = [parallel_forward_rate(evaluator, b, s.seconds / 2, s.workers) for b in grid]
    result.forward = {b: (x + y) / 2 for b, x, y in zip(grid, before, after, strict=True)}
    result.forward_at_search_batch = float(
        np.interp(result.search_batch, grid, list(result.forward.values()))
    )
    progress("(b') one network call per leaf")
    one_per_leaf = selfplay_config(s, concurrent=s.workers)
    result.baseline, _ = timed_selfplay(
        game, one_per_leaf, make_evaluator(s, game, cache_size=0), s.workers, s.seed
    )
    progress("(c) single-tree analysis")
    positions = sample_positions(game, records)
    evaluator.reset_counters()
    analysis = MCTSBot(evaluator, MCTSConfig(num_simulations=s.sims, leaves_per_step=s.leaves))
    batch1 = MCTSBot(make_evaluator(s, game, cache_size=0), MCTSConfig(num_simulations=s.sims))
    rates = single_tree_rates([analysis, batch1], positions, s.seconds)
    result.single = {
        "sims_per_s": rates[0],
        "batch1_sims_per_s": rates[1],
        "hit_rate": evaluator.hit_rate,
        "mean_batch": evaluator.positions_evaluated / max(evaluator.calls, 1),
    }
    single_batch = max(1, round(result.single["mean_batch"]))
    shape = game.observation_shape
    result.single["forward_at_batch"] = forward_rate(
        evaluator.inference_net, shape, single_batch, s.seconds
    )
    progress("(d) OpenSpiel MCTS")
    result.openspiel_sims_per_s = openspiel_rate(game, positions, s.sims, s.seconds)
    result.peak_rss_mib = {
        "main": peak_rss_bytes() / 2**20,
        "selfplay_process": result.selfplay["peak_rss_mib"],
    }
    return result


def memory_check(s: BenchSettings, seconds: float = 0.0) -> dict:
    """Peak resident memory of `s.games` concurrent self-play games at `s.sims` simulations, in
    a fresh process (one process: the tree and cache of every game live in it).

    seconds: stop after this long (0 = play every game to the end); the figure is then the peak
    so far, and `finished` says so.
    """
    args = json.dumps({"settings": dataclasses.asdict(s), "seconds": seconds})
    code = f"from sandbox.evaluation.bench import _memory_child; _memory_child({args!r})"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def _memory_child(args: str) -> None:
    options = json.loads(args)
    s = BenchSettings(**options["settings"])
    torch.set_num_threads(1)
    game = load(s.game)
    evaluator = make_evaluator(s, game)
    cfg = selfplay_config(dataclasses.replace(s, workers=1), concurrent=s.games)
    start = time.perf_counter()
    worker = threading.Thread(
        target=play_games, args=(game, *cfg, evaluator, s.games, s.seed), daemon=True
    )
    worker.start()
    worker.join(timeout=options["seconds"] or None)
    report = {
        "games": s.games,
        "sims": s.sims,
        "seconds": time.perf_counter() - start,
        "finished": not worker.is_alive(),
        "leaves_evaluated": evaluator.hits + evaluator.misses,
        "cache_entries": evaluator.cache_entries,
        "peak_rss_mib": peak_rss_bytes() / 2**20,
    }
    print(json.dumps(report), flush=True)
    os._exit(0)  # the daemon thread may still be searching
