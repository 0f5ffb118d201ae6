"""A pass that breaks the IR during a compile is named, with a tcc-opt line that replays it."""

from __future__ import annotations

import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from tcompiler import pipeline
from tcompiler.errors import CompileError
from tcompiler.plugins import PluginSettings

ROOT = Path(__file__).parents[2]
sys.path.insert(0, str(ROOT / "examples"))
import make_model  # noqa: E402

HERMETIC = PluginSettings(autoload=False)
"""Only xDSL's and tcc's passes (and --load-plugin's), whatever else is installed."""

BREAKER = """
from dataclasses import dataclass

from xdsl.dialects import func, llvm
from xdsl.dialects.builtin import IntegerAttr, i64
from xdsl.passes import ModulePass
from xdsl.universe import Universe


@dataclass(frozen=True)
class BreakReturnPass(ModulePass):
    \"\"\"Drops the operands of @main's return: invalid IR (the function type wants results).\"\"\"

    name = "break-return"

    def apply(self, ctx, op):
        for ret in op.walk():
            if isinstance(ret, func.ReturnOp) and ret.operands:
                ret.operands = ()
                return


@dataclass(frozen=True)
class DropReturnPass(ModulePass):
    \"\"\"Erases every func.return: blocks without a terminator (invalid IR).\"\"\"

    name = "drop-return"

    def apply(self, ctx, op):
        for ret in [o for o in op.walk() if isinstance(o, func.ReturnOp)]:
            ret.detach()
            ret.erase()


@dataclass(frozen=True)
class AddLLVMConstantPass(ModulePass):
    \"\"\"Puts an unused llvm.mlir.constant at the start of every function: valid IR, but outside
    the loops stage contract.\"\"\"

    name = "add-llvm-constant"

    def apply(self, ctx, op):
        for fn in [o for o in op.ops if isinstance(o, func.FuncOp)]:
            fn.body.block.insert_op_before(llvm.ConstantOp(IntegerAttr(0, i64), i64),
                                           fn.body.block.first_op)


U = Universe(all_passes={"break-return": lambda: BreakReturnPass,
                         "drop-return": lambda: DropReturnPass,
                         "add-llvm-constant": lambda: AddLLVMConstantPass})
"""


def test_broken_ir_names_the_pass_and_gives_a_reproducer(tmp_path: Path) -> None:
    model = tmp_path / "m.onnx"
    make_model.main(["make_model", str(model)])
    (tmp_path / "breaker.py").write_text(BREAKER)
    options = pipeline.CompileOptions(
        passes=(("graph", "break-return"),),
        plugins=PluginSettings(load=(f"{tmp_path / 'breaker.py'}:U",), autoload=False))
    with pytest.raises(CompileError) as info:
        pipeline.compile_to_stage(model, "graph", options)
    message = str(info.value)
    assert "stage graph: pass 'break-return' failed: VerifyException" in message
    assert "reproduce: tcc-opt " in message
    command = shlex.split(message.split("reproduce: ", 1)[1])
    repro = Path(command[1])
    try:
        text = repro.read_text()
        assert text.startswith(f"// RUN: tcc-opt %s -p {pipeline.GRAPH_PIPELINE},break-return "
                               f"--load-plugin {tmp_path / 'breaker.py'}:U --weights ")
        assert "onnx.Conv" in text
        exe = str(Path(sys.executable).parent / "tcc-opt")
        replay = subprocess.run([exe, str(repro)], capture_output=True, text=True)
        assert replay.returncode == 0, replay.stderr  # the run's input is valid IR
        replay = subprocess.run([exe, *command[1:]], capture_output=True, text=True)
        assert "pass 'break-return' produced invalid IR" in replay.stderr  # and fails again
        assert len(replay.stderr.strip().splitlines()) == 1
    finally:
        for path in repro.parent.glob("tcc-opt-repro-break-return-*"):  # the replay's too
            path.unlink()


