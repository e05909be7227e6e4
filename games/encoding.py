"""Network input: the board as float32 planes [C, H, W] seen from the player to move.

OpenSpiel's observation tensor colours stones absolutely (player 0's plane, player 1's plane).
Where the preset names those planes, they are swapped when player 1 is to move, so "my stones"
is always plane `colour_planes[0]`: a position and its colour-reversed twin look the same to the
network, which halves what it must learn. A plane after them says whose turn it is, so games
whose sides differ (Hex, Breakthrough) lose nothing. Go has two more:
- whether the last move was a pass (then a pass ends the game: see `Game.pass_action`);
- whether the mover wins if it passes now and the opponent passes back (`pass_wins`): the
  board counted as it stands (Tromp-Taylor, OpenSpiel's scoring), with no dead stones taken
  off. A weak opponent strews stones in the strong side's area; two like sides never do, so a
  network trained on self-play sees "I am winning" and passes beside them, and the opponent's
  pass then ends a game lost on the count. KataGo, too, gives its network Go features it could
  only learn slowly (ladders, pass-alive areas); this one is OpenSpiel's own count, one clone
  and two passes (about 4 us a position against ~200 us of network).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from games.game import Game, State


def encode(game: Game, state: State) -> np.ndarray:
    """Returns float32 [C, H, W]: the observation planes from the mover's view + a to-play plane."""
    out = np.empty(game.observation_shape, dtype=np.float32)
    encode_into(game, state, out)
    return out


def encode_into(game: Game, state: State, out: np.ndarray) -> None:
    """Writes `encode(game, state)` into `out` [C, H, W] without allocating."""
    player = state.current_player()
    if player < 0:  # terminal: encode from player 0's view (never fed to the search)
        player = 0
    raw = np.asarray(state.observation_tensor(player), dtype=np.float32)
    planes = raw.reshape(game.raw_observation_shape)
    colours = game.spec.colour_planes
    raw_planes = planes.shape[0]
    out[:raw_planes] = planes
    if colours is not None and player == 1:
        mine, theirs = colours
        out[mine] = planes[theirs]
        out[theirs] = planes[mine]
    out[raw_planes] = float(player)
    if game.pass_action is not None:
        out[raw_planes + 1] = float(last_was_pass(game, state))
        out[raw_planes + 2] = float(pass_wins(game, state))


def last_was_pass(game: Game, state: State) -> bool:
    """Whether the move that led to `state` was a pass (Go: then a pass ends the game)."""
    history = state.history()
    return bool(history) and history[-1] == game.pass_action


def pass_wins(game: Game, state: State) -> bool:
    """Whether the mover wins if it passes now and the opponent passes back (if the pass does
    not end the game already): the board scored as it stands. False at a terminal state."""
    mover = state.current_player()
    if mover < 0:
        return False
    after = state.child(game.pass_action)
    if not after.is_terminal():
        after.apply_action(game.pass_action)
    return after.returns()[mover] > 0


# Go's planes added after the first Go files were saved, last in the encoding: the
# last-move-was-a-pass plane, then the pass-wins plane.
LATER_GO_PLANES = 2


def missing_go_planes(game: Game, planes: int) -> int:
    """How many of Go's later planes a checkpoint or buffer with `planes` input planes lacks:
    they are the last ones, so a file from before gets them as zeros at the end. 0 when it
    lacks none, or the game is not Go, or the difference is not one of theirs (another file)."""
    if game.pass_action is None:
        return 0
    missing = game.observation_shape[0] - planes
    return missing if 1 <= missing <= LATER_GO_PLANES else 0


def encode_batch(game: Game, states: Sequence[State]) -> np.ndarray:
    """Returns float32 [B, C, H, W]."""
    out = np.empty((len(states), *game.observation_shape), dtype=np.float32)
    for i, state in enumerate(states):
        encode_into(game, state, out[i])
    return out


def legal_mask(game: Game, state: State) -> np.ndarray:
    """Returns bool [A]: True where the action is legal for the player to move."""
    mask = np.zeros(game.num_actions, dtype=bool)
    mask[state.legal_actions()] = True
    return mask


def legal_mask_batch(game: Game, states: Sequence[State]) -> np.ndarray:
    """Returns bool [B, A]."""
    mask = np.zeros((len(states), game.num_actions), dtype=bool)
    for i, state in enumerate(states):
        mask[i, state.legal_actions()] = True
    return mask
