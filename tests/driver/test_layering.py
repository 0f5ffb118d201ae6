"""Imports point one way: codegen never reaches into the passes (the passes use codegen), and
the library never imports a CLI module (tcompiler.opt, tcompiler.cli)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2] / "tcompiler"


def imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


def offending(files: list[Path], banned: tuple[str, ...]) -> dict[str, list[str]]:
    found = {}
    for path in files:
        bad = sorted(m for m in imported_modules(path) if m.startswith(banned))
        if bad:
            found[str(path.relative_to(ROOT))] = bad
    return found


def test_codegen_does_not_import_passes() -> None:
    assert offending(sorted((ROOT / "codegen").rglob("*.py")), ("tcompiler.passes",)) == {}


@pytest.mark.parametrize("module", ["pipeline.py", "stages.py", "contracts.py", "reproducer.py",
                                    "plugins.py", "context.py"])
def test_library_does_not_import_the_cli(module: str) -> None:
    assert offending([ROOT / module], ("tcompiler.opt", "tcompiler.cli")) == {}
