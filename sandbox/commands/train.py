"""`sandbox train GAME`: AlphaZero self-play with progress, metrics, checkpoints and resume."""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path
from typing import Any

from tqdm import tqdm

from agents.network import resolve_device
from games.errors import UserError
from games.game import load
from sandbox.config import Config
from sandbox.evaluation.periodic import against_random
from sandbox.training.distributed import require_ray, train_distributed
from sandbox.training.loop import IterationInfo, train
from sandbox.training.run import RunDir
from sandbox.training.start import prepare_run


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "train",
        help="train an agent by self-play (AlphaZero)",
        description="Self-play training. Defaults come from sandbox/configs/GAME.toml when the "
        "preset has one; --config FILE and --set section.key=value override them.",
    )
    p.add_argument("game", help="preset name (sandbox games) or OpenSpiel game string")
    p.add_argument("--run-dir", type=Path, help="run directory (default runs/GAME/TIMESTAMP)")
    p.add_argument(
        "--resume",
        action="store_true",
        help="continue the run in --run-dir (or the latest run of GAME) from its last checkpoint",
    )
    p.add_argument(
        "--init",
        metavar="MODEL",
        help="start the new run from this model's weights and network shape (zoo:NAME, a .pt "
        "file or a run folder): fine-tune a shipped model",
    )
    p.add_argument("--minutes", type=float, help="wall-clock budget of this invocation")
    p.add_argument("--config", type=Path, help="TOML file with settings to override")
    p.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="SECTION.KEY=VALUE",
        help="override one setting, e.g. --set mcts.num_simulations=100 (repeatable)",
    )
    p.add_argument("--device", help="cpu, cuda or auto (default from config: auto)")
    p.add_argument(
        "--backend",
        choices=("local", "ray"),
        help="local: the single-process trainer (default); ray: self-play on Ray actors, one "
        "learner (pip install '.[ray]')",
    )
    p.add_argument(
        "--address",
        metavar="auto|HOST:PORT",
        help="with --backend ray: join this running Ray cluster (default: start a local one)",
    )
    p.add_argument("--actors", type=int, metavar="N", help="with --backend ray: self-play actors")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    overrides = list(args.set)
    if args.minutes is not None:
        if not math.isfinite(args.minutes) or args.minutes < 0:
            raise UserError(f"--minutes must be finite and >= 0, got {args.minutes}")
        overrides.append(f"train.minutes={float(args.minutes)}")
    if args.init is not None:
        if args.resume:
            raise UserError("--init starts a new run from a model; --resume continues a run")
        overrides.append(f"train.init_model={json.dumps(args.init)}")
    if args.device:
        overrides.append(f"train.device={json.dumps(args.device)}")
    if args.backend:
        overrides.append(f"distributed.backend={json.dumps(args.backend)}")
    if args.address is not None:
        overrides.append(f"distributed.address={json.dumps(args.address)}")
    if args.actors is not None:
        overrides.append(f"distributed.actors={args.actors}")
    cfg, run_dir = prepare_run(args.game, args.run_dir, args.resume, args.config, overrides)
    resolve_device(cfg.train.device)  # a device this torch cannot use: one line, before any work
    if cfg.distributed.backend == "ray":
        require_ray()  # not installed: how to install it, in one line, before any work
    elif args.address is not None or args.actors is not None:
        raise UserError("--address and --actors go with --backend ray")
    print(f"training {cfg.game} in {run_dir.path}", file=sys.stderr)
    last = train_with_progress(cfg, run_dir, resume=args.resume, quiet=args.quiet)
    if last:
        from sandbox.commands.plot import plot_run

        print(f"curves: {plot_run(run_dir.path)}", file=sys.stderr)
    print(f"done: iteration {last.get('iteration', '-')}, checkpoint {run_dir.latest}")
    return 0


def train_with_progress(
    cfg: Config, run_dir: RunDir, resume: bool = False, quiet: bool = False
) -> dict[str, Any]:
    """`train` under a tqdm bar: seconds of the budget when there is one, else iterations."""
    budget = cfg.train.minutes * 60
    bar = None
    if not quiet:
        total, unit = (round(budget), "s") if budget else (cfg.train.iterations, "it")
        bar = tqdm(total=total, unit=unit, desc=f"train {cfg.game}", file=sys.stderr)

    def on_iteration(info: IterationInfo) -> None:
        if bar is None:
            return
        m = info.metrics
        # No loss while the buffer fills (min_buffer) or when the deadline ends self-play: "-".
        bar.set_postfix(
            it=info.iteration,
            step=info.step,
            loss=f"{m['loss']:.3f}" if m.get("loss") is not None else "-",
            sims_s=f"{m.get('sims_per_second', 0):.0f}",
            refresh=False,
        )
        bar.update((min(round(info.elapsed), bar.total) - bar.n) if budget else 1)

    try:
        evaluation = against_random(load(cfg.game), cfg)
        trainer = train_distributed if cfg.distributed.backend == "ray" else train
        return trainer(cfg, run_dir, resume, on_iteration, evaluation)
    finally:
        if bar is not None:
            bar.close()
