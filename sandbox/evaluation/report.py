"""The sweep's outputs: CSV and JSON, the figures, example boards, and a page for the class.

`save_sweep` writes `results.csv` (one row per player), `pairings.csv` and `summary.json`
(everything, so the page can be rebuilt without playing again); `write_figures` draws the PNGs
from those rows; `write_page` writes `report.md` (and `report.html` on request) with the plots,
the tables, the example boards and the measured exchange rate between training and search.
The page is built once as a list of blocks and rendered to either format, so the two agree.
"""

from __future__ import annotations

import csv
import dataclasses
import html
import json
import math
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from games.errors import UserError
from games.game import Game
from sandbox.evaluation.exchange import (
    Exchange,
    exchange_metric,
    exchange_rates,
    ordered_by_training,
)
from sandbox.evaluation.sweep import SweepResult
from sandbox.files import read_text
from viz import plots

# fmt: off
CSV_COLUMNS = [
    "player", "kind", "model", "step", "sims",
    "accuracy", "accuracy_low", "accuracy_high", "strict", "strict_low", "strict_high",
    "informative_accuracy", "positions", "changed", "fixed", "broken", "think_ms",
    "elo", "elo_low", "elo_high", "elo_stderr", "games",
]
# fmt: on


def _clean(value: Any) -> Any:
    """JSON has no NaN or infinity: such values become None (an empty CSV cell)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return value


def save_sweep(
    result: SweepResult, out: Path, command: str = "", run: Path | None = None
) -> dict[str, Any]:
    """Writes results.csv, pairings.csv and summary.json; returns the summary.

    `run` is the training run the checkpoints came from: the page then shows its curves.
    """
    out.mkdir(parents=True, exist_ok=True)
    summary = _clean(
        {
            "game": result.game,
            "command": command,
            "config": dataclasses.asdict(result.config),
            "seconds": result.seconds,
            "references": result.references,
            "rows": result.rows,
            "pairings": result.pairings,
            "examples": result.examples,
            **exchange_summary(result.rows),
            "run": str(run) if run is not None else None,
        }
    )
    with open(out / "results.csv", "w", newline="") as f:
        writer = csv.DictWriter(f, CSV_COLUMNS, extrasaction="ignore")
        writer.writeheader()
        for row in summary["rows"]:
            writer.writerow({k: "" if row.get(k) is None else row.get(k) for k in CSV_COLUMNS})
    with open(out / "pairings.csv", "w", newline="") as f:
        writer = csv.DictWriter(f, ["a", "b", "games", "score_a"])
        writer.writeheader()
        writer.writerows(summary["pairings"])
    (out / "summary.json").write_text(json.dumps(summary, indent=1))
    return summary


def load_summary(out: Path) -> dict[str, Any]:
    path = out / "summary.json"
    if not path.is_file():
        raise UserError(f"no sweep in {out} (summary.json missing): run `sandbox sweep` first")
    try:
        summary = json.loads(read_text(path, "sweep summary"))
    except json.JSONDecodeError as err:
        raise UserError(f"{path} is damaged: {err.msg}") from None
    if "exchange_metric" not in summary and summary.get("rows"):  # written before Elo rates
        summary.update(exchange_summary(summary["rows"]))
    return summary


def exchange_summary(rows: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The summary's exchange rates and the metric they were read off (accuracy, else Elo)."""
    metric = exchange_metric(rows)
    return {
        "exchange": [e.to_dict() for e in exchange_rates(rows, metric)],
        "exchange_metric": metric,
    }


def _fmt(value: Any, spec: str = ".3f") -> str:
    return "-" if value is None or value == "" else format(float(value), spec)


def _interval(row: Mapping[str, Any], key: str, spec: str) -> str:
    if row.get(f"{key}_low") is None or row.get(key) is None:
        return _fmt(row.get(key), spec)
    low, high = _fmt(row.get(f"{key}_low"), spec), _fmt(row.get(f"{key}_high"), spec)
    return f"{_fmt(row[key], spec)} [{low}, {high}]"


TABLE_HEADER = (
    "player",
    "accuracy [95% CI]",
    "strict",
    "Elo [95% CI]",
    "ms/move",
    "vs S1: changed (+fixed / -made)",
)


def table_rows(rows: Iterable[Mapping[str, Any]]) -> list[tuple[str, ...]]:
    """The summary table: one line per player, networks then anchors."""
    out = []
    for row in rows:
        changed = row.get("changed")
        change = (
            "-"
            if changed is None
            else (f"{changed:.0%} (+{row.get('fixed', 0):.1%} / -{row.get('broken', 0):.1%})")
        )
        out.append(
            (
                str(row["player"]),
                _interval(row, "accuracy", ".3f"),
                _fmt(row.get("strict")),
                _interval(row, "elo", ".0f"),
                _fmt(row.get("think_ms"), ".1f"),
                change,
            )
        )
    return out


def format_table(rows: Iterable[Mapping[str, Any]]) -> str:
    """A fixed-width text table for the terminal."""
    lines = [TABLE_HEADER, *table_rows(rows)]
    widths = [max(len(line[i]) for line in lines) for i in range(len(TABLE_HEADER))]
    return "\n".join(
        "  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)) for line in lines
    )


