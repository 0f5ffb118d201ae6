"""Loops for the index kernels (`dialects/kernel_index.py`): arg_reduce, scan, topk,
scatter_elements, scatter_nd.

- arg_reduce, scan and topk run one row along `axis` per index of the other dims; those rows
  are independent, so they are the parallel units (`parallel_nest`). arg_reduce threads
  (best value, its index) through the row; a later element wins only when strictly better
  (or better or equal with `select_last`). scan threads the running value, storing before
  (exclusive) or after adding each element.
- topk keeps the k best of a row as a binary heap of indices in Y's row, the worst at the
  root ("better": a better value, or an equal one at a lower index). The first k elements
  are pushed (sifted up); each later one is compared with the root and, only when better,
  replaces it and sinks: O(n + m log k) compares for m replacements (m is small on most
  data). Then the heap is sorted in place (the root moved to the end, k - 1 times): best
  first, ties by the lower index. Sifts are loops of log2(k) + 1 steps carrying (position,
  still moving) with the moves under `scf.if`.
- scatter_*: Y = X (a copy, row-major), then the updates in row-major order of I, one at a
  time (sequential: indices may repeat, and the reductions combine them in that order).
"""

from __future__ import annotations

from collections.abc import Callable

from xdsl.dialects import arith, scf
from xdsl.dialects.builtin import Float32Type, IndexType, IntegerAttr, i1, i64
from xdsl.ir import Block, SSAValue

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
    if k == 0:
        return
    parallel_nest(b, [*_off_axis(x, axis), 1],
                  lambda b, ivs: _Heap(op, ivs[:-1], k).select(b, n))


class _Heap:
    """The k best of one row of X as a binary heap of indices kept in Y's row, the worst at
    its root (module doc): `select` fills it in index order, then sorts it in place."""

    def __init__(self, op: TopKOp, ivs: list[Idx], k: int):
        self.op, self.ivs, self.k = op, ivs, k
        self.axis = op.axis.value.data
        self.better = "gt" if op.largest.value.data else "lt"
        self.depth = k.bit_length()  # levels a sift may move through

    def select(self, b: LoopBuilder, n: int) -> None:
        self.fill(b)
        b.loop(self.k, n, lambda b, j: self.offer(b, b.insert(arith.IndexCastOp(
            b.index(j), i64)).results[0]))
        b.loop(0, self.k - 1, lambda b, i: self.pop(b, b.sub(self.k, i)))

    def slot(self, b: LoopBuilder, at: Idx) -> SSAValue:
        return b.load(self.op.Y, _at(self.ivs, self.axis, at))

    def put(self, b: LoopBuilder, entry: SSAValue, at: Idx) -> None:
        b.store(entry, self.op.Y, _at(self.ivs, self.axis, at))

    def worse(self, b: LoopBuilder, a: SSAValue, c: SSAValue) -> SSAValue:
        """Whether entry (an i64 index into the row) `a` ranks after `c`: a worse value, or
        an equal one at a higher index."""
        va, vc = (b.load(self.op.X, _at(self.ivs, self.axis, b.insert(
            arith.IndexCastOp(e, IndexType())).results[0])) for e in (a, c))
        tie = _and(b, _compare(b, va, vc, "eq"), _cmpi(b, a, c, "sgt"))
        return _or(b, _compare(b, vc, va, self.better), tie)

    def fill(self, b: LoopBuilder) -> None:
        """Entry 0 at the root, then entries 1..k-1 pushed one by one, each sifted up from the
        end (every slot a sift reads is written: Y's old contents are no index)."""
        def push(b: LoopBuilder, j: Idx) -> None:
            entry = b.insert(arith.IndexCastOp(b.index(j), i64)).results[0]

            def up(b: LoopBuilder, _: list[Idx], state: list[SSAValue]) -> list[SSAValue]:
                pos, active = state
                parent = b.floordiv(b.sub(b.max(pos, 1), 1), 2)
                above = self.slot(b, parent)
                move = _and(b, _and(b, active, _cmpi(b, pos, b.index(0), "sgt")),
                            self.worse(b, entry, above))
                _when(b, move, lambda b: self.put(b, above, pos))
                return [_select(b, move, parent, pos), move]

            pos, _ = b.reduce_many([(0, self.depth)], [b.index(j), _true(b)], up)
            self.put(b, entry, pos)

        self.put(b, b.insert(arith.ConstantOp(IntegerAttr(0, i64))).results[0], 0)
        b.loop(1, self.k, push)

    def offer(self, b: LoopBuilder, entry: SSAValue) -> None:
        """`entry` replaces the root when it ranks before it, then sinks into place."""
        root = self.slot(b, 0)
        _when(b, self.worse(b, root, entry), lambda b: self.sink(b, entry, self.k))

    def pop(self, b: LoopBuilder, size: Idx) -> None:
        """The root (the worst of heap[0:size]) moves to `size` - 1; the heap shrinks."""
        last = self.slot(b, b.sub(size, 1))
        self.put(b, self.slot(b, 0), b.sub(size, 1))
        self.sink(b, last, b.sub(size, 1))

    def sink(self, b: LoopBuilder, entry: SSAValue, size: Idx) -> None:
        """Put `entry` at the root of heap[0:size] and move it down to its place."""
        last = b.sub(size, 1)

        def down(b: LoopBuilder, _: list[Idx], state: list[SSAValue]) -> list[SSAValue]:
            pos, active = state
            left = b.add(b.mul(pos, 2), 1)
            right = b.add(left, 1)
            l_entry = self.slot(b, b.min(left, last))
            r_entry = self.slot(b, b.min(right, last))
            use_right = _and(b, _cmpi(b, right, b.index(size), "slt"),
                             self.worse(b, r_entry, l_entry))
            child = _select(b, use_right, right, left)
            c_entry = _select(b, use_right, r_entry, l_entry)
            move = _and(b, _and(b, active, _cmpi(b, left, b.index(size), "slt")),
                        self.worse(b, c_entry, entry))
            _when(b, move, lambda b: self.put(b, c_entry, pos))
            return [_select(b, move, child, pos), move]

        pos, _ = b.reduce_many([(0, self.depth)], [b.index(0), _true(b)], down)
        self.put(b, entry, pos)


def _cmpi(b: LoopBuilder, a: Idx, c: Idx, predicate: str) -> SSAValue:
    return b.insert(arith.CmpiOp(b.index(a), b.index(c), predicate)).results[0]


def _and(b: LoopBuilder, a: SSAValue, c: SSAValue) -> SSAValue:
    return b.insert(arith.AndIOp(a, c)).results[0]


def _or(b: LoopBuilder, a: SSAValue, c: SSAValue) -> SSAValue:
    return b.insert(arith.OrIOp(a, c)).results[0]


def _select(b: LoopBuilder, cond: SSAValue, a: Idx, c: Idx) -> SSAValue:
    return b.insert(arith.SelectOp(cond, b.index(a), b.index(c))).results[0]


def _true(b: LoopBuilder) -> SSAValue:
    return b.insert(arith.ConstantOp(IntegerAttr(1, i1))).results[0]


def _when(b: LoopBuilder, cond: SSAValue, then: Callable[[LoopBuilder], None]) -> None:
    """`then(builder)` if the i1 `cond` holds (an scf.if without else)."""
    block = Block()
    then(LoopBuilder(block, None, b.constants))
    block.add_op(scf.YieldOp())
    b.insert(scf.IfOp(cond, [], [block]))


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
