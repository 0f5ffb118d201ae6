"""tcc-opt's mlir-opt / xdsl-opt conventions: instrumentation (print after all, dump dir, pass
timing), verification after every pass with a reproducer naming the pass, a pass that raises,
re-printing (never echoing) the input, an empty WeightStore by default, and xdsl-opt running
tcc passes on tcc IR."""

from __future__ import annotations

import subprocess
from pathlib import Path
from types import SimpleNamespace

import pytest

ONNX_IR = """\
// a comment that must not be echoed
builtin.module {
  func.func @f(%x: tensor<2x3xf32>) -> (tensor<3x2xf32>, tensor<10x10xf32>) {
    %i = "onnx.Identity"(%x) : (tensor<2x3xf32>) -> tensor<2x3xf32>
    %t = "onnx.Transpose"(%i) <{perm = array<i64: 1, 0>}> : (tensor<2x3xf32>) -> tensor<3x2xf32>
    %s = "onnx.Constant"() <{value = dense<[10, 10]> : tensor<2xi64>}> : () -> tensor<2xi64>
    %big = "onnx.ConstantOfShape"(%s) : (tensor<2xi64>) -> tensor<10x10xf32>
    func.return %t, %big : tensor<3x2xf32>, tensor<10x10xf32>
  }
}
"""

BREAKERS = '''
from dataclasses import dataclass
from xdsl.dialects.builtin import DenseArrayBase, i64
from xdsl.passes import ModulePass
from xdsl.universe import Universe
from tcompiler.dialects.onnx import TransposeOp


@dataclass(frozen=True)
class BreakPerm(ModulePass):
    """Leaves an invalid Transpose (a test pass). Before/after: perm [1, 0] -> [0, 0]."""

    name = "break-perm"
    value: int = 0

    def apply(self, ctx, op):
        for t in op.walk():
            if isinstance(t, TransposeOp):
                t.properties["perm"] = DenseArrayBase.from_list(i64, [self.value, self.value])


@dataclass(frozen=True)
class RaiseBug(ModulePass):
    """Raises (a test pass). Before/after: no change."""

    name = "raise-bug"

    def apply(self, ctx, op):
        raise ValueError("bug in the pass")


U = Universe(all_passes={"break-perm": lambda: BreakPerm, "raise-bug": lambda: RaiseBug})
'''


@pytest.fixture
def work(tmp_path: Path) -> Path:
    (tmp_path / "in.mlir").write_text(ONNX_IR)
    (tmp_path / "breakers.py").write_text(BREAKERS)
    return tmp_path


def test_reprints_never_echoes(work: Path, tools: SimpleNamespace) -> None:
    proc = tools.run("tcc-opt", "in.mlir", cwd=work)
    assert proc.returncode == 0, proc.stderr
    assert "a comment" not in proc.stdout and "onnx.Identity" in proc.stdout


def test_instrumentation(work: Path, tools: SimpleNamespace) -> None:
    proc = tools.run("tcc-opt", "in.mlir", "-p", "onnx-canonicalize,cse", "--print-ir-after-all",
                     "--dump-ir-dir", "dump", "--time-passes", cwd=work)
    assert proc.returncode == 0, proc.stderr
    assert "// -----// IR Dump After onnx-canonicalize //----- //" in proc.stderr
    assert "// -----// IR Dump After cse //----- //" in proc.stderr
    assert "Pass execution timing report" in proc.stderr
    for name in ("onnx-canonicalize", "cse", "Total"):
        assert any(line.endswith(f"  {name}") for line in proc.stderr.splitlines()), name
    dumps = sorted(p.name for p in (work / "dump").iterdir())
    assert dumps == ["000_input.mlir", "001_onnx-canonicalize.mlir", "002_cse.mlir"]
    assert "onnx.Identity" in (work / "dump" / "000_input.mlir").read_text()
    assert "onnx.Identity" not in (work / "dump" / "001_onnx-canonicalize.mlir").read_text()
    assert (work / "dump" / "002_cse.mlir").read_text() == proc.stdout


