"""PUCT Monte-Carlo tree search (AlphaGo Zero, Methods; AlphaZero pseudocode `run_mcts`).

Notation for a node s and its actions a (rows of length A):
  P[s, a] = prior    N[s, a] = visits    W[s, a] = value_sum    Q[s, a] = W[s, a] / N[s, a]
  U[s, a] = c_puct * P[s, a] * sqrt(sum_b N[s, b]) / (1 + N[s, a])
Perspective: W and Q at s are from the view of `to_play[s]`, the player choosing at s.
Only `backup` converts between players: it indexes a returns vector by player, as OpenSpiel
does, so games where a player moves twice in a row also work.

Layout (mctx `Tree`, STYLE.md §5): the B trees of one batched search are arrays [B, M, A].
Node 0 is the root; each simulation that reaches a new state makes one node; `children[b, s, a]`
is -1 (UNEXPANDED) until edge a of node s is first tried. Every phase is a few numpy operations
over all B trees at once, so the Python cost of a step hardly grows with the number of games.

One step of the search, for every tree at once (`Search.step`):
  1 select:   descend by argmax Q + U to an edge not tried yet (or a terminal / pending node)
  2 expand:   make the new node: its state is the parent's state after the action
  3 evaluate: one evaluator call for the new nodes of all trees: priors P and values [P]
  4 backup:   add the leaf's value (for each node's mover) to every edge on the path
With `leaves_per_step` = k > 1, each tree runs phases 1-2 k times before the one evaluation;
the paths are kept apart by virtual loss (an edge counts as visited and lost until its backup).
With k = 1 there is no virtual loss and each tree sees exactly the simulations of the textbook
one-leaf-at-a-time search, whatever the batch.

Gumbel AlphaZero (Danihelka et al. 2022) replaces the root's PUCT by sequential halving over
Gumbel-top-k actions; see `agents.gumbel`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from agents import gumbel
from agents.evaluators import Evaluator
from agents.tree import UNEXPANDED, Tree, allocate, clear, new_tree, reroot
from games.game import Action, Player, State

VIRTUAL_LOSS = 1.0  # value subtracted per pending simulation through an edge (a loss, in [-1, 1])
Rng = np.random.Generator | Sequence[np.random.Generator]  # one for all roots, or one per root


@dataclass(frozen=True)
class MCTSConfig:
    """The search's settings. A model is played with the ones saved in its checkpoint.

    `num_simulations` is the default budget per move and nothing else (a search sizes its tree
    from the budgets it is given). Root noise and the move temperature belong to self-play: a
    search adds noise only when its caller asks (`is_noisy=True`, self-play alone does).
    """

    num_simulations: int = 64  # default budget per move (AlphaZero: 800)
    c_puct: float = 1.5  # weight of U(s, a) against Q(s, a)
    dirichlet_alpha: float = 0.3  # self-play root noise concentration (AlphaZero chess: 0.3)
    dirichlet_fraction: float = 0.25  # self-play root prior = (1 - f) * P + f * noise
    temperature_moves: int = 8  # self-play samples from visits for this many plies, then argmax
    temperature: float = 1.0  # self-play's pi(a) ~ N(a)^(1/T) during those plies
    leaves_per_step: int = 1  # leaves one tree sends per network call (virtual loss when > 1)
    gumbel: bool = False  # Gumbel AlphaZero root selection (sequential halving, completed Q)
    gumbel_considered: int = 16  # actions sampled at the root by Gumbel-top-k
    gumbel_c_visit: float = 50.0  # sigma(q) = (c_visit + max N) * c_scale * q (Danihelka 2022)
    gumbel_c_scale: float = 1.0

    # The values each field may take, checked where a config is read (sandbox/config.py).
    RANGES = {
        "num_simulations": "[1, 100000]",
        "c_puct": "> 0",
        "dirichlet_alpha": "> 0",
        "dirichlet_fraction": "[0, 1]",
        "temperature_moves": ">= 0",
        "temperature": ">= 0",
        "leaves_per_step": "[1, 1024]",
        "gumbel_considered": ">= 1",
        "gumbel_c_visit": ">= 0",
        "gumbel_c_scale": "> 0",
    }


@dataclass(frozen=True)
class SearchResult:
    """What one search says about its root, for play, training targets and the viewer."""

    to_play: Player
    visits: np.ndarray  # N(root, ·) [A]
    policy_target: np.ndarray  # N / sum(N) [A] (Gumbel: softmax(logits + sigma(completed Q)))
    prior: np.ndarray  # the network's P(root, ·) [A] without noise: System 1's view
    q: np.ndarray  # Q(root, ·) [A] from the mover's view; NaN where unvisited
    root_values: np.ndarray  # [P] search value of the root for each player
    network_value: float  # the value head at the root, mover's view
    best_action: Action  # most visited (ties: higher Q, then higher prior); Gumbel: its choice
    pv: list[Action]  # principal variation: most visited child, repeatedly


@dataclass
class Paths:
    """One path per tree in `trees` [n], from its root to a leaf (one select pass)."""

    trees: np.ndarray  # [n] tree (= root node) of each path
    edges: list[tuple[np.ndarray, np.ndarray, np.ndarray]]  # per depth: rows [k], s [k], a [k]
    parent: np.ndarray  # [n] node whose edge ends the path
    action: np.ndarray  # [n] that edge's action
    leaf: np.ndarray  # [n] the node at the end, UNEXPANDED until `expand` makes it


def ucb_scores(tree: Tree, s: np.ndarray, c_puct: float) -> np.ndarray:
    """Q(s, a) + U(s, a) for each node of s [n]; -inf on illegal actions. -> [n, A]."""
    N = tree.visits[s]
    P = tree.prior[s]
    Q = tree.value_sum[s] / np.maximum(N, 1)  # 0 when unvisited
    sqrt_total = np.sqrt(np.maximum(N.sum(axis=1, keepdims=True), 1))
    U = c_puct * sqrt_total * P / (1 + N)
    return np.where(P > 0, Q + U, -np.inf)


def add_dirichlet_noise(
    prior: np.ndarray, alpha: float, fraction: float, rng: np.random.Generator
) -> np.ndarray:
    """Root prior = (1 - f) * P + f * Dir(alpha), on legal actions (P > 0) only (AlphaZero)."""
    legal = np.flatnonzero(prior > 0)
    noisy = prior.copy()
    noisy[legal] = (1 - fraction) * prior[legal] + fraction * rng.dirichlet([alpha] * len(legal))
    return noisy


def select(
    tree: Tree,
    trees: np.ndarray,
    c_puct: float,
    virtual_loss: float,
    root_action: np.ndarray | None = None,
) -> Paths:
    """Walks from each root by argmax Q + U to a leaf (phase 1), in all `trees` at once.

    A path stops at an edge not tried yet, at a terminal node, or at a node made earlier in this
    step and not yet evaluated. Each edge's visit is counted now; with `virtual_loss` > 0 the edge
    also looks like a loss until `backup`, so the next path of the same step goes elsewhere.
    `root_action` [n], when given, replaces PUCT at the root (Gumbel sequential halving).
    """
    n = len(trees)
    paths = Paths(trees, [], *(np.empty(n, np.int64) for _ in range(3)))
    rows = np.arange(n)  # paths still descending
    s = trees  # their nodes: the roots
    while len(rows):
        if root_action is not None and not paths.edges:
            a = root_action
        else:
            a = np.argmax(ucb_scores(tree, s, c_puct), axis=1)
        tree.visits[s, a] += 1
        if virtual_loss:
            tree.value_sum[s, a] -= virtual_loss
        paths.edges.append((rows, s, a))
        child = tree.children[s, a]
        is_leaf = (child == UNEXPANDED) | ~tree.is_expanded[child]  # [-1]: masked by the or
        if is_leaf.any():
            end = rows[is_leaf]
            paths.parent[end] = s[is_leaf]
            paths.action[end] = a[is_leaf]
            paths.leaf[end] = child[is_leaf]
            rows, child = rows[~is_leaf], child[~is_leaf]
        s = child
    return paths


def expand(tree: Tree, paths: Paths) -> tuple[list[int], list[State]]:
    """Makes a node for each path that ended on an edge not tried yet (phase 2).

    The new node's state is its parent's state after the edge's action. A terminal node gets its
    returns as its value now; the others are returned, (nodes, states), for evaluation.
    """
    new = np.flatnonzero(paths.leaf == UNEXPANDED)
    parent, action = paths.parent[new], paths.action[new]
    nodes = allocate(tree, tree.owner[parent])
    tree.children[parent, action] = nodes
    paths.leaf[new] = nodes
    states = tree.states
    new_nodes: list[int] = []
    new_states: list[State] = []
    movers: list[int] = []
    # One pyspiel call per question (this loop runs once per simulation): `child` clones and
    # moves, and the player to move, negative at the end, says whether the game is over.
    for s, a, node in zip(parent.tolist(), action.tolist(), nodes.tolist(), strict=True):
        state = states[s].child(a)
        states[node] = state
        player = state.current_player()
        if player < 0 and state.is_terminal():
            tree.value[node] = state.returns()
        else:
            new_nodes.append(node)
            new_states.append(state)
            movers.append(player)
    tree.to_play[new_nodes] = movers
    return new_nodes, new_states


def evaluate(tree: Tree, evaluator: Evaluator, nodes: list[int], states: list[State]) -> None:
    """One evaluator call for the new nodes of every tree: their priors and values (phase 3)."""
    if not states:
        return
    _store_evaluation(tree, nodes, *evaluator.evaluate(states))


def _store_evaluation(tree: Tree, nodes: list[int], priors: np.ndarray, values: np.ndarray) -> None:
    tree.prior[nodes] = priors
    tree.value[nodes] = values
    tree.is_expanded[nodes] = True


def backup(tree: Tree, passes: Sequence[Paths], virtual_loss: float) -> None:
    """Adds each leaf's value to every edge of its path, from the view of the edge's mover (4).

    `value[leaf]` holds one entry per player, so indexing it by `to_play[s]` is right whoever
    moves next: no sign flips, and a player moving twice in a row is no special case. All the
    paths of a step are added at once (`np.add.at` sums the edges they share).
    """
    s, a, values = [], [], []
    for paths in passes:
        leaf_values = tree.value[paths.leaf]  # [n, P]
        for rows, s_level, a_level in paths.edges:
            s.append(s_level)
            a.append(a_level)
            values.append(leaf_values[rows, tree.to_play[s_level]])
    np.add.at(
        tree.value_sum,
        (np.concatenate(s), np.concatenate(a)),
        np.concatenate(values) + virtual_loss,
    )


def best_child(visits: np.ndarray, q: np.ndarray, prior: np.ndarray) -> Action:
    """The most visited legal action (prior > 0); ties go to the higher Q, then the higher
    prior, then the lower action (exact comparisons, not a weighted sum). NaN Q = unvisited."""
    legal = np.flatnonzero(prior > 0)
    if len(legal) == 0:
        return int(np.argmax(visits))
    q_known = np.nan_to_num(q[legal], nan=-np.inf)
    order = np.lexsort((-legal, prior[legal], q_known, visits[legal]))  # last key first
    return int(legal[order[-1]])


PV_LENGTH = 12  # moves of a principal variation, the root's best move included


def principal_variation(tree: Tree, node: int, max_length: int = PV_LENGTH - 1) -> list[Action]:
    """The best child (`best_child`) from `node`, repeatedly, while the search went there."""
    pv: list[Action] = []
    while node != UNEXPANDED and tree.visits[node].sum() > 0 and len(pv) < max_length:
        visits = tree.visits[node].astype(np.float64)
        with np.errstate(invalid="ignore", divide="ignore"):
            q = np.where(visits > 0, tree.value_sum[node] / visits, np.nan)
        action = best_child(visits, q, tree.prior[node])
        pv.append(action)
        node = int(tree.children[node, action])
    return pv


def search_result(
    tree: Tree,
    root: int,
    network_prior: np.ndarray,
    network_value: float,
    pv_length: int = PV_LENGTH,
) -> SearchResult:
    """A root as a SearchResult (PUCT: the policy target is the visit distribution).

    pv_length: moves of `pv` at most; self-play asks for 1 (the best move), since walking the
    tree for a line nobody reads cost it 3% of its Python time.
    """
    visits = tree.visits[root].astype(np.float64)
    legal = network_prior > 0
    with np.errstate(invalid="ignore", divide="ignore"):
        q = np.where(visits > 0, tree.value_sum[root] / visits, np.nan)
    total = visits.sum()
    policy = visits / total if total > 0 else legal / legal.sum()
    best = best_child(visits, q, network_prior)
    value = float(tree.value_sum[root].sum() / total) if total > 0 else network_value
    to_play = int(tree.to_play[root])
    root_values = np.array([value, -value]) if to_play == 0 else np.array([-value, value])
    return SearchResult(
        to_play=to_play,
        visits=visits,
        policy_target=policy,
        prior=network_prior,
        q=q,
        root_values=root_values,
        network_value=network_value,
        best_action=best,
        pv=[best, *principal_variation(tree, int(tree.children[root, best]), pv_length - 1)],
    )


def _rngs(rng: Rng, count: int) -> list[np.random.Generator]:
    return [rng] * count if isinstance(rng, np.random.Generator) else list(rng)


class Search:
    """A batched search over many roots that can be advanced one step at a time.

    `run_search` is the usual entry point; the viewer keeps a `Search` to show visits
    accumulating simulation by simulation while its window stays responsive. Self-play keeps
    one for a whole iteration: a root whose budget is spent is read (`result`) and given the
    game's next position (`restart`) while the other trees go on searching, so every network
    call carries a leaf from nearly every game whatever their budgets (playout cap
    randomization mixes 24 and 128 simulations; lockstep moves left most trees idle).

    Args:
        states: non-terminal root states (not modified).
        rng: one generator for all roots, or one per root (then each root's noise depends on its
            own generator alone, so a game is replayable whatever else shares its batch).
    """

    def __init__(
        self,
        states: Sequence[State],
        evaluator: Evaluator,
        cfg: MCTSConfig,
        rng: Rng,
        budgets: int | Sequence[int] | None = None,
        is_noisy: bool = False,
    ):
        self.states = list(states)
        self.evaluator = evaluator
        self.cfg = cfg
        self.is_noisy = is_noisy
        self.budgets = _budgets(cfg, budgets, len(self.states))
        game = evaluator.game
        capacity = sum(self.budgets) + len(self.states)  # grown if a caller raises a budget
        self.tree = new_tree(self.states, capacity, game.num_actions, game.num_players)
        self.rngs = _rngs(rng, len(self.states))
        count = len(self.states)
        self.priors = np.zeros((count, game.num_actions), np.float32)  # network's, no noise
        self.values = np.zeros(count)  # [B] the value head at each root, mover's view
        self.gumbel = np.zeros((count, game.num_actions)) if cfg.gumbel else None
        self.per_step = max(1, cfg.leaves_per_step)
        self.virtual_loss = VIRTUAL_LOSS if self.per_step > 1 else 0.0
        self.done = [0] * count  # simulations finished per root
        self.is_active = np.ones(count, bool)  # False: retired, never searched again
        roots = list(range(count))
        if count:
            priors, values = evaluator.evaluate(self.states)  # the roots, in one call
            self._start_roots(roots, priors, values)
        self._fresh: list[int] = []  # restarted roots, evaluated with the next step's leaves

    def _start_roots(self, roots: list[int], priors: np.ndarray, values: np.ndarray) -> None:
        """Gives freshly evaluated roots their prior, value and (self-play) root noise."""
        tree = self.tree
        index = np.array(roots, np.int64)
        movers = np.array([self.states[b].current_player() for b in roots], np.int64)
        self.priors[index] = priors
        self.values[index] = values[np.arange(len(roots)), movers]
        tree.prior[index], tree.value[index], tree.to_play[index] = priors, values, movers
        tree.is_expanded[index] = True
        rngs = [self.rngs[b] for b in roots]
        if self.gumbel is not None:  # Gumbel noise replaces Dirichlet noise; both only in play
            self.gumbel[index] = gumbel.root_scores(priors, self.is_noisy, rngs)
        elif self.is_noisy and self.cfg.dirichlet_fraction > 0:
            for b, r in zip(roots, rngs, strict=True):
                tree.prior[b] = add_dirichlet_noise(
                    self.priors[b], self.cfg.dirichlet_alpha, self.cfg.dirichlet_fraction, r
                )

    def restart(
        self, b: int, state: State, budget: int, rng: np.random.Generator | None = None
    ) -> None:
        """Tree b starts over from `state` with `budget` simulations; its root is evaluated in
        the next `step`, together with the other trees' leaves."""
        clear(self.tree, b, state)
        self._renew(b, state, budget, rng)
        self._fresh.append(b)

    def advance(
        self,
        b: int,
        action: Action,
        state: State,
        budget: int,
        rng: np.random.Generator | None = None,
    ) -> None:
        """Tree b moves on to `state`, its root's state after `action`, keeping the subtree
        below that action with all its statistics; `budget` more simulations are run there.

        Root noise is drawn afresh at the new root. Without a searched subtree there (or with
        Gumbel's root, whose sequential halving plans from zero visits) this is `restart`.
        """
        child = int(self.tree.children[b, action])
        if self.gumbel is not None or child == UNEXPANDED or not self.tree.is_expanded[child]:
            self.restart(b, state, budget, rng)
            return
        reroot(self.tree, b, child)
        self._renew(b, state, budget, rng)
        tree = self.tree
        self._start_roots([b], tree.prior[b][None].copy(), tree.value[b][None].copy())

    def _renew(self, b: int, state: State, budget: int, rng: np.random.Generator | None) -> None:
        self.states[b] = state.clone()
        self.budgets[b] = int(budget)
        self.done[b] = 0
        if rng is not None:
            self.rngs[b] = rng
        self.is_active[b] = True

    def retire(self, b: int) -> None:
        """Tree b takes no further part (self-play: no game is left to give its slot)."""
        self.is_active[b] = False
        self.budgets[b] = self.done[b]

    def finished(self) -> list[int]:
        """Active trees with an evaluated root whose budget is spent."""
        is_done = np.array(self.done) >= np.array(self.budgets)
        is_done &= self.is_active & self.tree.is_expanded[: len(self.states)]
        return np.flatnonzero(is_done).tolist()

    def step(self, budgets: Sequence[int] | None = None) -> bool:
        """One evaluator call's worth of simulations; returns False when every budget is spent
        and no restarted root waits for its evaluation.

        `budgets` replaces the planned budgets from now on (the viewer raises or steps them).
        """
        if budgets is not None:
            self.budgets = list(budgets)
        is_ready = self.tree.is_expanded[: len(self.states)] & self.is_active
        remaining = np.where(is_ready, np.array(self.budgets) - np.array(self.done), 0)
        passes: list[Paths] = []
        new_nodes: list[int] = []
        new_states: list[State] = []
        for k in range(min(self.per_step, int(remaining.max(initial=0)))):
            trees = np.flatnonzero(remaining > k)
            root_action = self._gumbel_root_action(trees) if self.gumbel is not None else None
            paths = select(self.tree, trees, self.cfg.c_puct, self.virtual_loss, root_action)  # 1
            to_evaluate = expand(self.tree, paths)  # 2
            new_nodes += to_evaluate[0]
            new_states += to_evaluate[1]
            passes.append(paths)
        fresh, self._fresh = self._fresh, []
        if not passes and not fresh:
            return False
        if fresh:  # one call for the leaves and the restarted roots
            roots = [self.states[b] for b in fresh]
            priors, values = self.evaluator.evaluate(new_states + roots)
            n = len(new_states)
            _store_evaluation(self.tree, new_nodes, priors[:n], values[:n])
            self._start_roots(fresh, priors[n:], values[n:])
        else:
            evaluate(self.tree, self.evaluator, new_nodes, new_states)  # 3
        if passes:
            backup(self.tree, passes, self.virtual_loss)  # 4
        for paths in passes:
            for b in paths.trees.tolist():
                self.done[b] += 1
        return True

    def _gumbel_root_action(self, trees: np.ndarray) -> np.ndarray:
        budgets = [self.budgets[b] for b in trees.tolist()]
        return gumbel.root_action(
            self.tree, trees, self.gumbel, self.priors, self.values, budgets, self.cfg
        )

    def run(self) -> None:
        while self.step():
            pass

    def result(self, b: int, pv_length: int = PV_LENGTH) -> SearchResult:
        """Root b's result now (after its budget: what the search says about its root)."""
        result = search_result(self.tree, b, self.priors[b], float(self.values[b]), pv_length)
        if self.gumbel is not None:
            result = gumbel.result(
                self.tree, b, result, self.gumbel[b], self.values[b], self.cfg, pv_length
            )
        return result

    def results(self) -> list[SearchResult]:
        return [self.result(b) for b in range(len(self.states))]


