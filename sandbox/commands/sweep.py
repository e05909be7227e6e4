"""`sandbox sweep GAME`: strength against test-time compute, System 1 to System 2 with N sims.

Drives `sandbox.evaluation.sweep.run_sweep` with one tqdm bar per phase (each with its
remaining-time estimate), prints the table, and writes the CSV, the JSON summary and the PNGs
into --out;
--report adds the classroom page. Several checkpoints of one run give one curve each and the
measured exchange rate between training steps and simulations.
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import re
import shlex
import sys
import time
from pathlib import Path

from tqdm import tqdm

from games.game import load
from sandbox.evaluation.contenders import (
    checkpoint_contenders,
    parse_anchor,
    parse_sims,
    short_labels,
    sweep_positions,
)
from sandbox.evaluation.report import (
    exchange_sentences,
    format_table,
    save_sweep,
    write_figures,
    write_page,
)
from sandbox.evaluation.sweep import QUICK, Contender, SweepConfig, contender_from_spec

log = logging.getLogger(__name__)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "sweep",
        help="strength against the number of simulations (System 1 -> System 2)",
        description="For each model and each number of simulations (0 = System 1, the network "
        "alone): accuracy on solver-labelled positions, Elo in a tournament with anchors "
        "(random = 0, OpenSpiel rollout MCTS), and think time per move. Writes results.csv, "
        "summary.json and PNG plots into --out.",
    )
    p.add_argument("game", help="game preset or OpenSpiel string, e.g. connect4-5x4")
    p.add_argument(
        "--agents",
        nargs="+",
        default=[],
        metavar="SPEC",
        help="models to sweep as policy:/mcts: specs (their sims are ignored); "
        "random/rollout/solver specs join the anchors. Default: the shipped model",
    )
    p.add_argument(
        "--checkpoints",
        nargs="+",
        default=[],
        metavar="PATH",
        help="checkpoint files, or a run directory (3 of its step_*.pt, spread evenly "
        "in log(step)): one curve per checkpoint, plus the exchange rate",
    )
    p.add_argument(
        "--sims",
        help="comma list, '...' continues doubling, e.g. 0,1,2,4,...,1024 "
        "(default 0..1024; --quick 0..256)",
    )
    p.add_argument(
        "--positions",
        help="labelled positions (file or shipped set name); "
        "default: the game's shipped set; 'none' to skip accuracy",
    )
    p.add_argument("--limit", type=int, metavar="N", help="score N positions spread over the file")
    p.add_argument("--games", type=int, metavar="N", help="games per tournament pairing")
    p.add_argument(
        "--anchors",
        nargs="*",
        metavar="SPEC",
        help="tournament anchors "
        "(default: random and rollout MCTS at 4, 32, 256, 2048 sims); random is always added",
    )
    p.add_argument(
        "--ladder",
        type=int,
        metavar="W",
        help="each player meets the next W by strength; 0 = full round robin",
    )
    p.add_argument(
        "--quick",
        action="store_true",
        help="at most about 2 minutes on 2 cores: sims up to 256, 200 positions, 16 games "
        "per pairing",
    )
    p.add_argument("--out", type=Path, help="output folder (default runs/GAME/sweep-TIME)")
    p.add_argument("--report", action="store_true", help="also write report.md")
    p.add_argument("--html", action="store_true", help="write report.html as well")
    p.add_argument("--seed", type=int, default=0, help="seed of openings, anchors and bootstrap")
    p.add_argument(
        "--threads",
        type=int,
        default=1,
        metavar="N",
        help="torch threads (default 1: small batches gain nothing from more, and "
        "on a busy machine extra threads spin and can cost 10x or more)",
    )
    p.set_defaults(func=run)


class PhaseBars:
    """One tqdm bar per phase of the sweep; starting a phase closes the previous bar."""

    def __init__(self) -> None:
        self.bar: tqdm | None = None

    def __call__(self, phase: str, total: int):
        self.close()
        self.bar = tqdm(total=total, desc=phase, unit="step", dynamic_ncols=True, leave=False)
        return self.bar.update

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def run(args: argparse.Namespace) -> int:
    import torch

    torch.set_num_threads(max(1, args.threads))
    sims = parse_sims(args.sims) if args.sims else None
    game = load(args.game)
    cfg = QUICK if args.quick else SweepConfig()
    specs = [parse_anchor(s) for s in args.agents]
    contenders = [contender_from_spec(s) for s, is_model in specs if is_model]
    extra_anchors = [s for s, is_model in specs if not is_model]
    contenders = short_labels(contenders)
    ckpts, run_dir = checkpoint_contenders(args.checkpoints, game)
    contenders += ckpts
    if not contenders:
        contenders = [Contender(label=f"zoo:{game.name}", model=f"zoo:{game.name}")]
    anchors = list(args.anchors) if args.anchors is not None else list(cfg.anchors)
    anchors = list(dict.fromkeys(["random", *anchors, *extra_anchors]))
    sims = sims or cfg.sims
    cfg = dataclasses.replace(
        cfg,
        sims=sims,
        anchors=tuple(anchors),
        max_positions=args.limit if args.limit is not None else cfg.max_positions,
        games_per_pair=args.games or cfg.games_per_pair,
        ladder_width=args.ladder if args.ladder is not None else cfg.ladder_width,
        seed=args.seed,
    )
    positions = sweep_positions(args.positions, game, cfg.max_positions)
    out = args.out or Path("runs") / _safe(game.name) / time.strftime("sweep-%Y%m%d-%H%M%S")
    print(
        f"sweep {game.name}: {len(contenders)} model(s) x sims {','.join(map(str, sims))}, "
        f"{len(positions)} positions, anchors {', '.join(anchors)}, "
        f"{cfg.games_per_pair} games per pairing -> {out}",
        file=sys.stderr,
    )
    from sandbox.evaluation.sweep import run_sweep

    start = time.perf_counter()
    bars = PhaseBars()
    try:
        result = run_sweep(game, contenders, positions, cfg, bars)
    finally:
        bars.close()
    command = "sandbox sweep " + " ".join(shlex.quote(a) for a in sys.argv[2:])
    summary = save_sweep(result, out, command if sys.argv[1:2] == ["sweep"] else "", run_dir)
    images = write_figures(summary, out, game)
    print(format_table(summary["rows"]))
    for sentence in exchange_sentences(summary):
        print(sentence)
    if args.report or args.html:
        page = write_page(summary, out, images, as_html=args.html)
        print(f"report: {page}")
    print(f"results: {out / 'results.csv'}; plots: {', '.join(p.name for p in images[:4])}")
    print(f"sweep took {time.perf_counter() - start:.0f} s", file=sys.stderr)
    return 0


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]", "_", name)
