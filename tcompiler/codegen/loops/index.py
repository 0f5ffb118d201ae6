"""Loops for the index kernels (`dialects/kernel_index.py`): arg_reduce, scan, topk,
scatter_elements, scatter_nd.

- arg_reduce, scan and topk run one row along `axis` per index of the other dims; those rows
  are independent, so they are the parallel units (`parallel_nest`). arg_reduce threads
  (best value, its index) through the row; a later element wins only when strictly better
  (or better or equal with `select_last`). scan threads the running value, storing before
  (exclusive) or after adding each element.
- topk gives each element its rank, the count of elements better than it or equal to it at a
  lower index (O(n^2) compares per row, no data-dependent control flow but one `scf.if`),
  and stores its index at Y[rank] when rank < k: sorted, ties by the lower index.
- scatter_*: Y = X (a copy, row-major), then the updates in row-major order of I, one at a
  time (sequential: indices may repeat, and the reductions combine them in that order).
"""

from __future__ import annotations

from xdsl.dialects import arith
from xdsl.dialects.builtin import Float32Type, IntegerAttr, i64
from xdsl.ir import SSAValue

from tcompiler.codegen.loops.builder import Idx, LoopBuilder, parallel_nest
from tcompiler.codegen.loops.gather import _index
from tcompiler.codegen.loops.reduce import combiner, identity
from tcompiler.costmodel.schedules import LoopSchedule
from tcompiler.dialects.kernel import shape
from tcompiler.dialects.kernel_index import (
    ArgReduceOp,
    ScanOp,
    ScatterElementsOp,
    ScatterNDOp,
    TopKOp,
)

SCATTER_KINDS = {"add": "sum", "mul": "prod", "max": "max", "min": "min"}
"""A scatter `reduction` -> the `kernel.reduce` kind that combines the same way."""


def _compare(b: LoopBuilder, a: SSAValue, c: SSAValue, predicate: str) -> SSAValue:
    """a <predicate> c for predicate gt, ge, lt, eq (ordered on floats: NaN compares false)."""
    if isinstance(a.type, Float32Type):
        return b.insert(arith.CmpfOp(a, c, "o" + predicate)).results[0]
    signed = predicate if predicate == "eq" else "s" + predicate
    return b.insert(arith.CmpiOp(a, c, signed)).results[0]


def _at(ivs: list[Idx], axis: int, position: Idx) -> list[Idx]:
    """The indices `ivs` (all dims but `axis`) with `position` put back at `axis`."""
    return [*ivs[:axis], position, *ivs[axis:]]


def _off_axis(dims: tuple[int, ...], axis: int) -> list[int]:
    return [e for d, e in enumerate(dims) if d != axis]


def emit_arg_reduce(b: LoopBuilder, op: ArgReduceOp, sched: LoopSchedule) -> None:
    x, axis = shape(op.X), op.axis.value.data
    keep = len(shape(op.Y)) == len(x)
    ty = op.X.type.element_type  # type: ignore[attr-defined]
    predicate = ("g" if op.kind.data == "max" else "l") + ("e" if op.select_last.value.data
                                                           else "t")

    def row(b: LoopBuilder, ivs: list[Idx]) -> None:
        def step(b: LoopBuilder, at: list[Idx], accs: list[SSAValue]) -> list[SSAValue]:
            value = b.load(op.X, _at(ivs, axis, at[0]))
            wins = _compare(b, value, accs[0], predicate)
            position = b.insert(arith.IndexCastOp(b.index(at[0]), i64)).results[0]
            return [b.insert(arith.SelectOp(wins, value, accs[0])).results[0],
                    b.insert(arith.SelectOp(wins, position, accs[1])).results[0]]

        start = identity(b, op.kind.data, ty)
        zero = b.insert(arith.ConstantOp(IntegerAttr(0, i64))).results[0]
        best = b.reduce_many([(0, x[axis])], [start, zero], step)
        b.store(best[1], op.Y, _at(ivs, axis, 0) if keep else ivs)

    parallel_nest(b, [*_off_axis(x, axis), 1], lambda b, ivs: row(b, ivs[:-1]))


