"""The sweep: strength against test-time compute, System 1 (0 simulations) to System 2 (N).

For each model ("contender") and each budget in `sims`, strength is measured three ways:
1. accuracy on solver-labelled positions (`position_sweep`: every budget read off one batched
   search per model; `referee` labels and Wilson intervals),
2. Elo from a tournament among all (model, sims) players plus anchors (`tournament`, rated by
   `elo`, random = 0),
3. think time per move, one position at a time, as a user of the viewer would wait.
The phases share a `_Sweep` and each reports its progress through a callback, so the command
line can show one bar (with its remaining time) per phase.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from agents.base import Agent
from agents.bots import MCTSBot
from games.errors import UserError
from games.game import Game, State
from sandbox.evaluation.elo import ANCHOR, Ratings, Tournament, rate
from sandbox.evaluation.position_sweep import (
    SearchChanges,
    accuracy_of,
    changes_by_sims,
    examples_that_mattered,
    random_accuracy,
    search_positions,
)
from sandbox.evaluation.referee import Accuracy, Position, score_agent
from sandbox.evaluation.tournament import (
    Entrant,
    ladder,
    random_openings,
    round_robin,
    run_tournament,
)
from sandbox.specs import make_agent, parse_spec, search_player

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
    max_positions=500,
    games_per_pair=24,
    ladder_width=2,
    think_positions=4,
    bootstrap=100,
)


@dataclass(frozen=True)
class Contender:
    """A network under test: a model and the spec its System 2's search settings come from."""

    label: str  # curve name: the spec, a zoo name, or "step 1200" for a run's checkpoints
    model: str  # checkpoint path, run dir or zoo:NAME
    spec: str = ""  # `mcts:`/`policy:` spec whose search keys override the model's own settings
    step: int | None = None  # training step of the checkpoint (train-time compute)

    def player(self, game: Game) -> MCTSBot:
        """The model as a System 2 player: its checkpoint's search settings, the spec's keys
        on top (its `sims` is replaced by each budget of the sweep)."""
        return search_player(self.spec or "mcts", game, model=self.model or None)


def contender_from_spec(text: str) -> Contender:
    """`policy:`/`mcts:` spec -> Contender (its sims are replaced by the sweep's list).

    The search is the model's own (one leaf per network call unless it was trained otherwise)
    unless the spec says e.g. `leaves=K` or `c_puct=C`.
    """
    spec = parse_spec(text)
    if spec.kind not in ("policy", "mcts"):
        raise UserError(f"'{text}' is not a network player (policy:... or mcts:...)")
    model = str(spec.get("model") or "")
    return Contender(label=model or text, model=model, spec=text)


def think_time_ms(player: MCTSBot, sims: int, states: Sequence[State]) -> float:
    """Mean wall time of one move, one position at a time, with a cold evaluation cache."""
    if not states:
        return float("nan")
    agent = player.with_simulations(sims)
    rng = np.random.default_rng(0)
    total = 0.0
    for state in states:
        agent.evaluator.clear_cache()  # type: ignore[attr-defined]
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


ProgressFactory = Callable[[str, int], Progress]  # (phase, total) -> callback for that phase


@dataclass
class _Sweep:
    """What the phases of one sweep share."""

    game: Game
    contenders: Sequence[Contender]
    positions: Sequence[Position]
    cfg: SweepConfig
    progress: ProgressFactory | None
    rng: np.random.Generator
    result: SweepResult
    states: list[State]
    players: dict[str, MCTSBot]
    sims: tuple[int, ...]
    rows: dict[str, dict] = field(default_factory=dict)  # player -> CSV row
    anchors: dict[str, Agent] = field(default_factory=dict)

    def bar(self, phase: str, total: int) -> Progress | None:
        return self.progress(phase, total) if self.progress else None


def run_sweep(
    game: Game,
    contenders: Sequence[Contender],
    positions: Sequence[Position],
    cfg: SweepConfig,
    progress: ProgressFactory | None = None,
) -> SweepResult:
    """Runs the three measurements; `progress(phase, total)` returns a callback for a phase."""
    sweep = _Sweep(
        game=game,
        contenders=contenders,
        positions=positions,
        cfg=cfg,
        progress=progress,
        rng=np.random.default_rng(cfg.seed),
        result=SweepResult(game.name, cfg),
        states=[game.state_from_actions(p.actions) for p in positions],
        players={c.label: c.player(game) for c in contenders},
        sims=tuple(sorted(set(cfg.sims))),
    )
    for phase, measure in (
        ("accuracy", _measure_accuracy),
        ("anchors", _measure_anchors),
        ("think time", _measure_think_time),
        ("tournament", _play_tournament),
    ):
        start = time.perf_counter()
        measure(sweep)
        sweep.result.seconds[phase] = time.perf_counter() - start
    sweep.result.rows = list(sweep.rows.values())
    return sweep.result


