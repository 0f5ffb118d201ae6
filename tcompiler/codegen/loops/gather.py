"""Loops for `kernel.gather`, `kernel.gather_elements` and `kernel.gather_nd`.

Each walks Y in row-major order; an index is loaded from I (i64, or i32 sign-extended),
cast to `index`, and a negative one has the gathered dim's extent added (a select).
"""

from __future__ import annotations

from xdsl.dialects import arith
from xdsl.dialects.builtin import IndexType, IntegerType, i64
from xdsl.ir import SSAValue

from tcompiler.codegen.loops.builder import Idx, LoopBuilder, parallel_nest
from tcompiler.costmodel.schedules import LoopSchedule
from tcompiler.dialects.kernel import GatherElementsOp, GatherNDOp, GatherOp, shape


def _index(b: LoopBuilder, indices: SSAValue, at: list[Idx], extent: int) -> Idx:
    raw = b.load(indices, at)
    if isinstance(raw.type, IntegerType) and raw.type.width.data != 64:
        raw = b.insert(arith.ExtSIOp(raw, i64)).results[0]
    index = b.insert(arith.IndexCastOp(raw, IndexType())).results[0]
    negative = b.insert(arith.CmpiOp(index, b.index(0), "slt")).results[0]
    wrapped = b.add(index, extent)
    assert isinstance(wrapped, SSAValue)
    return b.insert(arith.SelectOp(negative, wrapped, index)).results[0]


def emit_gather(b: LoopBuilder, op: GatherOp, sched: LoopSchedule) -> None:
    axis, rank_i, x = op.axis.value.data, len(shape(op.I)), shape(op.X)

    def body(b: LoopBuilder, ivs: list[Idx]) -> None:
        index = _index(b, op.I, ivs[axis:axis + rank_i], x[axis])
        x_ivs = [*ivs[:axis], index, *ivs[axis + rank_i:]]
        b.store(b.load(op.X, x_ivs), op.Y, ivs)

    parallel_nest(b, shape(op.Y), body, unroll=sched.unroll)


def emit_gather_elements(b: LoopBuilder, op: GatherElementsOp, sched: LoopSchedule) -> None:
    axis, x = op.axis.value.data, shape(op.X)

    def body(b: LoopBuilder, ivs: list[Idx]) -> None:
        x_ivs = list(ivs)
        x_ivs[axis] = _index(b, op.I, ivs, x[axis])
        b.store(b.load(op.X, x_ivs), op.Y, ivs)

    parallel_nest(b, shape(op.Y), body, unroll=sched.unroll)


def emit_gather_nd(b: LoopBuilder, op: GatherNDOp, sched: LoopSchedule) -> None:
    batch, x, i = op.batch_dims.value.data, shape(op.X), shape(op.I)
    depth, outer = i[-1], len(i) - 1

    def body(b: LoopBuilder, ivs: list[Idx]) -> None:
        prefix = ivs[:outer]
        picked = [_index(b, op.I, [*prefix, j], x[batch + j]) for j in range(depth)]
        x_ivs = [*prefix[:batch], *picked, *ivs[outer:]]
        b.store(b.load(op.X, x_ivs), op.Y, ivs)

    parallel_nest(b, shape(op.Y), body, unroll=sched.unroll)
