"""Loops for kernel.softmax along one (normalized) axis: shape = outer x A x inner.

inner == 1 (the last axis), per outer index, all contiguous:
    max = reduce_a maximumf(acc, X[a])          (init -inf; NaN propagates)
    sum = reduce_a (Y[a] = exp(X[a] - max); acc + Y[a])
    for a: Y[a] = Y[a] / sum

inner > 1, per outer index, the inner dims innermost where the data allows; Y is the only
scratch space (no allocation), Y[:, 0, :] holds the running max first:
    Y[0, i] = X[0, i];  for a >= 1, i: Y[0, i] = maximumf(Y[0, i], X[a, i])
    for a >= 1, i: Y[a, i] = exp(X[a, i] - Y[0, i]);  then for i: Y[0, i] = exp(X[0, i] - Y[0, i])
    for i: sum = reduce_a Y[a, i];  for a: Y[a, i] = Y[a, i] / sum    (strided over a)

The outer indices are the kernel's parallel units (each owns its slice of Y).

log-softmax (`log`): Y = X - (max + log(sum_a exp(X - max))); last axis as above without
storing the exponentials; other axes per inner index i (strided over a, no scratch):
    max = reduce_a X[a, i]; sum = reduce_a exp(X[a, i] - max); for a: Y[a, i] = X[a, i] - shift
"""

from __future__ import annotations

import math as pymath

from xdsl.dialects import arith, math
from xdsl.ir import SSAValue

from tcompiler.codegen.loops.builder import Idx, LoopBuilder, parallel_nest
from tcompiler.costmodel.schedules import LoopSchedule
from tcompiler.dialects.kernel import SoftmaxOp, shape


def emit_softmax(b: LoopBuilder, op: SoftmaxOp, sched: LoopSchedule) -> None:
    dims, axis = shape(op.X), op.axis.value.data
    extent, inner = dims[axis], dims[axis + 1:]
    outer = [*dims[:axis], 1]  # every index of the outer dims is a parallel unit
    if op.log is not None:
        parallel_nest(b, outer, lambda b, o: b.nest(
            inner, lambda b, i: _log_softmax(b, op, [*o[:-1], None, *i], axis, extent)))
        return
    if pymath.prod(inner) == 1:
        parallel_nest(b, outer, lambda b, o: _last_axis(b, op, o[:-1], extent, len(inner)))
    else:
        parallel_nest(b, outer, lambda b, o: _middle_axis(b, op, o[:-1], extent, inner))


def _last_axis(b: LoopBuilder, op: SoftmaxOp, outer: list[Idx], extent: int, ones: int) -> None:
    def at(a: Idx) -> list[Idx]:
        return [*outer, a, *([0] * ones)]

    def maximum(b: LoopBuilder, a: Idx, acc: SSAValue) -> SSAValue:
        return b.fop(arith.MaximumfOp, acc, b.load(op.X, at(a)))

    peak = b.reduce(0, extent, b.f32(-pymath.inf), maximum)

    def exp_sum(b: LoopBuilder, a: Idx, acc: SSAValue) -> SSAValue:
        e = b.unary(math.ExpOp, b.fop(arith.SubfOp, b.load(op.X, at(a)), peak))
        b.store(e, op.Y, at(a))
        return b.fadd(acc, e)

    total = b.reduce(0, extent, b.f32(0.0), exp_sum)
    b.loop(0, extent, lambda b, a: b.store(
        b.fop(arith.DivfOp, b.load(op.Y, at(a)), total), op.Y, at(a)))


def _middle_axis(b: LoopBuilder, op: SoftmaxOp, outer: list[Idx], extent: int,
                 inner: tuple[int, ...]) -> None:
    def at(a: Idx, i: list[Idx]) -> list[Idx]:
        return [*outer, a, *i]

    def exp_of(b: LoopBuilder, a: Idx, i: list[Idx]) -> None:
        shifted = b.fop(arith.SubfOp, b.load(op.X, at(a, i)), b.load(op.Y, at(0, i)))
        b.store(b.unary(math.ExpOp, shifted), op.Y, at(a, i))

    def running_max(b: LoopBuilder, a: Idx, i: list[Idx]) -> None:
        peak = b.fop(arith.MaximumfOp, b.load(op.Y, at(0, i)), b.load(op.X, at(a, i)))
        b.store(peak, op.Y, at(0, i))

    def normalize(b: LoopBuilder, i: list[Idx]) -> None:
        def add(b: LoopBuilder, a: Idx, acc: SSAValue) -> SSAValue:
            return b.fadd(acc, b.load(op.Y, at(a, i)))

        total = b.reduce(0, extent, b.f32(0.0), add)
        b.loop(0, extent, lambda b, a: b.store(
            b.fop(arith.DivfOp, b.load(op.Y, at(a, i)), total), op.Y, at(a, i)))

    b.nest(inner, lambda b, i: b.store(b.load(op.X, at(0, i)), op.Y, at(0, i)))
    b.loop(1, extent, lambda b, a: b.nest(inner, lambda b, i: running_max(b, a, i)))
    b.loop(1, extent, lambda b, a: b.nest(inner, lambda b, i: exp_of(b, a, i)))
    b.nest(inner, lambda b, i: exp_of(b, 0, i))
    b.nest(inner, normalize)


def _log_softmax(b: LoopBuilder, op: SoftmaxOp, index: list[Idx | None], axis: int,
                 extent: int) -> None:
    """Y[index with a at `axis`] = X - max - log(sum exp(X - max)), for every a."""

    def at(a: Idx) -> list[Idx]:
        return [a if d == axis else i for d, i in enumerate(index)]  # type: ignore[misc]

    peak = b.reduce(0, extent, b.f32(-pymath.inf), lambda b, a, acc: b.fop(
        arith.MaximumfOp, acc, b.load(op.X, at(a))))
    total = b.reduce(0, extent, b.f32(0.0), lambda b, a, acc: b.fadd(acc, b.unary(
        math.ExpOp, b.fop(arith.SubfOp, b.load(op.X, at(a)), peak))))
    shift = b.fadd(peak, b.unary(math.LogOp, total))
    b.loop(0, extent, lambda b, a: b.store(
        b.fop(arith.SubfOp, b.load(op.X, at(a)), shift), op.Y, at(a)))