def _anchor_elo(rows: Sequence[Mapping[str, Any]]) -> dict[str, float]:
    return {
        str(r["player"]): float(r["elo"])
        for r in rows
        if r.get("kind") == "anchor" and r.get("elo") is not None
    }


def write_figures(summary: Mapping[str, Any], out: Path, game: Game | None = None) -> list[Path]:
    """The sweep's PNGs (and the example boards when `game` is given); returns their paths."""
    rows = summary["rows"]
    title = f"{summary['game']}: strength against test-time compute"
    figures = [
        (
            plots.strength_vs_sims(rows, references=summary.get("references"), title=title),
            "strength_vs_sims.png",
        ),
        (plots.elo_vs_sims(rows, anchors=_anchor_elo(rows)), "elo_vs_sims.png"),
        (plots.strength_vs_time(rows), "strength_vs_time.png"),
        (plots.search_changes(rows), "search_changes.png"),
    ]
    metrics = Path(summary["run"]) / "metrics.jsonl" if summary.get("run") else None
    if metrics is not None and metrics.is_file():
        from sandbox.training.metrics import read_metrics

        run_title = f"Training run {Path(summary['run']).name}"
        figures.append(
            (plots.training_curves(read_metrics(metrics), run_title), "training_curves.png")
        )
    paths = [plots.save(fig, out / name) for fig, name in figures]
    if game is not None:
        paths += write_boards(summary.get("examples", []), game, out / "boards")
    return paths


def write_boards(examples: Sequence[Mapping[str, Any]], game: Game, folder: Path) -> list[Path]:
    """One PNG per example: the board with the prior heatmap, the visits, both chosen moves."""
    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    import numpy as np
    import pygame

    from viz import theme
    from viz.board import Overlay, draw_board

    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for k, ex in enumerate(examples):
        state = game.state_from_actions(ex["actions"])
        q = np.array([math.nan if x is None else x for x in ex["q"]])
        overlay = Overlay(
            prior=np.array(ex["prior"]),
            visits=np.array(ex["visits"]),
            q=q,
            system1=ex["system1"],
            system2=ex["system2"],
        )
        surface = pygame.Surface((560, 500))
        surface.fill(theme.BACKGROUND)
        draw_board(surface, (30, 60, 500, 430), game, state, overlay)
        for i, line in enumerate(board_caption(ex, state, game)):
            text = theme.font(20).render(line, True, theme.TEXT)
            surface.blit(text, (12, 8 + 22 * i))
        path = folder / f"{k + 1:02d}_{ex['kind'].replace(' ', '_')}.png"
        pygame.image.save(surface, str(path))
        paths.append(path)
    return paths


def board_caption(ex: Mapping[str, Any], state: Any, game: Game) -> list[str]:
    """Two lines above an example board: what each system played, and what the solver says."""
    from viz import theme

    mover = state.current_player()
    s1, s2 = ex["system1"], ex["system2"]

    def name(action: int) -> str:
        if game.spec.geometry == "columns":
            return f"column {action}"
        return state.action_to_string(mover, action)

    who = theme.palette(game.openspiel.get_type().short_name).players[mover].name
    good = ", ".join(name(a) for a in ex["optimal_wdl"])
    if game.spec.geometry == "columns":
        good = ("column " if len(ex["optimal_wdl"]) == 1 else "columns ") + ", ".join(
            str(a) for a in ex["optimal_wdl"]
        )
    outcome = {1: "wins", 0: "draws", -1: "loses"}.get(ex["value"], "?")
    return [
        f"{ex['kind']}: network {name(s1)} (prior {ex['prior'][s1]:.2f}) -> "
        f"search {name(s2)} ({int(ex['visits'][s2])}/{ex['sims']} visits)",
        f"{who} to move {outcome} with perfect play; keeping that: {good}",
    ]


def _blocks(summary: Mapping[str, Any], images: Sequence[Path], out: Path) -> list[tuple]:
    rows = summary["rows"]
    seconds = summary.get("seconds", {})
    rel = {p.name: os.path.relpath(p, out) for p in images}
    blocks: list[tuple] = [
        ("h1", f"Strength against test-time compute: {summary['game']}"),
        (
            "p",
            "System 1 is the network alone (its most likely move); System 2 is the same "
            "network with PUCT search. Each point spends more simulations per move.",
        ),
    ]
    if summary.get("command"):
        blocks.append(("code", summary["command"]))
    blocks.append(
        ("p", "Measured in " + ", ".join(f"{k} {v:.0f} s" for k, v in seconds.items()) + ".")
    )
    for name, heading, text in (
        (
            "strength_vs_sims.png",
            "Accuracy against simulations",
            "Fraction of solver-labelled positions where the move keeps the game-theoretic value "
            "(solid, 95% Wilson intervals) and where it is strictly optimal (dashed).",
        ),
        (
            "elo_vs_sims.png",
            "Elo against simulations",
            "Ratings from a tournament among all players (OpenSpiel's pyspiel.elo), random = 0, "
            "95% bootstrap intervals; dotted lines are the anchors. An interval includes the "
            "uncertainty of the whole chain of games back to the random player, so neighbouring "
            "budgets are better separated than their intervals suggest (see pairings.csv).",
        ),
        (
            "strength_vs_time.png",
            "Accuracy against think time",
            "The same accuracy against the wall time of one move, one position at a time.",
        ),
    ):
        if name in rel:
            blocks += [("h2", heading), ("p", text), ("img", rel[name], heading)]
    blocks += [("h2", "Table"), ("table", TABLE_HEADER, table_rows(rows))]
    blocks += _change_blocks(summary, rel)
    blocks += _exchange_blocks(summary)
    if "training_curves.png" in rel:
        blocks += [("h2", "The training run"), ("img", rel["training_curves.png"], "training")]
    return blocks


