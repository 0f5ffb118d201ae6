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


def test_dialect_table_names_match() -> None:
    for name, factory in TCC_UNIVERSE.all_dialects.items():
        assert factory().name == name


def test_builtins_come_through_the_plugin_entry_point_group() -> None:
    """tcc registers itself as plug-ins do (`tcompiler.plugins`), and for xdsl-opt
    (`xdsl.universe`); both entry points name the same universe."""
    from importlib.metadata import entry_points

    from xdsl.universe import Universe

    from tcompiler.plugins import PluginSettings, discover

    for group in ("tcompiler.plugins", "xdsl.universe"):
        (ep,) = [ep for ep in entry_points(group=group) if ep.name == "tcompiler"]
        assert ep.load() is TCC_UNIVERSE
    assert set(PASSES) <= set(Universe.get_multiverse().all_passes)  # what xdsl-opt sees
    registry = discover(PluginSettings(autoload=False))
    assert registry.passes["plan-memory"].owner.plugin == "tcompiler"
    assert registry.passes["cse"].owner.plugin == "xdsl"


def test_registries_are_lazy() -> None:
    """Importing the universe (as every discovery does) imports no pass or dialect module."""
    import subprocess

    code = ("import sys, tcompiler.universe; "
            "print(sorted(m for m in sys.modules if m.startswith(('tcompiler.passes.', "
            "'tcompiler.dialects.'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=False).stdout
    assert out.strip() == "[]", out


def test_tcc_passes_describes_a_pass(capsys: pytest.CaptureFixture[str]) -> None:
    from tcompiler.cli import main

    assert main(["passes", "plan-memory"]) == 0
    text = capsys.readouterr().out
    assert "package tcompiler" in text and "method: str" in text and "before" in text.lower()
    assert main(["passes"]) == 0
    listing = capsys.readouterr().out.splitlines()
    assert {line.split()[0] for line in listing} >= set(PASSES)
