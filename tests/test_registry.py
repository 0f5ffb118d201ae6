"""Every registered pass is importable, named as registered, documented, and has a filecheck file
named after it; tcc's universe exposes the onnx and kernel dialects."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tcompiler.passes import PASSES
from tcompiler.universe import TCC_UNIVERSE

FILECHECK = Path(__file__).parent / "filecheck" / "passes"


@pytest.mark.parametrize("name", sorted(PASSES))
def test_pass_is_registered_under_its_own_name(name: str) -> None:
    cls = PASSES[name]()
    assert cls.name == name
    doc = (cls.__doc__ or "") + (sys.modules[cls.__module__].__doc__ or "")
    assert "before" in doc.lower(), f"{name}: its docstring needs a before/after example"


@pytest.mark.parametrize("name", sorted(PASSES))
def test_pass_has_filecheck_file(name: str) -> None:
    assert (FILECHECK / f"{name.replace('-', '_')}.mlir").is_file()


def test_universe_has_dialects_and_passes() -> None:
    assert {"onnx", "kernel"} <= set(TCC_UNIVERSE.all_dialects)
    assert TCC_UNIVERSE.all_dialects["kernel"]().name == "kernel"
    assert set(PASSES) <= set(TCC_UNIVERSE.all_passes)
