"""Threads: the native pool runs every unit of a parallel kernel exactly once whatever the
thread count, compiled models give the same bits at 1 and several threads with every conv
algorithm, and thread counts are checked."""

from __future__ import annotations

import subprocess
import sys
import time

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from tcompiler.errors import OptionError
from tcompiler.pipeline import CompileOptions, compile_model
from tcompiler.program import Buffer, Program, Step, TensorSpec
from tcompiler.runtime import CompiledModel
from tests.runtime.conftest import host_target, object_from_ir

UNITS, WIDE = 37, 61
COUNTER = """
define void @{name}(ptr noalias %acc, i64 %lo, i64 %hi) {{
entry:
  %empty = icmp uge i64 %lo, %hi
  br i1 %empty, label %exit, label %loop
loop:
  %u = phi i64 [%lo, %entry], [%next, %loop]
  %p = getelementptr float, ptr %acc, i64 %u
  %v = load float, ptr %p
  %w = fadd float %v, 1.0
  store float %w, ptr %p
  %next = add i64 %u, 1
  %more = icmp ult i64 %next, %hi
  br i1 %more, label %loop, label %exit
exit:
  ret void
}}
"""

# acc[u] += 1 for every unit u in [lo, hi) of two parallel kernels with different unit counts
# (a unit run twice or never shows in the counts; so does a claim of one step's units that
# runs the next step's task), plus acc = 0 and o = acc
COUNT_UNITS = "\n".join([
    f"@count.units = constant i64 {UNITS}", COUNTER.format(name="count"),
    f"@count_wide.units = constant i64 {WIDE}", COUNTER.format(name="count_wide"), f"""
define void @zero(ptr noalias %acc) {{
  call void @llvm.memset.p0.i64(ptr %acc, i8 0, i64 {4 * WIDE}, i1 false)
  ret void
}}

define void @copy(ptr noalias %acc, ptr noalias %o) {{
  call void @llvm.memcpy.p0.p0.i64(ptr %o, ptr %acc, i64 {4 * WIDE}, i1 false)
  ret void
}}

declare void @llvm.memset.p0.i64(ptr, i8, i64, i1)
declare void @llvm.memcpy.p0.p0.i64(ptr, ptr, i64, i1)
"""])


def counting_program(steps: int) -> Program:
    """acc = 0, then `steps` times: count (units [0, 37)) and count_wide ([0, 61)) on acc;
    then o = acc."""
    names = ("count", "count_wide", "zero", "copy")
    return Program(
        inputs=[], outputs=[TensorSpec("o", (WIDE,), "float32")],
        objects={"count": object_from_ir(COUNT_UNITS)}, kernels={n: "count" for n in names},
        steps=[Step("zero", (1,)),
               *[Step(k, (1,)) for _ in range(steps) for k in ("count", "count_wide")],
               Step("copy", (1, 0))],
        buffers=[Buffer(0, "output", 4 * WIDE, index=0), Buffer(1, "arena", 4 * WIDE)],
        arena_bytes=4 * WIDE, weights=b"", target=host_target())


@pytest.mark.parametrize("threads", [1, 2, 3, 8])
def test_every_unit_runs_once_per_step(threads: int) -> None:
    model = CompiledModel(counting_program(steps=100), threads=threads)
    want = np.where(np.arange(WIDE) < UNITS, 200.0, 100.0).astype(np.float32)
    for run in range(100):
        if run % 10 == 9:
            time.sleep(0.01)  # long enough for the workers to fall asleep on their futex
        (counts,) = model()
        np.testing.assert_array_equal(counts, want)


def conv_net(seed: int = 0) -> onnx.ModelProto:
    """3x3 convs (wide and narrow rows), a 1x1 conv, a strided conv, max pool, residual add,
    global pool and a fully connected layer: the kernels the parallel emitters cover."""
    rng = np.random.default_rng(seed)

    def weight(name: str, *shape: int) -> onnx.TensorProto:
        return numpy_helper.from_array(
            (rng.standard_normal(shape) / np.sqrt(np.prod(shape[1:]))).astype(np.float32), name)

    inits = [weight("w1", 32, 3, 3, 3), weight("w2", 32, 32, 3, 3), weight("w3", 48, 32, 1, 1),
             weight("w4", 48, 48, 3, 3), weight("fc", 10, 48),
             numpy_helper.from_array(rng.standard_normal(32).astype(np.float32), "b1")]
    nodes = [
        helper.make_node("Conv", ["x", "w1", "b1"], ["c1"], pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["c1"], ["r1"]),
        helper.make_node("Conv", ["r1", "w2"], ["c2"], pads=[1, 1, 1, 1]),
        helper.make_node("Add", ["c2", "r1"], ["a2"]),
        helper.make_node("MaxPool", ["a2"], ["p2"], kernel_shape=[2, 2], strides=[2, 2]),
        helper.make_node("Conv", ["p2", "w3"], ["c3"]),
        helper.make_node("Conv", ["c3", "w4"], ["c4"], pads=[1, 1, 1, 1], strides=[2, 2]),
        helper.make_node("Relu", ["c4"], ["r4"]),
        helper.make_node("GlobalAveragePool", ["r4"], ["g"]),
        helper.make_node("Flatten", ["g"], ["f"]),
        helper.make_node("Gemm", ["f", "fc"], ["y"], transB=1),
    ]
    graph = helper.make_graph(
        nodes, "conv_net", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3, 40, 40])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 10]),
         helper.make_tensor_value_info("c3", TensorProto.FLOAT, [2, 48, 20, 20])], inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


@pytest.mark.parametrize("algorithm", ["auto", "direct", "im2col", "im2win", "winograd"])
def test_same_bits_at_any_thread_count(algorithm: str, tmp_path) -> None:
    program, _ = compile_model(conv_net().SerializeToString(), CompileOptions(
        cache_dir=str(tmp_path), conv_algorithm=algorithm))
    x = np.random.default_rng(1).standard_normal((2, 3, 40, 40)).astype(np.float32)
    want = [o.copy() for o in CompiledModel(program, threads=1)(x)]
    for threads in (2, 3):
        model = CompiledModel(program, threads=threads)
        for _ in range(3):
            for got, expected in zip(model(x), want):
                np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize("threads", [0, -1, 10**6, 2.0, True])
def test_bad_thread_counts(threads: object) -> None:
    with pytest.raises(OptionError, match="thread count must be an integer from 1"):
        CompiledModel(counting_program(1), threads=threads)  # type: ignore[arg-type]


def test_thread_count_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TCC_NUM_THREADS", "3")
    assert CompiledModel(counting_program(1)).threads == 3
    monkeypatch.setenv("TCC_NUM_THREADS", "many")
    with pytest.raises(OptionError, match="TCC_NUM_THREADS='many': not an integer"):
        CompiledModel(counting_program(1))
    monkeypatch.delenv("TCC_NUM_THREADS")
    import os
    assert CompiledModel(counting_program(1)).threads == len(os.sched_getaffinity(0))


def test_workers_stop_with_the_model() -> None:
    """A model's worker threads end when it is collected, and the process exits cleanly with
    a model alive (its threads are stopped at exit)."""
    import gc
    import threading

    before = threading.active_count()
    model = CompiledModel(counting_program(3), threads=4)
    model()
    assert threading.active_count() == before + 3
    del model
    gc.collect()
    assert threading.active_count() == before
    code = ("from tests.runtime.test_threads import counting_program\n"
            "from tcompiler.runtime import CompiledModel\n"
            "m = CompiledModel(counting_program(2), threads=3)\nm()\nprint('ok')\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr
