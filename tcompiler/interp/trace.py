"""Per-kernel oracles: record what every kernel call of a graph reads and writes, then replay
one kernel (e.g. lowered to loops with another schedule) on the same arguments.

    calls = record_calls(module, {"x": x}, weights)          # kernels or schedule stage
    for call in first_calls(calls):
        lowered = kernel_module(module, call.callee, lower=True)
        worst = replay(lowered, call)                         # max |difference| / scale

Arguments are copied before and after each `func.call` of the graph function, in their IR
shapes, so a replay sees exactly the inputs the graph gave the kernel and is compared with
exactly what the kernel wrote.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
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
class _Recorder(Interpreter.Listener):
    calls: list[KernelCall] = field(default_factory=list)
    pending: list[tuple[func.CallOp, PythonValues, tuple[np.ndarray, ...]]] = field(
        default_factory=list)

    def will_interpret_op(self, op: Operation, args: PythonValues) -> None:
        if isinstance(op, func.CallOp):
            self.pending.append((op, args, _copies(op, args)))

    def did_interpret_op(self, op: Operation, results: PythonValues) -> None:
        if not isinstance(op, func.CallOp):
            return
        call, args, before = self.pending.pop()
        self.calls.append(KernelCall(call.callee.string_value(), before, _copies(call, args)))


def _copies(op: func.CallOp, args: PythonValues) -> tuple[np.ndarray, ...]:
    return tuple(np.array(a).reshape(shape_of(v.type)) for v, a in zip(op.operands, args))


def record_calls(module: ModuleOp, inputs: Mapping[str, np.ndarray],
                 weights: Mapping[str, np.ndarray] | None = None, **options: Any
                 ) -> list[KernelCall]:
    """Interpret the graph of `module` (kernels or schedule stage); its calls in order."""
    recorder = _Recorder()
    interpret(module, inputs, weights, listeners=[recorder], **options)
    return recorder.calls


def first_calls(calls: Iterable[KernelCall]) -> list[KernelCall]:
    """The first call of each distinct kernel function."""
    seen: dict[str, KernelCall] = {}
    for call in calls:
        seen.setdefault(call.callee, call)
    return list(seen.values())


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
    return float(np.abs(a[finite] - e[finite]).max()) / scale
