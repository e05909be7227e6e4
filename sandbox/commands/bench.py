"""`sandbox bench`: System 2's speed beside the network's raw throughput and OpenSpiel's MCTS."""

from __future__ import annotations

import argparse
import json
import os
import sys

from games.catalogue import resolve_game
from games.errors import UserError
from sandbox.evaluation.bench import BenchResult, BenchSettings, memory_check, run_bench


def register(sub: argparse._SubParsersAction) -> None:
    d = BenchSettings()
    p = sub.add_parser(
        "bench",
        help="measure search speed against baselines in the same run",
        description="Measures, in one run on the same untrained network and game: (a) the "
        "network's forward throughput, (b) System 2 self-play as the trainer plays it, (b0) the "
        "same with each iteration's last games played out, (b') with one network call per "
        "leaf, (c) single-tree analysis against one call per leaf, (d) OpenSpiel's C++ "
        "MCTS with random rollouts; prints the ratios. Figures depend on the machine and its "
        "load: compare ratios, not absolute numbers, across machines.",
    )
    p.add_argument("--game", default=d.game, help=f"preset or OpenSpiel string ({d.game})")
    p.add_argument("--net", default=f"{d.channels}x{d.blocks}", help="CHANNELSxBLOCKS (64x4)")
    p.add_argument(
        "--games",
        type=int,
        help="concurrent self-play games, all processes together (256 per process; 256 with "
        "--memory)",
    )
    p.add_argument("--sims", type=int, help=f"simulations per move ({d.sims}; 200 with --memory)")
    p.add_argument("--seconds", type=float, help=f"length of each timed phase ({d.seconds:g}); "
                   "with --memory, stop after this long (default: play to the end)")  # fmt: skip
    cores = os.cpu_count() or 1
    p.add_argument(
        "--workers", type=int, default=cores, help=f"self-play processes (one per core: {cores})"
    )
    p.add_argument("--threads", type=int, default=1, help="torch threads per process (1)")
    p.add_argument("--leaves", type=int, default=d.leaves, help="leaves per step in (c) (16)")
    p.add_argument(
        "--memory",
        action="store_true",
        help="instead: peak resident memory of --games concurrent games at --sims simulations",
    )
    p.add_argument("--json", action="store_true", help="one JSON object on stdout")
    p.set_defaults(func=run)


def parse_net(text: str) -> tuple[int, int]:
    try:
        channels, blocks = (int(x) for x in text.lower().split("x"))
    except ValueError:
        raise UserError(f"--net '{text}' must look like 64x4 (channels x blocks)") from None
    if channels < 1 or blocks < 0:
        raise UserError(f"--net '{text}': channels must be >= 1 and blocks >= 0")
    return channels, blocks


def run(args: argparse.Namespace) -> int:
    spec = resolve_game(args.game)
    channels, blocks = parse_net(args.net)
    for name in ("games", "sims", "workers", "threads", "leaves"):
        value = getattr(args, name)
        if value is not None and value < 1:
            raise UserError(f"--{name} must be at least 1, got {value}")
    settings = BenchSettings(
        game=spec.name,
        channels=channels,
        blocks=blocks,
        games=args.games or (256 if args.memory else 256 * args.workers),
        sims=args.sims or (200 if args.memory else BenchSettings.sims),
        seconds=args.seconds if args.seconds and not args.memory else BenchSettings.seconds,
        workers=args.workers,
        threads=args.threads,
        leaves=args.leaves,
    )
    if args.memory:
        report = memory_check(settings, args.seconds or 0.0)
        if args.json:
            print(json.dumps(report))
        else:
            print_memory(settings, report)
        return 0

    def progress(phase: str) -> None:
        if not args.json:
            print(f"  measuring {phase} ...", file=sys.stderr, flush=True)

    result = run_bench(settings, progress)
    if args.json:
        print(json.dumps(result.to_dict()))
    else:
        print_result(result)
    return 0


