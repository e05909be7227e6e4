"""The run's whole config, composed of the sections that live beside what they configure, and
TOML loading with `--set` overrides.

Each section is a frozen dataclass next to its code (`MCTSConfig` in `agents/mcts.py`,
`NetworkConfig` in `agents/network.py`, the training sections in `sandbox/training/`), so the
search and the network can be used without this package. This module only composes them, loads
TOML and applies `--set`: it is the one loader. A preset TOML holds only what differs from the
defaults; unknown keys and wrong types are refused with a message that names the key, because a
silently ignored typo ruins a training run.
"""

from __future__ import annotations

import dataclasses
import tomllib
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agents.mcts import MCTSConfig
from agents.network import NetworkConfig
from games.errors import UserError
from sandbox.training.learner import LearnerConfig
from sandbox.training.loop import TrainConfig
from sandbox.training.replay import ReplayConfig
from sandbox.training.selfplay import SelfPlayConfig

__all__ = [
    "Config",
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


# Keys that older versions wrote into run configs and checkpoints, now gone: dropped when read,
# so a shipped model or an old run still loads. (A user's TOML naming one is still refused.)
RETIRED_KEYS = frozenset({"selfplay.resign_threshold"})


def from_dict(
    data: dict[str, Any], cls: type = Config, prefix: str = "", saved: bool = False
) -> Any:
    """Builds a (nested) config dataclass from a plain dict, refusing unknown keys.

    Args:
        saved: the dict was written by the sandbox itself (a checkpoint, a run's config.toml):
            keys in RETIRED_KEYS are dropped instead of refused.
    """
    if not isinstance(data, dict):
        raise UserError(f"config section '{prefix.rstrip('.')}' must be a table")
    fields = typing.get_type_hints(cls)
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
    return cls(**kwargs)


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
    try:
        with open(path, "rb") as f:
            return tomllib.load(f)
    except FileNotFoundError:
        raise UserError(f"config file not found: {path}") from None
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
