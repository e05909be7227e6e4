"""The strength dial: a shipped model's levels, from System 1 sampled up to the full search.

A level table is a small JSON file beside the model (`sandbox/zoo/NAME.levels.json`):

    {"model": "zoo:connect4-5x4",
     "levels": [{"name": "System 1, sampled", "sims": 0, "temperature": 1.0},
                {"name": "System 2, 200 simulations", "sims": 200, "elo": 870}, ...]}

Levels are numbered from 1 in file order, weakest first. `sims` is the search budget (0: the
network alone), `temperature` > 0 samples the move (from the prior at 0 sims, else from the
visits) instead of playing the favourite. `elo` is measured separately and may be missing; the
viewer shows it where it is there.
"""

from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import dataclass
from pathlib import Path

from games.errors import UserError


@dataclass(frozen=True)
class Level:
    number: int  # 1 = weakest
    name: str  # "System 1, sampled", "System 2, 200 simulations"
    sims: int  # search budget per move; 0 = System 1 alone
    temperature: float = 0.0  # > 0: the move is sampled, pi ~ p^(1/T)
    elo: float | None = None  # measured strength, when someone has measured it
    count: int = 0  # levels in the table

    def label(self) -> str:
        """ "Level 3/6: System 2, 32 simulations (Elo 870)"."""
        elo = f" (Elo {self.elo:.0f})" if self.elo is not None else ""
        return f"Level {self.number}/{self.count}: {self.name}{elo}"


# The dial a newly shipped model starts with: System 1 sampled and greedy, then search budgets
# up to the full 400-simulation search of the model cards. Elo null until measured.
DEFAULT_LEVELS = (
    {"name": "System 1, sampled", "sims": 0, "temperature": 1.0},
    {"name": "System 1, the network's favourite", "sims": 0},
    {"name": "System 2, 16 simulations", "sims": 16},
    {"name": "System 2, 64 simulations", "sims": 64},
    {"name": "System 2, 200 simulations", "sims": 200},
    {"name": "System 2, 400 simulations (full search)", "sims": 400},
)


def default_level_table(model: str) -> dict:
    """The level table (as JSON data) of a model that has none yet, e.g. model='zoo:go7'."""
    return {
        "model": model,
        "note": f"Strength dial of `sandbox play {model.removeprefix('zoo:')} --level N`, "
        "weakest first. sims: search budget per move (0 = System 1, the network alone); "
        "temperature > 0 samples the move instead of playing the favourite; elo: measured by "
        "benchmarks/calibrate_levels.py (null until measured).",
        "levels": [{**level, "elo": None} for level in DEFAULT_LEVELS],
    }


def read_levels(path: Path) -> list[Level]:
    """The levels of a table file; UserError for a missing or malformed one."""
    try:
        data = json.loads(Path(path).read_text())
        levels = []
        for number, item in enumerate(data["levels"], 1):
            elo = item.get("elo")
            level = Level(
                number,
                str(item["name"]),
                int(item["sims"]),
                float(item.get("temperature", 0.0)),
                None if elo is None else float(elo),
            )
            if level.sims < 0 or level.temperature < 0 or not math.isfinite(level.temperature):
                raise ValueError(f"level {number}: sims and temperature must be >= 0")
            levels.append(level)
    except FileNotFoundError:
        raise UserError(f"no level table {path}") from None
    # json.JSONDecodeError and UnicodeDecodeError are ValueErrors.
    except (OSError, AttributeError, KeyError, TypeError, ValueError) as err:
        raise UserError(f"{path}: not a level table ({err})") from None
    if not levels:
        raise UserError(f"{path}: the level table has no levels")
    return [dataclasses.replace(level, count=len(levels)) for level in levels]


def pick_level(levels: list[Level], number: int) -> Level:
    """Level `number` (1-based), or a UserError that lists the table."""
    if 1 <= number <= len(levels):
        return levels[number - 1]
    table = "; ".join(f"{lv.number} {lv.name}" for lv in levels)
    raise UserError(f"--level must be 1 to {len(levels)}: {table}")
