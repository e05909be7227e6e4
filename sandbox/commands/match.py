"""`sandbox match A B --game G --games N`: both seats, win/draw/loss with a confidence interval."""

from __future__ import annotations

import argparse
import json
import math

from tqdm import tqdm

from agents.base import Agent
from games.errors import UserError
from games.game import Game, load
from sandbox.evaluation.arena import MatchResult, Outcomes, play_match
from sandbox.specs import make_agent


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "match",
        help="play two agents against each other from both seats",
        description="Plays N games, A moving first in games 0, 2, 4, ...; every figure is from "
        "A's view. Game i uses the random generator default_rng([seed, i]).",
    )
    p.add_argument("agent_a", metavar="A", help="agent spec, e.g. solver, mcts:sims=200")
    p.add_argument("agent_b", metavar="B", help="agent spec, e.g. rollout:sims=1000")
    p.add_argument("--game", required=True, help="game preset or OpenSpiel string")
    p.add_argument("--games", type=int, default=20, metavar="N", help="games to play (default 20)")
    p.add_argument("--seed", type=int, default=0, help="match seed")
    p.add_argument(
        "--opening-plies",
        type=int,
        default=0,
        metavar="K",
        help="start each pair of games (one per seat) after K random moves: deterministic "
        "agents (policy, mcts) then play different games (default 0: the initial position)",
    )
    p.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.games < 1:
        raise UserError(f"--games must be at least 1 (got {args.games})")
    if not 0 <= args.opening_plies <= 20:
        raise UserError(f"--opening-plies must be in [0, 20] (got {args.opening_plies})")
    game = load(args.game)
    agent_a = make_agent(args.agent_a, game, seed=args.seed)
    agent_b = make_agent(args.agent_b, game, seed=args.seed + 1)
    result = play_match_with_bar(agent_a, agent_b, game, args.games, args.seed, args.opening_plies)
    if args.json:
        print(json.dumps(result.to_dict()))
    else:
        print(format_result(result))
    return 0


def play_match_with_bar(
    agent_a: Agent,
    agent_b: Agent,
    game: Game,
    num_games: int,
    seed: int,
    opening_plies: int = 0,
) -> MatchResult:
    """`play_match` under a progress bar that moves every round of moves (the games advance
    together and mostly end together, so a bar of finished games alone sits at zero)."""
    desc = f"{agent_a.name} vs {agent_b.name}"
    with tqdm(total=num_games, desc=desc, unit="game", leave=False) as bar:

        def show_turn(moves: int, playing: int) -> None:
            bar.set_postfix_str(f"{moves} moves played, {playing} games on", refresh=False)
            bar.update(0)  # redraws at most every `mininterval` seconds, as update(1) does

        return play_match(
            agent_a, agent_b, game, num_games, seed, bar.update, opening_plies, show_turn
        )


def _row(label: str, o: Outcomes) -> str:
    score = f"{o.score:.3f}" if o.games else "-"
    return f"{label:<10}{o.games:>6}{o.wins:>6}{o.draws:>7}{o.losses:>8}{score:>8}"


def _elo(x: float) -> str:
    return f"{x:+.0f}" if math.isfinite(x) else ("+inf" if x > 0 else "-inf")


def format_result(result: MatchResult) -> str:
    """W/D/L of A by seat and overall, score interval and Elo difference."""
    low, high = result.score_interval
    elo_low, elo_high = result.elo_interval
    seats = result.by_seat
    return "\n".join(
        [
            f"{result.agent_a} (A) vs {result.agent_b} (B) on {result.game}, "
            f"{len(result.games)} games, seed {result.seed}"
            + (f", {result.opening_plies} random opening plies" if result.opening_plies else ""),
            "",
            f"{'A moves':<10}{'games':>6}{'wins':>6}{'draws':>7}{'losses':>8}{'score':>8}",
            _row("first", seats[0]),
            _row("second", seats[1]),
            _row("all", result.outcomes),
            "",
            f"score of A {result.score:.3f} [{low:.3f}, {high:.3f}] (95% Wilson); "
            f"Elo A - B {_elo(result.elo)} [{_elo(elo_low)}, {_elo(elo_high)}]",
        ]
    )
