"""PUCT Monte-Carlo tree search (AlphaGo Zero, Methods; AlphaZero pseudocode `run_mcts`).

Notation for a node s and its actions a (arrays of length A):
  P[a] = prior    N[a] = visits    W[a] = value_sum    Q[a] = W[a] / N[a]
  U[a] = c_puct * P[a] * sqrt(sum(N)) / (1 + N[a])
Perspective: W and Q are from the view of `node.to_play`, the player choosing at s.
Only `backup` converts between players: it indexes a returns vector by player, as OpenSpiel
does, so games where a player moves twice in a row also work.

Batching: one tree per state. Each step selects a leaf in every tree (several per tree when
`leaves_per_step` > 1, kept apart by virtual loss) and evaluates all of them in one evaluator
call, so self-play over many games pays one network call per step, not one per leaf.
With `leaves_per_step` = 1 there is no virtual loss and each tree sees exactly the sequence of
simulations of the textbook one-leaf-at-a-time search.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from agents.evaluators import Evaluator
from games.game import Action, Player, State
from sandbox.config import MCTSConfig

VIRTUAL_LOSS = 1.0  # value subtracted per pending simulation through an edge (a loss, in [-1, 1])


@dataclass(eq=False)
class Node:
    to_play: Player
    prior: np.ndarray  # P(s, ·) [A], 0 on illegal actions
    visits: np.ndarray  # N(s, ·) [A]
    value_sum: np.ndarray  # W(s, ·) [A]
    legal: np.ndarray  # bool [A]
    total_visits: int = 0  # sum(N), kept to avoid a sum per selection
    children: dict[Action, Node] = field(default_factory=dict)


@dataclass
class Path:
    edges: list[tuple[Node, Action]]
    state: State
    returns: np.ndarray | None = None  # [P], set at a terminal state or after evaluation


@dataclass(frozen=True)
class SearchResult:
    """What one search says about its root, for play, training targets and the viewer."""

    to_play: Player
    visits: np.ndarray  # N(root, ·) [A]
    policy_target: np.ndarray  # N / sum(N) [A]: the improved policy the learner imitates
    prior: np.ndarray  # the network's P(root, ·) [A] without noise: System 1's view
    q: np.ndarray  # Q(root, ·) [A] from the mover's view; NaN where unvisited
    root_values: np.ndarray  # [P] search value of the root for each player
    network_value: float  # the value head at the root, mover's view
    best_action: Action  # most visited (ties: higher Q, then higher prior)
    pv: list[Action]  # principal variation: most visited child, repeatedly


def new_node(to_play: Player, prior: np.ndarray) -> Node:
    num_actions = len(prior)
    return Node(
        to_play=to_play,
        prior=prior,
        visits=np.zeros(num_actions),
        value_sum=np.zeros(num_actions),
        legal=prior > 0,
    )


def ucb_scores(node: Node, c_puct: float) -> np.ndarray:
    """Q(s, a) + U(s, a) for every action; -inf on illegal actions (never selected)."""
    q = node.value_sum / np.maximum(node.visits, 1)  # Q(s, ·), 0 when unvisited
    u = c_puct * node.prior * math.sqrt(max(node.total_visits, 1)) / (1 + node.visits)
    return np.where(node.legal, q + u, -np.inf)


def add_dirichlet_noise(node: Node, alpha: float, fraction: float, rng: np.random.Generator):
    """Root prior = (1 - f) * P + f * Dir(alpha), on legal actions only (AlphaZero)."""
    legal = np.flatnonzero(node.legal)
    noise = rng.dirichlet([alpha] * len(legal))
    node.prior = node.prior.copy()
    node.prior[legal] = (1 - fraction) * node.prior[legal] + fraction * noise


def select(root: Node, state: State, c_puct: float, virtual_loss: float) -> Path:
    """Walks from the root by argmax of Q + U until a new or terminal state (phase 1).

    Each edge's visit is counted now; with `virtual_loss` > 0 the edge also looks like a loss
    until `backup`, so the next path of the same step is steered elsewhere.
    """
    node = root
    edges = []
    while True:
        action = int(np.argmax(ucb_scores(node, c_puct)))
        node.visits[action] += 1
        node.total_visits += 1
        node.value_sum[action] -= virtual_loss
        edges.append((node, action))
        state.apply_action(action)
        if state.is_terminal():
            return Path(edges, state, np.asarray(state.returns(), dtype=np.float64))
        child = node.children.get(action)
        if child is None:
            return Path(edges, state)
        node = child


def expand(path: Path, prior: np.ndarray) -> None:
    """Adds the leaf's node with the evaluator's prior (phase 3)."""
    parent, action = path.edges[-1]
    if action not in parent.children:  # two paths of one step may reach the same leaf
        parent.children[action] = new_node(path.state.current_player(), prior)


def backup(path: Path, virtual_loss: float) -> None:
    """Adds the leaf's returns (one entry per player) to every edge on the path (phase 4)."""
    assert path.returns is not None
    for node, action in path.edges:
        node.value_sum[action] += path.returns[node.to_play] + virtual_loss