def emit_scan(b: LoopBuilder, op: ScanOp, sched: LoopSchedule) -> None:
    x, axis, kind = shape(op.X), op.axis.value.data, op.kind.data
    ty = op.X.type.element_type  # type: ignore[attr-defined]
    combine = combiner(kind, ty)
    exclusive, reverse = op.exclusive.value.data, op.reverse.value.data
    if not x:  # a scalar: its own running value
        b.store(identity(b, kind, ty) if exclusive else b.load(op.X, []), op.Y, [])
        return

    def row(b: LoopBuilder, ivs: list[Idx]) -> None:
        def step(b: LoopBuilder, j: Idx, acc: SSAValue) -> SSAValue:
            at = _at(ivs, axis, b.sub(x[axis] - 1, j) if reverse else j)
            total = b.fop(combine, acc, b.load(op.X, at))
            b.store(acc if exclusive else total, op.Y, at)
            return total

        b.reduce(0, x[axis], identity(b, kind, ty), step)

    parallel_nest(b, [*_off_axis(x, axis), 1], lambda b, ivs: row(b, ivs[:-1]))


def emit_topk(b: LoopBuilder, op: TopKOp, sched: LoopSchedule) -> None:
    x, axis = shape(op.X), op.axis.value.data
    n, k = x[axis], shape(op.Y)[axis]
    better = "gt" if op.largest.value.data else "lt"

    def element(b: LoopBuilder, ivs: list[Idx], j: Idx) -> None:
        value = b.load(op.X, _at(ivs, axis, j))

        def count(b: LoopBuilder, i: Idx, rank: SSAValue) -> SSAValue:
            other = b.load(op.X, _at(ivs, axis, i))
            before = b.insert(arith.CmpiOp(b.index(i), b.index(j), "slt")).results[0]
            tie = b.insert(arith.AndIOp(_compare(b, other, value, "eq"), before)).results[0]
            ahead = b.insert(arith.OrIOp(_compare(b, other, value, better), tie)).results[0]
            step = b.insert(arith.SelectOp(ahead, b.index(1), b.index(0))).results[0]
            return b.insert(arith.AddiOp(rank, step)).results[0]

        rank = b.reduce(0, n, b.index(0), count)
        position = b.insert(arith.IndexCastOp(b.index(j), i64)).results[0]
        b.when_less(rank, k, lambda b: b.store(position, op.Y, _at(ivs, axis, rank)),
                    lambda b: None)

    parallel_nest(b, [*_off_axis(x, axis), n], lambda b, ivs: element(b, ivs[:-1], ivs[-1]))


def _copy(b: LoopBuilder, x: SSAValue, y: SSAValue) -> None:
    b.nest(shape(y), lambda b, ivs: b.store(b.load(x, ivs), y, ivs))


def _update(b: LoopBuilder, op: ScatterElementsOp | ScatterNDOp, value: SSAValue,
            at: list[Idx]) -> None:
    reduction = op.reduction.data
    if reduction != "none":
        kind = SCATTER_KINDS[reduction]
        combine = combiner(kind, op.Y.type.element_type)  # type: ignore[attr-defined]
        value = b.fop(combine, b.load(op.Y, at), value)
    b.store(value, op.Y, at)


def emit_scatter_elements(b: LoopBuilder, op: ScatterElementsOp, sched: LoopSchedule) -> None:
    axis, x = op.axis.value.data, shape(op.X)
    _copy(b, op.X, op.Y)

    def body(b: LoopBuilder, ivs: list[Idx]) -> None:
        at = list(ivs)
        at[axis] = _index(b, op.I, ivs, x[axis])
        _update(b, op, b.load(op.U, ivs), at)

    b.nest(shape(op.I), body)


def emit_scatter_nd(b: LoopBuilder, op: ScatterNDOp, sched: LoopSchedule) -> None:
    x, i = shape(op.X), shape(op.I)
    depth, outer = i[-1], len(i) - 1
    _copy(b, op.X, op.Y)

    def body(b: LoopBuilder, ivs: list[Idx]) -> None:
        q, rest = ivs[:outer], ivs[outer:]
        picked = [_index(b, op.I, [*q, d], x[d]) for d in range(depth)]
        _update(b, op, b.load(op.U, ivs), [*picked, *rest])

    b.nest(shape(op.U), body)


INDEX_EMITTERS = {
    ArgReduceOp: emit_arg_reduce,
    ScanOp: emit_scan,
    TopKOp: emit_topk,
    ScatterElementsOp: emit_scatter_elements,
    ScatterNDOp: emit_scatter_nd,
}
