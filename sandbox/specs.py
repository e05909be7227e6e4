"""Agent spec strings: the one way to build a player everywhere (CLI, arena, sweep, viewer).

    random
    policy:model=PATH[,temperature=0]          System 1
    mcts:model=PATH,sims=200[,c_puct=1.5]      System 2 (gumbel=1 for Gumbel root selection,
                                               leaves=K leaves per network call with virtual
                                               loss: faster, but a different search; default 1;
                                               temperature=T samples N^(1/T) instead of argmax)
    rollout:sims=1000[,uct_c=2]                OpenSpiel's C++ MCTS with random rollouts
    solver                                     exact play (small boards)
    human                                      viewer only

PATH is a checkpoint file, a run directory (its latest.pt) or a shipped model `zoo:NAME`;
without `model=` the shipped model of the game is used.

An `mcts` player searches with the settings saved in its model's checkpoint (the c_puct it was
trained with, Gumbel or not, ...); a spec key overrides one. `MCTS_KEYS` is the one table from
spec keys to `MCTSConfig` fields: the field's own name, or one alias (`sims`, `leaves`).
"""

from __future__ import annotations

import dataclasses
import math
import typing
from dataclasses import dataclass
from pathlib import Path

from agents.base import Agent
from agents.mcts import MCTSConfig

if typing.TYPE_CHECKING:
    from agents.bots import MCTSBot
from games.errors import UserError
from games.game import Game

ZOO_DIR = Path(__file__).parent / "zoo"
KINDS = ("random", "policy", "mcts", "rollout", "solver", "human")

# spec key -> MCTSConfig field. Self-play's own settings (noise, its move temperature) are not
# here: a played search never has root noise.
MCTS_KEYS: dict[str, str] = {
    "sims": "num_simulations",
    "c_puct": "c_puct",
    "gumbel": "gumbel",
    "gumbel_considered": "gumbel_considered",
    "gumbel_c_visit": "gumbel_c_visit",
    "gumbel_c_scale": "gumbel_c_scale",
    "leaves": "leaves_per_step",
}
_MCTS_TYPES = typing.get_type_hints(MCTSConfig)

# kind -> key -> type of its value
_PARAMS: dict[str, dict[str, type]] = {
    "random": {},
    "policy": {"model": str, "temperature": float},
    "mcts": {
        "model": str,
        "temperature": float,
        **{key: _MCTS_TYPES[name] for key, name in MCTS_KEYS.items()},
    },
    "rollout": {"sims": int, "uct_c": float},
    "solver": {},
    "human": {},
}

# key -> (lowest allowed value, whether the lowest itself is allowed, highest allowed); every
# number is finite. Every numeric key of _PARAMS has a range (a test checks). The highest
# simulation count keeps a search tree ([sims + 1, A] arrays per game) within memory.
_RANGES: dict[str, tuple[float, bool, float]] = {
    "sims": (0, True, 100_000),
    "c_puct": (0, False, math.inf),
    "gumbel_considered": (1, True, 100_000),
    "gumbel_c_visit": (0, True, math.inf),
    "gumbel_c_scale": (0, False, math.inf),
    "leaves": (1, True, 1024),
    "temperature": (0, True, math.inf),
    "uct_c": (0, False, math.inf),
}


@dataclass(frozen=True)
class AgentSpec:
    kind: str
    params: dict[str, object]
    text: str

    def get(self, key: str, default: object = None) -> object:
        return self.params.get(key, default)


def parse_spec(text: str) -> AgentSpec:
    """Parses 'kind:key=value,key=value'; raises UserError naming what is malformed."""
    text = text.strip()
    kind, _, rest = text.partition(":")
    if kind not in KINDS:
        raise UserError(f"agent spec '{text}': unknown kind '{kind}' (known: {', '.join(KINDS)})")
    params: dict[str, object] = {}
    allowed = _PARAMS[kind]
    if rest.startswith("zoo:") or (rest and "=" not in rest.split(",")[0]):
        rest = "model=" + rest  # shorthand: policy:zoo:connect4-5x4
    for item in filter(None, rest.split(",")):
        key, eq, raw = item.partition("=")
        key = key.strip()
        if not eq or not raw:
            raise UserError(f"agent spec '{text}': '{item}' must look like key=value")
        if key not in allowed:
            known = ", ".join(allowed) or "none"
            raise UserError(f"agent spec '{text}': unknown key '{key}' for {kind} (known: {known})")
        params[key] = _parse_value(text, key, raw, allowed[key])
    if kind == "rollout" and params.get("sims") == 0:
        raise UserError(f"agent spec '{text}': rollout needs sims >= 1")
    return AgentSpec(kind, params, text)


