"""Loops for the data-movement and elementwise kernels: map, copy, transpose, concat.

Every nest walks the output in row-major order, so the innermost loop stores contiguously.
- map: Y[i] = body(X0[bcast(i)], ...); broadcast dims (size 1 or missing) index 0; the body's
  ops are cloned into the innermost loop with the loaded scalars for its block arguments.
- copy: flat copy. Both shapes are split into groups of dims whose element counts agree
  (`[2,3,4] -> [6,4]` has groups 6 and 4); one loop per group, and an index inside a group
  is delinearized with floordiv/rem only for the side that has several dims there.
- transpose: Y[i] = X[j] with j[perm[d]] = i[d].
- concat: the units are Y's indices up to `axis`; a unit finds its input by binary search
  over the inputs' start offsets and copies the contiguous rest.
Each innermost loop is unrolled `LoopSchedule.unroll` times.
"""

from __future__ import annotations

import math

from xdsl.ir import SSAValue

from tcompiler.codegen.loops.builder import Idx, LoopBuilder, broadcast_indices, parallel_nest
from tcompiler.costmodel.schedules import LoopSchedule
from tcompiler.dialects.kernel import (
    ConcatOp,
    CopyOp,
    MapOp,
    TransposeOp,
    YieldOp,
    int_values,
    shape,
)


def emit_map(b: LoopBuilder, op: MapOp, sched: LoopSchedule) -> None:
    block = op.body.block

    def body(b: LoopBuilder, ivs: list[Idx]) -> None:
        mapping: dict[SSAValue, SSAValue] = {}
        for arg, value in zip(block.args, op.inputs, strict=True):
            mapping[arg] = b.load(value, broadcast_indices(ivs, shape(value)))
        for inner in block.ops:
            if isinstance(inner, YieldOp):
                b.store(mapping.get(inner.value, inner.value), op.Y, ivs)
                return
            b.insert(inner.clone(value_mapper=mapping))

    parallel_nest(b, shape(op.Y), body, unroll=sched.unroll)


def emit_transpose(b: LoopBuilder, op: TransposeOp, sched: LoopSchedule) -> None:
    perm = int_values(op.perm)

    def body(b: LoopBuilder, ivs: list[Idx]) -> None:
        x_ivs: list[Idx] = [0] * len(perm)
        for d, p in enumerate(perm):
            x_ivs[p] = ivs[d]
        b.store(b.load(op.X, x_ivs), op.Y, ivs)

    parallel_nest(b, shape(op.Y), body, unroll=sched.unroll)


def emit_concat(b: LoopBuilder, op: ConcatOp, sched: LoopSchedule) -> None:
    axis, y = op.axis.value.data, shape(op.Y)
    inputs = [v for v in op.inputs if shape(v)[axis]]
    starts = [0]
    for value in inputs:
        starts.append(starts[-1] + shape(value)[axis])

    def unit(b: LoopBuilder, u: Idx) -> None:
        *lead, c = b.delinearize(u, y[:axis + 1])

        def copy(b: LoopBuilder, k: int) -> None:
            local = b.sub(c, starts[k])
            b.nest(y[axis + 1:], lambda b, ivs: b.store(
                b.load(inputs[k], [*lead, local, *ivs]), op.Y, [*lead, c, *ivs]),
                unroll=sched.unroll)

        def pick(b: LoopBuilder, lo: int, hi: int) -> None:  # the input holding index c
            if hi - lo == 1:
                copy(b, lo)
                return
            mid = (lo + hi) // 2
            b.when_less(c, starts[mid], lambda b: pick(b, lo, mid), lambda b: pick(b, mid, hi))

        if inputs:
            pick(b, 0, len(inputs))

    b.parallel(math.prod(y[:axis + 1]), unit)


def _prefixes(dims: tuple[int, ...]) -> list[int]:
    return [math.prod(dims[:k]) for k in range(len(dims) + 1)]


def _group_indices(b: LoopBuilder, dims: tuple[int, ...], bounds: list[int],
                   ivs: list[Idx]) -> list[Idx]:
    """Indices into `dims` for group loop indices `ivs` (groups split at `bounds`)."""
    prefix = _prefixes(dims)
    out: list[Idx] = []
    for k, extent in enumerate(dims):
        if extent == 1:
            out.append(0)
            continue
        g = max(i for i, bound in enumerate(bounds[:-1]) if bound <= prefix[k])
        inner = bounds[g + 1] // prefix[k + 1]  # extent of this group's later dims
        index = b.floordiv(ivs[g], inner)
        first = prefix[k] == bounds[g]
        out.append(index if first else b.rem(index, extent))
    return out


def emit_copy(b: LoopBuilder, op: CopyOp, sched: LoopSchedule) -> None:
    x, y = shape(op.X), shape(op.Y)
    if math.prod(x) == 0:
        return
    bounds = sorted(set(_prefixes(x)) & set(_prefixes(y)))
    extents = [hi // lo for lo, hi in zip(bounds, bounds[1:])]

    def body(b: LoopBuilder, ivs: list[Idx]) -> None:
        value = b.load(op.X, _group_indices(b, x, bounds, ivs))
        b.store(value, op.Y, _group_indices(b, y, bounds, ivs))

    parallel_nest(b, extents, body, unroll=sched.unroll)
