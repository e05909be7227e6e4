"""Agent spec strings: one way to name a player everywhere (CLI, arena, sweep, viewer).

    random
    policy:model=PATH[,temperature=0]          System 1
    mcts:model=PATH,sims=200[,c_puct=1.5]      System 2 (gumbel=1 for Gumbel root selection,
                                               leaves=K leaves per network call with virtual
                                               loss: faster, but a different search; default 1)
    rollout:sims=1000                          OpenSpiel's C++ MCTS with random rollouts
    solver                                     exact play (small boards)
    human                                      viewer only

PATH is a checkpoint file, a run directory (its latest.pt) or a shipped model `zoo:NAME`;
without `model=` the shipped model of the game is used.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

from agents.base import Agent
from games.errors import UserError
from games.game import Game
from sandbox.config import MCTSConfig

ZOO_DIR = Path(__file__).parent / "zoo"
KINDS = ("random", "policy", "mcts", "rollout", "solver", "human")

# key -> (type, MCTSConfig field it sets or None)
_PARAMS: dict[str, dict[str, type]] = {
    "random": {},
    "policy": {"model": str, "temperature": float},
    "mcts": {
        "model": str,
        "sims": int,
        "c_puct": float,
        "gumbel": int,
        "leaves": int,
        "temperature": float,
    },
    "rollout": {"sims": int, "uct_c": float},
    "solver": {},
    "human": {},
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
        kind_type = allowed[key]
        try:
            params[key] = kind_type(raw) if kind_type is not int else int(raw)
        except ValueError:
            raise UserError(
                f"agent spec '{text}': {key}={raw} is not a valid {kind_type.__name__}"
            ) from None
    for key in ("sims",):
        if key in params and int(params[key]) < 0:  # type: ignore[call-overload]
            raise UserError(f"agent spec '{text}': {key} must be >= 0")
    return AgentSpec(kind, params, text)


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


def make_agent(
    spec: str | AgentSpec,
    game: Game,
    device: str = "cpu",
    seed: int = 0,
    mcts_defaults: MCTSConfig | None = None,
) -> Agent:
    """Builds the agent a spec string names, for `game`; raises UserError on any bad part."""
    from agents.bots import MCTSBot, PolicyBot, RandomBot, RolloutBot

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
    evaluator = load_evaluator(spec.get("model"), game, device)  # type: ignore[arg-type]
    if spec.kind == "policy":
        return PolicyBot(evaluator, float(spec.get("temperature", 0.0)), name=spec.text)  # type: ignore[arg-type]
    base = mcts_defaults or MCTSConfig()
    sims = int(spec.get("sims", base.num_simulations))  # type: ignore[call-overload]
    cfg = dataclasses.replace(
        base,
        num_simulations=sims,
        c_puct=float(spec.get("c_puct", base.c_puct)),  # type: ignore[arg-type]
        gumbel=bool(spec.get("gumbel", int(base.gumbel))),
        leaves_per_step=int(spec.get("leaves", base.leaves_per_step)),  # type: ignore[call-overload]
        dirichlet_fraction=0.0,
    )
    return MCTSBot(evaluator, cfg, name=spec.text, seed=seed)


def load_evaluator(model: str | None, game: Game, device: str = "cpu"):
    """The cached, batched NetworkEvaluator of a model path (see `resolve_model_path`)."""
    from agents.evaluators import NetworkEvaluator
    from agents.network import resolve_device
    from sandbox.checkpoint import load_network

    net, _, _ = load_network(resolve_model_path(model, game), game)
    dev = resolve_device(device)
    return NetworkEvaluator(game, net.to(dev), dev)
