"""`sandbox report GAME`: the classroom page of the latest sweep, rebuilt without replaying.

Reads summary.json of a sweep folder (by default the newest runs/GAME/sweep-*), redraws the
plots and example boards, and writes report.md (or report.html) beside them. `--run` adds the
training curves of a run's metrics.jsonl.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from games.errors import UserError
from games.game import load
from sandbox.evaluation.report import format_table, load_summary, write_figures, write_page


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "report",
        help="write the classroom page (Markdown or HTML) of a sweep",
        description="Redraws the plots and example boards of a sweep from its summary.json "
        "and writes report.md with the plots, the tables and the exchange rate.",
    )
    p.add_argument("game", help="game preset or OpenSpiel string")
    p.add_argument("--sweep", type=Path, help="sweep folder (default: newest runs/GAME/sweep-*)")
    p.add_argument("--run", type=Path, help="training run whose metrics.jsonl to plot as well")
    p.add_argument("--html", action="store_true", help="write report.html instead of report.md")
    p.set_defaults(func=run)


def latest_sweep(game_name: str, root: Path = Path("runs")) -> Path:
    safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in game_name)
    sweeps = sorted(p for p in (root / safe).glob("sweep-*") if (p / "summary.json").is_file())
    if not sweeps:
        raise UserError(
            f"no sweep of {game_name} under {root}/{safe}/: run `sandbox sweep` or give --sweep DIR"
        )
    return sweeps[-1]


def run(args: argparse.Namespace) -> int:
    game = load(args.game)
    folder = args.sweep or latest_sweep(game.name)
    summary = load_summary(folder)
    if summary.get("game") != game.name:
        raise UserError(f"{folder} is a sweep of {summary.get('game')}, not {game.name}")
    if args.run is not None:
        if not (args.run / "metrics.jsonl").is_file():
            raise UserError(f"{args.run} has no metrics.jsonl")
        summary["run"] = str(args.run)
    images = write_figures(summary, folder, game)
    page = write_page(summary, folder, images, as_html=args.html)
    print(format_table(summary["rows"]))
    print(f"report: {page}")
    return 0
