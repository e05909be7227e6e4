"""The sweep: strength against test-time compute, System 1 (0 simulations) to System 2 (N).

For each model ("contender") and each budget in `sims`, strength is measured three ways:
1. accuracy on solver-labelled positions (`sandbox.referee` labels and Wilson intervals),
2. Elo from a tournament among all (model, sims) players plus anchors (`sandbox.tournament`,
   rated by `sandbox.elo`, random = 0),
3. think time per move, one position at a time, as a user of the viewer would wait.

Accuracy is cheap because PUCT without root noise is deterministic: the search with 256
simulations passes through exactly the tree the search with 128 would have stopped at. So one
batched search per model over all positions, read off at 1, 2, 4, ... simulations, gives every
budget's move (Gumbel root selection plans by its budget, so it is searched afresh per budget).
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from agents.bots import MCTSBot, PolicyBot
from agents.evaluators import NetworkEvaluator
from agents.mcts import Search, run_search
from games.game import Game, State
from sandbox.config import MCTSConfig
from sandbox.elo import ANCHOR, Ratings, Tournament, rate
from sandbox.referee import Accuracy, Position, score_agent
from sandbox.search_changes import SearchChanges, changes_by_sims, examples_that_mattered
from sandbox.specs import load_evaluator, make_agent, parse_spec
from sandbox.tournament import (
    Entrant,
    ladder,
    network_entrant,
    random_openings,
    round_robin,
    run_tournament,
)

log = logging.getLogger(__name__)

Progress = Callable[[int], None]

FULL_SIMS = (0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024)
QUICK_SIMS = FULL_SIMS[:10]  # up to 256
# OpenSpiel's rollout MCTS from nearly random to strong: a ladder of anchors, so the gap between
# random (0) and a trained network is bridged by measurable scores, not by one clean sweep.
ANCHOR_GAMES = 4  # games against `random` (the Elo anchor), relative to other pairings
ANCHORS = ("random", "rollout:sims=4", "rollout:sims=32", "rollout:sims=256", "rollout:sims=2048")


@dataclass(frozen=True)
class SweepConfig:
    sims: tuple[int, ...] = FULL_SIMS  # budgets per model; 0 = System 1
    max_positions: int | None = None  # positions scored, spread over the file; None = all
    games_per_pair: int = 20  # games per tournament pairing (both seats of games/2 openings)
    anchors: tuple[str, ...] = ANCHORS  # random = 0; rollouts link it to the networks
    ladder_width: int = 3  # each player meets the next `width` by strength; 0 = round robin
    opening_plies: int = 2  # random plies before a tournament game (search is deterministic)
    think_positions: int = 10  # positions timed per player, one at a time
    bootstrap: int = 200  # Elo bootstrap replicas
    examples: int = 6  # boards saved where search changed the move
    seed: int = 0


QUICK = SweepConfig(
    sims=QUICK_SIMS,
    max_positions=200,
    games_per_pair=16,
    ladder_width=2,
    think_positions=4,
    bootstrap=100,
)


@dataclass(frozen=True)
class Contender:
    """A network under test: a model path and the search settings of its System 2."""

    label: str  # curve name: the spec, a zoo name, or "step 1200" for a run's checkpoints
    model: str  # checkpoint path, run dir or zoo:NAME
    mcts: MCTSConfig = field(default_factory=MCTSConfig)
    step: int | None = None  # training step of the checkpoint (train-time compute)


def contender_from_spec(text: str) -> Contender:
    """`policy:`/`mcts:` spec -> Contender (its sims are replaced by the sweep's list)."""
    spec = parse_spec(text)
    base = MCTSConfig()
    cfg = dataclasses.replace(
        base,
        c_puct=float(spec.get("c_puct", base.c_puct)),  # type: ignore[arg-type]
        gumbel=bool(spec.get("gumbel", 0)),
        dirichlet_fraction=0.0,
    )
    model = str(spec.get("model") or "")
    return Contender(label=model or text, model=model, mcts=cfg)


@dataclass(frozen=True)
class PositionSearch:
    """One model's moves on the positions at every budget, and what the biggest search saw."""

    label: str
    sims: tuple[int, ...]  # ascending
    actions: np.ndarray  # [S, N] chosen move per budget and position
    prior: np.ndarray  # [N, A] the network's policy (System 1)
    visits: np.ndarray  # [N, A] visit counts of the largest budget
    q: np.ndarray  # [N, A] Q of the largest budget, mover's view, NaN unvisited


def search_positions(
    evaluator: NetworkEvaluator,
    cfg: MCTSConfig,
    states: Sequence[State],
    sims: Sequence[int],
    rng: np.random.Generator,
    label: str = "",
    progress: Progress | None = None,
) -> PositionSearch:
    """Every budget's move on every state, from one batched search read off at each budget.

    progress is called with 1 per simulation step (max(sims) in all).
    """
    budgets = sorted(set(sims))
    cfg = dataclasses.replace(cfg, num_simulations=max(budgets), dirichlet_fraction=0.0)
    search = Search(states, evaluator, cfg, rng)
    actions = np.zeros((len(budgets), len(states)), dtype=np.int64)
    results = None
    for k, budget in enumerate(budgets):
        if budget == 0:
            actions[k] = np.argmax(search.priors, axis=1)
            continue
        if cfg.gumbel:
            results = run_search(states, evaluator, cfg, rng, budget)
        else:
            while search.step([budget] * len(states)):
                if progress:
                    progress(1)
            results = search.results()
        actions[k] = [r.best_action for r in results]
    num_actions = search.priors.shape[1]
    visits = np.zeros((len(states), num_actions))
    q = np.full((len(states), num_actions), np.nan)
    if results is not None:
        visits = np.array([r.visits for r in results])
        q = np.array([r.q for r in results])
    return PositionSearch(label, tuple(budgets), actions, np.array(search.priors), visits, q)


def accuracy_of(actions: np.ndarray, positions: Sequence[Position]) -> tuple[Accuracy, Accuracy]:
    """(all positions, informative positions) accuracy of one move per position."""
    ok = [int(a) in p.optimal_wdl for a, p in zip(actions, positions, strict=True)]
    strict = [int(a) in p.optimal for a, p in zip(actions, positions, strict=True)]
    informative = [i for i, p in enumerate(positions) if p.is_informative]
    return (
        Accuracy.count(ok, strict),
        Accuracy.count([ok[i] for i in informative], [strict[i] for i in informative]),
    )


def random_accuracy(positions: Sequence[Position]) -> tuple[float, float]:
    """Exact expected accuracy of a uniformly random mover (value-preserving, strict)."""
    vp = np.mean([len(p.optimal_wdl) / len(p.legal) for p in positions])
    st = np.mean([len(p.optimal) / len(p.legal) for p in positions])
    return float(vp), float(st)


def think_time_ms(
    evaluator: NetworkEvaluator, cfg: MCTSConfig, sims: int, states: Sequence[State]
) -> float:
    """Mean wall time of one move, one position at a time, with a cold evaluation cache."""
    if not states:
        return float("nan")
    cfg = dataclasses.replace(cfg, num_simulations=sims, dirichlet_fraction=0.0)
    agent = PolicyBot(evaluator) if sims == 0 else MCTSBot(evaluator, cfg)
    rng = np.random.default_rng(0)
    total = 0.0
    for state in states:
        evaluator.clear_cache()
        start = time.perf_counter()
        agent.select_action(state, rng)
        total += time.perf_counter() - start
    return 1000 * total / len(states)


def player_name(contender: Contender, sims: int) -> str:
    return f"{contender.label} sims={sims}"


@dataclass
class SweepResult:
    """Everything a sweep measured; rows are one dict per player, as in the CSV."""

    game: str
    config: SweepConfig
    rows: list[dict] = field(default_factory=list)
    changes: list[SearchChanges] = field(default_factory=list)
    examples: list[dict] = field(default_factory=list)
    pairings: list[dict] = field(default_factory=list)
    references: dict[str, float] = field(default_factory=dict)  # accuracy reference lines
    seconds: dict[str, float] = field(default_factory=dict)  # wall time of each phase


def _accuracy_cells(overall: Accuracy, informative: Accuracy) -> dict:
    low, high = overall.interval
    slow, shigh = overall.interval_strict
    return {
        "accuracy": overall.accuracy,
        "accuracy_low": low,
        "accuracy_high": high,
        "strict": overall.accuracy_strict,
        "strict_low": slow,
        "strict_high": shigh,
        "informative_accuracy": informative.accuracy,
        "positions": overall.n,
    }


def run_sweep(
    game: Game,
    contenders: Sequence[Contender],
    positions: Sequence[Position],
    cfg: SweepConfig,
    progress: Callable[[str, int], Progress] | None = None,
) -> SweepResult:
    """Runs the three measurements; `progress(phase, total)` returns a callback for a phase."""
    rng = np.random.default_rng(cfg.seed)
    result = SweepResult(game.name, cfg)
    states = [game.state_from_actions(p.actions) for p in positions]
    evaluators = {c.label: load_evaluator(c.model or None, game) for c in contenders}
    sims = tuple(sorted(set(cfg.sims)))
    rows: dict[str, dict] = {}
    vp = strict = float("nan")

    start = time.perf_counter()
    if positions:
        step = progress("accuracy", len(contenders) * max(sims)) if progress else None
        for c in contenders:
            ps = search_positions(evaluators[c.label], c.mcts, states, sims, rng, c.label, step)
            changes = changes_by_sims(ps, positions)
            result.changes.extend(changes)
            result.examples += examples_that_mattered(ps, positions, cfg.examples)
            for k, s in enumerate(ps.sims):
                row = _network_row(c, s)
                row.update(_accuracy_cells(*accuracy_of(ps.actions[k], positions)))
                row.update(next((ch.cells() for ch in changes if ch.sims == s), {}))
                rows[row["player"]] = row
        vp, strict = random_accuracy(positions)
        result.references["random (expected)"] = vp
    result.seconds["accuracy"] = time.perf_counter() - start

    start = time.perf_counter()
    anchors = {spec: make_agent(spec, game, seed=cfg.seed) for spec in cfg.anchors}
    for spec, agent in anchors.items():
        row = {"player": spec, "kind": "anchor", "model": spec, "sims": "", "step": ""}
        if positions and spec == "random":
            row.update({"accuracy": vp, "strict": strict, "positions": len(positions)})
        elif positions and spec != "solver":
            step = progress(f"accuracy {spec}", len(positions)) if progress else None
            report = score_agent(agent, game, positions, rng, step)
            row.update(_accuracy_cells(report.overall, report.informative))
            result.references[spec] = report.accuracy
        rows[spec] = row
    result.seconds["anchors"] = time.perf_counter() - start

    start = time.perf_counter()
    timed = states[:: max(1, len(states) // max(1, cfg.think_positions))][: cfg.think_positions]
    if not timed:
        timed = [game.new_state()]
    step = progress("think time", len(contenders) * len(sims)) if progress else None
    for c in contenders:
        for s in sims:
            row = rows.setdefault(player_name(c, s), _network_row(c, s))
            row["think_ms"] = think_time_ms(evaluators[c.label], c.mcts, s, timed)
            if step:
                step(1)
    result.seconds["think time"] = time.perf_counter() - start

    start = time.perf_counter()
    entrants = [
        network_entrant(player_name(c, s), evaluators[c.label], c.mcts, s)
        for c in contenders
        for s in sims
    ] + [Entrant(spec, agent=agent) for spec, agent in anchors.items()]
    pairs = schedule(rows, contenders, sims, cfg.ladder_width)
    # The anchor's games are cheap and its link to everyone is the thinnest (it loses most
    # games), so its pairings play ANCHOR_GAMES times as many openings.
    half = max(1, cfg.games_per_pair // 2)
    many = random_openings(game, ANCHOR_GAMES * half, cfg.opening_plies, rng)
    openings = many[:half]

    def openings_of(p: str, q: str) -> list:
        return many if ANCHOR in (p, q) else openings

    total = sum(2 * len(openings_of(p, q)) for p, q in pairs)
    step = progress("tournament", total) if progress else None
    tournament = run_tournament(entrants, pairs, game, openings, rng, step, openings_of)
    ratings = rate(tournament, bootstrap=cfg.bootstrap, rng=rng)
    _add_ratings(rows, tournament, ratings)
    result.pairings = [
        {"a": p, "b": q, "games": tournament.games(p, q), "score_a": tournament.score(p, q)}
        for p, q in pairs
    ]
    result.seconds["tournament"] = time.perf_counter() - start
    result.rows = list(rows.values())
    return result


def _network_row(c: Contender, sims: int) -> dict:
    return {
        "player": player_name(c, sims),
        "kind": "network",
        "model": c.label,
        "sims": sims,
        "step": "" if c.step is None else c.step,
    }


def schedule(
    rows: dict[str, dict], contenders: Sequence[Contender], sims: Sequence[int], width: int
) -> list[tuple[str, str]]:
    """Tournament pairings: a ladder ordered by measured accuracy (or round robin if width 0).

    Without accuracies, the order is a guess: random, then everyone by budget. Consecutive
    budgets of one model, and equal budgets of different models, always meet, so each curve
    and the gaps between curves rest on direct games.
    """
    names = list(rows)
    if width <= 0:
        return round_robin(names)

    def strength(name: str) -> tuple[float, float]:
        row = rows[name]
        guess = -1.0 if name == ANCHOR else float(row.get("sims") or 0)
        if name.startswith("rollout"):
            guess = float(parse_spec(name).get("sims", 1000)) / 16  # type: ignore[arg-type]
        accuracy = row.get("accuracy")
        return (float(accuracy) if accuracy not in (None, "") else -1.0, guess)

    order = sorted(names, key=strength)
    extra = [
        (player_name(c, a), player_name(c, b))
        for c in contenders
        for a, b in zip(sims, sims[1:], strict=False)
    ]
    extra += [
        (player_name(c, s), player_name(d, s))
        for c, d in zip(contenders, contenders[1:], strict=False)
        for s in sims
    ]
    return ladder(order, width, extra)


def _add_ratings(rows: dict[str, dict], t: Tournament, ratings: Ratings) -> None:
    for i, name in enumerate(ratings.names):
        rows[name].update(
            {
                "elo": float(ratings.elo[i]),
                "elo_low": float(ratings.low[i]),
                "elo_high": float(ratings.high[i]),
                "elo_stderr": float(ratings.stderr[i]),
                "games": int(t.wins[i].sum() + t.wins[:, i].sum() + t.draws[i].sum()),
            }
        )
