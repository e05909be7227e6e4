"""A loaded game: the OpenSpiel game object plus the preset that says how to show it.

States are OpenSpiel's own `pyspiel.State` objects, used as they are (`clone`, `apply_action`,
`legal_actions`, `is_terminal`, `returns`, `current_player`): wrapping each call would add Python
overhead to the innermost loop of the search for no gain.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable

import pyspiel

from games.catalogue import GameSpec, check_supported, load_openspiel, resolve_game, rules_key
from games.errors import UserError

Action = int
Player = int
State = pyspiel.State


class Game:
    """An OpenSpiel game with the sandbox's shapes: actions, players, encoded planes."""

    def __init__(self, spec: GameSpec):
        self.spec = spec
        self.openspiel = load_openspiel(spec.openspiel)
        check_supported(self.openspiel)
        self.num_actions: int = self.openspiel.num_distinct_actions()
        self.num_players: int = self.openspiel.num_players()
        self.max_game_length: int = self.openspiel.max_game_length()
        shape = list(self.openspiel.observation_tensor_shape())
        if len(shape) == 1:
            shape = [1, 1, shape[0]]
        elif len(shape) == 2:
            shape = [1, *shape]
        self.raw_observation_shape: tuple[int, int, int] = (shape[0], shape[1], shape[2])
        # Go: a pass after a pass ends the game (and is scored as the board stands), but
        # OpenSpiel's planes do not say whether the last move was a pass. Without that the
        # network cannot tell "my pass ends the game now" from "my pass hands over the move".
        is_go = self.openspiel.get_type().short_name == "go"
        self.pass_action: Action | None = self.num_actions - 1 if is_go else None
        # Extra planes: whose turn it is (0 for player 0, 1 for player 1); for Go, then ones
        # where the last move was a pass, then ones where passing now wins (games/encoding.py).
        extra = 3 if is_go else 1
        self.observation_shape: tuple[int, int, int] = (shape[0] + extra, shape[1], shape[2])

    @property
    def name(self) -> str:
        return self.spec.name

    def new_state(self) -> State:
        return self.openspiel.new_initial_state()

    def state_from_actions(self, actions: Iterable[Action]) -> State:
        """Replays actions from the start; raises UserError on the first illegal one."""
        state = self.new_state()
        for i, action in enumerate(actions):
            if state.is_terminal():
                raise UserError(f"move {i + 1} ({action}) comes after the game has ended")
            if action not in state.legal_actions():
                raise UserError(f"move {i + 1} ({action}) is illegal in {self.name}")
            state.apply_action(int(action))
        return state

    def parse_moves(self, text: str) -> State:
        """Plays moves given as OpenSpiel action strings or integers, separated by spaces.

        Strings are matched against `action_to_string` of the legal moves, so the user can write
        the moves the viewer and OpenSpiel print ("x(1,1)", "c2", "x3") or plain action ids.
        """
        state = self.new_state()
        tokens = text.split() if "(" in text else text.replace(",", " ").split()
        for i, token in enumerate(tokens):
            if state.is_terminal():
                raise UserError(f"move {i + 1} '{token}' comes after the game has ended")
            legal = state.legal_actions()
            by_name = {state.action_to_string(state.current_player(), a): a for a in legal}
            # Names with a space ("B e5" in Go) are also accepted by their last word ("e5").
            by_name.update({n.split()[-1]: a for n, a in list(by_name.items()) if " " in n})
            if token in by_name:
                action = by_name[token]
            elif token.lstrip("-").isdigit() and int(token) in legal:
                action = int(token)
            else:
                names = " ".join(by_name)
                raise UserError(f"move {i + 1} '{token}' is not legal here; legal: {names}")
            state.apply_action(action)
        return state

    def is_same_as(self, other: Game) -> bool:
        """The same rules, however the two were named: compared by OpenSpiel's loaded
        parameters (defaults filled in), so `connect4` is `connect_four(columns=7,rows=6)`."""
        return rules_key(self.openspiel) == rules_key(other.openspiel)

    def __repr__(self) -> str:
        return f"Game({self.spec.name!r})"


@functools.cache
def _load_spec(spec: GameSpec) -> Game:
    return Game(spec)


def load(spec: GameSpec | str) -> Game:
    """Loads a preset by name, any supported OpenSpiel string, or a GameSpec (cached)."""
    if isinstance(spec, str):
        spec = resolve_game(spec)
    return _load_spec(spec)
