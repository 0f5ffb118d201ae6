"""Loops for kernel.pool (max / avg / sum), N-d, strided, dilated, padded; Y's shape is given.

    for n, c, o_0 .. o_{s-1}:                 (output row-major)
      per dim d: start = o_d*stride - pad_begin; window taps k in [lo_d, hi_d), the taps whose
                 input position start + k*dilation lies inside X (ceildivsi/floordivsi)
      acc = reduce over the taps (scf.for iter_args): maxnumf, or addf
      max: Y = acc (initial value: the lowest finite f32, as onnxruntime); sum: Y = acc
      avg: Y = acc / count, count = prod_d (hi_d - lo_d) (count_include_pad = 0), or with
           count_include_pad = 1 the taps inside the padded extent [-pad_begin, in + pad_end):
           prod_d min(K_d, floordiv(in + pad_end - 1 - start, dilation) + 1). Taps that ceil_mode
           pushes beyond the end padding are not counted (onnxruntime does the same).

Padding is never read. Max ignores NaN inputs like onnxruntime's `x > acc` update (maxnumf).

argmax (MaxPool's Indices; Y is i64): the same windows, threading (value, index) through the
taps with `x > value` (the first maximum wins); the index is the flat one into X,
(n * C + c) * prod(spatial) + the position row-major (storage_order 0) or column-major (1).
"""

from __future__ import annotations

import math

from xdsl.dialects import arith, scf
from xdsl.dialects.builtin import IndexType, i64
from xdsl.ir import Block, SSAValue

from tcompiler.codegen.loops.builder import Idx, LoopBuilder, parallel_nest
from tcompiler.costmodel.schedules import LoopSchedule
from tcompiler.dialects.kernel import PoolOp, int_values, shape

LOWEST_F32 = -3.4028234663852886e38


def emit_pool(b: LoopBuilder, op: PoolOp, sched: LoopSchedule) -> None:
    x, y = shape(op.X), shape(op.Y)
    kernel, strides = int_values(op.kernel_shape), int_values(op.strides)
    dilations, pads = int_values(op.dilations), int_values(op.pads)
    spatial, is_max = len(x) - 2, op.kind.data == "max"
    is_argmax = op.kind.data == "argmax"
    column_major = op.storage_order is not None and op.storage_order.value.data == 1
    include_pad = op.count_include_pad.value.data != 0

    def window(b: LoopBuilder, ivs: list[Idx]) -> None:
        n, c, o = ivs[0], ivs[1], ivs[2:]
        starts = [b.sub(b.mul(o[d], strides[d]), pads[d]) for d in range(spatial)]
        ranges: list[tuple[Idx, Idx]] = []
        for d in range(spatial):
            lo = b.max(b.ceildiv(b.sub(0, starts[d]), dilations[d]), 0)
            last = b.floordiv(b.sub(x[2 + d] - 1, starts[d]), dilations[d])
            hi = b.min(b.add(last, 1), kernel[d])
            ranges.append((lo, hi))

        def tap(b: LoopBuilder, ks: list[Idx], acc: SSAValue) -> SSAValue:
            pos = [b.add(starts[d], b.mul(ks[d], dilations[d])) for d in range(spatial)]
            value = b.load(op.X, [n, c, *pos])
            return b.fop(arith.MaxnumfOp if is_max else arith.AddfOp, acc, value)

        if is_argmax:
            b.store(argmax(b, n, c, starts, ranges), op.Y, ivs)
            return
        acc = b.reduce_nest(ranges, b.f32(LOWEST_F32 if is_max else 0.0), tap)
        if op.kind.data == "avg":
            acc = b.fop(arith.DivfOp, acc, b.to_f32(count(b, starts, ranges)))
        b.store(acc, op.Y, ivs)

    def flat(b: LoopBuilder, n: Idx, c: Idx, pos: list[Idx]) -> Idx:
        dims = x[2:]
        strides_flat = [math.prod(dims[:d]) if column_major else math.prod(dims[d + 1:])
                        for d in range(spatial)]
        total = b.mul(b.add(b.mul(n, x[1]), c), math.prod(dims))
        for d in range(spatial):
            total = b.add(total, b.mul(pos[d], strides_flat[d]))
        return total

    def argmax(b: LoopBuilder, n: Idx, c: Idx, starts: list[Idx],
               ranges: list[tuple[Idx, Idx]]) -> SSAValue:
        def level(b: LoopBuilder, depth: int, ks: list[Idx], value: SSAValue,
                  index: SSAValue) -> tuple[SSAValue, SSAValue]:
            if depth == spatial:
                pos = [b.add(starts[d], b.mul(ks[d], dilations[d])) for d in range(spatial)]
                v = b.load(op.X, [n, c, *pos])
                better = b.insert(arith.CmpfOp(v, value, "ogt")).results[0]
                new_index = b.index(flat(b, n, c, pos))
                return (b.insert(arith.SelectOp(better, v, value)).results[0],
                        b.insert(arith.SelectOp(better, new_index, index)).results[0])
            block = Block(arg_types=[IndexType(), value.type, index.type])
            inner = LoopBuilder(block, None, b.constants)
            results = level(inner, depth + 1, [*ks, block.args[0]], block.args[1], block.args[2])
            block.add_op(scf.YieldOp(*results))
            lo, hi = ranges[depth]
            loop = b.insert(scf.ForOp(b.index(lo), b.index(hi), b.index(1), [value, index], block))
            return loop.results[0], loop.results[1]

        first = b.index(flat(b, n, c, [b.max(starts[d], 0) for d in range(spatial)]))
        _, index = level(b, 0, [], b.f32(-math.inf), first)
        return b.insert(arith.IndexCastOp(index, i64)).results[0]

    def count(b: LoopBuilder, starts: list[Idx], ranges: list[tuple[Idx, Idx]]) -> Idx:
        total: Idx = 1
        for d in range(spatial):
            if include_pad:
                end = x[2 + d] + pads[spatial + d] - 1
                extent = b.min(b.add(b.floordiv(b.sub(end, starts[d]), dilations[d]), 1), kernel[d])
            else:
                extent = b.sub(ranges[d][1], ranges[d][0])
            total = b.mul(total, extent)
        return total

    parallel_nest(b, y, window, unroll=sched.unroll)
