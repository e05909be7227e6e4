"""Batched self-play: many games at once, one network call per simulation step for all of them.

A pool of `concurrent_games` games advances in lockstep: every move of every game is one
`run_search` over all their roots, so the network sees large batches. A finished game's slot is
refilled at once, keeping the batch full until the last games of the iteration.

Playout cap randomization (Wu 2019, KataGo): a fraction of moves get the full search and become
training targets; the others get a small budget, are played but not recorded as targets. The
network sees more games for the same compute.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from agents.evaluators import Evaluator
from agents.mcts import choose_action, run_search
from games.game import Game, State
from sandbox.config import Config
from sandbox.records import GameRecord


@dataclass
class _Slot:
    index: int
    rng: np.random.Generator
    state: State
    actions: list[int] = field(default_factory=list)
    targets: list[list[float] | None] = field(default_factory=list)
    root_values: list[float] = field(default_factory=list)


@dataclass(frozen=True)
class SelfPlayStats:
    games: int
    moves: int
    simulations: int
    kl_search_prior: float  # mean KL(search policy || network prior) on full searches


def play_games(
    game: Game,
    cfg: Config,
    evaluator: Evaluator,
    num_games: int,
    seed: int,
    first_index: int = 0,
) -> tuple[list[GameRecord], SelfPlayStats]:
    """Plays `num_games` self-play games; game i uses rng `default_rng([seed, first_index + i])`."""
    mcts, sp = cfg.mcts, cfg.selfplay
    search_rng = np.random.default_rng([seed, first_index, 7])
    pending = list(range(first_index, first_index + num_games))[::-1]
    slots: list[_Slot] = []
    records: list[GameRecord] = []
    moves = simulations = 0
    kl_sum, kl_count = 0.0, 0
    while pending or slots:
        while pending and len(slots) < sp.concurrent_games:
            index = pending.pop()
            slots.append(_Slot(index, np.random.default_rng([seed, index]), game.new_state()))
        is_full = [slot.rng.random() < sp.full_search_fraction for slot in slots]
        budgets = [mcts.num_simulations if f else sp.fast_simulations for f in is_full]
        results = run_search([s.state for s in slots], evaluator, mcts, search_rng, budgets)
        simulations += sum(budgets)
        moves += len(slots)
        still_playing = []
        for slot, full, result in zip(slots, is_full, results, strict=True):
            ply = len(slot.actions)
            temperature = mcts.temperature if ply < mcts.temperature_moves else 0.0
            action = choose_action(result, temperature, slot.rng)
            if full:
                slot.targets.append(result.policy_target.tolist())
                kl_sum += _kl(result.policy_target, result.prior)
                kl_count += 1
            else:
                slot.targets.append(None)
            slot.root_values.append(float(result.root_values[result.to_play]))
            slot.actions.append(action)
            slot.state.apply_action(action)
            if slot.state.is_terminal():
                records.append(
                    GameRecord(
                        game=game.spec.openspiel,
                        seed=seed,
                        index=slot.index,
                        actions=slot.actions,
                        policy_targets=slot.targets,
                        returns=list(slot.state.returns()),
                        root_values=slot.root_values,
                    )
                )
            else:
                still_playing.append(slot)
        slots = still_playing
    stats = SelfPlayStats(len(records), moves, simulations, kl_sum / max(kl_count, 1))
    return records, stats


def _kl(p: np.ndarray, q: np.ndarray) -> float:
    mask = p > 0
    return float(np.sum(p[mask] * (np.log(p[mask]) - np.log(np.maximum(q[mask], 1e-12)))))
