"""Every default of the sandbox, as frozen dataclasses, and TOML loading with `--set` overrides.

One home for defaults: algorithm code receives its small config as an argument and never reads
globals. A preset TOML holds only what differs from the defaults; unknown keys and wrong types are
refused with a message that names the key, because a silently ignored typo ruins a training run.
"""

from __future__ import annotations

import dataclasses
import tomllib
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from games.errors import UserError

PRESET_DIR = Path(__file__).parent / "configs"


@dataclass(frozen=True)
class NetworkConfig:
    channels: int = 64  # width of every residual block
    blocks: int = 4  # residual blocks (AlphaZero: 19-39; small boards need few)
    value_hidden: int = 64  # hidden units of the value head


@dataclass(frozen=True)
class MCTSConfig:
    num_simulations: int = 64  # per move (AlphaZero: 800)
    c_puct: float = 1.5  # weight of U(s, a) against Q(s, a)
    dirichlet_alpha: float = 0.3  # root noise concentration (AlphaZero chess: 0.3)
    dirichlet_fraction: float = 0.25  # root prior = (1 - f) * P + f * noise; 0 outside self-play
    temperature_moves: int = 8  # sample from visits for this many plies, then argmax
    temperature: float = 1.0  # pi(a) ~ N(a)^(1/T) during those plies
    leaves_per_step: int = 1  # leaves one tree sends per network call (virtual loss when > 1)
    gumbel: bool = False  # Gumbel AlphaZero root selection (sequential halving, completed Q)
    gumbel_considered: int = 16  # actions sampled at the root by Gumbel-top-k
    gumbel_c_visit: float = 50.0  # sigma(q) = (c_visit + max N) * c_scale * q (Danihelka 2022)
    gumbel_c_scale: float = 1.0


@dataclass(frozen=True)
class SelfPlayConfig:
    games_per_iteration: int = 64  # complete games played per training iteration
    concurrent_games: int = 64  # games whose leaves share one network call
    full_search_fraction: float = 1.0  # playout cap randomization: moves searched fully (targets)
    fast_simulations: int = 16  # budget of the other moves, which are not training targets
    workers: int = 1  # self-play processes (one per core is fastest on CPU)
    resign_threshold: float = -1.0  # resign below this root value; -1 never resigns


@dataclass(frozen=True)
class ReplayConfig:
    capacity: int = 100_000  # positions kept (sliding window)
    augment: bool = True  # sample a random board symmetry per position


@dataclass(frozen=True)
class LearnerConfig:
    batch_size: int = 256
    learning_rate: float = 2e-3  # AdamW
    weight_decay: float = 1e-4
    steps_per_iteration: int = 100  # gradient steps after each self-play iteration
    min_buffer: int = 1_000  # positions in the buffer before learning starts
    value_weight: float = 1.0  # loss = policy CE + value_weight * value MSE


@dataclass(frozen=True)
class TrainConfig:
    iterations: int = 1_000_000  # upper bound; --minutes usually ends the run first
    minutes: float = 0.0  # wall-clock budget, 0 = none
    seed: int = 0
    device: str = "auto"  # "cpu", "cuda" or "auto"
    threads: int = 0  # torch intra-op threads, 0 = one per core
    checkpoint_every: int = 10  # iterations between kept step_*.pt files (latest.pt every time)
    eval_every: int = 5  # iterations between arena evaluations
    eval_games: int = 20  # games per opponent in each evaluation
    eval_simulations: int = 32  # simulations of the evaluated System 2


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


def from_dict(data: dict[str, Any], cls: type = Config, prefix: str = "") -> Any:
    """Builds a (nested) config dataclass from a plain dict, refusing unknown keys."""
    if not isinstance(data, dict):
        raise UserError(f"config section '{prefix.rstrip('.')}' must be a table")
    fields = typing.get_type_hints(cls)
    kwargs = {}
    for key, value in data.items():
        where = prefix + key
        if key not in fields:
            known = ", ".join(fields)
            raise UserError(f"unknown config key '{where}' (known here: {known})")
        ftype = fields[key]
        if dataclasses.is_dataclass(ftype):
            kwargs[key] = from_dict(value, ftype, where + ".")
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
