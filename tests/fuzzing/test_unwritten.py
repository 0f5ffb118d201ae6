"""Outputs that depend on memory nothing wrote are no test case: a program that never writes
its output, or reads a buffer before any write, is invalid (not a miscompile), and the
reducer does not shrink a real bug into one (a campaign reduced a native miscompile to an
empty kernel, whose 'difference' was uninitialized memory)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from tcompiler import interp
from tcompiler.fuzz.case import Case
from tcompiler.fuzz.reduce import reduce_case, replay
from tcompiler.fuzz.worker import Executor, Rejected


def program(body: str, read: str = "%x") -> str:
    return f"""builtin.module {{
  func.func @main(%x: memref<3x6xi32>, %y: memref<3x6xi32>) attributes {{tcc.input_names = ["x"], tcc.output_names = ["y"], tcc.graph}} {{
    %a = kernel.buffer : memref<3x6xi32>
    func.call @k({read}, %y) : (memref<3x6xi32>, memref<3x6xi32>) -> ()
    func.return
  }}
  func.func @k(%i: memref<3x6xi32>, %o: memref<3x6xi32>) attributes {{tcc.kernel}} {{
    {body}
    func.return
  }}
}}
"""  # noqa: E501


COPY = "kernel.copy %i -> %o : memref<3x6xi32> -> memref<3x6xi32>"
PIPELINES = [("plan-memory",), ("plan-memory", "lower-kernels-to-loops")]


@pytest.mark.parametrize("pipeline", PIPELINES)
def test_an_output_never_written_is_invalid(executor: Executor,
                                            pipeline: tuple[str, ...]) -> None:
    """The native output is whatever the memory held; the interpreter's is NaN/lowest."""
    execution = executor.run(Case("kernels", pipeline, ir=program("")), native=True,
                             differential=False)
    assert execution.finding is None
    assert execution.status == "invalid" and "nothing wrote" in execution.reason


@pytest.mark.parametrize("native", [False, True])
def test_a_buffer_read_before_any_write_is_invalid(executor: Executor, native: bool) -> None:
    """Interpreted, the unplanned buffer holds the lowest int32 and the planned one 0xFF
    bytes (-1): the plan 'changed' the output, which is no memory-plan bug."""
    case = Case("kernels", ("plan-memory",), ir=program(COPY, read="%a"))
    execution = executor.run(case, native=native, differential=False)
    assert execution.finding is None
    assert execution.status == "invalid" and "nothing wrote" in execution.reason


def test_the_reducer_keeps_the_bug_not_an_empty_kernel(executor: Executor,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """An interpreter bug (off by one, as the real one comparing i1 was wrong) makes the
    native code look miscompiled; removing the copy (an empty kernel: the output unwritten)
    must not count as the same bug, though the outputs still differ."""
    real = interp.interpret

    def off_by_one(*args: Any, **kwargs: Any) -> dict[str, np.ndarray]:
        return {name: value + 1 for name, value in real(*args, **kwargs).items()}

    monkeypatch.setattr(interp, "interpret", off_by_one)
    case = Case("kernels", ("plan-memory",), ir=program(COPY))
    execution = executor.run(case, native=True, differential=False)
    assert execution.finding is not None
    assert execution.finding.signature == "miscompile|lower-to-llvm|k"
    reduced = reduce_case(executor, case, execution, seconds=60.0)
    assert reduced.ir is not None and "kernel.copy" in reduced.ir
    again = replay(executor, reduced, execution).finding
    assert again is not None and again.signature == execution.finding.signature


def test_variants_that_read_unwritten_memory_are_invalid(executor: Executor) -> None:
    """The differential's check: loops-level outputs that move with the fill."""
    case = Case("kernels", ("plan-memory",), ir=program(COPY, read="%a"))
    outputs = executor.loops_outputs(case)
    assert outputs is not None
    with pytest.raises(Rejected, match="nothing wrote"):
        executor.reject_unwritten_variants(case, case, outputs, outputs)
    clean = Case("kernels", ("plan-memory",), ir=program(COPY))
    fine = executor.loops_outputs(clean)
    assert fine is not None
    executor.reject_unwritten_variants(clean, clean, fine, fine)