def test_a_kernel_that_breaks_is_reproduced_from_its_kernel_text(tmp_path: Path) -> None:
    """compile_model runs the loops and llvm stages per kernel, verifying after every pass."""
    model = tmp_path / "m.onnx"
    make_model.main(["make_model", str(model)])
    (tmp_path / "breaker.py").write_text(BREAKER)
    plugin = f"{tmp_path / 'breaker.py'}:U"
    options = pipeline.CompileOptions(memory_plan="greedy", passes=(("loops", "drop-return"),),
                                      plugins=PluginSettings(load=(plugin,), autoload=False))
    with pytest.raises(CompileError) as info:
        pipeline.compile_model(model, options)
    message = str(info.value)
    assert message.startswith("stage loops: pass 'drop-return' failed: ")
    command = shlex.split(message.split("reproduce: ", 1)[1])
    repro = Path(command[1])
    try:
        assert command[2:] == ["-p", "lower-kernels-to-loops,drop-return", "--load-plugin",
                               plugin, "--no-weights"]
        assert "tcc.kernel" in repro.read_text() and "tcc.graph" not in repro.read_text()
        exe = str(Path(sys.executable).parent / "tcc-opt")
        replay = subprocess.run([exe, *command[1:]], capture_output=True, text=True)
        assert "pass 'drop-return' produced invalid IR" in replay.stderr
    finally:
        for path in repro.parent.glob("tcc-opt-repro-drop-return-*"):
            path.unlink()


@pytest.mark.parametrize("whole_module", [True, False])
def test_stage_contract_is_checked_after_the_stage(tmp_path: Path, whole_module: bool) -> None:
    model = tmp_path / "m.onnx"
    make_model.main(["make_model", str(model)])
    (tmp_path / "breaker.py").write_text(BREAKER)
    options = pipeline.CompileOptions(
        memory_plan="greedy", passes=(("loops", "add-llvm-constant"),),
        plugins=PluginSettings(load=(f"{tmp_path / 'breaker.py'}:U",), autoload=False))
    with pytest.raises(CompileError) as info:
        if whole_module:
            pipeline.compile_to_stage(model, "loops", options)
        else:
            pipeline.compile_model(model, options)
    assert str(info.value).startswith("stage loops: op 'llvm.mlir.constant' in @")
    assert str(info.value).endswith("is outside the loops stage contract (loops) after pass "
                                    "'add-llvm-constant'")


def test_precondition_failure_is_one_line(tmp_path: Path) -> None:
    model = tmp_path / "m.onnx"
    make_model.main(["make_model", str(model)])
    options = pipeline.CompileOptions(passes=(("kernels", "fold-batchnorm"),),
                                      plugins=HERMETIC)
    with pytest.raises(CompileError) as info:
        pipeline.compile_to_stage(model, "kernels", options)
    assert str(info.value).startswith("stage kernels: pass 'fold-batchnorm' precondition "
                                      "failed: op 'kernel.")
    assert len(str(info.value).splitlines()) == 1


def test_kernel_cache_key_covers_the_lowering_code(monkeypatch: pytest.MonkeyPatch) -> None:
    from tcompiler.codegen import Target

    options = pipeline.CompileOptions(plugins=HERMETIC)
    key = pipeline.kernel_cache_key("kernel", Target.host(), options)
    assert pipeline.kernel_cache_key("kernel", Target.host(), options) == key
    assert pipeline.kernel_cache_key("kernel", Target.host(),
                                     pipeline.CompileOptions(opt_level=2, plugins=HERMETIC)) != key
    assert pipeline.kernel_cache_key("kernel", Target.host(), pipeline.CompileOptions(
        passes=(("loops", "cse"),), plugins=HERMETIC)) != key
    assert pipeline.kernel_cache_key("kernel", Target.host(), pipeline.CompileOptions(
        passes=(("graph", "cse"),), plugins=HERMETIC)) == key  # module-scope passes are in the kernel text
    monkeypatch.setattr(pipeline, "codegen_fingerprint", lambda: "another lowering")
    assert pipeline.kernel_cache_key("kernel", Target.host(), options) != key
