"""A pass that breaks the IR during a compile is named, with a tcc-opt line that replays it."""

from __future__ import annotations

import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from xdsl.context import Context
from xdsl.dialects import func
from xdsl.dialects.builtin import ModuleOp
from xdsl.passes import ModulePass

from tcompiler import pipeline
from tcompiler.errors import CompileError
from tcompiler.passes import PASSES

ROOT = Path(__file__).parents[2]
sys.path.insert(0, str(ROOT / "examples"))
import make_model  # noqa: E402


@dataclass(frozen=True)
class BreakReturnPass(ModulePass):
    """Drops the operands of @main's return: invalid IR (the function type wants results)."""

    name = "break-return"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        for fn in op.walk():
            if isinstance(fn, func.ReturnOp) and fn.operands:
                fn.operands = ()
                return


def test_broken_ir_names_the_pass_and_gives_a_reproducer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    model = tmp_path / "m.onnx"
    make_model.main(["make_model", str(model)])
    monkeypatch.setitem(PASSES, "break-return", lambda: BreakReturnPass)
    monkeypatch.setattr(pipeline, "GRAPH_PIPELINE", "onnx-canonicalize,break-return")
    with pytest.raises(CompileError) as info:
        pipeline.compile_to_stage(model, "graph")
    message = str(info.value)
    assert "break-return" in message and "reproduce: tcc-opt " in message
    command = shlex.split(message.split("reproduce: ", 1)[1])
    repro = Path(command[1])
    assert repro.is_file() and "onnx.Conv" in repro.read_text()
    exe = str(Path(sys.executable).parent / "tcc-opt")
    replay = subprocess.run([exe, str(repro)], capture_output=True, text=True)
    assert replay.returncode == 0, replay.stderr  # the input of the failing pass is valid IR


def test_kernel_cache_key_covers_the_lowering_code(monkeypatch: pytest.MonkeyPatch) -> None:
    from tcompiler.codegen import Target

    options = pipeline.CompileOptions()
    key = pipeline._cache_key("kernel", Target.host(), options)
    monkeypatch.setattr(pipeline, "codegen_fingerprint", lambda: "another lowering")
    assert pipeline._cache_key("kernel", Target.host(), options) != key
