"""Self-play throughput with and without `selfplay.carry_over`, A/B in turn in one process.

    python benchmarks/carry_over.py [--game connect4] [--games 64] [--sims 100] [--rounds 4]

Each round plays one training iteration's self-play both ways, in alternating order, on the
same untrained 64x4 network: `drained` plays `--games` new games to the end (the last ones in
ever smaller batches); `carried` plays from the games the previous carried round left plus new
ones until `--games` have finished, as the trainer does (a first, untimed round fills its queue,
so the timed rounds are in the steady state where as many games wait at the end as at the
start). Prints, per round, finished games per second and network batch of each, and the ratio
carried / drained; quote the median ratio (the machine's load drifts, the pairing absorbs it).
One process, one torch thread: the figure per core.
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch

from sandbox.evaluation.bench import BenchSettings, make_evaluator, selfplay_config
from sandbox.training.selfplay import GameInProgress, play_queue


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--game", default="connect4")
    parser.add_argument("--games", type=int, default=64, help="games per iteration = slots")
    parser.add_argument("--sims", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=4)
    args = parser.parse_args()
    torch.set_num_threads(1)
    settings = BenchSettings(game=args.game, games=args.games, sims=args.sims, workers=1)
    from games.game import load

    game = load(args.game)
    evaluator = make_evaluator(settings, game)
    cfg = selfplay_config(settings, concurrent=args.games)
    next_index = 0

    def fresh(count: int) -> list[GameInProgress]:
        nonlocal next_index
        games = [GameInProgress.new(0, next_index + i) for i in range(count)]
        next_index += count
        return games

    def iteration(queue: list[GameInProgress]) -> tuple[float, float, list[GameInProgress]]:
        evaluator.clear_cache()
        start = time.perf_counter()
        records, stats, left = play_queue(game, *cfg, evaluator, queue, args.games)
        seconds = time.perf_counter() - start
        batch = stats.network_positions / max(stats.network_calls, 1)
        return len(records) / seconds, batch, [g for g in left if g.actions]

    _, _, waiting = iteration(fresh(2 * args.games))  # fill the carried queue (untimed)
    ratios = []
    print(f"{args.game}, {args.games} games an iteration, {args.sims} sims, one process")
    print("round  drained games/s (batch)  carried games/s (batch)  carried/drained")
    for r in range(args.rounds):
        order = ["drained", "carried"] if r % 2 == 0 else ["carried", "drained"]
        rate = {}
        for mode in order:
            if mode == "drained":
                rate[mode] = iteration(fresh(args.games))[:2]
            else:
                queue = waiting + fresh(2 * args.games - len(waiting))
                speed, batch, waiting = iteration(queue)
                rate[mode] = (speed, batch)
        ratios.append(rate["carried"][0] / rate["drained"][0])
        (d, db), (c, cb) = rate["drained"], rate["carried"]
        print(f"{r:>5}  {d:>15.2f} ({db:5.1f})  {c:>15.2f} ({cb:5.1f})  {ratios[-1]:>15.2f}")
    print(f"median carried/drained: {statistics.median(ratios):.2f}x over {len(ratios)} rounds")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
