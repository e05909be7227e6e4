"""benchmarks/screenshots.py regenerates the README's screenshots with the commands it lists."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import numpy as np

os.environ["SDL_VIDEODRIVER"] = "dummy"

import pygame  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def script():
    spec = importlib.util.spec_from_file_location("screenshots", ROOT / "benchmarks/screenshots.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_script_writes_a_screenshot_of_the_size_its_command_asks_for(tmp_path):
    assert script().main(["--only", "tic-tac-toe", "--out", str(tmp_path)]) == 0
    path = tmp_path / "tic-tac-toe.png"
    image = pygame.image.load(str(path))
    assert image.get_size() == (1280, 720)
    pixels = pygame.surfarray.array3d(image).reshape(-1, 3)
    assert len(np.unique(pixels, axis=0)) > 20  # a drawn frame, not a blank surface


def test_every_screenshot_command_is_the_one_the_readme_shows():
    readme = (ROOT / "README.md").read_text()
    shots = script().SHOTS
    for name, command in shots.items():
        assert command in readme, f"README.md does not show the command of {name}"
        assert f"docs/screenshots/{name}.png" in readme


def test_the_readme_pictures_are_what_their_commands_draw_now(tmp_path):
    """Regenerates two README screenshots (the overrule needs its 200-simulation search) and
    compares them with the committed PNGs: a stale picture fails here."""
    for name in ("tic-tac-toe", "connect4-search-overrules"):
        assert script().main(["--only", name, "--out", str(tmp_path)]) == 0
        fresh = pygame.surfarray.array3d(pygame.image.load(str(tmp_path / f"{name}.png")))
        shipped = pygame.image.load(str(ROOT / "docs" / "screenshots" / f"{name}.png"))
        shipped = pygame.surfarray.array3d(shipped)
        assert fresh.shape == shipped.shape, name
        differ = np.any(fresh != shipped, axis=2).mean()
        assert differ < 0.01, f"{name}: {differ:.1%} of the pixels differ from the README's"
