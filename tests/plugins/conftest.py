"""Fixtures for the plug-in tests: fake installed plug-ins (a dist-info with an entry point, no
pip needed), plug-in modules with one pass, and running tcc / tcc-opt from this venv with a
chosen PYTHONPATH (`tools.run`)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

ROOT = Path(__file__).parents[2]
DEMO = ROOT / "examples" / "plugin_demo"
BIN = Path(sys.executable).parent


def fake_install(site: Path, dist: str, entry_points: dict[str, str],
                 modules: dict[str, str]) -> Path:
    """Lay out `modules` ({file name: source}) and a `<dist>-1.0.dist-info` whose entry points
    are in the `tcompiler.plugins` group, as pip would; return `site` (put it on PYTHONPATH)."""
    site.mkdir(parents=True, exist_ok=True)
    for name, source in modules.items():
        (site / name).write_text(source)
    info = site / f"{dist.replace('-', '_')}-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 1.0\n")
    lines = "".join(f"{name} = {value}\n" for name, value in entry_points.items())
    (info / "entry_points.txt").write_text(f"[tcompiler.plugins]\n{lines}")
    return site


def run(tool: str, *args: str, path: tuple[Path, ...] | list[Path] = (),
        cwd: Path | None = None, env: dict[str, str] | None = None
        ) -> subprocess.CompletedProcess[str]:
    """Run `tcc` or `tcc-opt` from this venv with `path` prepended to PYTHONPATH.

    Installed plug-ins are discovered only when `path` (fake installs) is given; other runs keep
    the suite's `TCC_NO_PLUGINS=1` and see only xDSL, tcc and their `--load-plugin`s."""
    full = {k: v for k, v in os.environ.items() if not (path and k == "TCC_NO_PLUGINS")}
    full.update(env or {})
    full["PATH"] = str(BIN) + os.pathsep + full.get("PATH", "")
    full["PYTHONPATH"] = os.pathsep.join([str(p) for p in path] + [full.get("PYTHONPATH", "")])
    return subprocess.run([str(BIN / tool), *args], capture_output=True, text=True, check=False,
                          env=full, cwd=cwd)


PASS_TEMPLATE = '''
from dataclasses import dataclass
from xdsl.passes import ModulePass
from xdsl.universe import Universe


@dataclass(frozen=True)
class {cls}(ModulePass):
    """{doc}

    Before: anything. After: the same.
    """

    name = "{name}"

    def apply(self, ctx, op):
        {body}


U = Universe(all_passes={{"{name}": lambda: {cls}}})
'''


def pass_module(name: str, cls: str = "P", doc: str = "Does nothing.", body: str = "pass") -> str:
    """Source of a module defining one pass and a Universe `U` that registers it."""
    return PASS_TEMPLATE.format(name=name, cls=cls, doc=doc, body=body)


@pytest.fixture
def tools() -> SimpleNamespace:
    """`tools.run`, `tools.fake_install`, `tools.pass_module`, `tools.ROOT`, `tools.DEMO`."""
    return SimpleNamespace(run=run, fake_install=fake_install, pass_module=pass_module,
                           ROOT=ROOT, DEMO=DEMO, BIN=BIN)
