"""GameRecord: one finished game as actions and outcomes, and its JSON Lines file format.

Records keep actions, not tensors (minigo keeps SGF): a game replays exactly through OpenSpiel,
so the viewer can step through it and the buffer can re-encode it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

from games.errors import UserError
from games.game import Action, Game, State
from sandbox.files import read_text
from sandbox.training.atomic import write_atomically


@dataclass(frozen=True)
class GameRecord:
    game: str  # OpenSpiel game string
    seed: int  # run seed: np.random.default_rng([seed, index]) replays the game's choices
    index: int  # game number within the run
    actions: list[Action]
    policy_targets: list[list[float] | None]  # search policy per ply; None = fast move, no target
    returns: list[float]  # [P] final returns per player
    root_values: list[float] | None = None  # search value of each root, mover's view
    weights_version: int | None = None  # learner step of the weights that played it (Ray)

    @property
    def length(self) -> int:
        return len(self.actions)


def replay(game: Game, record: GameRecord) -> State:
    """The final state of a record; raises UserError on any illegal action."""
    return game.state_from_actions(record.actions)


def write_records(path: Path, records: Iterable[GameRecord]) -> None:
    lines = "".join(json.dumps(asdict(r), separators=(",", ":")) + "\n" for r in records)
    write_atomically(path, lambda tmp: tmp.write_text(lines), "game records")


def read_records(path: Path) -> list[GameRecord]:
    records = []
    for number, line in enumerate(read_text(path, "game record file").splitlines(), 1):
        if line.strip():
            try:
                records.append(GameRecord(**json.loads(line)))
            except (json.JSONDecodeError, TypeError) as err:
                raise UserError(f"{path}:{number}: not a game record ({err})") from None
    return records
