"""Regenerates the README's viewer screenshots (docs/screenshots/*.png), headless.

    python benchmarks/screenshots.py                    # all of them, into docs/screenshots/
    python benchmarks/screenshots.py --only tic-tac-toe --out /tmp/shots

Each screenshot is one `sandbox` command, written here exactly as README.md lists it (a test
checks that the two agree), and run in this process with the output path moved to --out. The
review's game record (a connect four 5x4 game between System 1 sampled and System 2, where each
side makes one mistake the solver catches) is written first from its move list.
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHOTS_DIR = "docs/screenshots"
REVIEW_GAME = f"{SHOTS_DIR}/connect4-game.jsonl"
# Red: System 1 sampled (policy, temperature 1); Yellow: System 2 at 100 simulations. Red's 7th
# move loses the draw, Yellow's answer gives it back; the game ends drawn.
REVIEW_MOVES = [3, 2, 1, 2, 1, 2, 1, 1, 2, 3, 4, 3, 3, 0, 4, 4, 4, 0, 0, 0]

# name -> the command as README.md shows it
SHOTS = {
    "connect4-search-overrules": 'sandbox play connect4-5x4 --moves "1 0 2 2 4 2 1 4 4" --solver '
    "--size 1280x720 --screenshot docs/screenshots/connect4-search-overrules.png",
    "connect4-review": "sandbox review docs/screenshots/connect4-game.jsonl --ply 6 "
    "--size 1280x720 --screenshot docs/screenshots/connect4-review.png",
    "tic-tac-toe": 'sandbox play tic-tac-toe --moves "x(1,1) o(0,0) x(0,2)" --solver '
    "--size 1280x720 --screenshot docs/screenshots/tic-tac-toe.png",
    "hex5": 'sandbox play hex5 --moves "c3 b4 d2 c2" --size 1280x720 '
    "--screenshot docs/screenshots/hex5.png",
    "go7": 'sandbox play go7 --agent rollout:sims=3000 --moves "24 16 18 30 32" --size 1280x720 '
    "--screenshot docs/screenshots/go7.png",
    "breakthrough6": 'sandbox play breakthrough6 --moves "b5b4 e2e3 b4c3 d2c3*" --size 1280x720 '
    "--screenshot docs/screenshots/breakthrough6.png",
    "connect4-portrait": 'sandbox play connect4-5x4 --moves "1 0 2 2 4 2 1 4 4" --size 600x900 '
    "--screenshot docs/screenshots/connect4-portrait.png",
}


def write_review_game(path: Path) -> Path:
    """The review's record, in the self-play JSONL format."""
    from games.game import load
    from sandbox.training.records import GameRecord, write_records

    game = load("connect4-5x4")
    final = game.state_from_actions(REVIEW_MOVES)
    record = GameRecord(game.spec.openspiel, 0, 0, list(REVIEW_MOVES), [None] * len(REVIEW_MOVES),
                        list(final.returns()))  # fmt: skip
    write_records(path, [record])
    return path


def argv_of(command: str, out: Path) -> list[str]:
    """The command's arguments, with files under docs/screenshots/ moved to `out`."""
    args = shlex.split(command)[1:]
    return [str(out / Path(a).name) if a.startswith(SHOTS_DIR + "/") else a for a in args]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", action="append", choices=sorted(SHOTS), help="just this one")
    parser.add_argument("--out", type=Path, default=ROOT / SHOTS_DIR, help="output folder")
    args = parser.parse_args(argv)
    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    from sandbox.cli import main as sandbox

    args.out.mkdir(parents=True, exist_ok=True)
    for name in args.only or list(SHOTS):
        if name == "connect4-review":
            write_review_game(args.out / Path(REVIEW_GAME).name)
        status = sandbox(argv_of(SHOTS[name], args.out))
        if status != 0:
            print(f"screenshots: {name} failed with status {status}", file=sys.stderr)
            return status
    return 0


if __name__ == "__main__":
    sys.exit(main())
