"""The run's whole config, composed of the sections that live beside what they configure, and
TOML loading with `--set` overrides.

Each section is a frozen dataclass next to its code (`MCTSConfig` in `agents/mcts.py`,
`NetworkConfig` in `agents/network.py`, the training sections in `sandbox/training/`), so the
search and the network can be used without this package. This module only composes them, loads
TOML and applies `--set`: it is the one loader. A preset TOML holds only what differs from the
defaults; unknown keys, wrong types and values out of range are refused with a message that
names the key, because a silently ignored typo ruins a training run. Each section declares the
range of every field beside the field (`RANGES`); `from_dict` checks them, here and only here.
"""

from __future__ import annotations

import dataclasses
import math
import re
import tomllib
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agents.mcts import MCTSConfig
from agents.network import NetworkConfig
from games.errors import UserError
from sandbox.files import read_text
from sandbox.training.distributed import DistributedConfig
from sandbox.training.learner import LearnerConfig
from sandbox.training.loop import TrainConfig
from sandbox.training.replay import ReplayConfig
from sandbox.training.selfplay import SelfPlayConfig

__all__ = [
    "Config",
    "DistributedConfig",
    "LearnerConfig",
    "MCTSConfig",
    "NetworkConfig",
    "ReplayConfig",
    "SelfPlayConfig",
    "TrainConfig",
    "load_config",
]

PRESET_DIR = Path(__file__).parent / "configs"


@dataclass(frozen=True)
class Config:
    game: str = "tic-tac-toe"  # preset name or OpenSpiel string
    network: NetworkConfig = field(default_factory=NetworkConfig)
    mcts: MCTSConfig = field(default_factory=MCTSConfig)
    selfplay: SelfPlayConfig = field(default_factory=SelfPlayConfig)
    replay: ReplayConfig = field(default_factory=ReplayConfig)
    learner: LearnerConfig = field(default_factory=LearnerConfig)
    train: TrainConfig = field(default_factory=TrainConfig)
    distributed: DistributedConfig = field(default_factory=DistributedConfig)


def _check_type(where: str, value: Any, annotation: Any) -> Any:
    """Returns the value converted to the field's type, or raises UserError naming the key."""
    if annotation is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    expected = annotation
    if expected is int and isinstance(value, bool):
        raise UserError(f"config key '{where}' must be int, got bool {value!r}")
    if isinstance(expected, type) and not isinstance(value, expected):
        raise UserError(
            f"config key '{where}' must be {expected.__name__}, "
            f"got {type(value).__name__} {value!r}"
        )
    return value


_INTERVAL = re.compile(r"^([\[(])(\S+), (\S+)([\])])$")  # "[0, 1]", "(0, 1]", ...
_BOUND = re.compile(r"^(>=|>) (\S+)$")  # ">= 0", "> 0"


def parse_range(text: str) -> tuple[int | float, bool, int | float, bool]:
    """A RANGES entry as (low, whether low is allowed, high, whether high is allowed):
    ">= 1" is (1, True, inf, False) and "(0, 1]" is (0, False, 1, True)."""
    if (match := _INTERVAL.match(text)) is not None:
        opening, low, high, closing = match.groups()
        return _number(low), opening == "[", _number(high), closing == "]"
    if (match := _BOUND.match(text)) is not None:
        op, low = match.groups()
        return _number(low), op == ">=", math.inf, False
    raise ValueError(f"bad range {text!r}")  # a typo in a RANGES table


def _number(text: str) -> int | float:
    return int(text) if text.lstrip("-").isdigit() else float(text)


def _check_range(where: str, value: Any, allowed: str | tuple[str, ...]) -> None:
    """UserError naming the key and its range unless `value` is in `allowed`: a tuple of
    choices ("cuda:N": cuda, a colon and a number), or a range of finite numbers."""
    if isinstance(allowed, tuple):
        ok = value in allowed or any(
            c.endswith(":N") and value.startswith(c[:-1]) and value[len(c) - 1 :].isdigit()
            for c in allowed
        )
        if not ok:
            raise UserError(
                f"config key '{where}' must be one of {', '.join(allowed)}, got {value!r}"
            )
        return
    low, has_low, high, has_high = parse_range(allowed)
    above = value >= low if has_low else value > low
    ok = above and (value <= high if has_high else value < high)
    words = allowed if allowed[0] in "<>" else f"in {allowed}"
    if isinstance(value, float):
        ok = ok and math.isfinite(value)
        words = "finite and " + words
    if not ok:
        raise UserError(f"config key '{where}' must be {words}, got {value!r}")


