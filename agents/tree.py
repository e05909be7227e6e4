"""Tree: the B trees of one batched search as one forest of arrays (mctx `Tree`, STYLE.md §5).

Node b is the root of tree b; every new node, of whichever tree, takes the next free row, and
`children[s, a]` is UNEXPANDED until edge a of node s is first tried. `agents.mcts` runs the
search's phases over these arrays.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from games.game import State

UNEXPANDED = -1  # children[s, a] of an edge not tried yet


@dataclass(eq=False)
class Tree:
    """The B trees of one batched search, as one forest of arrays over nodes (M rows).

    Node b is the root of tree b; every new node, of whichever tree, takes the next free row.
    """

    prior: np.ndarray  # P(s, ·) [M, A], 0 on illegal actions
    visits: np.ndarray  # N(s, ·) [M, A]
    value_sum: np.ndarray  # W(s, ·) [M, A], from the view of to_play[s]
    children: np.ndarray  # [M, A] the child's node, UNEXPANDED if none
    to_play: np.ndarray  # [M] player choosing at s
    value: np.ndarray  # [M, P] evaluator's value of s per player, or its returns if terminal
    is_expanded: np.ndarray  # [M] evaluated: has a prior (never true of a terminal node)
    states: list[State]  # states[s]: the position at node s
    num_nodes: int = 0

    @property
    def capacity(self) -> int:
        return len(self.prior)


def new_tree(roots: Sequence[State], capacity: int, num_actions: int, num_players: int) -> Tree:
    """A forest of len(roots) trees, each a root alone for now, with room for `capacity` nodes."""
    capacity = max(capacity, len(roots))
    return Tree(
        prior=np.zeros((capacity, num_actions), np.float32),
        visits=np.zeros((capacity, num_actions), np.float32),
        value_sum=np.zeros((capacity, num_actions), np.float32),
        children=np.full((capacity, num_actions), UNEXPANDED, np.int64),
        to_play=np.zeros(capacity, np.int64),
        value=np.zeros((capacity, num_players), np.float64),
        is_expanded=np.zeros(capacity, bool),
        states=[state.clone() for state in roots],
        num_nodes=len(roots),
    )


def grow(tree: Tree, capacity: int) -> None:
    """Makes room for `capacity` nodes (budgets larger than planned for); node ids stay valid."""
    for name in ["prior", "visits", "value_sum", "children", "to_play", "value",
                 "is_expanded"]:  # fmt: skip
        array = getattr(tree, name)
        fill = UNEXPANDED if name == "children" else 0
        pad = np.full((capacity - len(array), *array.shape[1:]), fill, array.dtype)
        setattr(tree, name, np.concatenate([array, pad]))
