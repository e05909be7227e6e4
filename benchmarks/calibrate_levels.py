"""Measures the Elo of each level of a shipped model's strength dial and writes it into the
level table (`sandbox/zoo/NAME.levels.json`; a model without one gets the default dial of
`viz.levels.DEFAULT_LEVELS` first), on the sweep's scale: `random` = 0, with
OpenSpiel's rollout MCTS at 4, 32, 256 and 2048 simulations as anchors in between.

    python benchmarks/calibrate_levels.py connect4-5x4 --games 24

The levels and anchors play a ladder by guessed strength (each meets the next two), every
level also meets the next level and the strongest anchor, and every pairing plays the same
random 2-move openings from both seats (`sandbox.evaluation.tournament`). Ratings come from
`pyspiel.elo` with bootstrap intervals (`sandbox.evaluation.elo.rate`).
"""

from __future__ import annotations

import argparse
import json
import sys
import time

import numpy as np
import torch
from tqdm import tqdm

from games.game import load
from sandbox.commands.play import level_player, levels_path
from sandbox.evaluation.elo import rate
from sandbox.evaluation.tournament import Entrant, ladder, random_openings, run_tournament
from sandbox.specs import make_agent
from viz.levels import default_level_table, read_levels

ANCHORS = ["random", "rollout:sims=4", "rollout:sims=32", "rollout:sims=256", "rollout:sims=2048"]
GUESS = {"random": 0, "rollout:sims=4": 1, "rollout:sims=32": 3, "rollout:sims=256": 5,
         "rollout:sims=2048": 7}  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("game")
    parser.add_argument("--games", type=int, default=24, help="games per pairing (both seats)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--dry-run", action="store_true", help="print, do not write the table")
    args = parser.parse_args()
    torch.set_num_threads(1)
    game = load(args.game)
    path = levels_path(game)
    if not path.exists():
        if args.dry_run:
            print(f"{path} does not exist yet: run once without --dry-run to create it")
            return 2
        make_agent("policy", game)  # no shipped model: its one-line error, before any file
        path.write_text(json.dumps(default_level_table(f"zoo:{game.name}"), indent=2) + "\n")
        print(f"wrote the default level table {path}")
    levels = read_levels(path)
    entrants, guess = [], {}
    for level in levels:
        _, agent = level_player(game, level.number, "cpu", args.seed)
        name = f"level {level.number}"
        entrants.append(Entrant(name, agent))
        guess[name] = 2 * level.number - 1.5  # interleaved with the anchors
    for spec in ANCHORS:
        entrants.append(Entrant(spec, make_agent(spec, game, seed=args.seed)))
        guess[spec] = GUESS[spec]
    order = sorted(guess, key=guess.get)
    names = [f"level {lv.number}" for lv in levels]
    extra = list(zip(names, names[1:], strict=False)) + [(n, ANCHORS[-1]) for n in names]
    pairs = ladder(order, 2, extra)
    rng = np.random.default_rng(args.seed)
    openings = random_openings(game, max(1, args.games // 2), 2, rng)
    start = time.perf_counter()
    games = len(pairs) * 2 * len(openings)
    with tqdm(total=games, desc=f"{game.name} levels", unit="game", leave=False) as bar:
        tournament = run_tournament(entrants, pairs, game, openings, rng, bar.update)
    ratings = rate(tournament, bootstrap=200, rng=rng)
    print(f"{game.name}: {len(pairs)} pairings x {2 * len(openings)} games "
          f"({time.perf_counter() - start:.0f} s)")  # fmt: skip
    print(f"{'player':<48}{'Elo':>6}  95% interval")
    for name in order:
        label = name
        if name.startswith("level "):
            label = f"{name}: {levels[int(name.split()[1]) - 1].name}"
        print(f"{label:<48}{ratings[name]:>6.0f}  "
              f"[{ratings.low[ratings.names.index(name)]:.0f}, "
              f"{ratings.high[ratings.names.index(name)]:.0f}]")  # fmt: skip
    if not args.dry_run:
        path = levels_path(game)
        data = json.loads(path.read_text())
        for level, item in zip(levels, data["levels"], strict=True):
            item["elo"] = round(ratings[f"level {level.number}"])
        data["elo_measured_by"] = (f"python benchmarks/calibrate_levels.py {args.game} "
                                   f"--games {args.games} --seed {args.seed}")  # fmt: skip
        path.write_text(json.dumps(data, indent=2) + "\n")
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