def print_memory(s: BenchSettings, report: dict) -> None:
    state = "all games finished" if report["finished"] else "stopped early"
    print(
        f"memory: {s.games} concurrent games of {s.game}, {s.sims} simulations per move, "
        f"ResNet {s.channels}x{s.blocks}, one process\n"
        f"  peak resident memory {report['peak_rss_mib']:.0f} MiB "
        f"({state} after {report['seconds']:.0f} s, {report['leaves_evaluated']} leaves "
        f"evaluated, {report['cache_entries']} cache entries)"
    )


def print_result(r: BenchResult) -> None:
    s, x = r.settings, r.ratios()
    sp, base, single = r.selfplay, r.baseline, r.single
    forward = "  ".join(f"batch {b}: {v:,.0f}" for b, v in sorted(r.forward.items()))
    lines = [
        f"sandbox bench: {s.game}, ResNet {s.channels}x{s.blocks} (untrained), "
        f"{s.workers} process(es) x {s.threads} thread(s), {s.games} games x {s.sims} sims",
        f"(a)  network forward, positions/s    {forward}",
        f"(b)  self-play System 2              {sp['sims_per_s']:,.0f} sims/s  "
        f"{sp['moves_per_s']:,.1f} moves/s  (mean batch {r.search_batch:.1f}, cache hits "
        f"{sp['cache_hit_rate']:.0%}, {sp['moves']:.0f} moves, {sp['games']:.0f} games "
        f"finished in {sp['seconds']:.0f} s)",
        f"(b0) the last games played out       {r.drained['sims_per_s']:,.0f} sims/s  "
        f"(mean batch {r.drained['mean_batch']:.1f}, {r.drained['seconds']:.0f} s)",
        f"(b') one network call per leaf       {base['sims_per_s']:,.0f} sims/s  "
        f"{base['moves_per_s']:,.1f} moves/s",
        f"(c)  single tree, {s.leaves} leaves/step    {single['sims_per_s']:,.0f} sims/s  "
        f"(mean batch {single['mean_batch']:.1f}, cache hits {single['hit_rate']:.0%}; one "
        f"process's forward at that batch: {single['forward_at_batch']:,.0f} positions/s)",
        f"(c1) single tree, 1 call per leaf    {single['batch1_sims_per_s']:,.0f} sims/s",
        f"(d)  OpenSpiel C++ MCTS, rollouts    {r.openspiel_sims_per_s:,.0f} sims/s (1 process)",
        "ratios",
        f"  (b)/(a)   self-play sims/s over forward positions/s at batch "
        f"{r.search_batch:.1f} ({r.forward_at_search_batch:,.0f}): "
        f"{x['selfplay_over_forward']:.2f}",
        f"            network positions/s in (b) over (a), the cache aside: "
        f"{x['network_share_of_selfplay']:.2f}",
        f"            network positions/s in (b) over (a) at batch 64 "
        f"({r.forward.get(64, 0):,.0f}), the cache aside: {x['network_over_forward_at_64']:.2f}",
        f"  (b)       time inside the network's forward calls: {sp['network_time_share']:.0%} "
        f"(its forward there: {sp['forward_in_selfplay_per_process']:,.0f} positions/s per "
        "process)",
        f"  per core  (b) {sp['sims_per_s'] / s.workers:,.0f} sims/s, "
        f"{sp['network_positions_per_s'] / s.workers:,.0f} network positions/s; "
        f"(a) at batch 64 {r.forward.get(64, 0) / s.workers:,.0f} positions/s",
        f"  (b)/(b0)  carried over played out: {x['carried_over_drained']:.2f}x",
        f"  (b)/(b')  over one network call per leaf: {x['selfplay_over_one_call_per_leaf']:.1f}x",
        f"  (c)/(c1)  single tree over one call per leaf: {x['single_over_batch1_single']:.1f}x",
        f"  (c)/(a)   single tree over one process's forward at its batch: "
        f"{x['single_over_forward']:.2f}",
        f"  (b)/(d)   self-play over OpenSpiel's MCTS: {x['selfplay_over_openspiel']:.2f}x",
        f"peak resident memory: main process {r.peak_rss_mib['main']:.0f} MiB, "
        f"self-play process {r.peak_rss_mib['selfplay_process']:.0f} MiB",
    ]
    print("\n".join(lines))