def _budgets(cfg: MCTSConfig, budgets: int | Sequence[int] | None, count: int) -> list[int]:
    if budgets is None:
        budgets = cfg.num_simulations
    return [int(budgets)] * count if isinstance(budgets, int) else [int(b) for b in budgets]


def run_search(
    states: Sequence[State],
    evaluator: Evaluator,
    cfg: MCTSConfig,
    rng: Rng,
    num_simulations: int | Sequence[int] | None = None,
    is_noisy: bool = False,
) -> list[SearchResult]:
    """Searches every state at once; one evaluator call per step for the leaves of all trees.

    Args:
        states: non-terminal root states (not modified).
        rng: one generator, or one per state (see `Search`).
        num_simulations: per-root budgets (playout cap randomization gives roots different
            budgets); default `cfg.num_simulations` for all.
        is_noisy: root noise (Dirichlet, or Gumbel's sampled scores); self-play's alone.
    """
    search = Search(states, evaluator, cfg, rng, num_simulations, is_noisy)
    search.run()
    return search.results()


def choose_action(result: SearchResult, temperature: float, rng: np.random.Generator) -> Action:
    """Play (phase 5): argmax of visits at temperature 0, else sample pi(a) ~ N(a)^(1/T)."""
    if temperature <= 0 or result.visits.sum() == 0:
        return result.best_action
    logits = np.where(result.visits > 0, np.log(np.maximum(result.visits, 1e-12)), -np.inf)
    logits = logits / max(temperature, 1e-3)  # colder overflows and is argmax already
    probs = np.exp(logits - logits.max())
    probs /= probs.sum()
    return int(rng.choice(len(probs), p=probs))
