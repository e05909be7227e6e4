"""The catalogue of reduced-size presets, and validation of any other OpenSpiel game string.

A preset is a short name for an OpenSpiel game string plus what OpenSpiel does not tell us:
how the board is drawn (geometry) and which observation planes hold each player's stones (so the
encoding can show the board from the mover's side).
"""

from __future__ import annotations

import contextlib
import functools
import math
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass

import pyspiel

from games.errors import UserError
from games.parameters import check_parameters


@dataclass(frozen=True)
class GameSpec:
    """A game the sandbox can play: a name, an OpenSpiel string and how to draw it."""

    name: str  # short name used on the command line, e.g. "connect4-5x4"
    openspiel: str  # pyspiel.load_game string
    display_name: str  # for titles and plots
    geometry: str  # "grid", "columns" (connect four), "hex", "go" (grid + pass) or "none"
    colour_planes: tuple[int, int] | None = None  # obs planes of player 0's and 1's stones
    symmetry: str = "none"  # "dihedral", "mirror" (left-right), "rot180" or "none"


GAMES: dict[str, GameSpec] = {
    spec.name: spec
    for spec in [
        GameSpec("tic-tac-toe", "tic_tac_toe", "Tic-tac-toe", "grid", (2, 1), "dihedral"),
        GameSpec(
            "connect4-5x4",
            "connect_four(rows=4,columns=5,x_in_row=4)",
            "Connect four 5x4",
            "columns",
            (0, 1),
            "mirror",
        ),
        GameSpec(
            "connect4-6x5",
            "connect_four(rows=5,columns=6,x_in_row=4)",
            "Connect four 6x5",
            "columns",
            (0, 1),
            "mirror",
        ),
        GameSpec("connect4", "connect_four", "Connect four 7x6", "columns", (0, 1), "mirror"),
        GameSpec("hex5", "hex(board_size=5)", "Hex 5x5", "hex", symmetry="rot180"),
        GameSpec("hex7", "hex(board_size=7)", "Hex 7x7", "hex", symmetry="rot180"),
        # Komi: 5x5 and 7x7 boards favour Black heavily; these keep the game open for learners.
        GameSpec("go5", "go(board_size=5,komi=0.5)", "Go 5x5", "go", (0, 1), "dihedral"),
        GameSpec("go7", "go(board_size=7,komi=9.5)", "Go 7x7", "go", (0, 1), "dihedral"),
        GameSpec("go9", "go(board_size=9,komi=7.5)", "Go 9x9", "go", (0, 1), "dihedral"),
        GameSpec(
            "breakthrough5",
            "breakthrough(rows=5,columns=5)",
            "Breakthrough 5x5",
            "grid",
            (0, 1),
        ),
        GameSpec(
            "breakthrough6",
            "breakthrough(rows=6,columns=6)",
            "Breakthrough 6x6",
            "grid",
            (0, 1),
        ),
    ]
}

# OpenSpiel strings that are the same game as a preset, so that "tic_tac_toe" or
# "connect_four(columns=5,rows=4,x_in_row=4)" keeps the preset's name, geometry and models.
_OPENSPIEL_ALIASES = {spec.openspiel: spec for spec in GAMES.values()}


def rules_key(game: pyspiel.Game) -> tuple[str, tuple[tuple[str, object], ...]]:
    """What makes two loaded OpenSpiel games the same game: the short name and every parameter,
    defaults filled in. (OpenSpiel's printed string is not it: `connect_four` prints as
    `connect_four()`, `connect_four(columns=7,rows=6,x_in_row=4)` with its parameters.)"""
    return game.get_type().short_name, tuple(sorted(game.get_parameters().items()))


@functools.cache
def _presets_by_rules() -> dict[tuple[str, tuple[tuple[str, object], ...]], GameSpec]:
    """Preset by the rules it loads (`rules_key`)."""
    return {rules_key(pyspiel.load_game(spec.openspiel)): spec for spec in GAMES.values()}


