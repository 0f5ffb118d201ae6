"""Loops for kernel.normalize: statistics of X over `axes`, then one `part` into Y.

Per index of the kept dims (row-major), two passes over the reduced dims, each an `scf.for`
iter_args accumulator (contiguous when the axes are trailing: LayerNorm, InstanceNorm):

    mean = sum(X) / count;  var = sum((X - mean)^2) / count     (two-pass, population)
    normalize:    Y = (X - mean) * (1 / sqrt(var + eps)) * Scale[bcast] + Bias[bcast]
    rms:          the same with mean = 0, one pass (RMSNormalization)
    mean / var:   Y[proj] = mean / var
    inv_std_dev:  Y[proj] = 1 / sqrt(var + eps)

The kept indices are the kernel's parallel units. Y is written only after X is read for the
same index, but X must not overlap Y (Y is not scratch, yet the mean is read from X twice).
"""

from __future__ import annotations

import math as pymath

from xdsl.dialects import arith, math
from xdsl.ir import SSAValue

from tcompiler.codegen.loops.builder import Idx, LoopBuilder, broadcast_indices, parallel_nest
from tcompiler.codegen.loops.reduce import reduced_index
from tcompiler.costmodel.schedules import LoopSchedule
from tcompiler.dialects.kernel import NormalizeOp, int_values, shape


def emit_normalize(b: LoopBuilder, op: NormalizeOp, sched: LoopSchedule) -> None:
    x, y, axes, part = shape(op.X), shape(op.Y), int_values(op.axes), op.part.data
    kept = [d for d in range(len(x)) if d not in axes]
    count = float(pymath.prod(x[a] for a in axes))
    eps = op.epsilon.value.data
    ranges = [(0, x[a]) for a in axes]

    def per_row(b: LoopBuilder, outer: list[Idx]) -> None:
        def full(inner: list[Idx]) -> list[Idx]:
            ivs: list[Idx] = [0] * len(x)
            for d, i in zip(kept, outer):
                ivs[d] = i
            for d, i in zip(axes, inner):
                ivs[d] = i
            return ivs

        if part == "rms":
            mean = b.f32(0.0)
        else:
            total = b.reduce_nest(ranges, b.f32(0.0), lambda b, inner, acc: b.fadd(
                acc, b.load(op.X, full(inner))))
            mean = b.fop(arith.DivfOp, total, b.f32(count))

        def square(b: LoopBuilder, inner: list[Idx], acc: SSAValue) -> SSAValue:
            diff = b.fop(arith.SubfOp, b.load(op.X, full(inner)), mean)
            return b.fadd(acc, b.fmul(diff, diff))

        var = b.fop(arith.DivfOp, b.reduce_nest(ranges, b.f32(0.0), square), b.f32(count))
        if part in ("mean", "var"):
            b.store(mean if part == "mean" else var, op.Y,
                    reduced_index(full([0] * len(axes)), axes, len(y) == len(x)))
            return
        inv = b.fop(arith.DivfOp, b.f32(1.0), b.unary(math.SqrtOp, b.fadd(var, b.f32(eps))))
        if part == "inv_std_dev":
            b.store(inv, op.Y, reduced_index(full([0] * len(axes)), axes, len(y) == len(x)))
            return

        def write(b: LoopBuilder, inner: list[Idx]) -> None:
            at = full(inner)
            value = b.fmul(b.fop(arith.SubfOp, b.load(op.X, at), mean), inv)
            if op.Scale is not None:
                value = b.fmul(value, b.load(op.Scale, broadcast_indices(at, shape(op.Scale))))
            if op.Bias is not None:
                value = b.fadd(value, b.load(op.Bias, broadcast_indices(at, shape(op.Bias))))
            b.store(value, op.Y, at)

        b.nest(ranges, write)

    parallel_nest(b, [*(x[d] for d in kept), 1], lambda b, ivs: per_row(b, ivs[:-1]))
