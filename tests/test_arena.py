"""Arena: both seats, counts that add up, replayable games, intervals and the match command."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from agents.bots import RandomBot
from agents.solver import SolverBot
from games.game import load
from sandbox.cli import main
from sandbox.evaluation.arena import elo_difference, play_game, play_match, wilson_interval


@pytest.fixture(scope="module")
def tic_tac_toe():
    return load("tic-tac-toe")


def test_solver_never_loses_to_random_from_either_seat(tic_tac_toe):
    result = play_match(SolverBot(tic_tac_toe), RandomBot(tic_tac_toe), tic_tac_toe, 20, seed=3)
    assert result.losses == 0
    assert result.by_seat[0].games == result.by_seat[1].games == 10
    assert result.wins > 10  # random blunders in most games


def test_counts_add_up_and_seats_alternate(tic_tac_toe):
    result = play_match(RandomBot(tic_tac_toe), RandomBot(tic_tac_toe), tic_tac_toe, 11, seed=0)
    assert result.wins + result.draws + result.losses == 11 == len(result.games)
    assert [g.a_seat for g in result.games] == [i % 2 for i in range(11)]
    assert result.by_seat[0].games == 6 and result.by_seat[1].games == 5
    assert sum(o.wins for o in result.by_seat.values()) == result.wins
    for g in result.games:
        state = tic_tac_toe.state_from_actions(g.actions)
        assert state.is_terminal() and list(state.returns()) == list(g.returns)


def test_a_game_replays_from_the_match_seed_and_its_index(tic_tac_toe):
    a, b = RandomBot(tic_tac_toe), RandomBot(tic_tac_toe)
    result = play_match(a, b, tic_tac_toe, 4, seed=7)
    game = result.games[3]  # A in seat 1
    actions, returns = play_game([b, a], tic_tac_toe, np.random.default_rng([7, 3]))
    assert tuple(actions) == game.actions and tuple(returns) == game.returns
    again = play_match(a, b, tic_tac_toe, 4, seed=7)
    assert again.games == result.games


def test_a_generator_seed_is_drawn_once_and_recorded(tic_tac_toe):
    a, b = RandomBot(tic_tac_toe), RandomBot(tic_tac_toe)
    result = play_match(a, b, tic_tac_toe, 2, np.random.default_rng(5))
    assert result.games == play_match(a, b, tic_tac_toe, 2, seed=result.seed).games


def test_wilson_interval_known_values():
    low, high = wilson_interval(0, 10)
    assert low == 0.0 and high == pytest.approx(0.2775, abs=1e-4)
    low, high = wilson_interval(50, 100)
    assert (low, high) == pytest.approx((0.4038, 0.5962), abs=1e-4)
    assert wilson_interval(0, 0) == (0.0, 1.0)


def test_elo_difference_from_score():
    assert elo_difference(0.5) == 0.0
    assert elo_difference(0.75) == pytest.approx(190.85, abs=0.01)
    assert elo_difference(1.0) == math.inf and elo_difference(0.0) == -math.inf


def test_match_result_json_has_no_infinities(tic_tac_toe):
    result = play_match(SolverBot(tic_tac_toe), RandomBot(tic_tac_toe), tic_tac_toe, 2, seed=1)
    text = json.dumps(result.to_dict(), allow_nan=False)
    assert json.loads(text)["games"] == 2


def test_cli_match_prints_json_counts(capsys):
    argv = ["match", "random", "random", "--game", "tic-tac-toe", "--games", "4", "--json"]
    assert main(argv) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["games"] == 4 == out["wins"] + out["draws"] + out["losses"]
    assert out["by_seat"]["0"]["games"] == out["by_seat"]["1"]["games"] == 2


def test_cli_match_prints_a_table_by_seat(capsys):
    assert main(["match", "solver", "random", "--game", "tic-tac-toe", "--games", "2"]) == 0
    out = capsys.readouterr().out
    assert "first" in out and "second" in out and "Elo" in out


@pytest.mark.parametrize(
    "argv",
    [
        ["match", "random", "randm", "--game", "tic-tac-toe"],
        ["match", "random", "random", "--game", "tic-tac-toe", "--games", "0"],
        ["match", "random", "random", "--game", "no-such-game"],
    ],
)
def test_cli_match_bad_input_exits_2_with_one_line(capsys, argv):
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("sandbox: error:")


def test_a_batched_match_plays_each_game_as_it_would_be_played_alone():
    """Games advance together (one select_actions per agent and turn) but game i still draws
    only from default_rng([seed, i]): each equals play_game with that generator."""
    from agents.bots import MCTSBot
    from agents.evaluators import UniformEvaluator
    from agents.mcts import MCTSConfig
    from sandbox.evaluation.arena import play_game

    game = load("tic-tac-toe")
    search = MCTSBot(UniformEvaluator(game), MCTSConfig(num_simulations=16), temperature=1.0)
    rand = RandomBot(game)
    result = play_match(search, rand, game, 6, seed=3)
    for g in result.games:
        seats = [search, rand] if g.a_seat == 0 else [rand, search]
        actions, returns = play_game(seats, game, np.random.default_rng([3, g.index]))
        assert tuple(actions) == g.actions and tuple(returns) == g.returns


def test_opening_plies_give_deterministic_agents_different_games_from_both_seats():
    from agents.bots import MCTSBot
    from agents.evaluators import UniformEvaluator
    from agents.mcts import MCTSConfig

    game = load("tic-tac-toe")
    search = MCTSBot(UniformEvaluator(game), MCTSConfig(num_simulations=8))  # deterministic
    same = play_match(search, search, game, 6, seed=1)
    assert len({g.actions for g in same.games}) == 1
    varied = play_match(search, search, game, 6, seed=1, opening_plies=2)
    assert len({g.actions[:2] for g in varied.games}) == 3
    for k in range(3):  # games 2k and 2k+1: one opening, A first then B first
        first, second = varied.games[2 * k], varied.games[2 * k + 1]
        assert first.actions[:2] == second.actions[:2] and (first.a_seat, second.a_seat) == (0, 1)


def test_a_long_match_reports_each_round_of_moves_before_any_game_ends(tic_tac_toe):
    """The games advance together, so the per-game callback stays at zero until the end;
    on_turn shows the match moving: the moves played so far grow each round and the games
    still going fall to zero, with the total equal to the moves of the recorded games."""
    rounds: list[tuple[int, int]] = []
    finished: list[int] = []
    result = play_match(
        RandomBot(tic_tac_toe),
        RandomBot(tic_tac_toe),
        tic_tac_toe,
        6,
        seed=2,
        progress=finished.append,
        on_turn=lambda moves, playing: rounds.append((moves, playing)),
    )
    moves = [m for m, _ in rounds]
    assert len(rounds) >= 5 and moves == sorted(set(moves))
    # first round: A opens its three games, then B moves in all six (three replies, three openings)
    assert rounds[0] == (9, 6)
    assert rounds[-1] == (sum(len(g.actions) for g in result.games), 0)
    assert sum(finished) == 6
