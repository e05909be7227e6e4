"""Dependencies point down only: games/ <- agents/ <- viz/ <- sandbox/ (STYLE.md section 1).

Walks every import statement (module level and inside functions) with `ast`, so a lazy import
that reaches up is caught as well as a top-level one.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LAYERS = ["games", "agents", "viz", "sandbox"]  # each may import only those before it


def imported_packages(path: Path) -> set[tuple[str, int]]:
    """(top-level package, line) of every absolute import in a file."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found |= {(alias.name.split(".")[0], node.lineno) for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add((node.module.split(".")[0], node.lineno))
    return found


def upward_edges(package: str) -> list[str]:
    allowed = set(LAYERS[: LAYERS.index(package) + 1])
    forbidden = set(LAYERS) - allowed
    return [
        f"{path.relative_to(ROOT)}:{line} imports {name}"
        for path in sorted((ROOT / package).rglob("*.py"))
        for name, line in sorted(imported_packages(path))
        if name in forbidden
    ]


@pytest.mark.parametrize("package", LAYERS[:-1])
def test_no_package_imports_a_higher_one(package):
    assert upward_edges(package) == []


def test_the_walker_sees_an_upward_import_inside_a_function(tmp_path):
    source = "def f():\n    from sandbox.config import Config\n    import viz.theme\n"
    path = tmp_path / "probe.py"
    path.write_text(source)
    assert imported_packages(path) == {("sandbox", 2), ("viz", 3)}
