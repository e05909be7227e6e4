"""Where a run goes and with which config: a new run from presets and overrides, or a resumed
one from its own saved config.

A resumed run keeps the config it was started with (`config.toml` in its folder) and applies
only this invocation's overrides on top, so `--resume --set learner.learning_rate=5e-4` anneals
a run without having to restate the rest.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from games.catalogue import resolve_game
from games.errors import UserError
from games.game import load
from sandbox.config import Config, from_dict, load_config, merge_dicts, parse_override, read_toml
from sandbox.training.checkpoint import read_checkpoint
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
        UserError: the run folder holds another game, a damaged checkpoint, or a run that
            `resume` was not asked to continue.
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
    if run.has_checkpoint():
        if not resume:
            raise UserError(
                f"{run.path} already holds a run; pass --resume to continue it or choose "
                "another --run-dir (nothing was overwritten)"
            )
        read_checkpoint(run.latest)  # a damaged checkpoint is reported before any work
    return cfg, run
