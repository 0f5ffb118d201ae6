"""Loops for `kernel.remap` (Slice, Split, Pad, Tile, Expand, Resize; see dialects/kernel.py).

One loop per output dim, outermost first; each dim's tap indices (and weights) are loaded
from the tables as soon as its loop index is known, so an outer dim's entries are read once
per outer iteration. A dim of `fill_dims` tests its tap 0 for -1 and reads X at index 0
instead (a select then picks `fill`). With weights, the taps' products are summed in f32.
An empty X (a zero-size dim, so every output element is padding) is never read: Y is filled.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from xdsl.dialects import arith
from xdsl.dialects.builtin import IndexType
from xdsl.ir import SSAValue

from tcompiler.codegen.loops.builder import Idx, LoopBuilder
from tcompiler.costmodel.schedules import LoopSchedule
from tcompiler.dialects.kernel import RemapOp, int_values, shape
from tcompiler.kernels.element_types import stored_constant


@dataclass
class _Dim:
    indices: list[Idx]  # one X index per tap
    weights: list[SSAValue]  # one f32 weight per tap (empty without W)
    outside: SSAValue | None  # i1: tap 0 is -1 (fill)


def emit_remap(b: LoopBuilder, op: RemapOp, sched: LoopSchedule) -> None:
    y, taps = shape(op.Y), int_values(op.taps)
    if 0 in shape(op.X):
        _emit_fill(b, op, y)
        return
    fill_dims = set(int_values(op.fill_dims))
    offsets = [sum(n * t for n, t in zip(y[:d], taps[:d])) for d in range(len(y))]

    def dim(b: LoopBuilder, d: int, i: Idx) -> _Dim:
        indices: list[Idx] = []
        weights: list[SSAValue] = []
        outside = None
        for t in range(taps[d]):
            at = b.add(b.mul(i, taps[d]), offsets[d] + t)
            raw = b.load(op.T, [at])
            index = b.insert(arith.IndexCastOp(raw, IndexType())).results[0]
            if t == 0 and d in fill_dims:
                minus_one = b.index(-1)
                outside = b.insert(arith.CmpiOp(index, minus_one, "eq")).results[0]
                index = b.max(index, 0)
            indices.append(index)
            if op.W is not None:
                weights.append(b.load(op.W, [at]))
        return _Dim(indices, weights, outside)

    def element(b: LoopBuilder, dims: list[_Dim], ivs: list[Idx]) -> None:
        value = _value(b, op, dims)
        flags = [d.outside for d in dims if d.outside is not None]
        if flags:
            assert op.fill is not None
            for fill_op in stored_constant(op.fill):  # type: ignore[arg-type]
                fill = b.insert(fill_op).results[0]
            outside = flags[0]
            for flag in flags[1:]:
                outside = b.insert(arith.OrIOp(outside, flag)).results[0]
            value = b.insert(arith.SelectOp(outside, fill, value)).results[0]
        b.store(value, op.Y, ivs)

    def level(b: LoopBuilder, d: int, dims: list[_Dim], ivs: list[Idx]) -> None:
        if d == len(y):
            element(b, dims, ivs)
            return
        b.loop(0, y[d], lambda b2, i: level(b2, d + 1, [*dims, dim(b2, d, i)], [*ivs, i]))

    level(b, 0, [], [])


def _emit_fill(b: LoopBuilder, op: RemapOp, y: tuple[int, ...]) -> None:
    """Y = fill everywhere (X is empty; the verifier asks for a fill unless Y is empty)."""
    if 0 in y:
        return
    assert op.fill is not None

    def level(b: LoopBuilder, d: int, ivs: list[Idx]) -> None:
        if d == len(y):
            for fill_op in stored_constant(op.fill):  # type: ignore[arg-type]
                fill = b.insert(fill_op).results[0]
            b.store(fill, op.Y, ivs)
            return
        b.loop(0, y[d], lambda b2, i: level(b2, d + 1, [*ivs, i]))

    level(b, 0, [])


def _value(b: LoopBuilder, op: RemapOp, dims: list[_Dim]) -> SSAValue:
    if op.W is None:
        return b.load(op.X, [d.indices[0] for d in dims])
    total: SSAValue | None = None
    for choice in itertools.product(*(range(len(d.indices)) for d in dims)):
        weight: SSAValue | None = None
        for d, t in zip(dims, choice):
            if len(d.indices) == 1:
                continue  # a single tap: weight 1 (identity or nearest dim)
            weight = d.weights[t] if weight is None else b.fmul(weight, d.weights[t])
        term = b.load(op.X, [d.indices[t] for d, t in zip(dims, choice)])
        term = term if weight is None else b.fmul(weight, term)
        total = term if total is None else b.fadd(total, term)
    assert total is not None
    return total


__all__ = ["emit_remap"]
