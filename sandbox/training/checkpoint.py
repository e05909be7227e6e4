"""Checkpoints: one self-describing dict per file, written atomically, loadable without code.

{"format": 1, "step", "iteration", "model", "optimizer", "config": plain dict, "game": preset
name, "openspiel": game string, "network": {...}, "rng_state"}. The config stays a plain dict so
`torch.load(weights_only=True)` works. Files are written to a temp name and renamed
(os.replace), so a crash never leaves half a checkpoint where `latest.pt` was (KataGo).
"""

from __future__ import annotations

import contextlib
import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch

from agents.network import PolicyValueNet, build_network
from games.encoding import missing_go_planes
from games.errors import UserError
from games.game import Game, load
from sandbox.files import torch_load
from sandbox.training.atomic import write_atomically

if TYPE_CHECKING:
    from sandbox.config import Config

FORMAT = 1


def save_checkpoint(path: Path, payload: dict[str, Any]) -> None:
    """Writes atomically; refuses to write non-finite weights (a diverged network)."""
    model = payload.get("model") or {}
    broken = [k for k, v in model.items() if v.is_floating_point() and not v.isfinite().all()]
    if broken:
        raise ValueError(f"refusing to save non-finite weights ({', '.join(broken[:3])})")
    write_atomically(path, lambda tmp: torch.save(payload, tmp), "checkpoint")


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


# What every checkpoint holds (a play-only model too), with its type.
REQUIRED_KEYS: dict[str, type] = {
    "step": int,
    "iteration": int,
    "game": str,
    "openspiel": str,
    "config": dict,
    "model": dict,
}


def read_checkpoint(path: Path | str) -> dict[str, Any]:
    """Loads a checkpoint dict, turning every way a file can be bad into one clear UserError:
    missing, unreadable, damaged, not a checkpoint, or lacking a key every checkpoint has."""
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
    payload = torch_load(path, "checkpoint")
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise UserError(f"{path} is not a sandbox checkpoint (format {FORMAT})")
    missing = [key for key in REQUIRED_KEYS if key not in payload]
    if missing:
        raise UserError(f"checkpoint {path} is incomplete: it has no {', '.join(missing)}")
    for key, kind in REQUIRED_KEYS.items():
        if not isinstance(payload[key], kind) or isinstance(payload[key], bool):
            got, want = type(payload[key]).__name__, kind.__name__
            raise UserError(f"checkpoint {path} is damaged: '{key}' is a {got}, not {want}")
    if not all(isinstance(v, torch.Tensor) for v in payload["model"].values()):
        raise UserError(f"checkpoint {path} is damaged: its model holds something not a tensor")
    with contextlib.suppress(UserError):  # an unknown game is refused where it is loaded
        widen_for_go_planes(payload, checkpoint_game(payload, path))
    return payload


def widen_for_go_planes(payload: dict[str, Any], game: Game) -> None:
    """A Go checkpoint made before Go had its last-move-was-a-pass plane, or its pass-wins plane
    (games/encoding.py), sees one or two input planes fewer: its stem gets weights of zero for
    them, so the network plays exactly as before and training learns to use them (AdamW's
    moments start at zero)."""
    stem = payload["model"].get("stem.0.weight")
    if stem is None or stem.ndim != 4:
        return
    missing = missing_go_planes(game, stem.shape[1])
    if not missing:
        return
    old_shape = stem.shape

    def widen(t: torch.Tensor) -> torch.Tensor:
        return torch.cat([t, t.new_zeros(t.shape[0], missing, *t.shape[2:])], dim=1)

    payload["model"]["stem.0.weight"] = widen(stem)
    optimizer = payload.get("optimizer")
    for moments in (optimizer or {}).get("state", {}).values():
        for key, value in moments.items():
            if isinstance(value, torch.Tensor) and value.shape == old_shape:
                moments[key] = widen(value)


def check_weights(payload: dict[str, Any], net: PolicyValueNet, path: Path | str) -> None:
    """UserError unless the checkpoint's weights fit `net` exactly and are all finite: a
    network of another shape is named by its first differing weight, with both shapes."""
    model = payload["model"]
    expected = net.state_dict()
    missing = [k for k in expected if k not in model]
    unexpected = [k for k in model if k not in expected]
    if missing or unexpected:
        first = (missing or unexpected)[0]
        raise UserError(
            f"checkpoint {path} holds another network: {len(missing)} weights missing, "
            f"{len(unexpected)} unexpected (first: {first})"
        )
    wrong = [k for k, v in expected.items() if tuple(model[k].shape) != tuple(v.shape)]
    if wrong:
        k = wrong[0]
        raise UserError(
            f"checkpoint {path} holds another network shape: {k} is {list(model[k].shape)} in "
            f"the file but {list(expected[k].shape)} for this network "
            f"({len(wrong)} weights differ; see [network] in the config)"
        )
    broken = [k for k, v in model.items() if v.is_floating_point() and not v.isfinite().all()]
    if broken:
        raise UserError(
            f"checkpoint {path} has non-finite weights (nan or inf) in {len(broken)} tensors "
            f"(first: {broken[0]}): the training diverged; use an earlier checkpoint"
        )


def checkpoint_game(payload: dict[str, Any], path: Path | str) -> Game:
    """The game a checkpoint was trained on: its preset name, else (a preset this version does
    not have) its OpenSpiel string."""
    try:
        return load(payload["game"] or payload["openspiel"])
    except UserError as err:
        if payload["game"] and payload["openspiel"]:
            with contextlib.suppress(UserError):
                return load(payload["openspiel"])
        raise UserError(f"checkpoint {path}: {err}") from None


def load_network(
    path: Path | str, game: Game | None = None
) -> tuple[PolicyValueNet, Game, dict[str, Any]]:
    """Rebuilds the network of a checkpoint; refuses a checkpoint of a different game, of
    another network shape than its own config says, or with non-finite weights.

    Returns:
        (network in eval mode on CPU, its game, the checkpoint dict)
    """
    payload = read_checkpoint(path)
    ckpt_game = checkpoint_game(payload, path)
    if game is not None and not ckpt_game.is_same_as(game):
        raise UserError(f"checkpoint {path} is for game '{ckpt_game.name}', not '{game.name}'")
    cfg = checkpoint_config(payload, path)
    net = build_network(cfg.network, ckpt_game)
    check_weights(payload, net, path)
    net.load_state_dict(payload["model"])
    net.eval()
    return net, ckpt_game, payload


def checkpoint_config(payload: dict[str, Any], path: Path | str = "") -> Config:
    """The config a checkpoint was trained with (its search settings play the model)."""
    from sandbox.config import from_dict  # the composed config imports the training modules

    try:
        return from_dict(payload["config"], saved=True)
    except UserError as err:
        raise UserError(f"checkpoint {path or '(in memory)'}: {err}") from None


def export_model(source: Path | str, destination: Path) -> dict[str, Any]:
    """Writes a play-only copy of a checkpoint (no optimizer, no random state) for the zoo."""
    payload = read_checkpoint(source)
    keep = ("format", "step", "iteration", "game", "openspiel", "config", "model")
    slim = {key: payload[key] for key in keep}
    slim["optimizer"] = None
    save_checkpoint(destination, slim)
    return slim
