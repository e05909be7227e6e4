"""Who threw the game away: a match, then the exact solver's verdict along every game from ply K.

    python benchmarks/decided_at.py hex5 mcts:model=zoo:hex5,sims=400 rollout:sims=10000 \\
        --games 40 --from-ply 9

Hex 5x5 is a first-player win: from the second seat a bar on results against a strong opponent
measures how often that opponent throws a won game away as much as how well A plays. This splits
A's results by what the solver says (`agents/solver.py`, allowed the late positions of games
longer than it solves from the start: Hex 5x5 after its ninth move takes seconds a position):

- settled by ply K: the value for A at ply K is the game's result, and no later move changed it
  (whoever won was winning by ply K and kept it);
- A threw / B threw: at some ply >= K that player's move made its value worse (a win into a draw
  or a loss, a draw into a loss); a game counts once per player however often it happened.

Prints one row per seat of A and one JSON line with every game's values (for the record).
"""

from __future__ import annotations

import argparse
import json
import time

import torch
from tqdm import tqdm

from agents.solver import Solver
from games.game import load
from sandbox.commands.match import play_match_with_bar
from sandbox.specs import make_agent


def verdicts(
    game, solver: Solver, actions, a_seat: int, from_ply: int
) -> tuple[list[int], list[bool]]:
    """The solver's value for A (1 win, 0 draw, -1 loss) before each move from ply `from_ply`
    on, and whether A made that move."""
    state = game.new_state()
    values, by_a = [], []
    for ply, action in enumerate(actions):
        if ply >= from_ply:
            value = solver.value(state)
            values.append(value if state.current_player() == a_seat else -value)
            by_a.append(state.current_player() == a_seat)
        state.apply_action(action)
    return values, by_a


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("game")
    parser.add_argument("a", help="agent spec, e.g. mcts:model=zoo:hex5,sims=400")
    parser.add_argument("b", help="agent spec, e.g. rollout:sims=10000")
    parser.add_argument("--games", type=int, default=40, help="games (both seats, A first in even)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--from-ply", type=int, default=9, help="first ply the solver judges")
    args = parser.parse_args()
    torch.set_num_threads(1)
    game = load(args.game)
    # Seeds as `sandbox match` gives them: the same command line there plays the same games.
    a = make_agent(args.a, game, seed=args.seed)
    b = make_agent(args.b, game, seed=args.seed + 1)
    start = time.time()
    match = play_match_with_bar(a, b, game, args.games, args.seed)
    played = time.time() - start
    solver = Solver(game, max_length=game.max_game_length)
    rows = {
        seat: {"games": 0, "A wins": 0, "settled by K": 0, "A threw": 0, "B threw": 0}
        for seat in (0, 1)
    }
    games = []
    for record in tqdm(match.games, desc="solver", unit="game", leave=False):
        seat = record.a_seat
        result = int(record.returns[seat] > 0) - int(record.returns[seat] < 0)
        values, by_a = verdicts(game, solver, record.actions, seat, args.from_ply)
        after = [*values[1:], result][: len(values)]  # the value once each move is made
        row = rows[seat]
        row["games"] += 1
        row["A wins"] += result > 0
        row["settled by K"] += all(v == result for v in values)
        row["A threw"] += any(w < v and a for v, w, a in zip(values, after, by_a, strict=True))
        row["B threw"] += any(w > v and not a for v, w, a in zip(values, after, by_a, strict=True))
        games.append({"a_seat": seat, "result": result, "values": values})
    print(
        f"{args.a} (A) vs {args.b} (B) on {args.game}, {args.games} games, seed {args.seed};"
        f" solver from ply {args.from_ply}; match {played:.0f} s, solver "
        f"{time.time() - start - played:.0f} s"
    )
    header = ["A moves", "games", "A wins", "settled by K", "A threw", "B threw"]
    print("  ".join(f"{h:>12}" for h in header))
    for seat, name in ((0, "first"), (1, "second")):
        print("  ".join(f"{v:>12}" for v in [name, *rows[seat].values()]))
    print(json.dumps({"from_ply": args.from_ply, "seed": args.seed, "games": games}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
