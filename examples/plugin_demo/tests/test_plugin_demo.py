"""The demo plug-in's own tests: each pass is registered under its name and documented, and
every `tests/filecheck/*.mlir` file's `// RUN:` lines pass (tcc-opt and filecheck from this
venv; the package root on PYTHONPATH, so the tests pass installed or not)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from tcc_plugin_demo import UNIVERSE
from xdsl.parser import Parser

from tcompiler.context import make_context

ROOT = Path(__file__).parents[1]
FILECHECK = sorted((ROOT / "tests" / "filecheck").glob("*.mlir"))


@pytest.mark.parametrize("name", sorted(UNIVERSE.all_passes))
def test_registered_documented_and_tested(name: str) -> None:
    cls = UNIVERSE.all_passes[name]()
    assert cls.name == name
    assert "Before:" in (sys.modules[cls.__module__].__doc__ or "")
    assert (ROOT / "tests" / "filecheck" / f"{name.replace('-', '_')}.mlir").is_file()


def test_transposes_then_reshapes_leave_valid_ir() -> None:
    ctx = make_context()
    module = Parser(ctx, """
    func.func @f(%x: tensor<2x3xf32>) -> tensor<6xf32> {
      %t = "onnx.Transpose"(%x) : (tensor<2x3xf32>) -> tensor<3x2xf32>
      %u = "onnx.Transpose"(%t) : (tensor<3x2xf32>) -> tensor<2x3xf32>
      %s = "onnx.Constant"() <{value = dense<6> : tensor<1xi64>}> : () -> tensor<1xi64>
      %r = "onnx.Reshape"(%u, %s) : (tensor<2x3xf32>, tensor<1xi64>) -> tensor<6xf32>
      func.return %r : tensor<6xf32>
    }""").parse_module()
    for name in ("fold-transposes", "fold-reshapes"):
        UNIVERSE.all_passes[name]()().apply(ctx, module)
    module.verify()
    assert "onnx.Transpose" not in str(module) and str(module).count("onnx.Reshape") == 1


def run_lines(path: Path) -> list[str]:
    return [line.split("RUN:", 1)[1].strip() for line in path.read_text().splitlines()
            if "RUN:" in line]


@pytest.mark.parametrize("path", FILECHECK, ids=[p.name for p in FILECHECK])
def test_filecheck(path: Path) -> None:
    env = dict(os.environ)
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    for line in run_lines(path):
        command = line.replace("%s", str(path))
        proc = subprocess.run(["bash", "-o", "pipefail", "-c", command], cwd=ROOT, env=env,
                              capture_output=True, text=True, check=False)
        assert proc.returncode == 0, f"{command}\n{proc.stdout}\n{proc.stderr}"
