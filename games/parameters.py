"""The integer parameters of a game string, checked before OpenSpiel sees them.

OpenSpiel accepts sizes it cannot play: `connect_four(rows=0)` and `y(board_size=-1)` segfault,
`gomoku(size=100000)` hangs, `hex(board_size=1)` reaches a position with no legal move that is
not the end, `go(board_size=0)` loads a board of no cells. So every integer parameter of a game
string is checked here first, against its game's range in `BOARD_PARAMETERS` (sizes of a
board or of a winning line, measured with open-spiel 1.6: each range is where the game loads and
random play reaches the end) or else against `OTHER_INTEGERS` (counts and limits, never
negative).
"""

from __future__ import annotations

import functools
import re

import pyspiel

from games.errors import UserError

# game -> parameter -> (lowest, highest). Board sides stop at 25 (Go at 19, OpenSpiel's limit):
# larger boards load, but nothing on a laptop learns them, and some (gomoku) never finish loading.
BOARD_PARAMETERS: dict[str, dict[str, tuple[int, int]]] = {
    "breakthrough": {"rows": (2, 25), "columns": (2, 25)},
    "checkers": {"rows": (1, 25), "columns": (1, 25)},
    "clobber": {"rows": (2, 25), "columns": (2, 25)},
    "connect_four": {"rows": (1, 25), "columns": (1, 25), "x_in_row": (1, 25)},
    "cursor_go": {"board_size": (2, 19), "handicap": (0, 9)},
    "dots_and_boxes": {"num_rows": (1, 25), "num_cols": (1, 25)},
    "go": {"board_size": (2, 19), "handicap": (0, 9)},
    "gomoku": {"size": (1, 25), "connect": (1, 25), "dims": (1, 3)},
    "havannah": {"board_size": (2, 25)},
    "hex": {"board_size": (2, 25), "num_rows": (2, 25), "num_cols": (2, 25)},
    "hive": {"board_size": (1, 19)},
    "mnk": {"m": (1, 25), "n": (1, 25), "k": (1, 25)},
    "oware": {"num_houses_per_player": (1, 25), "num_seeds_per_house": (1, 100)},
    "quoridor": {"board_size": (3, 25)},
    "y": {"board_size": (2, 25)},
}
OTHER_INTEGERS = (0, 10_000)  # any other integer parameter: move limits, counts, players


@functools.cache
def _integer_parameters(game: str) -> frozenset[str]:
    """The parameters the game declares as integers (from its default values)."""
    for game_type in pyspiel.registered_games():
        if game_type.short_name == game:
            spec = game_type.parameter_specification
            return frozenset(k for k, v in spec.items() if type(v) is int)
    return frozenset()


def check_parameters(text: str) -> None:
    """Raises UserError naming the first integer parameter of `text` outside its range.

    Integers that do not fit OpenSpiel's int (which it only reports as "CHECK_TRUE(success)")
    are found in the text; anything else OpenSpiel cannot parse is left to `pyspiel.load_game`,
    which says why.
    """
    try:
        params = pyspiel.game_parameters_from_string(text)
    except pyspiel.SpielError:
        params = {"name": text.split("(")[0]}
        params.update((k, int(v)) for k, v in re.findall(r"(\w+)=(-?\d+)(?=[,)])", text))
    game = params.pop("name", "")
    ranges = BOARD_PARAMETERS.get(game, {})
    declared = _integer_parameters(game)
    for key, value in params.items():
        if key not in declared or isinstance(value, bool) or not isinstance(value, int):
            continue  # not an integer parameter of this game: OpenSpiel names the problem
        low, high = ranges.get(key, OTHER_INTEGERS)
        if not low <= value <= high:
            raise UserError(
                f"game '{text}': {key}={value} is out of range (need {low} <= {key} <= {high})"
            )