@contextlib.contextmanager
def _quiet_stderr() -> Iterator[None]:
    """Silences OpenSpiel's C++ messages on fd 2 ("OpenSpiel exception: ...", "Warning! ...").

    The sandbox reports a bad game string itself, in one line; OpenSpiel's own copy of the
    message would make that two.
    """
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError):  # no real fd 2 (some test runners): nothing to silence
        yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    try:
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def load_openspiel(text: str) -> pyspiel.Game:
    """pyspiel.load_game with a UserError (and no C++ noise) for a string it cannot load, or
    whose sizes it would crash on (`games.parameters`: checked before OpenSpiel sees them)."""
    try:
        with _quiet_stderr():
            check_parameters(text)
            return pyspiel.load_game(text)
    except pyspiel.SpielError as err:
        raise UserError(f"OpenSpiel cannot load game '{text}': {err}") from None


def check_supported(game: pyspiel.Game) -> None:
    """Raises UserError naming every property that rules the game out.

    The sandbox's search and learning assume two players who alternate (or at least move one at
    a time), see the whole board, roll no dice, and whose returns sum to zero.
    """
    game_type = game.get_type()
    problems = []
    if game.num_players() != 2:
        problems.append(f"it has {game.num_players()} players (need exactly 2)")
    if game_type.dynamics != pyspiel.GameType.Dynamics.SEQUENTIAL:
        problems.append("it has simultaneous moves (need sequential)")
    if game_type.chance_mode != pyspiel.GameType.ChanceMode.DETERMINISTIC:
        problems.append("it has chance events (need deterministic)")
    if game_type.information != pyspiel.GameType.Information.PERFECT_INFORMATION:
        problems.append("it has imperfect information (need perfect information)")
    if game_type.utility != pyspiel.GameType.Utility.ZERO_SUM:
        problems.append(f"it is not zero-sum (utility {game_type.utility.name})")
    if not problems and not game_type.provides_observation_tensor:
        problems.append("it provides no observation tensor to encode for the network")
    if not problems:
        problems = _board_problems(game)
    if problems:
        raise UserError(f"game '{game}' is not supported: " + "; ".join(problems))


# Beyond these the network's input or output would not fit a laptop (hive: 6,647 inputs, shogi:
# 13,689 actions).
MAX_OBSERVATION_SIZE = 100_000
MAX_ACTIONS = 100_000


def _board_problems(game: pyspiel.Game) -> list[str]:
    """What makes a loaded game unplayable here: no board to encode, no moves, no game."""
    shape = list(game.observation_tensor_shape())
    size = math.prod(shape)
    if not shape or min(shape) < 1:
        return [f"its observation tensor has shape {shape}: no board to encode"]
    if size > MAX_OBSERVATION_SIZE:
        return [f"its observation tensor has {size} numbers (at most {MAX_OBSERVATION_SIZE})"]
    if not 1 <= game.num_distinct_actions() <= MAX_ACTIONS:
        return [f"it has {game.num_distinct_actions()} actions (need 1 to {MAX_ACTIONS})"]
    if game.max_game_length() < 1:
        return ["its games have no moves"]
    try:
        with _quiet_stderr():
            state = game.new_initial_state()
            is_over = state.is_terminal() or not state.legal_actions()
    except pyspiel.SpielError as err:  # go(board_size=2,handicap=2): no room for the stones
        return [f"its first position cannot be set up ({err})"]
    if is_over:
        return ["it is over before the first move"]
    return []


def resolve_game(name: str) -> GameSpec:
    """Finds a preset by short name, or validates any other OpenSpiel game string.

    Raises:
        UserError: unknown name, a string OpenSpiel cannot load, or an unsupported game.
    """
    name = name.strip()
    if name in GAMES:
        return GAMES[name]
    if name in _OPENSPIEL_ALIASES:
        return _OPENSPIEL_ALIASES[name]
    short = name.split("(")[0]
    if short not in pyspiel.registered_names():
        presets = ", ".join(GAMES)
        raise UserError(
            f"unknown game '{name}': not a preset ({presets}) nor an OpenSpiel game name"
        )
    game = load_openspiel(name)
    check_supported(game)
    # The same rules as a preset, however spelt: the preset, so that a model trained on it sees
    # the planes it was trained on (its colour swap) and its symmetries apply.
    preset = _presets_by_rules().get(rules_key(game))
    if preset is not None:
        return preset
    return GameSpec(name, name, name, "none")
