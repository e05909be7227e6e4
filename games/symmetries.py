"""Board symmetries as permutations of observation cells and of actions.

A symmetry g maps the board to an equivalent board; the game value is unchanged and the policy
moves with the cells. Training on g(position) with g(policy) gives the learner up to 8 positions
for the price of one (AlphaGo Zero used the 8 dihedral maps of Go).

Representation: `cell_perm[i]` is the old flat cell shown at new cell i, and `action_perm[j]` the
old action that becomes action j, so transforming is plain fancy indexing:
    new_obs = obs.reshape(C, H * W)[:, cell_perm].reshape(C, H, W)
    new_policy = policy[action_perm]
Where a plane means a direction, the planes move too: `plane_perm[k]` is the old plane shown as
new plane k (Hex's stones say which edge they reach; turned half a circle, north is south).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from games.game import Game
from games.geometry import board_geometry

Cell = tuple[int, int]


@dataclass(frozen=True)
class Symmetry:
    name: str
    cell_perm: np.ndarray  # [H * W] int
    action_perm: np.ndarray  # [A] int
    plane_perm: np.ndarray | None = None  # [C] int, None: the planes stay

    def apply_obs(self, obs: np.ndarray) -> np.ndarray:
        """[..., C, H, W] -> [..., C, H, W]."""
        shape = obs.shape
        flat = obs.reshape(*shape[:-2], shape[-2] * shape[-1])
        if self.plane_perm is not None:
            flat = flat[..., self.plane_perm, :]
        return flat[..., self.cell_perm].reshape(shape)

    def apply_policy(self, policy: np.ndarray) -> np.ndarray:
        """[..., A] -> [..., A]."""
        return policy[..., self.action_perm]


# Planes that trade places under a map, by board geometry. OpenSpiel's Hex observation has one
# plane per cell state (the state + 4): white reaching the west edge 1, the east edge 2, black
# reaching the south edge 6, the north edge 7. Turning the board half a circle keeps each side's
# edges its own (Black still joins north and south) but swaps them, so those planes swap.
_PLANE_SWAPS: dict[tuple[str, str], tuple[tuple[int, int], ...]] = {
    ("hex", "rot180"): ((1, 2), (6, 7)),
}


def _plane_perm(geometry: str, name: str, planes: int) -> np.ndarray | None:
    swaps = _PLANE_SWAPS.get((geometry, name))
    if swaps is None:
        return None
    perm = np.arange(planes)
    for a, b in swaps:
        perm[a], perm[b] = b, a
    return perm


def _maps(kind: str, rows: int, cols: int) -> dict[str, Callable[[int, int], Cell]]:
    maps: dict[str, Callable[[int, int], Cell]] = {"identity": lambda r, c: (r, c)}
    if kind in ("mirror", "dihedral"):
        maps["mirror"] = lambda r, c: (r, cols - 1 - c)
    if kind in ("rot180", "dihedral"):
        maps["rot180"] = lambda r, c: (rows - 1 - r, cols - 1 - c)
    if kind == "dihedral" and rows == cols:
        maps["flip"] = lambda r, c: (rows - 1 - r, c)
        maps["transpose"] = lambda r, c: (c, r)
        maps["anti_transpose"] = lambda r, c: (cols - 1 - c, rows - 1 - r)
        maps["rot90"] = lambda r, c: (c, rows - 1 - r)
        maps["rot270"] = lambda r, c: (cols - 1 - c, r)
    return maps


def symmetries(game: Game) -> list[Symmetry]:
    """All symmetries of the game's board, identity first."""
    geometry = board_geometry(game)
    rows, cols = geometry.rows, geometry.cols
    kind = game.spec.symmetry if geometry.places_stones else "none"
    result = []
    for name, f in _maps(kind, rows, cols).items():
        cell_perm = np.arange(rows * cols)
        action_perm = np.arange(game.num_actions)
        for r in range(rows):
            for c in range(cols):
                nr, nc = f(r, c)
                cell_perm[nr * cols + nc] = r * cols + c
        for action in range(game.num_actions):
            cell = geometry.action_cell(action)
            if cell is None:
                continue  # pass and other non-board actions map to themselves
            if geometry.kind == "columns":
                new_action = geometry.cell_action(0, f(0, cell[1])[1])
            else:
                new_action = geometry.cell_action(*f(*cell))
            assert new_action is not None
            action_perm[new_action] = action
        planes = _plane_perm(geometry.kind, name, game.observation_shape[0])
        result.append(Symmetry(name, cell_perm, action_perm, planes))
    return result
