"""Scoring an agent against solver-labelled positions (the format of `referee/README.md`).

The main figure is the value-preserving accuracy: the fraction of positions where the agent's
move keeps the game-theoretic value (in `optimal_wdl`). An agent trained on win/draw/loss has no
reason to prefer the fastest win, so the strict accuracy (in `optimal`) is reported beside it,
not instead. Positions where every legal move keeps the value say nothing about the agent; the
informative subset leaves them out. Phases split positions by the number of moves already played,
in thirds of the longest possible game.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from agents.base import Agent
from games.errors import UserError
from games.game import Action, Game, load
from sandbox.evaluation.arena import wilson_interval
from sandbox.files import read_text

REFEREE_DIR = Path(__file__).parent / "positions"

# Short names of the shipped files, and the game presets that name the same sets.
POSITION_FILES = {
    "tic_tac_toe": "tic_tac_toe.public.jsonl",
    "connect_four_5x4": "connect_four_5x4.public.jsonl",
    "connect_four_6x5": "connect_four_6x5.public.jsonl",
    "connect_four_7x6": "connect_four_7x6.public.jsonl",
}
PRESET_POSITIONS = {
    "tic-tac-toe": "tic_tac_toe",
    "connect4-5x4": "connect_four_5x4",
    "connect4-6x5": "connect_four_6x5",
    "connect4": "connect_four_7x6",
}
PHASES = ("first", "second", "last")

Progress = Callable[[int], None]  # called with 1 after each position (tqdm's `update` fits)


@dataclass(frozen=True)
class Position:
    """One labelled position: reached by `actions` from the initial state."""

    game: str  # OpenSpiel game string as written in the file
    actions: tuple[Action, ...]
    value: int  # for the player to move: 1 win, 0 draw, -1 loss
    optimal: frozenset[Action]  # tied for the best exact score (fastest win, slowest loss)
    optimal_wdl: frozenset[Action]  # keep the value
    legal: frozenset[Action]
    scores: tuple[int | None, ...] = ()  # Pons score per action, None = illegal (optional)

    @property
    def is_informative(self) -> bool:
        """False when every legal move keeps the value: such a position tests nothing."""
        return self.optimal_wdl != self.legal


def _parse(record: object, where: str) -> Position:
    if not isinstance(record, dict):
        raise UserError(f"{where}: not a position (expected a JSON object)")
    missing = [
        k
        for k in ("game", "actions", "value", "optimal", "optimal_wdl", "legal")
        if k not in record
    ]
    if missing:
        raise UserError(f"{where}: not a position: missing {', '.join(missing)}")
    try:
        return Position(
            game=str(record["game"]),
            actions=tuple(int(a) for a in record["actions"]),
            value=int(record["value"]),
            optimal=frozenset(int(a) for a in record["optimal"]),
            optimal_wdl=frozenset(int(a) for a in record["optimal_wdl"]),
            legal=frozenset(int(a) for a in record["legal"]),
            scores=tuple(None if s is None else int(s) for s in record.get("scores", ())),
        )
    except (TypeError, ValueError) as err:
        raise UserError(f"{where}: not a position ({err})") from None


def resolve_positions_path(name_or_path: str | Path) -> Path:
    """A short name (`tic_tac_toe`, `connect4-5x4`, ...) of a shipped file, or a path."""
    name = str(name_or_path)
    short = PRESET_POSITIONS.get(name, name)
    if short in POSITION_FILES:
        return REFEREE_DIR / POSITION_FILES[short]
    path = Path(name)
    if not path.is_file():
        names = ", ".join([*POSITION_FILES, *PRESET_POSITIONS])
        raise UserError(f"positions '{name}': no such file, nor a shipped set ({names})")
    return path


def load_positions(name_or_path: str | Path) -> list[Position]:
    """Reads a JSON Lines file of labelled positions, all of one game; UserError if malformed,
    or if a position is not one its game reaches with a move to play (`_check_position`)."""
    path = resolve_positions_path(name_or_path)
    positions = []
    where = []  # "file:line" of each position
    for number, line in enumerate(read_text(path, "positions file").splitlines(), 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as err:
            raise UserError(f"{path}:{number}: not JSON ({err.msg})") from None
        positions.append(_parse(record, f"{path}:{number}"))
        where.append(f"{path}:{number}")
    if not positions:
        raise UserError(f"{path}: no positions in the file")
    games = {p.game for p in positions}
    if len(games) > 1:
        raise UserError(f"{path}: positions of several games ({', '.join(sorted(games))})")
    try:
        game = load(positions[0].game)
    except UserError as err:
        raise UserError(f"{where[0]}: {err}") from None
    for position, line in zip(positions, where, strict=True):
        _check_position(game, position, line)
    return positions


def _check_position(game: Game, position: Position, where: str) -> None:
    """UserError unless the actions are legal, leave a move to play, and the labels name legal
    moves of that position and a value in {-1, 0, 1}."""
    try:
        state = game.state_from_actions(position.actions)
    except UserError as err:
        raise UserError(f"{where}: {err}") from None
    if state.is_terminal():
        raise UserError(f"{where}: the game is over after these actions: no move to score")
    legal = frozenset(state.legal_actions())
    if position.legal != legal:
        raise UserError(f"{where}: 'legal' is not the set of legal moves of the position")
    if not position.optimal_wdl or not (position.optimal | position.optimal_wdl) <= legal:
        raise UserError(f"{where}: 'optimal' or 'optimal_wdl' names no move or an illegal one")
    if position.value not in (-1, 0, 1):
        raise UserError(f"{where}: 'value' must be -1, 0 or 1, got {position.value}")


def game_of_positions(positions: Sequence[Position]) -> Game:
    """The game the positions are of: its preset when one has the same rules (`load` maps a
    preset's rules however spelt to the preset: its encoding is what `zoo:` models expect)."""
    return load(positions[0].game)


def check_same_game(game: Game, positions: Sequence[Position]) -> None:
    """UserError when the positions are of another game than `game`."""
    if positions and not load(positions[0].game).is_same_as(game):
        raise UserError(
            f"the positions are of {positions[0].game}, but the agent plays {game.name} "
            f"({game.openspiel})"
        )


def phase_of(position: Position, game: Game) -> str:
    """First, second or last third of the longest game, by moves already played."""
    index = min(2, 3 * len(position.actions) // game.max_game_length)
    return PHASES[index]


def subsample(positions: Sequence[Position], limit: int | None) -> list[Position]:
    """At most `limit` positions, evenly spaced through the file (files may be ordered by phase)."""
    if limit is None or limit >= len(positions):
        return list(positions)
    return [positions[i * len(positions) // limit] for i in range(max(limit, 0))]


@dataclass(frozen=True)
class Accuracy:
    """Correct moves among n positions, by both criteria, with 95% Wilson intervals."""

    n: int
    correct: int  # chosen move in optimal_wdl
    correct_strict: int  # chosen move in optimal

    @property
    def accuracy(self) -> float:
        return self.correct / self.n if self.n else float("nan")

    @property
    def accuracy_strict(self) -> float:
        return self.correct_strict / self.n if self.n else float("nan")

    @property
    def interval(self) -> tuple[float, float]:
        return wilson_interval(self.correct, self.n)

    @property
    def interval_strict(self) -> tuple[float, float]:
        return wilson_interval(self.correct_strict, self.n)

    @staticmethod
    def count(correct: Sequence[bool], correct_strict: Sequence[bool]) -> Accuracy:
        return Accuracy(len(correct), sum(correct), sum(correct_strict))

    def to_dict(self) -> dict[str, object]:
        return {
            "n": self.n,
            "accuracy": self.accuracy if self.n else None,
            "accuracy_strict": self.accuracy_strict if self.n else None,
            "interval": list(self.interval),
            "interval_strict": list(self.interval_strict),
        }


@dataclass(frozen=True)
class RefereeReport:
    """How often an agent chose a correct move; per-position results for paired comparisons."""

    agent: str
    game: str
    overall: Accuracy
    informative: Accuracy
    by_phase: dict[str, Accuracy]
    chosen: tuple[Action, ...]  # the agent's move in each position, in order
    correct: tuple[bool, ...]  # per position: chosen move keeps the value
    correct_strict: tuple[bool, ...]  # per position: chosen move is strictly optimal

    @property
    def accuracy(self) -> float:
        return self.overall.accuracy

    @property
    def accuracy_strict(self) -> float:
        return self.overall.accuracy_strict

    def to_dict(self) -> dict[str, object]:
        return {
            "accuracy": self.accuracy,
            "accuracy_strict": self.accuracy_strict,
            "agent": self.agent,
            "game": self.game,
            **{k: v for k, v in self.overall.to_dict().items() if not k.startswith("acc")},
            "correct": self.overall.correct,
            "correct_strict": self.overall.correct_strict,
            "informative": self.informative.to_dict(),
            "by_phase": {phase: acc.to_dict() for phase, acc in self.by_phase.items()},
        }


def score_agent(
    agent: Agent,
    game: Game,
    positions: Sequence[Position],
    rng: np.random.Generator,
    progress: Progress | None = None,
    chunk: int = 64,
) -> RefereeReport:
    """Asks `agent` for a move in every position and checks it against the labels.

    Positions go to the agent `chunk` at a time (`select_actions`), so a network agent searches
    them in one batch; progress is reported after each chunk.

    An illegal move counts as wrong. Positions are replayed through OpenSpiel, so a label whose
    actions are illegal in `game` raises UserError rather than scoring nonsense.
    """
    check_same_game(game, positions)
    chosen: list[Action] = []
    for start in range(0, len(positions), chunk):  # batched: one network call per step
        part = positions[start : start + chunk]
        states = [game.state_from_actions(p.actions) for p in part]
        chosen += [int(a) for a in agent.select_actions(states, rng)]
        if progress is not None:
            progress(len(part))
    correct = [a in p.optimal_wdl for a, p in zip(chosen, positions, strict=True)]
    strict = [a in p.optimal for a, p in zip(chosen, positions, strict=True)]
    informative = [i for i, p in enumerate(positions) if p.is_informative]
    phases = [phase_of(p, game) for p in positions]
    by_phase = {
        phase: Accuracy.count(
            [c for c, ph in zip(correct, phases, strict=True) if ph == phase],
            [s for s, ph in zip(strict, phases, strict=True) if ph == phase],
        )
        for phase in PHASES
    }
    return RefereeReport(
        agent=agent.name,
        game=game.name,
        overall=Accuracy.count(correct, strict),
        informative=Accuracy.count(
            [correct[i] for i in informative], [strict[i] for i in informative]
        ),
        by_phase=by_phase,
        chosen=tuple(chosen),
        correct=tuple(correct),
        correct_strict=tuple(strict),
    )
