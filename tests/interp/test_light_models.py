"""The nine light architectures (random weights, logits exposed, smallest valid input),
interpreted at the onnx, graph, kernels and schedule stages and compared with onnxruntime.

Whole models are too big for the loops-level interpreter (scalar Python), so at the kernels
stage each distinct kernel whose work is under `BUDGET` is also lowered to loops on its own
and replayed on the arguments the kernels-level run gave it (`tcompiler.interp.trace`).
Quick runs interpret the three smallest architectures (a residual net among them); the others
are `slow` (run with -m slow).
"""

from __future__ import annotations

import functools
import math

import numpy as np
import pytest
from xdsl.dialects import func
from xdsl.ir import Operation

from tcompiler import interp, zoo
from tcompiler.dialects import kernel
from tcompiler.pipeline import CompileOptions

from .models import Feeds, light_model, ort_run

QUICK = {"squeezenet", "shufflenet", "resnet50"}
STAGES = ("onnx", "graph", "kernels", "schedule")
OPTIONS = CompileOptions(memory_plan="greedy")
BUDGET = 150_000  # multiply-adds (or element visits) of a kernel replayed at loops level
PER_KIND = 2  # replayed kernels per kernel op kind (the cheapest ones)

PARAMS = [pytest.param(name, stage, marks=[] if name in QUICK else [pytest.mark.slow])
          for name in zoo.LIGHT_MODELS for stage in STAGES]


@functools.lru_cache(maxsize=1)
def prepared(name: str) -> tuple[object, Feeds, Feeds]:
    """(model, inputs, onnxruntime's outputs), kept for the stages of one model."""
    proto, feeds = light_model(name)
    return proto, feeds, ort_run(proto, feeds)


def work(op: Operation) -> int:
    """A kernel's multiply-adds, or for data movement three visits per element."""
    out = math.prod(kernel.shape(op.operands[-1]))
    if isinstance(op, kernel.ConvOp):
        return out * math.prod(kernel.shape(op.W)[1:])
    if isinstance(op, kernel.GemmOp):
        a = kernel.shape(op.A)
        return out * (a[0] if op.trans_a.value.data else a[1])
    if isinstance(op, kernel.PoolOp):
        return out * math.prod(kernel.int_values(op.kernel_shape))
    if isinstance(op, kernel.LRNOp):
        return out * op.size.value.data
    return 3 * max(math.prod(kernel.shape(v)) for v in op.operands)


def cheap_kernels(module: object) -> list[str]:
    """Up to PER_KIND kernel functions per op kind with work under BUDGET, cheapest first."""
    by_kind: dict[str, list[tuple[int, str]]] = {}
    for fn in module.body.block.ops:  # type: ignore[attr-defined]
        if not isinstance(fn, func.FuncOp) or fn.body.block.first_op is None:
            continue
        op = fn.body.block.first_op
        if isinstance(op, kernel.KERNEL_OPS) and work(op) <= BUDGET:
            by_kind.setdefault(op.name, []).append((work(op), fn.sym_name.data))
    return [name for found in by_kind.values() for _, name in sorted(found)[:PER_KIND]]


def assert_matches(outputs: Feeds, reference: Feeds, what: str) -> None:
    for name, expected in reference.items():
        error = interp.relative_error(outputs[name], np.asarray(expected))
        assert error <= interp.TOLERANCE, f"{what}: output {name} is off by {error:.3g}"


@pytest.mark.parametrize(("name", "stage"), PARAMS)
def test_stage_matches_onnxruntime(name: str, stage: str) -> None:
    proto, feeds, reference = prepared(name)
    comp = interp.compile_for(proto, stage, OPTIONS)
    if stage != "kernels":
        outputs = interp.interpret(comp.module, feeds, comp.weights.arrays)
        assert_matches(outputs, reference, f"{name} at {stage}")
        return
    replayed = cheap_kernels(comp.module)
    outputs, calls = interp.record_calls(comp.module, feeds, comp.weights.arrays, replayed)
    assert_matches(outputs, reference, f"{name} at kernels")
    assert {c.callee for c in calls} == set(replayed)
    for call in calls:
        error = interp.replay(interp.kernel_module(comp.module, call.callee, lower=True), call)
        assert error <= interp.TOLERANCE, f"{name}: @{call.callee} at loops is off by {error:.3g}"
