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

BREAKER = """
from dataclasses import dataclass

from xdsl.dialects import func
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


U = Universe(all_passes={"break-return": lambda: BreakReturnPass})
"""


def test_broken_ir_names_the_pass_and_gives_a_reproducer(tmp_path: Path) -> None:
    model = tmp_path / "m.onnx"
    make_model.main(["make_model", str(model)])
    (tmp_path / "breaker.py").write_text(BREAKER)
    options = pipeline.CompileOptions(
        passes=(("graph", "break-return"),),
        plugins=PluginSettings(load=(f"{tmp_path / 'breaker.py'}:U",)))
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


def test_precondition_failure_is_one_line(tmp_path: Path) -> None:
    model = tmp_path / "m.onnx"
    make_model.main(["make_model", str(model)])
    options = pipeline.CompileOptions(passes=(("kernels", "fold-batchnorm"),))
    with pytest.raises(CompileError) as info:
        pipeline.compile_to_stage(model, "kernels", options)
    assert str(info.value).startswith("stage kernels: pass 'fold-batchnorm' precondition "
                                      "failed: op 'kernel.")
    assert len(str(info.value).splitlines()) == 1


def test_kernel_cache_key_covers_the_lowering_code(monkeypatch: pytest.MonkeyPatch) -> None:
    from tcompiler.codegen import Target

    options = pipeline.CompileOptions()
    key = pipeline.kernel_cache_key("kernel", Target.host(), options)
    assert pipeline.kernel_cache_key("kernel", Target.host(), options) == key
    assert pipeline.kernel_cache_key("kernel", Target.host(),
                                     pipeline.CompileOptions(opt_level=2)) != key
    assert pipeline.kernel_cache_key("kernel", Target.host(), pipeline.CompileOptions(
        passes=(("loops", "cse"),))) != key
    assert pipeline.kernel_cache_key("kernel", Target.host(), pipeline.CompileOptions(
        passes=(("graph", "cse"),))) == key  # module-scope passes are in the kernel text
    monkeypatch.setattr(pipeline, "codegen_fingerprint", lambda: "another lowering")
    assert pipeline.kernel_cache_key("kernel", Target.host(), options) != key
