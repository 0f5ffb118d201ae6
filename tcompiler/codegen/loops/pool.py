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

By rows (max/sum/avg whose last window dim has at most ROW_TAPS taps and more than one output):
the taps of the last dim have static output ranges, so each tap is one loop along the output
row, `Y[.., ow] = max/add(Y[.., ow], X[.., ow*stride + k*dilation - pad])`, which LLVM
vectorizes (strided loads for stride 2 are interleaved loads); the taps of the other dims are
loops around them, as above; taps are taken in row-major order, as onnxruntime sums them.
That is for rows of fewer than 4 interior outputs (`emit_pool_rows`). The outputs whose
last-dim taps all read inside X (the interior of the row) run on vectors of `lanes` outputs
when there are at least `lanes` of them (16, else 8, else 4): the accumulator stays in a
register through every tap (same order) and is stored once, each tap one (stride 1) or
`stride` loads combined by shuffles (`strided_load`), the last vector shifted left to end at
the interior's end (recomputing a few outputs gives the same values); the row's other
outputs take the window loop above. The per-tap loops re-read and re-wrote Y once per tap
and left each tap's remainder scalar: SqueezeNet's first MaxPool (3x3, stride 2, 64 x 111 x
111) took 296-317 us that way, 142-149 on vectors (Xeon, 1 thread, per-step minima).