def test_empty_weight_store_by_default(work: Path, tools: SimpleNamespace) -> None:
    """onnx-canonicalize folds a big constant into a new weight: that needs a store."""
    proc = tools.run("tcc-opt", "in.mlir", "-p", "onnx-canonicalize", cwd=work)
    assert 'onnx.initializer "big"' in proc.stdout, proc.stdout + proc.stderr
    proc = tools.run("tcc-opt", "in.mlir", "--no-weights", "-p", "onnx-canonicalize", cwd=work)
    assert "onnx.ConstantOfShape" in proc.stdout, proc.stdout + proc.stderr


def test_invalid_ir_names_the_pass_and_writes_a_reproducer(work: Path, tools: SimpleNamespace
                                                           ) -> None:
    proc = tools.run("tcc-opt", "in.mlir", "--load-plugin", "breakers:U",
                     "-p", "cse,break-perm{value=1},cse", cwd=work)
    assert proc.returncode == 1 and len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert ("tcc-opt: error: pass 'break-perm' produced invalid IR: onnx.Transpose: "
            "perm [1, 1] is not a permutation of 0..1") in proc.stderr
    path = Path(proc.stderr.split("reproducer: ")[1].split(" ")[0])
    try:
        text = path.read_text()
        assert "array<i64: 1, 0>" in text and "onnx.Identity" in text  # the IR before the pass
        run_line = text.splitlines()[0].removeprefix("// RUN: ").replace("%s", str(path))
        assert "-p 'break-perm{value=1}'" in run_line and "--load-plugin" in run_line
        again = subprocess.run(["bash", "-c", f"PATH={tools.BIN}:$PATH {run_line}"], cwd=work,
                               capture_output=True, text=True, check=False)
        assert "pass 'break-perm' produced invalid IR" in again.stderr
    finally:
        for repro in path.parent.glob("tcc-opt-repro-break-perm-*"):
            repro.unlink()


def test_no_verify(work: Path, tools: SimpleNamespace) -> None:
    proc = tools.run("tcc-opt", "in.mlir", "--load-plugin", "breakers:U", "-p", "break-perm",
                     "--no-verify", cwd=work)
    assert proc.returncode == 0 and "array<i64: 0, 0>" in proc.stdout, proc.stderr


def test_a_pass_that_raises_is_named(work: Path, tools: SimpleNamespace) -> None:
    proc = tools.run("tcc-opt", "in.mlir", "--load-plugin", "breakers:U", "-p", "raise-bug",
                     "--dump-ir-dir", "d", cwd=work)
    assert proc.returncode == 1 and len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert "pass 'raise-bug' failed: ValueError: bug in the pass; reproducer: " in proc.stderr
    assert list((work / "d").glob("tcc-opt-repro-raise-bug-*.mlir"))  # beside the dumps
    debug = tools.run("tcc-opt", "in.mlir", "--load-plugin", "breakers:U", "-p", "raise-bug",
                      "--debug", cwd=work)
    assert "Traceback" in debug.stderr


def test_load_plugin_by_file_path(work: Path, tools: SimpleNamespace) -> None:
    proc = tools.run("tcc-opt", str(work / "in.mlir"), "--load-plugin",
                     f"{work / 'breakers.py'}:U", "-p", "break-perm", "--no-verify")
    assert proc.returncode == 0, proc.stderr


def test_xdsl_opt_runs_tcc_passes_on_tcc_ir(work: Path, tools: SimpleNamespace) -> None:
    proc = subprocess.run([str(tools.BIN / "xdsl-opt"), "in.mlir", "-p", "onnx-canonicalize"],
                          cwd=work, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    assert "onnx.Identity" not in proc.stdout and "onnx.Transpose" in proc.stdout


def test_help_lists_the_conventions(tools: SimpleNamespace) -> None:
    text = tools.run("tcc-opt", "--help").stdout
    for flag in ("--print-ir-after-all", "--dump-ir-dir", "--time-passes", "--split-input-file",
                 "--verify-diagnostics", "--load-plugin", "--no-plugins", "--no-verify"):
        assert flag in text, flag
