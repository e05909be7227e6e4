"""Who a sweep compares: network specs, checkpoints of a run, anchors, and on which positions.

A run directory gives three of its checkpoints spread in log(step) (training gains most early),
each a curve labelled by its step; `policy:`/`mcts:` specs give one curve each (their search
keys override the model's own settings); every other spec is a tournament anchor.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import re
from pathlib import Path

from games.errors import UserError
from games.game import Game, load
from sandbox.evaluation.referee import PRESET_POSITIONS, check_same_game, load_positions, subsample
from sandbox.evaluation.sweep import Contender
from sandbox.training.checkpoint import read_checkpoint

log = logging.getLogger(__name__)


def parse_sims(text: str) -> tuple[int, ...]:
    """'0,1,2,4,...,1024' -> (0, 1, 2, 4, ..., 1024): '...' keeps doubling to the next value."""
    items = [t.strip() for t in text.split(",") if t.strip()]
    out: list[int] = []
    for i, item in enumerate(items):
        if item in ("...", "…"):
            if not out or i + 1 >= len(items) or not items[i + 1].isdigit():
                raise UserError(f"--sims '{text}': '...' needs a number on each side")
            value, stop = max(out[-1], 1), int(items[i + 1])
            while value * 2 < stop:
                value *= 2
                out.append(value)
        elif item.isdigit():
            out.append(int(item))
        else:
            raise UserError(f"--sims '{text}': '{item}' is not a number of simulations")
    if not out:
        raise UserError("--sims is empty")
    return tuple(sorted(set(out)))


def checkpoint_contenders(paths: list[str], game: Game) -> tuple[list[Contender], Path | None]:
    """One contender per checkpoint, labelled by its step; run dirs give up to 3 checkpoints."""
    files: list[Path] = []
    run_dir = None
    for text in paths:
        path = Path(text)
        if path.is_dir():
            folder = path / "checkpoints" if (path / "checkpoints").is_dir() else path
            steps = sorted(folder.glob("step_*.pt"))
            if not steps:
                steps = sorted(folder.glob("*.pt"))
            if not steps:
                raise UserError(f"no checkpoints in {path}")
            files += spread_in_log_steps(steps)
            run_dir = folder.parent if folder.name == "checkpoints" else folder
        else:
            files.append(path)
            if path.parent.name == "checkpoints":
                run_dir = path.parent.parent
    contenders = {}
    for f in files:
        payload = read_checkpoint(f)
        if payload.get("openspiel") and not load(payload["openspiel"]).is_same_as(game):
            raise UserError(f"checkpoint {f} is for {payload.get('game')}, not {game.name}")
        step = int(payload.get("step", 0))
        contenders[step] = Contender(label=f"step {step}", model=str(f), step=step)
    return [contenders[s] for s in sorted(contenders)], run_dir


def short_labels(contenders: list[Contender]) -> list[Contender]:
    """Model files named by their stem ('latest' for runs/x/checkpoints/latest.pt) when the
    stems are distinct; zoo names and anything ambiguous keep their full text."""
    names = [c.label if c.label.startswith("zoo:") else Path(c.label).stem for c in contenders]
    if len(set(names)) < len(names):
        return contenders
    return [dataclasses.replace(c, label=n) for c, n in zip(contenders, names, strict=True)]


def spread_in_log_steps(files: list[Path], count: int = 3) -> list[Path]:
    """First, last and the checkpoints nearest to evenly spaced log(step) between them.

    The exchange rate is per doubling of training, and training gains most early on, so
    checkpoints spread on a log scale show the curves apart where linear spacing would give
    two nearly equal late networks.
    """
    by_step = {}
    for f in files:
        digits = re.sub(r"\D", "", f.stem)
        by_step[int(digits) if digits else 0] = f
    steps = sorted(by_step)
    if len(steps) <= count:
        return [by_step[s] for s in steps]
    low, high = max(steps[0], 1), max(steps[-1], 1)
    targets = [low * (high / low) ** (i / (count - 1)) for i in range(count)]
    picks = {min(steps, key=lambda s, t=t: abs(math.log(max(s, 1) / t))) for t in targets}
    return [by_step[s] for s in sorted(picks)]


def parse_anchor(text: str) -> tuple[str, bool]:
    """(spec, is_model): networks are swept, everything else is a tournament anchor."""
    kind = text.split(":", 1)[0]
    if kind == "human":
        raise UserError("agent 'human' cannot take part in a sweep")
    return text, kind in ("policy", "mcts")


def sweep_positions(name: str | None, game: Game, limit: int | None) -> list:
    """The labelled positions a sweep scores: a named set or file, the game's own set (None),
    or none at all ('none'); at most `limit`, spread over the file."""
    if name == "none":
        return []
    if name is None:
        if game.name not in PRESET_POSITIONS:
            log.info("no shipped positions for %s: accuracy is skipped", game.name)
            return []
        name = game.name
    positions = load_positions(name)
    check_same_game(game, positions)
    return subsample(positions, limit)