argmax (MaxPool's Indices; Y is i64): the same windows, threading (value, index) through the
taps with `x > value` (the first maximum wins); the index is the flat one into X,
(n * C + c) * prod(spatial) + the position row-major (storage_order 0) or column-major (1).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from xdsl.dialects import arith, scf, vector
from xdsl.dialects.builtin import IndexType, VectorType, f32, i64
from xdsl.ir import Block, SSAValue

from tcompiler.codegen.loops.builder import Idx, LoopBuilder, parallel_nest
from tcompiler.codegen.loops.microkernel import shuffle, splat, vload, vstore
from tcompiler.costmodel.schedules import LoopSchedule
from tcompiler.dialects.kernel import PoolOp, int_values, shape

LOWEST_F32 = -3.4028234663852886e38
ROW_TAPS = 16
"""Pools by rows when the last window dim has at most this many taps (each is a loop)."""


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
        ranges = [taps_inside(b, starts[d], x[2 + d], kernel[d], dilations[d])
                  for d in range(spatial)]

        def tap(b: LoopBuilder, ks: list[Idx], acc: SSAValue) -> SSAValue:
            pos = [b.add(starts[d], b.mul(ks[d], dilations[d])) for d in range(spatial)]
            value = b.load(op.X, [n, c, *pos])
            return b.fop(arith.MaxnumfOp if is_max else arith.AddfOp, acc, value)

        if is_argmax:
            b.store(argmax(b, n, c, starts, ranges), op.Y, ivs)
            return
        acc = b.reduce_nest(ranges, b.f32(LOWEST_F32 if is_max else 0.0), tap)
        if op.kind.data == "avg":
            acc = b.fop(arith.DivfOp, acc, b.to_f32(window_count(
                b, x, kernel, dilations, pads, include_pad, starts, ranges)))
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

    if is_argmax or y[-1] <= 1 or kernel[-1] > ROW_TAPS:
        parallel_nest(b, y, window, unroll=sched.unroll)
        return
    first, end = interior(x[-1], y[-1], kernel[-1], strides[-1], dilations[-1], pads[spatial - 1])
    lanes = next((v for v in VECTOR_LANES if end - first >= v), 0)
    if not lanes:
        emit_pool_rows(b, op)
        return

    def row(b: LoopBuilder, ivs: list[Idx]) -> None:
        n, c, o = ivs[0], ivs[1], ivs[2:]
        b.loop(0, first, lambda b, ow: window(b, [n, c, *o, ow]))
        starts = [b.sub(b.mul(o[d], strides[d]), pads[d]) for d in range(spatial - 1)]
        ranges = [taps_inside(b, starts[d], x[2 + d], kernel[d], dilations[d])
                  for d in range(spatial - 1)]
        count = None
        if op.kind.data == "avg":  # an interior window has every tap of the last dim
            count = window_count(b, x, kernel, dilations, pads, include_pad, [*starts, 0],
                                 [*ranges, (0, kernel[-1])])

        def chunk(b: LoopBuilder, ow: Idx) -> None:
            def tap(b: LoopBuilder, ks: list[Idx], acc: SSAValue) -> SSAValue:
                pos = [b.add(starts[d], b.mul(ks[d], dilations[d])) for d in range(spatial - 1)]
                for k in range(kernel[-1]):
                    at = b.add(b.mul(ow, strides[-1]), k * dilations[-1] - pads[spatial - 1])
                    value = strided_load(b, op.X, [n, c, *pos, at], strides[-1], lanes)
                    acc = combine(b, is_max, acc, value)
                return acc

            acc = b.reduce_nest(ranges, splat(b, LOWEST_F32 if is_max else 0.0, lanes), tap)
            if count is not None:
                divisor = vector.BroadcastOp(b.to_f32(count), VectorType(f32, [lanes]))
                acc = b.fop(arith.DivfOp, acc, b.insert(divisor).results[0])
            vstore(b, acc, (op.Y, [n, c, *o, ow]))

        b.loop(first, end - lanes, chunk, step=lanes)
        chunk(b, end - lanes)
        b.loop(end, y[-1], lambda b, ow: window(b, [n, c, *o, ow]))

    parallel_nest(b, [*y[:-1], 1], lambda b, ivs: row(b, ivs[:-1]))


VECTOR_LANES = (16, 8, 4)
"""Vector widths for a row's interior outputs, widest first (module doc)."""


def interior(width: int, outputs: int, taps: int, stride: int, dilation: int, pad: int
             ) -> tuple[int, int]:
    """The outputs [first, end) of a row whose taps all read inside [0, width) (first ==
    end: none do)."""
    first = min(-(-pad // stride), outputs)
    end = min((width - 1 + pad - (taps - 1) * dilation) // stride + 1, outputs)
    return first, max(end, first)


def combine(b: LoopBuilder, is_max: bool, acc: SSAValue, value: SSAValue) -> SSAValue:
    """max (maxnumf: NaN inputs never taken, the accumulator starting finite) or sum. Not
    `select(value > acc)`: the llvm dialect's fcmp takes no vectors (the IR would not verify,
    though LLVM would take it; `tcc fuzz` found it)."""
    return b.fop(arith.MaxnumfOp if is_max else arith.AddfOp, acc, value)


def strided_load(b: LoopBuilder, ref: SSAValue, at: list[Idx], stride: int, lanes: int
                 ) -> SSAValue:
    """vector<lanes> of ref[..., at[-1] + stride * i]: the contiguous vectors that hold those
    elements (at most `stride`, the last shifted left to end at the last element used: nothing
    past it is read), whose lanes are picked by shuffles, one vector at a time."""
    if stride == 1:
        return vload(b, (ref, at), lanes)
    last = stride * (lanes - 1)
    offsets = sorted({min(stride * i // lanes * lanes, last + 1 - lanes) for i in range(lanes)})
    source = [next(j for j, o in enumerate(offsets) if o <= stride * i < o + lanes)
              for i in range(lanes)]
    vectors = [vload(b, (ref, [*at[:-1], b.add(at[-1], o)]), lanes) for o in offsets]
    result, picked = vectors[0], [stride * i if source[i] == 0 else 0 for i in range(lanes)]
    for j in range(1, len(offsets)):  # lanes from vector j; the others as `result` has them
        mask = [lanes + stride * i - offsets[j] if source[i] == j else picked[i]
                for i in range(lanes)]
        result, picked = shuffle(b, result, vectors[j], mask), list(range(lanes))
    return result


def emit_pool_rows(b: LoopBuilder, op: PoolOp) -> None:
    """Max/sum/avg by output rows, a loop per tap (module doc): for rows of fewer than 4
    interior outputs."""
    x, y = shape(op.X), shape(op.Y)
    kernel, strides = int_values(op.kernel_shape), int_values(op.strides)
    dilations, pads = int_values(op.dilations), int_values(op.pads)
    spatial, kind = len(x) - 2, op.kind.data
    include_pad = op.count_include_pad.value.data != 0
    last, width = spatial - 1, x[-1]
    stride, dilation, pad = strides[last], dilations[last], pads[last]

    def tap_range(k: int) -> tuple[int, int]:
        """The outputs ow whose tap k reads inside X: 0 <= ow*stride + k*dilation - pad < width."""
        first = -((k * dilation - pad) // stride)  # ceil((pad - k*dilation) / stride)
        end = (width - 1 + pad - k * dilation) // stride + 1
        return max(first, 0), min(end, y[-1])

    def row(b: LoopBuilder, ivs: list[Idx]) -> None:
        n, c, o = ivs[0], ivs[1], ivs[2:2 + last]
        starts = [b.sub(b.mul(o[d], strides[d]), pads[d]) for d in range(last)]
        ranges = [taps_inside(b, starts[d], x[2 + d], kernel[d], dilations[d])
                  for d in range(last)]
        init = b.f32(LOWEST_F32 if kind == "max" else 0.0)
        b.loop(0, y[-1], lambda b, ow: b.store(init, op.Y, [n, c, *o, ow]))

        def taps(b: LoopBuilder, ks: list[Idx]) -> None:
            pos = [b.add(starts[d], b.mul(ks[d], dilations[d])) for d in range(last)]
            for k in range(kernel[last]):
                def update(b: LoopBuilder, ow: Idx, k: int = k) -> None:
                    at = b.add(b.mul(ow, stride), k * dilation - pad)
                    old, value = b.load(op.Y, [n, c, *o, ow]), b.load(op.X, [n, c, *pos, at])
                    if kind == "max":  # `value > old`: one vmaxps (maxnumf needs a NaN blend)
                        better = b.insert(arith.CmpfOp(value, old, "ogt")).results[0]
                        combined = b.insert(arith.SelectOp(better, value, old)).results[0]
                    else:
                        combined = b.fop(arith.AddfOp, old, value)
                    b.store(combined, op.Y, [n, c, *o, ow])

                b.loop(*tap_range(k), update)

        b.nest(ranges, taps)
        if kind != "avg":
            return

        def average(b: LoopBuilder, ow: Idx) -> None:
            start = b.sub(b.mul(ow, stride), pad)
            total = window_count(b, x, kernel, dilations, pads, include_pad, [*starts, start],
                                 [*ranges, taps_inside(b, start, width, kernel[last], dilation)])
            at = [n, c, *o, ow]
            b.store(b.fop(arith.DivfOp, b.load(op.Y, at), b.to_f32(total)), op.Y, at)

        b.loop(0, y[-1], average)

    parallel_nest(b, [*y[:-1], 1], row)


def taps_inside(b: LoopBuilder, start: Idx, extent: int, taps: int, dilation: int
                ) -> tuple[Idx, Idx]:
    """The taps [lo, hi) of a window from `start` whose positions lie in [0, extent)."""
    lo = b.max(b.ceildiv(b.sub(0, start), dilation), 0)
    last = b.floordiv(b.sub(extent - 1, start), dilation)
    return lo, b.min(b.add(last, 1), taps)


def window_count(b: LoopBuilder, x: Sequence[int], kernel: Sequence[int], dilations: Sequence[int],
                 pads: Sequence[int], include_pad: bool, starts: list[Idx],
                 ranges: list[tuple[Idx, Idx]]) -> Idx:
    """The divisor of an average window (module doc)."""
    spatial = len(starts)
    total: Idx = 1
    for d in range(spatial):
        if include_pad:
            end = x[2 + d] + pads[spatial + d] - 1
            extent = b.min(b.add(b.floordiv(b.sub(end, starts[d]), dilations[d]), 1), kernel[d])
        else:
            extent = b.sub(ranges[d][1], ranges[d][0])
        total = b.mul(total, extent)
    return total