def _change_blocks(summary: Mapping[str, Any], rel: Mapping[str, str]) -> list[tuple]:
    blocks: list[tuple] = [("h2", "Where search changed the move")]
    blocks.append(
        (
            "p",
            "How often System 2's move differs from System 1's; 'fixed' when the "
            "network's move lost value and search's keeps it, 'error made' when it "
            "is the other way round (fractions of all positions).",
        )
    )
    if "search_changes.png" in rel:
        blocks.append(("img", rel["search_changes.png"], "search changes"))
    boards = sorted(v for k, v in rel.items() if k[:2].isdigit())
    if boards:
        blocks.append(
            (
                "p",
                "Where it mattered most: orange wash = the network's prior, "
                "teal numbers = visits (Q beneath), badge 1 = System 1's move, "
                "badge 2 = System 2's move.",
            )
        )
        blocks += [("img", b, "example board") for b in boards]
    return blocks


def exchange_sentences(summary: Mapping[str, Any]) -> list[str]:
    """The measured exchange rates between checkpoints, in words."""
    return [
        Exchange(**{**r, "matches": tuple(map(tuple, r["matches"]))}).sentence(
            summary.get("exchange_metric", "accuracy")
        )
        for r in summary.get("exchange") or []
    ]


def _exchange_blocks(summary: Mapping[str, Any]) -> list[tuple]:
    rates = summary.get("exchange") or []
    if not rates:
        return []
    items = exchange_sentences(summary)
    ordered = ordered_by_training(summary["rows"], summary.get("exchange_metric", "accuracy"))
    return [
        ("h2", "Train-time against test-time compute"),
        (
            "p",
            "Curves of checkpoints of one run are "
            + ("ordered by training." if ordered else "NOT ordered by training (noisy?)."),
        ),
        ("ul", items),
    ]


def _markdown(blocks: Sequence[tuple]) -> str:
    out = []
    for kind, *args in blocks:
        if kind in ("h1", "h2"):
            out.append(("#" if kind == "h1" else "##") + " " + args[0])
        elif kind == "p":
            out.append(args[0])
        elif kind == "code":
            out.append(f"```\n{args[0]}\n```")
        elif kind == "img":
            out.append(f"![{args[1]}]({args[0]})")
        elif kind == "ul":
            out.append("\n".join(f"- {item}" for item in args[0]))
        elif kind == "table":
            header, rows = args
            lines = [header, tuple("---" for _ in header), *rows]
            out.append("\n".join("| " + " | ".join(line) + " |" for line in lines))
    return "\n\n".join(out) + "\n"


def _html(blocks: Sequence[tuple], title: str) -> str:
    e = html.escape
    body = []
    for kind, *args in blocks:
        if kind in ("h1", "h2", "p"):
            body.append(f"<{kind}>{e(args[0])}</{kind}>")
        elif kind == "code":
            body.append(f"<pre>{e(args[0])}</pre>")
        elif kind == "img":
            body.append(f'<img src="{e(args[0])}" alt="{e(args[1])}">')
        elif kind == "ul":
            body.append("<ul>" + "".join(f"<li>{e(i)}</li>" for i in args[0]) + "</ul>")
        elif kind == "table":
            header, rows = args
            head = "".join(f"<th>{e(h)}</th>" for h in header)
            cells = "".join("<tr>" + "".join(f"<td>{e(c)}</td>" for c in r) + "</tr>" for r in rows)
            body.append(f"<table><tr>{head}</tr>{cells}</table>")
    style = (
        "body{font-family:sans-serif;max-width:60em;margin:auto}img{max-width:100%}"
        "td,th{padding:2px 8px;border-bottom:1px solid #ddd;text-align:left}"
    )
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{e(title)}</title>"
        f"<style>{style}</style></head><body>{''.join(body)}</body></html>\n"
    )


def write_page(
    summary: Mapping[str, Any], out: Path, images: Sequence[Path], as_html: bool = False
) -> Path:
    """report.md (or report.html) in `out`, with images linked relative to it."""
    blocks = _blocks(summary, images, out)
    if as_html:
        path = out / "report.html"
        path.write_text(_html(blocks, f"Sweep: {summary['game']}"))
    else:
        path = out / "report.md"
        path.write_text(_markdown(blocks))
    return path
