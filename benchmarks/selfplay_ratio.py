"""`sandbox bench`'s headline ratio alone, quicker to repeat: (a) the forward pass at batch 64 on
all cores for 3 s, (b) self-play as the trainer plays it, (a) again; prints one JSON line.

    python benchmarks/selfplay_ratio.py [--net 64x5] [--pairs-with OTHER_CHECKOUT] [--pairs 3]

--net CHANNELSxBLOCKS: the network (default `sandbox bench`'s 64x4; connect4's recipe trains 64x5).

SELFPLAY_RATIO_GAMES=256 measures with 128 games per process instead of `sandbox bench`'s 256.

With `--pairs-with DIR` it runs the same measurement in turn in DIR (another checkout of the
project, e.g. `git worktree add /tmp/before COMMIT`) and here, `--pairs` times, so that a
change in the machine's load hits both alike: the README's before/after figures come from it.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path


def measure(channels: int, blocks: int) -> dict:
    import torch

    from games.game import load
    from sandbox.evaluation.bench import (
        BenchSettings,
        make_evaluator,
        parallel_forward_rate,
        selfplay_config,
        timed_selfplay,
    )
    from sandbox.training.selfplay import play_games

    games = int(os.environ.get("SELFPLAY_RATIO_GAMES", "512"))
    s = BenchSettings(workers=2, games=games, channels=channels, blocks=blocks)
    torch.set_num_threads(1)
    game = load(s.game)
    evaluator = make_evaluator(s, game)
    warm = selfplay_config(dataclasses.replace(s, sims=2), concurrent=s.workers)
    play_games(game, *warm, evaluator, s.workers, s.seed + 1)  # start the workers
    before = parallel_forward_rate(evaluator, 64, 3.0, s.workers)
    evaluator.clear_cache()
    cfg = selfplay_config(s, concurrent=s.games)
    b, _ = timed_selfplay(game, cfg, evaluator, s.games, s.seed, carry_over=True)
    after = parallel_forward_rate(evaluator, 64, 3.0, s.workers)
    forward = (before + after) / 2
    return {
        "ratio_at_64": b["network_positions_per_s"] / forward,
        "network_positions_per_s_per_core": b["network_positions_per_s"] / s.workers,
        "forward_64_per_core": forward / s.workers,
        "sims_per_s": b["sims_per_s"],
        "mean_batch": b["mean_batch"],
        "cache_hit_rate": b["cache_hit_rate"],
        "network_time_share": b.get("network_time_share"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs-with", type=Path, help="another checkout, measured in turn")
    parser.add_argument("--pairs", type=int, default=3)
    parser.add_argument("--net", default="64x4", help="CHANNELSxBLOCKS (64x4)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    from games.errors import UserError
    from sandbox.commands.bench import parse_net

    try:
        channels, blocks = parse_net(args.net)
    except UserError as error:
        parser.error(str(error))
    if args.child or args.pairs_with is None:
        print(json.dumps({"net": args.net, **measure(channels, blocks)}), flush=True)
        return
    here = Path(__file__).resolve().parent.parent
    if not (args.pairs_with / "sandbox" / "__init__.py").is_file():
        parser.error(f"--pairs-with {args.pairs_with}: not a checkout of this project")
    for k in range(args.pairs):
        for label, root in (("other", args.pairs_with.resolve()), ("this", here)):
            env = dict(os.environ, PYTHONPATH=str(root))  # its packages first, workers too
            out = subprocess.run(
                [sys.executable, str(Path(__file__).resolve()), "--child", "--net", args.net],
                cwd=root, env=env, capture_output=True, text=True, check=True,
            ).stdout  # fmt: skip
            print(json.dumps({"pair": k, "code": label, **json.loads(out.splitlines()[-1])}))


if __name__ == "__main__":
    main()
