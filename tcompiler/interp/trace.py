"""Per-kernel oracles: record what every kernel call of a graph reads and writes, then replay
one kernel (e.g. lowered to loops with another schedule) on the same arguments.

    outputs, calls = record_calls(module, {"x": x}, weights) # kernels or schedule stage
    for call in calls:
        lowered = kernel_module(module, call.callee, lower=True)
        worst = replay(lowered, call)                         # max |difference| / scale

Arguments (weights included) are copied before and after each recorded `func.call` of the
graph function, in their IR shapes, so a replay sees exactly the inputs the graph gave the
kernel and is compared with exactly what the kernel wrote. Record only the kernels you will
replay (`callees`): every argument of every call of a large model is a lot of memory.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from xdsl.dialects import func
from xdsl.dialects.builtin import ModuleOp
from xdsl.interpreter import Interpreter, PythonValues
from xdsl.ir import Operation

from tcompiler.interp.core import InterpretError, shape_of
from tcompiler.interp.run import interpret


@dataclass(frozen=True)
class KernelCall:
    callee: str
    before: tuple[np.ndarray, ...]  # every argument before the call
    after: tuple[np.ndarray, ...]  # every argument after it


@dataclass
class CallRecorder(Interpreter.Listener):
    """An interpreter listener recording every `func.call` as a `KernelCall`."""

    callees: Collection[str] | None = None  # None: every kernel
    first_only: bool = True  # only the first call of each kernel
    calls: list[KernelCall] = field(default_factory=list)
    pending: list[tuple[func.CallOp, PythonValues, tuple[np.ndarray, ...]] | None] = field(
        default_factory=list)

    def wanted(self, callee: str) -> bool:
        if self.callees is not None and callee not in self.callees:
            return False
        return not (self.first_only and any(c.callee == callee for c in self.calls))

    def will_interpret_op(self, op: Operation, args: PythonValues) -> None:
        if not isinstance(op, func.CallOp):
            return
        wanted = self.wanted(op.callee.string_value())
        self.pending.append((op, args, _copies(op, args)) if wanted else None)

    def did_interpret_op(self, op: Operation, results: PythonValues) -> None:
        if not isinstance(op, func.CallOp):
            return
        pending = self.pending.pop()
        if pending is not None:
            call, args, before = pending
            self.calls.append(KernelCall(call.callee.string_value(), before,
                                         _copies(call, args)))


def _copies(op: func.CallOp, args: PythonValues) -> tuple[np.ndarray, ...]:
    return tuple(np.array(a).reshape(shape_of(v.type)) for v, a in zip(op.operands, args))


def record_calls(module: ModuleOp, inputs: Mapping[str, np.ndarray],
                 weights: Mapping[str, np.ndarray] | None = None,
                 callees: Collection[str] | None = None, first_only: bool = True,
                 **options: Any) -> tuple[dict[str, np.ndarray], list[KernelCall]]:
    """Interpret the graph of `module` (kernels or schedule stage): its outputs, and the
    calls of `callees` (default: every kernel; `first_only`: one call each) in order."""
    recorder = CallRecorder(callees, first_only)
    outputs = interpret(module, inputs, weights, listeners=[recorder], **options)
    return outputs, recorder.calls


def kernel_module(module: ModuleOp, callee: str, lower: bool = False) -> ModuleOp:
    """A module holding a copy of kernel function @callee (lowered to loops if `lower`)."""
    from tcompiler.context import make_context
    from tcompiler.passes.lower_kernels_to_loops import LowerKernelsToLoopsPass

    found = [op for op in module.body.block.ops
             if isinstance(op, func.FuncOp) and op.sym_name.data == callee]
    if not found:
        raise InterpretError(f"no kernel function @{callee}")
    single = ModuleOp([found[0].clone()])
    if lower:
        LowerKernelsToLoopsPass().apply(make_context(), single)
    return single


def replay(kernel: ModuleOp, call: KernelCall, **options: Any) -> float:
    """Run the lone function of `kernel` on `call.before`; the largest difference from
    `call.after` over all arguments, relative to the largest magnitude there (NaN and inf
    must match exactly)."""
    outputs = interpret(kernel, {f"arg{i}": a for i, a in enumerate(call.before)}, **options)
    worst = 0.0
    for i, expected in enumerate(call.after):
        worst = max(worst, relative_error(outputs[f"arg{i}"], expected))
    return worst


def relative_error(actual: np.ndarray, expected: np.ndarray) -> float:
    """max |actual - expected| / max |expected| (inf if NaN/inf placement or shapes differ)."""
    if actual.shape != expected.shape:
        return float("inf")
    a, e = actual.astype(np.float64), expected.astype(np.float64)
    finite = np.isfinite(e)
    if not np.array_equal(finite, np.isfinite(a)) or not np.array_equal(a[~finite], e[~finite],
                                                                         equal_nan=True):
        return float("inf")
    if not finite.any():
        return 0.0
    scale = max(float(np.abs(e[finite]).max()), np.finfo(np.float32).tiny)
    return float(np.abs(a[finite] - e[finite]).max()) / float(scale)