def _check_together(cfg: Config) -> None:
    """Ranges that involve two keys."""
    if cfg.learner.min_buffer > cfg.replay.capacity:
        raise UserError(
            f"config key 'learner.min_buffer' ({cfg.learner.min_buffer}) must be <= "
            f"'replay.capacity' ({cfg.replay.capacity}), or learning never starts"
        )


# Keys that older versions wrote into run configs and checkpoints, now gone: dropped when read,
# so a shipped model or an old run still loads. (A user's TOML naming one is still refused.)
RETIRED_KEYS = frozenset({"selfplay.resign_threshold"})


def from_dict(
    data: dict[str, Any], cls: type = Config, prefix: str = "", saved: bool = False
) -> Any:
    """Builds a (nested) config dataclass from a plain dict, refusing unknown keys, wrong types
    and values outside the field's range (the section's `RANGES`).

    Args:
        saved: the dict was written by the sandbox itself (a checkpoint, a run's config.toml):
            keys in RETIRED_KEYS are dropped instead of refused.
    """
    if not isinstance(data, dict):
        raise UserError(f"config section '{prefix.rstrip('.')}' must be a table")
    fields = typing.get_type_hints(cls)
    ranges = getattr(cls, "RANGES", {})
    kwargs = {}
    for key, value in data.items():
        where = prefix + key
        if saved and where in RETIRED_KEYS:
            continue
        if key not in fields:
            known = ", ".join(fields)
            raise UserError(f"unknown config key '{where}' (known here: {known})")
        ftype = fields[key]
        if dataclasses.is_dataclass(ftype):
            kwargs[key] = from_dict(value, ftype, where + ".", saved)
        else:
            kwargs[key] = _check_type(where, value, ftype)
            if key in ranges:
                _check_range(where, kwargs[key], ranges[key])
    cfg = cls(**kwargs)
    if cls is Config:
        _check_together(cfg)
    return cfg


def to_dict(cfg: Any) -> dict[str, Any]:
    return dataclasses.asdict(cfg)


def merge_dicts(base: dict[str, Any], update: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in update.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge_dicts(out[key], value)
        else:
            out[key] = value
    return out


def parse_override(text: str) -> dict[str, Any]:
    """'mcts.c_puct=2.0' -> {"mcts": {"c_puct": 2.0}}; the value is a TOML literal."""
    if "=" not in text:
        raise UserError(f"--set '{text}' must look like section.key=value")
    key, raw = text.split("=", 1)
    raw = raw.strip()
    try:
        value = tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        value = raw  # a bare word such as cpu: treat as a string, the type check decides
    out: dict[str, Any] = {}
    node = out
    parts = key.strip().split(".")
    for part in parts[:-1]:
        node = node.setdefault(part, {})
    node[parts[-1]] = value
    return out


def read_toml(path: Path) -> dict[str, Any]:
    text = read_text(path, "config file")
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise UserError(f"config file {path} is not valid TOML: {err}") from None


def preset_path(game_name: str) -> Path:
    return PRESET_DIR / f"{game_name}.toml"


def load_config(
    path: Path | str | None = None,
    overrides: list[str] | None = None,
    game: str | None = None,
) -> Config:
    """Defaults <- the game's preset (if any) <- the file at `path` <- each `--set` override."""
    data: dict[str, Any] = {}
    if game is not None:
        data["game"] = game
        if preset_path(game).exists():
            data = merge_dicts(read_toml(preset_path(game)), data)
    if path is not None:
        data = merge_dicts(data, read_toml(Path(path)))
        if game is not None:
            data["game"] = game
    for text in overrides or []:
        data = merge_dicts(data, parse_override(text))
    return from_dict(data)


def dump_toml(cfg: Config) -> str:
    """The resolved config as TOML, to save beside a run (tomllib reads it back)."""
    lines = []
    top = to_dict(cfg)
    for key, value in top.items():
        if not isinstance(value, dict):
            lines.append(f"{key} = {_toml_value(value)}")
    for key, value in top.items():
        if isinstance(value, dict):
            lines.append(f"\n[{key}]")
            lines.extend(f"{k} = {_toml_value(v)}" for k, v in value.items())
    return "\n".join(lines) + "\n"


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return repr(value)
