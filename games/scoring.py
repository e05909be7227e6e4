"""Final score margins of games that count points (Go), read off OpenSpiel's own scoring.

OpenSpiel's Go returns only +1 / -1: who won, not by how much. The margin is what a player who
is sure to lose (or to win) can still play for, and a value trained on win/loss alone gives the
side that komi makes lose (Black on 7x7 with komi 9.5) no reason to capture a dead stone before
passing. KataGo mixes a score utility into its value for this reason.

The margin is found without counting a single point here (OpenSpiel owns the rules): the same
moves are replayed under other komi values, and the komi at which the result flips is the
difference of the two areas. Tromp-Taylor areas are whole numbers, so half-point komi never
ties and a binary search over them takes about seven replays.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

import pyspiel

from games.catalogue import rules_key
from games.game import Action, Game


def has_score(game: Game) -> bool:
    """Whether the game's result is a point count against a komi (Go)."""
    return "komi" in game.openspiel.get_parameters()


@functools.lru_cache(maxsize=256)
def _with_komi(rules: tuple[str, tuple], komi: float) -> pyspiel.Game:
    name, parameters = rules
    return pyspiel.load_game(name, {**dict(parameters), "komi": komi})


def _first_player_wins(rules: tuple[str, tuple], actions: Sequence[Action], komi: float) -> bool:
    state = _with_komi(rules, komi).new_initial_state()
    for action in actions:
        state.apply_action(action)
    return state.returns()[0] > 0


def score_margin(game: Game, actions: Sequence[Action]) -> float:
    """The first player's final margin (area difference minus komi) of a finished game.

    Raises ValueError for a game without a score (see `has_score`) or an unfinished game.
    """
    if not has_score(game):
        raise ValueError(f"{game.name} has no score (no komi)")
    actions = [int(a) for a in actions]
    if not game.state_from_actions(actions).is_terminal():
        raise ValueError("score_margin needs a finished game")
    rules = rules_key(game.openspiel)  # the game's name and parameters, hashable
    cells = game.observation_shape[1] * game.observation_shape[2]
    # d = first player's area - second's, a whole number in [-cells, cells]. Black wins under
    # komi m + 0.5 exactly when d >= m + 1: find the largest such m.
    low, high = -cells - 1, cells  # first player wins at low + 0.5, loses at high + 0.5
    while high - low > 1:
        mid = (low + high) // 2
        if _first_player_wins(rules, actions, mid + 0.5):
            low = mid
        else:
            high = mid
    komi = float(game.openspiel.get_parameters()["komi"])
    return (low + 1) - komi
