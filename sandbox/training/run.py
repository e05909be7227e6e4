"""RunDir: where a training run keeps everything it needs to be inspected and resumed.

runs/<game>/<YYYYmmdd-HHMMSS>/
  config.toml      the resolved config (the run's own, reused on --resume)
  metrics.jsonl    one line per iteration; tensorboard/ beside it
  checkpoints/     latest.pt every iteration, step_000500.pt every k-th (atomic writes)
  replay.npz       the replay buffer, so a resumed run trains on the same positions
  games/           iter_0007.jsonl self-play records (actions and returns per game)
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from games.errors import UserError


@dataclass(frozen=True)
class RunDir:
    path: Path

    @property
    def config(self) -> Path:
        return self.path / "config.toml"

    @property
    def checkpoints(self) -> Path:
        return self.path / "checkpoints"

    @property
    def latest(self) -> Path:
        return self.checkpoints / "latest.pt"

    @property
    def replay(self) -> Path:
        return self.path / "replay.npz"

    @property
    def games(self) -> Path:
        return self.path / "games"

    def step_checkpoint(self, step: int) -> Path:
        return self.checkpoints / f"step_{step:07d}.pt"

    def has_checkpoint(self) -> bool:
        return self.latest.exists()

    def create(self) -> None:
        self.checkpoints.mkdir(parents=True, exist_ok=True)
        self.games.mkdir(parents=True, exist_ok=True)


def _game_folder(game_name: str) -> str:
    """A folder name for any game string ("connect_four(rows=5)" -> "connect_four_rows_5_")."""
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in game_name)


def new_run_dir(game_name: str, root: Path = Path("runs")) -> RunDir:
    return RunDir(root / _game_folder(game_name) / time.strftime("%Y%m%d-%H%M%S"))


def latest_run_dir(game_name: str, root: Path = Path("runs")) -> RunDir:
    runs = sorted(
        p for p in (root / _game_folder(game_name)).glob("*") if (p / "checkpoints").is_dir()
    )
    if not runs:
        raise UserError(f"no run of {game_name} under {root}/ to resume; give --run-dir")
    return RunDir(runs[-1])
