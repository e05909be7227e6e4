"""Where a run goes and with which config: a new run from presets and overrides, or a resumed
one from its own saved config.

A resumed run keeps the config it was started with (`config.toml` in its folder) and applies
only this invocation's overrides on top, so `--resume --set learner.learning_rate=5e-4` anneals
a run without having to restate the rest.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import torch

from agents.network import NetworkConfig, build_network
from games.catalogue import resolve_game
from games.errors import UserError
from games.game import load
from sandbox.config import Config, from_dict, load_config, merge_dicts, parse_override, read_toml
from sandbox.files import check_writable_dir, first_line
from sandbox.training.checkpoint import (
    check_weights,
    checkpoint_config,
    checkpoint_game,
    load_network,
    read_checkpoint,
)
from sandbox.training.commit import replay_path
from sandbox.training.learner import make_optimizer
from sandbox.training.replay import read_replay
from sandbox.training.run import RunDir, latest_run_dir, new_run_dir


def prepare_run(
    game: str,
    run_dir: Path | None = None,
    resume: bool = False,
    config_file: Path | None = None,
    overrides: list[str] | None = None,
) -> tuple[Config, RunDir]:
    """The config and folder of a run; refuses to start over an existing run without `resume`.

    Raises:
        UserError: the run folder holds another game, a damaged checkpoint, a play-only model,
            a network of another shape than the config's, or a run that `resume` was not asked
            to continue; or it cannot be written. All before anything is written.
    """
    spec = resolve_game(game)
    overrides = list(overrides or [])
    if resume:
        run = RunDir(run_dir) if run_dir else latest_run_dir(spec.name)
    else:
        run = RunDir(run_dir) if run_dir else new_run_dir(spec.name)
    if resume and run.config.exists():
        data = read_toml(run.config)
        for text in overrides:
            data = merge_dicts(data, parse_override(text))
        cfg = from_dict(data, saved=True)
        if not load(cfg.game).is_same_as(load(spec)):
            raise UserError(f"{run.path} is a run of {cfg.game}, not {spec.name}")
    else:
        cfg = load_config(config_file, overrides, game=spec.name)
    cfg = dataclasses.replace(cfg, game=spec.name)
    if cfg.train.init_model and not run.has_checkpoint():
        cfg = dataclasses.replace(cfg, network=init_network_config(cfg))
    if run.has_checkpoint():
        if not resume:
            raise UserError(
                f"{run.path} already holds a run; pass --resume to continue it or choose "
                "another --run-dir (nothing was overwritten)"
            )
        check_resumable(run, cfg)  # a bad checkpoint is reported before any work
    check_writable_dir(run.path, "run folder")
    return cfg, run


def init_network_config(cfg: Config) -> NetworkConfig:
    """The network config of the model a new run starts from (`train.init_model`): its weights
    decide the shape, whatever the preset says. Refuses a model of another game in one line."""
    _, payload = read_init_model(cfg)
    return checkpoint_config(payload).network


def read_init_model(cfg: Config) -> tuple[torch.nn.Module, dict]:
    """(network, checkpoint dict) of `train.init_model`, checked against the run's game."""
    from sandbox.specs import resolve_model_path

    game = load(cfg.game)
    net, _, payload = load_network(resolve_model_path(cfg.train.init_model, game), game)
    return net, payload


RESUME_KEYS = ("optimizer", "rng_state", "torch_rng_state")  # beyond what a model file has
_RNG_KEYS = ("bit_generator", "state", "inc", "has_uint32", "uinteger")


def check_resumable(run: RunDir, cfg: Config) -> None:
    """UserError unless the run's latest checkpoint can continue it with config `cfg`: a
    training checkpoint (not an exported model) of the same game, whose network, optimizer,
    random state and replay buffer fit."""
    path = run.latest
    payload = read_checkpoint(path)
    if payload.get("optimizer") is None:
        raise UserError(
            f"{path} is a play-only model (exported: no optimizer or random state); --resume "
            "needs a training checkpoint, so start a new run instead"
        )
    missing = [key for key in RESUME_KEYS if key not in payload]
    if missing:
        raise UserError(f"checkpoint {path} cannot resume a run: it has no {', '.join(missing)}")
    game = load(cfg.game)
    if not checkpoint_game(payload, path).is_same_as(game):
        raise UserError(f"checkpoint {path} is of {payload['game']}, not {cfg.game}")
    with torch.random.fork_rng(devices=[]):  # building a network draws from torch's generator
        net = build_network(cfg.network, game)
    check_weights(payload, net, path)
    rng, torch_rng = payload["rng_state"], payload["torch_rng_state"]
    if not (isinstance(rng, dict) and all(k in rng for k in _RNG_KEYS)) or not (
        isinstance(torch_rng, torch.Tensor) and torch_rng.dtype == torch.uint8
    ):
        raise UserError(f"checkpoint {path} is damaged: its random state is not one")
    net.load_state_dict(payload["model"])
    try:
        make_optimizer(net, cfg.learner).load_state_dict(payload["optimizer"])
    except (ValueError, KeyError, TypeError, RuntimeError) as err:
        raise UserError(
            f"checkpoint {path} is damaged: its optimizer state does not fit ({first_line(err)})"
        ) from None
    replay = replay_path(run, payload)
    if replay is not None:
        read_replay(replay, game)  # read in full now, so a bad buffer stops the run here