def search_result(root: Node, network_prior: np.ndarray, network_value: float) -> SearchResult:
    visits = root.visits.copy()
    with np.errstate(invalid="ignore", divide="ignore"):
        q = np.where(visits > 0, root.value_sum / visits, np.nan)
    total = visits.sum()
    policy = visits / total if total > 0 else root.legal / root.legal.sum()
    tie_break = np.nan_to_num(q, nan=-2.0) * 1e-3 + network_prior * 1e-6
    best = int(np.argmax(np.where(root.legal, visits + tie_break, -np.inf)))
    value = float(root.value_sum.sum() / total) if total > 0 else network_value
    root_values = np.array([value, -value]) if root.to_play == 0 else np.array([-value, value])
    return SearchResult(
        to_play=root.to_play,
        visits=visits,
        policy_target=policy,
        prior=network_prior,
        q=q,
        root_values=root_values,
        network_value=network_value,
        best_action=best,
        pv=principal_variation(root),
    )


def principal_variation(root: Node, max_length: int = 12) -> list[Action]:
    pv = []
    node: Node | None = root
    while node is not None and node.total_visits > 0 and len(pv) < max_length:
        action = int(np.argmax(node.visits))
        pv.append(action)
        node = node.children.get(action)
    return pv


def new_roots(
    states: Sequence[State],
    evaluator: Evaluator,
    cfg: MCTSConfig,
    rng: np.random.Generator,
) -> tuple[list[Node], np.ndarray, np.ndarray]:
    """Evaluates every root in one call; noise on the root priors when configured (self-play)."""
    priors, values = evaluator.evaluate(states)
    roots = []
    for state, prior in zip(states, priors, strict=True):
        root = new_node(state.current_player(), prior)
        if cfg.dirichlet_fraction > 0:
            add_dirichlet_noise(root, cfg.dirichlet_alpha, cfg.dirichlet_fraction, rng)
        roots.append(root)
    movers = [s.current_player() for s in states]
    return roots, priors, values[np.arange(len(states)), movers]


class Search:
    """A batched search that can be advanced a few simulations at a time.

    `run_search` is the usual entry point; the viewer keeps a `Search` to show visits
    accumulating simulation by simulation while its window stays responsive.
    """

    def __init__(
        self,
        states: Sequence[State],
        evaluator: Evaluator,
        cfg: MCTSConfig,
        rng: np.random.Generator,
    ):
        self.states = list(states)
        self.evaluator = evaluator
        self.cfg = cfg
        self.roots, self.priors, self.values = new_roots(self.states, evaluator, cfg, rng)
        self.per_step = max(1, cfg.leaves_per_step)
        self.virtual_loss = VIRTUAL_LOSS if self.per_step > 1 else 0.0
        self.done = [0] * len(self.states)  # simulations finished per root

    def step(self, budgets: Sequence[int]) -> bool:
        """One network call's worth of simulations; returns False when every budget is spent."""
        paths = []
        for i, (root, state) in enumerate(zip(self.roots, self.states, strict=True)):
            for _ in range(min(self.per_step, budgets[i] - self.done[i])):
                paths.append(select(root, state.clone(), self.cfg.c_puct, self.virtual_loss))  # 1
                self.done[i] += 1
        if not paths:
            return False
        leaves = [p for p in paths if p.returns is None]
        if leaves:
            leaf_priors, leaf_values = self.evaluator.evaluate([p.state for p in leaves])  # 2
            for path, prior, value in zip(leaves, leaf_priors, leaf_values, strict=True):
                expand(path, prior)  # 3 Expand
                path.returns = value
        for path in paths:
            backup(path, self.virtual_loss)  # 4 Backup
        return True

    def run(self, budgets: Sequence[int]) -> None:
        while self.step(budgets):
            pass

    def results(self) -> list[SearchResult]:
        return [
            search_result(root, prior, float(value))
            for root, prior, value in zip(self.roots, self.priors, self.values, strict=True)
        ]


def run_search(
    states: Sequence[State],
    evaluator: Evaluator,
    cfg: MCTSConfig,
    rng: np.random.Generator,
    num_simulations: int | Sequence[int] | None = None,
) -> list[SearchResult]:
    """Searches every state at once; one evaluator call per step for the leaves of all trees.

    Args:
        states: non-terminal root states (not modified).
        num_simulations: per-root budgets (playout cap randomization gives roots different
            budgets); default `cfg.num_simulations` for all.
    """
    if num_simulations is None:
        num_simulations = cfg.num_simulations
    if isinstance(num_simulations, int):
        budgets = [num_simulations] * len(states)
    else:
        budgets = list(num_simulations)
    search = Search(states, evaluator, cfg, rng)
    search.run(budgets)
    return search.results()


def choose_action(result: SearchResult, temperature: float, rng: np.random.Generator) -> Action:
    """Play (phase 5): argmax of visits at temperature 0, else sample pi(a) ~ N(a)^(1/T)."""
    if temperature <= 0 or result.visits.sum() == 0:
        return result.best_action
    logits = np.where(result.visits > 0, np.log(np.maximum(result.visits, 1e-12)), -np.inf)
    logits = logits / temperature
    probs = np.exp(logits - logits.max())
    probs /= probs.sum()
    return int(rng.choice(len(probs), p=probs))
