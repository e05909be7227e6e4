"""`sandbox games`: the preset catalogue with board size, actions and shipped models."""

from __future__ import annotations

import argparse

from games.catalogue import GAMES
from games.game import load
from sandbox.specs import zoo_models


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("games", help="list the game presets")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    shipped = set(zoo_models())
    rows = [("name", "board", "actions", "model", "OpenSpiel string")]
    for name, spec in GAMES.items():
        game = load(spec)
        _, h, w = game.raw_observation_shape
        rows.append(
            (
                name,
                f"{w}x{h}",
                str(game.num_actions),
                "yes" if name in shipped else "-",
                spec.openspiel,
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))
    print(
        "\nAny other OpenSpiel game string works if two-player, sequential, deterministic, "
        "perfect-information and zero-sum."
    )
    return 0