def _measure_accuracy(sw: _Sweep) -> None:
    """Every network at every budget on the positions, plus where search changed the move."""
    if not sw.positions:
        return
    step = sw.bar("accuracy", len(sw.contenders) * max(sw.sims))
    for c in sw.contenders:
        ps = search_positions(sw.players[c.label], sw.states, sw.sims, sw.rng, c.label, step)
        changes = changes_by_sims(ps, sw.positions)
        sw.result.changes.extend(changes)
        sw.result.examples += examples_that_mattered(ps, sw.positions, sw.cfg.examples)
        for k, s in enumerate(ps.sims):
            row = _network_row(c, s)
            row.update(_accuracy_cells(*accuracy_of(ps.actions[k], sw.positions)))
            row.update(next((ch.cells() for ch in changes if ch.sims == s), {}))
            sw.rows[row["player"]] = row


def _measure_anchors(sw: _Sweep) -> None:
    """The anchors' accuracy: exact expectation for random, measured for the others."""
    sw.anchors = {spec: make_agent(spec, sw.game, seed=sw.cfg.seed) for spec in sw.cfg.anchors}
    for spec, agent in sw.anchors.items():
        row = {"player": spec, "kind": "anchor", "model": spec, "sims": "", "step": ""}
        if sw.positions and spec == ANCHOR:
            vp, strict = random_accuracy(sw.positions)
            row.update({"accuracy": vp, "strict": strict, "positions": len(sw.positions)})
            sw.result.references["random (expected)"] = vp
        elif sw.positions and spec != "solver":
            step = sw.bar(f"accuracy {spec}", len(sw.positions))
            report = score_agent(agent, sw.game, sw.positions, sw.rng, step)
            row.update(_accuracy_cells(report.overall, report.informative))
            sw.result.references[spec] = report.accuracy
        sw.rows[spec] = row


def _measure_think_time(sw: _Sweep) -> None:
    n = sw.cfg.think_positions
    timed = sw.states[:: max(1, len(sw.states) // max(1, n))][:n] or [sw.game.new_state()]
    step = sw.bar("think time", len(sw.contenders) * len(sw.sims))
    for c in sw.contenders:
        for s in sw.sims:
            row = sw.rows.setdefault(player_name(c, s), _network_row(c, s))
            row["think_ms"] = think_time_ms(sw.players[c.label], s, timed)
            if step:
                step(1)


def _play_tournament(sw: _Sweep) -> None:
    """The ladder (or round robin) of all players, rated with random = 0."""
    entrants = [
        Entrant(player_name(c, s), sw.players[c.label].with_simulations(s))
        for c in sw.contenders
        for s in sw.sims
    ] + [Entrant(spec, agent) for spec, agent in sw.anchors.items()]
    pairs = schedule(sw.rows, sw.contenders, sw.sims, sw.cfg.ladder_width)
    # The anchor's games are cheap and its link to everyone is the thinnest (it loses most
    # games), so its pairings play ANCHOR_GAMES times as many openings.
    half = max(1, sw.cfg.games_per_pair // 2)
    many = random_openings(sw.game, ANCHOR_GAMES * half, sw.cfg.opening_plies, sw.rng)
    openings = many[:half]

    def openings_of(p: str, q: str) -> list:
        return many if ANCHOR in (p, q) else openings

    step = sw.bar("tournament", sum(2 * len(openings_of(p, q)) for p, q in pairs))
    tournament = run_tournament(entrants, pairs, sw.game, openings, sw.rng, step, openings_of)
    ratings = rate(tournament, bootstrap=sw.cfg.bootstrap, rng=sw.rng)
    _add_ratings(sw.rows, tournament, ratings)
    sw.result.pairings = [
        {"a": p, "b": q, "games": tournament.games(p, q), "score_a": tournament.score(p, q)}
        for p, q in pairs
    ]


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
    and the gaps between curves rest on direct games. The anchors also form their own ladder,
    so their ratings (the scale the class reads the curves against) do not depend only on
    whichever networks happen to sit between them. And every network player meets the
    strongest anchor: two good networks of a drawn game (connect four 5x4) draw nearly every
    game, so only an imperfect common opponent shows what more search buys.
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
    anchors = [n for n in order if rows[n].get("kind") == "anchor"]
    extra += ladder(anchors, 2)
    if anchors:  # a common yardstick: strong networks draw each other, imperfect anchors do not
        extra += [(name, anchors[-1]) for name in order if rows[name].get("kind") == "network"]
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
