"""Checkpoints: one self-describing dict per file, written atomically, loadable without code.

{"format": 1, "step", "iteration", "model", "optimizer", "config": plain dict, "game": preset
name, "openspiel": game string, "network": {...}, "rng_state"}. The config stays a plain dict so
`torch.load(weights_only=True)` works. Files are written to a temp name and renamed
(os.replace), so a crash never leaves half a checkpoint where `latest.pt` was (KataGo).
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch

from agents.network import PolicyValueNet, build_network
from games.errors import UserError
from games.game import Game, load

if TYPE_CHECKING:
    from sandbox.config import Config

FORMAT = 1


def save_checkpoint(path: Path, payload: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    torch.save(payload, tmp)
    os.replace(tmp, path)


def make_payload(
    cfg: Config,
    game: Game,
    net: PolicyValueNet,
    optimizer: torch.optim.Optimizer | None,
    step: int,
    iteration: int,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "step": step,
        "iteration": iteration,
        "game": game.spec.name,
        "openspiel": game.spec.openspiel,
        "config": dataclasses.asdict(cfg),
        "model": {k: v.detach().cpu() for k, v in net.state_dict().items()},
        "optimizer": optimizer.state_dict() if optimizer is not None else None,
        **(extra or {}),
    }


def read_checkpoint(path: Path | str) -> dict[str, Any]:
    """Loads a checkpoint dict, turning every way a file can be bad into one clear UserError."""
    path = Path(path)
    if not path.exists():
        raise UserError(f"checkpoint not found: {path}")
    if path.is_dir():
        latest = path / "checkpoints" / "latest.pt"
        if not latest.exists():
            latest = path / "latest.pt"
        if not latest.exists():
            raise UserError(f"no checkpoint in directory {path} (looked for latest.pt)")
        path = latest
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:  # noqa: BLE001 - any failure to unpickle means a damaged file
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise UserError(
            f"checkpoint {path} is damaged or not a checkpoint (truncated?): {first}"
        ) from None
    if not isinstance(payload, dict) or payload.get("format") != FORMAT or "model" not in payload:
        raise UserError(f"{path} is not a sandbox checkpoint (format {FORMAT})")
    return payload


def load_network(
    path: Path | str, game: Game | None = None
) -> tuple[PolicyValueNet, Game, dict[str, Any]]:
    """Rebuilds the network of a checkpoint; refuses a checkpoint of a different game.

    Returns:
        (network in eval mode on CPU, its game, the checkpoint dict)
    """
    payload = read_checkpoint(path)
    ckpt_game = load(payload["game"]) if payload["game"] else load(payload["openspiel"])
    if game is not None and not ckpt_game.is_same_as(game):
        raise UserError(f"checkpoint {path} is for game '{ckpt_game.name}', not '{game.name}'")
    cfg = checkpoint_config(payload)
    net = build_network(cfg.network, ckpt_game)
    try:
        net.load_state_dict(payload["model"])
    except RuntimeError as err:
        raise UserError(f"checkpoint {path} does not fit its own network config: {err}") from None
    net.eval()
    return net, ckpt_game, payload


def checkpoint_config(payload: dict[str, Any]) -> Config:
    """The config a checkpoint was trained with (its search settings play the model)."""
    from sandbox.config import from_dict  # the composed config imports the training modules

    return from_dict(payload["config"], saved=True)


def export_model(source: Path | str, destination: Path) -> dict[str, Any]:
    """Writes a play-only copy of a checkpoint (no optimizer, no random state) for the zoo."""
    payload = read_checkpoint(source)
    keep = ("format", "step", "iteration", "game", "openspiel", "config", "model")
    slim = {key: payload[key] for key in keep}
    slim["optimizer"] = None
    save_checkpoint(destination, slim)
    return slim
