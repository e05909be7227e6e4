"""Gumbel AlphaZero root selection (Danihelka et al. 2022, "Policy improvement by planning with
Gumbel"; mctx `gumbel_muzero_policy` and `seq_halving.py`).

At the root, in place of PUCT (below the root the search stays PUCT):
  logits(a) = log P(a);  g(a) ~ Gumbel(0) in self-play, 0 otherwise (play is then deterministic)
  Gumbel-top-k: the first k simulations visit the k actions with the largest g + logits
      (k = `gumbel_considered`, at most the number of legal actions).
  Sequential halving: the budget n is spent in log2(k) phases; a phase gives every remaining
      action the same number of visits, then keeps the better half by g + logits + sigma(cQ).
  completed Q: cQ(a) = Q(a) if visited, else v_mix, the value head mixed with the prior-weighted
      Q of the visited actions (paper Eq. 33), rescaled to [0, 1] over the legal actions.
  sigma(cQ) = (c_visit + max_b N(b)) * c_scale * cQ.
  policy target = softmax(logits + sigma(cQ)): improves on the prior even with few simulations.
  played action = argmax of g + logits + sigma(cQ) among the most visited actions.
Shapes: n roots (rows) by A actions.
"""

from __future__ import annotations

import dataclasses
import functools
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from agents.mcts import MCTSConfig, SearchResult, Tree

TINY = 1e-30  # floor of a legal prior before its log


@functools.lru_cache(maxsize=256)
def considered_visits(max_considered: int, num_simulations: int) -> tuple[int, ...]:
    """Sequential halving as a schedule: entry i is the visit count that the action chosen by
    simulation i has before it (mctx `get_sequence_of_considered_visits`)."""
    if max_considered <= 1:
        return tuple(range(num_simulations))
    log2max = math.ceil(math.log2(max_considered))
    sequence: list[int] = []
    visits = [0] * max_considered
    considered = max_considered
    while len(sequence) < num_simulations:
        extra = max(1, int(num_simulations / (log2max * considered)))
        for _ in range(extra):
            sequence.extend(visits[:considered])
            for i in range(considered):
                visits[i] += 1
        considered = max(2, considered // 2)
    return tuple(sequence[:num_simulations])


def root_scores(
    priors: np.ndarray, is_noisy: bool, rngs: Sequence[np.random.Generator]
) -> np.ndarray:
    """g + logits [B, A] for each root; -inf on illegal actions. No noise: g = 0."""
    logits = np.log(np.maximum(priors, TINY))
    logits -= logits.max(axis=1, keepdims=True)
    if is_noisy:
        logits += np.stack([rng.gumbel(size=priors.shape[1]) for rng in rngs])
    return np.where(priors > 0, logits, -np.inf)


def completed_q(
    q: np.ndarray, visits: np.ndarray, prior: np.ndarray, network_value: np.ndarray
) -> np.ndarray:
    """Q where visited, v_mix elsewhere (Eq. 33) [n, A]; q and network_value are mover's view."""
    is_visited = visits > 0
    total = visits.sum(axis=1)
    prior = np.maximum(prior, TINY)
    visited_prior = np.where(is_visited, prior, 0.0).sum(axis=1)
    weighted_q = np.where(is_visited, prior * q, 0.0).sum(axis=1) / np.maximum(visited_prior, TINY)
    v_mix = (network_value + total * weighted_q) / (1 + total)
    return np.where(is_visited, q, v_mix[:, None])


def sigma(cq: np.ndarray, visits: np.ndarray, legal: np.ndarray, cfg: MCTSConfig) -> np.ndarray:
    """sigma(cQ) = (c_visit + max N) * c_scale * cQ, cQ min-max rescaled over legal actions."""
    low = np.where(legal, cq, np.inf).min(axis=1, keepdims=True)
    high = np.where(legal, cq, -np.inf).max(axis=1, keepdims=True)
    rescaled = (cq - low) / np.maximum(high - low, 1e-8)
    scale = (cfg.gumbel_c_visit + visits.max(axis=1, keepdims=True)) * cfg.gumbel_c_scale
    return np.where(legal, scale * rescaled, 0.0)


def _root_sigma(
    tree: Tree, trees: np.ndarray, priors: np.ndarray, values: np.ndarray, cfg: MCTSConfig
) -> tuple[np.ndarray, np.ndarray]:
    """(visits [n, A], sigma(completed Q) [n, A]) at the roots of `trees`."""
    visits = tree.visits[trees].astype(np.float64)  # node b is the root of tree b
    q = tree.value_sum[trees] / np.maximum(visits, 1)
    cq = completed_q(q, visits, priors, values)
    return visits, sigma(cq, visits, priors > 0, cfg)


def root_action(
    tree: Tree,
    trees: np.ndarray,
    scores: np.ndarray,
    priors: np.ndarray,
    values: np.ndarray,
    budgets: Sequence[int],
    cfg: MCTSConfig,
) -> np.ndarray:
    """The root action of the next simulation in each of `trees` [n] (sequential halving).

    Args:
        scores: g + logits [B, A] of all roots (`root_scores`); priors [B, A], values [B]
            the network's, mover's view; budgets [n] the simulations planned for each tree.
    """
    visits, sig = _root_sigma(tree, trees, priors[trees], values[trees], cfg)
    num_legal = (priors[trees] > 0).sum(axis=1)
    wanted = np.empty(len(trees))
    for i, (legal, index, budget) in enumerate(
        zip(num_legal.tolist(), visits.sum(axis=1).tolist(), budgets, strict=True)
    ):
        schedule = considered_visits(min(cfg.gumbel_considered, legal), max(budget, 1))
        wanted[i] = schedule[min(int(index), len(schedule) - 1)]
    score = scores[trees] + sig
    on_schedule = np.where(visits == wanted[:, None], score, -np.inf)
    off = ~np.isfinite(on_schedule).any(axis=1)  # a budget raised mid-search: plain scores
    on_schedule[off] = score[off]
    return np.argmax(on_schedule, axis=1)


def result(
    tree: Tree,
    b: int,
    puct: SearchResult,
    score: np.ndarray,
    value: float,
    cfg: MCTSConfig,
    pv_length: int,
) -> SearchResult:
    """`puct` (the visit-count result of root b) with Gumbel's policy target and action;
    `pv_length` as in `mcts.search_result`."""
    rows = np.array([b])
    prior = puct.prior[None]
    visits, sig = _root_sigma(tree, rows, prior, np.array([value]), cfg)
    legal = prior > 0
    logits = np.where(legal, np.log(np.maximum(prior, TINY)) + sig, -np.inf)
    policy = np.exp(logits - logits.max())
    policy /= policy.sum()
    is_most_visited = visits == visits.max()
    best = int(np.argmax(np.where(is_most_visited & legal, score[None] + sig, -np.inf)))
    from agents.mcts import principal_variation  # mcts imports this module

    pv = [best, *principal_variation(tree, int(tree.children[b, best]), pv_length - 1)]
    return dataclasses.replace(puct, policy_target=policy[0], best_action=best, pv=pv)
