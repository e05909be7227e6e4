"""Games: the preset catalogue, OpenSpiel loading, encoding, geometry and symmetries.

The only package that imports pyspiel; OpenSpiel owns every rule.
"""

from games.catalogue import GAMES, GameSpec, resolve_game
from games.errors import UserError
from games.game import Action, Game, Player, State, load

__all__ = [
    "GAMES",
    "Action",
    "Game",
    "GameSpec",
    "Player",
    "State",
    "UserError",
    "load",
    "resolve_game",
]
