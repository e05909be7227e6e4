"""Tree: the B trees of one batched search as one forest of arrays (mctx `Tree`, STYLE.md §5).

Node b is the root of tree b; every new node, of whichever tree, takes the next free row, and
`children[s, a]` is UNEXPANDED until edge a of node s is first tried. `agents.mcts` runs the
search's phases over these arrays.

A tree can be cleared and given a new root while the others keep searching (`clear`): its rows
go to a free list that later nodes reuse, so self-play can start the next move of one game
without waiting for the searches of the others (the network's batch stays full).
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
    states: list[State | None]  # states[s]: the position at node s (stale on a free row)
    owner: np.ndarray  # [M] the tree (root) each node belongs to
    free: list[int]  # rows cleared by `clear`, reused before new ones
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
        owner=np.concatenate([np.arange(len(roots)), np.full(capacity - len(roots), UNEXPANDED)]),
        free=[],
        num_nodes=len(roots),
    )


def allocate(tree: Tree, owners: np.ndarray) -> np.ndarray:
    """Rows for len(owners) new nodes (free rows first), owned by the trees `owners`."""
    count = len(owners)
    reused = [tree.free.pop() for _ in range(min(count, len(tree.free)))]
    extra = count - len(reused)
    if tree.num_nodes + extra > tree.capacity:
        grow(tree, 2 * (tree.num_nodes + extra))
    nodes = np.array(reused + list(range(tree.num_nodes, tree.num_nodes + extra)), np.int64)
    tree.num_nodes += extra
    tree.states.extend([None] * extra)
    tree.owner[nodes] = owners
    return nodes


def clear(tree: Tree, b: int, root: State) -> None:
    """Empties tree b and makes `root` its new root (node b), not yet evaluated."""
    rows = np.flatnonzero(tree.owner[: tree.num_nodes] == b)
    _free(tree, rows[rows != b])
    _reset_edges(tree, np.array([b]))
    tree.states[b] = root.clone()


def _reset_edges(tree: Tree, rows: np.ndarray) -> None:
    tree.visits[rows] = 0
    tree.value_sum[rows] = 0
    tree.children[rows] = UNEXPANDED
    tree.is_expanded[rows] = False


def _free(tree: Tree, rows: np.ndarray) -> None:
    """Rows back to the free list. A freed row keeps its prior, value, mover and (stale) state:
    `expand` and `evaluate` set those before anything reads them; its edges are reset here."""
    _reset_edges(tree, rows)
    tree.owner[rows] = UNEXPANDED
    tree.free.extend(rows.tolist())


def subtree(tree: Tree, node: int) -> np.ndarray:
    """`node` and every node below it, level by level."""
    levels = [np.array([node], np.int64)]
    while len(levels[-1]):
        below = tree.children[levels[-1]].ravel()
        levels.append(below[below >= 0])
    return np.concatenate(levels)


def reroot(tree: Tree, b: int, child: int) -> None:
    """Tree b keeps only the subtree below `child` (a node of it), which becomes its root
    (moved into row b); every other row of tree b goes to the free list.

    The search's statistics below the move just played survive into the next move's search
    (AlphaGo Zero: "the subtree below this child is retained along with all its statistics").
    """
    keep = subtree(tree, child)
    rows = np.flatnonzero(tree.owner[: tree.num_nodes] == b)
    drop = np.setdiff1d(rows, keep[1:], assume_unique=True)  # row b is overwritten below
    for name in ["prior", "visits", "value_sum", "children", "to_play", "value", "is_expanded"]:
        array = getattr(tree, name)
        array[b] = array[child]
    tree.states[b] = tree.states[child]
    _free(tree, drop[drop != b])


def grow(tree: Tree, capacity: int) -> None:
    """Makes room for `capacity` nodes (budgets larger than planned for); node ids stay valid."""
    for name in ["prior", "visits", "value_sum", "children", "to_play", "value",
                 "is_expanded", "owner"]:  # fmt: skip
        array = getattr(tree, name)
        fill = UNEXPANDED if name in ("children", "owner") else 0
        pad = np.full((capacity - len(array), *array.shape[1:]), fill, array.dtype)
        setattr(tree, name, np.concatenate([array, pad]))