def _parse_value(text: str, key: str, raw: str, kind_type: type) -> object:
    """One spec value, of its type and in its range, or a UserError naming both."""
    try:
        if kind_type is bool:
            if raw not in ("0", "1", "true", "false"):
                raise ValueError(raw)
            value: object = raw in ("1", "true")
        else:
            value = kind_type(raw)
    except ValueError:
        name = "0 or 1" if kind_type is bool else f"a valid {kind_type.__name__}"
        raise UserError(f"agent spec '{text}': {key}={raw} is not {name}") from None
    if isinstance(value, int | float) and not isinstance(value, bool):
        low, inclusive, high = _RANGES[key]
        ok = math.isfinite(value) and (value >= low if inclusive else value > low) and value <= high
        if not ok:
            bound = f">= {low:g}" if inclusive else f"> {low:g}"
            bound += f" and <= {high:g}" if math.isfinite(high) else ""
            raise UserError(f"agent spec '{text}': {key} must be finite and {bound}, got {raw}")
    return value


def mcts_config(spec: AgentSpec, base: MCTSConfig) -> MCTSConfig:
    """`base` (a model's own search settings) with the spec's search keys applied."""
    changes = {MCTS_KEYS[k]: v for k, v in spec.params.items() if k in MCTS_KEYS}
    return dataclasses.replace(base, **changes)


def zoo_path(name: str) -> Path:
    return ZOO_DIR / f"{name}.pt"


def zoo_models() -> list[str]:
    return sorted(p.stem for p in ZOO_DIR.glob("*.pt"))


def resolve_model_path(model: str | None, game: Game) -> Path:
    """'zoo:NAME', a file, a run dir, or None (the game's shipped model)."""
    if model is None:
        path = zoo_path(game.name)
        if not path.exists():
            raise UserError(
                f"no shipped model for {game.name}; give model=PATH (shipped: "
                f"{', '.join(zoo_models()) or 'none'})"
            )
        return path
    if model.startswith("zoo:"):
        path = zoo_path(model[4:])
        if not path.exists():
            raise UserError(
                f"no shipped model '{model}' (shipped: {', '.join(zoo_models()) or 'none'})"
            )
        return path
    return Path(model)


def make_agent(spec: str | AgentSpec, game: Game, device: str = "cpu", seed: int = 0) -> Agent:
    """Builds the agent a spec string names, for `game`; raises UserError on any bad part."""
    from agents.bots import PolicyBot, RandomBot, RolloutBot

    if isinstance(spec, str):
        spec = parse_spec(spec)
    if spec.kind == "random":
        return RandomBot(game)
    if spec.kind == "rollout":
        sims = int(spec.get("sims", 1000))  # type: ignore[call-overload]
        return RolloutBot(game, sims, seed=seed, uct_c=float(spec.get("uct_c", 2.0)))  # type: ignore[arg-type]
    if spec.kind == "solver":
        from agents.solver import SolverBot

        return SolverBot(game)
    if spec.kind == "human":
        raise UserError("agent 'human' plays only in the viewer (sandbox play)")
    if spec.kind == "policy":
        evaluator, _ = load_model(spec.get("model"), game, device)  # type: ignore[arg-type]
        return PolicyBot(evaluator, float(spec.get("temperature", 0.0)), name=spec.text)  # type: ignore[arg-type]
    return search_player(spec, game, device, seed)


def search_player(
    spec: str | AgentSpec,
    game: Game,
    device: str = "cpu",
    seed: int = 0,
    model: str | None = None,
) -> MCTSBot:
    """System 2 of a `policy:` or `mcts:` spec: the model's own search settings (from its
    checkpoint) with the spec's search keys on top. A `policy:` spec gives the model's own
    search; `model` stands in when the spec names none."""
    from agents.bots import MCTSBot

    if isinstance(spec, str):
        spec = parse_spec(spec)
    if spec.kind not in ("policy", "mcts"):
        raise UserError(f"agent spec '{spec.text}' has no network to search with")
    evaluator, trained = load_model(spec.get("model", model), game, device)  # type: ignore[arg-type]
    cfg = mcts_config(spec, trained) if spec.kind == "mcts" else trained
    temperature = float(spec.get("temperature", 0.0)) if spec.kind == "mcts" else 0.0  # type: ignore[arg-type]
    return MCTSBot(evaluator, cfg, name=spec.text, seed=seed, temperature=temperature)


def load_model(model: str | None, game: Game, device: str = "cpu"):
    """(cached batched NetworkEvaluator, the search settings it was trained with) of a model
    path (see `resolve_model_path`)."""
    from agents.evaluators import NetworkEvaluator
    from agents.network import resolve_device
    from sandbox.training.checkpoint import checkpoint_config, load_network

    net, _, payload = load_network(resolve_model_path(model, game), game)
    dev = resolve_device(device)
    return NetworkEvaluator(game, net.to(dev), dev), checkpoint_config(payload).mcts
