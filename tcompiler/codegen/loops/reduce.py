"""Loops for kernel.reduce: sum / mean / max / min / prod of X over `axes`, f32, f64 or
i64/i32/i1.

X's dims split into `outer` (all but the trailing run of reduced dims) and that trailing run
`inner`. The innermost work is always contiguous:
- all reduced axes trailing (e.g. a LayerNorm-style last-axis sum): per outer index, one
  `scf.for` iter_args accumulator over the inner dims, stored once (mean: divided first);
- otherwise Y starts at the identity, and for every outer index (row-major over X)
  acc = Y[proj] combined with the inner accumulation is stored back, so the innermost loop
  runs over the last, kept dim of X and Y together (vectorizable); mean divides at the end.
Identities: 0 (sum, mean: an empty mean is 0, as onnxruntime gives), 1 (prod), -inf / +inf (max /
min; integers: the type's min / max; i1: false / true, max is `or` and min is `and`).
f32 max/min propagate NaN (maximumf/minimumf) as numpy.
"""

from __future__ import annotations

import math

from xdsl.dialects import arith
from xdsl.dialects.builtin import Float32Type, Float64Type, IntegerAttr, IntegerType
from xdsl.ir import Attribute, SSAValue

from tcompiler.codegen.loops.builder import Idx, LoopBuilder
from tcompiler.costmodel.schedules import LoopSchedule
from tcompiler.dialects.kernel import ReduceOp, int_values, shape

_FLOAT_COMBINE = {"sum": arith.AddfOp, "mean": arith.AddfOp, "max": arith.MaximumfOp,
                  "min": arith.MinimumfOp, "prod": arith.MulfOp}
_INT_COMBINE = {"sum": arith.AddiOp, "max": arith.MaxSIOp, "min": arith.MinSIOp,
                "prod": arith.MuliOp}
_BOOL_COMBINE = {"sum": arith.XOrIOp, "max": arith.OrIOp, "min": arith.AndIOp,
                 "prod": arith.AndIOp}


def identity(b: LoopBuilder, kind: str, ty: Attribute) -> SSAValue:
    """The neutral value of `kind` in element type `ty`."""
    if isinstance(ty, Float32Type | Float64Type):
        return b.constants.get({"max": -math.inf, "min": math.inf, "prod": 1.0}.get(kind, 0.0), ty)
    assert isinstance(ty, IntegerType)
    bits = ty.width.data
    if bits == 1:
        value = 1 if kind in ("min", "prod") else 0
    else:
        value = {"max": -(1 << (bits - 1)), "min": (1 << (bits - 1)) - 1, "prod": 1}.get(kind, 0)
    return b.insert(arith.ConstantOp(IntegerAttr(value, ty))).results[0]


def combiner(kind: str, ty: Attribute) -> type:
    if isinstance(ty, Float32Type | Float64Type):
        return _FLOAT_COMBINE[kind]
    assert isinstance(ty, IntegerType)
    return (_BOOL_COMBINE if ty.width.data == 1 else _INT_COMBINE)[kind]


def reduced_index(ivs: list[Idx], axes: list[int], keepdims: bool) -> list[Idx]:
    """Y's index for X's index `ivs`: reduced axes 0 (keepdims) or dropped."""
    if keepdims:
        return [0 if d in axes else i for d, i in enumerate(ivs)]
    return [i for d, i in enumerate(ivs) if d not in axes]


def emit_reduce(b: LoopBuilder, op: ReduceOp, sched: LoopSchedule) -> None:
    x, y, axes, kind = shape(op.X), shape(op.Y), int_values(op.axes), op.kind.data
    ty = op.X.type.element_type  # type: ignore[attr-defined]
    keep = len(y) == len(x)
    combine = combiner(kind, ty)
    trailing = 0
    while trailing < len(x) and len(x) - 1 - trailing in axes:
        trailing += 1
    outer = len(x) - trailing
    split = any(a < outer for a in axes)  # some reduced axis is outside the trailing run
    init = identity(b, kind, ty)
    count = math.prod(x[a] for a in axes)

    def finish(b: LoopBuilder, value: SSAValue) -> SSAValue:
        if kind != "mean" or count == 0:  # the mean of nothing is 0, as in onnxruntime
            return value
        return b.fop(arith.DivfOp, value, b.constants.get(float(count), value.type))

    def row(b: LoopBuilder, ivs: list[Idx]) -> None:
        at = reduced_index([*ivs, *([0] * trailing)], axes, keep)
        start = b.load(op.Y, at) if split else init
        acc = b.reduce_nest([(0, e) for e in x[outer:]], start, lambda b, inner, acc: b.fop(
            combine, acc, b.load(op.X, [*ivs, *inner])))
        b.store(acc if split else finish(b, acc), op.Y, at)

    if split:
        b.nest(y, lambda b, iv: b.store(init, op.Y, iv))
    b.nest(x[:outer], row)
    if split and kind == "mean":
        b.nest(y, lambda b, iv: b.store(finish(b, b.load(op.Y, iv)), op.Y, iv))
