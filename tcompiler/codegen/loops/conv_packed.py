"""Loops for 2-d convolutions over a packed filter (algorithm `packed`): vectors along the
output channels.

`conv-to-packed` lays the filter out at compile time as Wp [ceil(C_out/B), C_in, KH, KW, B]
(B = `lanes` x `tile_vectors` output channels, zero past C_out), so the B output channels of
one tap are B contiguous floats. A tile holds P = `tile_channels` consecutive output pixels of
one row x B output channels in P x `tile_vectors` vector registers; each step of the reduction
loads the tap's weight vectors once and multiplies them by one broadcast input value per pixel
(the idea of onnxruntime's NCHWc kernels applied to the filter alone: X and Y stay NCHW):

    for n, ob, input-channel block, oh:   (parallel units: n x chunks of blocks ob x chunks
                                          of rows; `ic_block` 0: one block of all C_in)
      kh in [kh_lo, kh_hi): the kernel rows that fall inside X for this output row
      for each tile of P pixels starting at ow0 (the tiles whose taps all fall inside the row
      in one loop; the others unrolled, leaving out the taps that fall into padding):
        acc[p][v] = 0
        for ic of the block, kh, and every kw (unrolled):
          w[v] = Wp[ob, ic, kh, kw, v*VL : +VL]
          acc[p][v] += broadcast(X[n, ic, oh*sh - pt + kh*dh, (ow0+p)*sw - pl + kw*dw]) * w[v]
        Y[n, ob*B + j, oh, ow0 : +P] = act(acc[:][j / VL][j % VL] + B + R)   (j < C_out - ob*B;
            the bias and R with the first block, the activation with the last; a later block
            adds to the partial sums in Y, so a block's filter slice stays in cache for all
            the rows)

The units split rows first, then blocks of output channels; when the filter is larger than
the input (ResNet-50's 7x7 stage: 9.4 MB of 3x3 filter over 98 KB of input), blocks first,
so a unit streams its blocks' filter once for all its rows (a block's 590 KB slice stays in
L2 across the rows) and the threads stream disjoint halves: split by rows, every row
re-fetched its chunk's filter from L3, and ResNet-50's 3x3 7x7 convs took 2.9-3.1 ms a call
in the model against 2.0-2.1 split by blocks (Xeon, 1 thread, per-step minima; onnxruntime
2.0), the whole model 0.92x the time.

Rows narrower than a vector (the deep layers of a CNN: 14x14, 7x7) still fill whole vectors,
and the width stride only changes scalar input addresses. Y is NCHW: the epilogue gathers each
output channel's P pixels from the P accumulators with shuffles (`pixels_of`) and stores them as
one vector<P>. R may be Y (read before Y is written at the same index); Y must not overlap X
or W.
"""

from __future__ import annotations

from collections.abc import Callable
from math import prod

from xdsl.dialects import arith, vector
from xdsl.dialects.builtin import DenseIntOrFPElementsAttr, VectorType, f32
from xdsl.ir import SSAValue

from tcompiler.codegen.loops.builder import Idx, LoopBuilder
from tcompiler.codegen.loops.conv_tiled import Phase, ic_phases, row_range, split_units
from tcompiler.codegen.loops.epilogue import activate
from tcompiler.codegen.loops.microkernel import shuffle
from tcompiler.costmodel.schedules import ConvSchedule
from tcompiler.dialects.kernel import ConvOp, int_values, shape

Inside = Callable[[int, int], bool]
"""inside(p, kw): tap kw of the tile's pixel p falls inside X (not into padding)."""


def pixels_of(b: LoopBuilder, accs: list[SSAValue], lane: int, count: int) -> SSAValue:
    """vector<count> of lane `lane` of each of the `count` accumulators (one output channel
    along the tile's pixels), gathered by a tree of shuffles: pairs of 1-lane picks, then
    pairs of pairs; an odd one out is paired with itself (its copies land past `count`)."""
    level, width = accs, 0
    while len(level) > 1 or width == 0:
        pairs = [(level[i], level[min(i + 1, len(level) - 1)]) for i in range(0, len(level), 2)]
        if width == 0:
            first, second, width = [lane], [vector_lanes(accs[0]) + lane], 2
        else:
            first, second, width = list(range(width)), list(range(width, 2 * width)), 2 * width
        mask = first + second
        level = [shuffle(b, a, c, mask) for a, c in pairs]
    if width != count:
        level = [shuffle(b, level[0], level[0], list(range(count)))]
    return level[0]


def vector_lanes(value: SSAValue) -> int:
    assert isinstance(value.type, VectorType)
    return value.type.get_shape()[0]


def emit_packed_conv(b: LoopBuilder, op: ConvOp, sched: ConvSchedule) -> None:
    x, wp, y = shape(op.X), shape(op.W), shape(op.Y)
    stride_h, stride_w = int_values(op.strides)
    dil_h, dil_w = int_values(op.dilations)
    pad_t, pad_l = int_values(op.pads)[:2]
    batch, cin, width = x[0], x[1], x[3]
    kh_n, kw_n, block = wp[2], wp[3], wp[4]
    cout, out_h, out_w = y[1], y[2], y[3]
    lanes, vectors = sched.lanes, sched.tile_vectors
    pixels = min(sched.tile_channels, out_w)
    vtype = VectorType(f32, [lanes])
    zero_attr = DenseIntOrFPElementsAttr.from_list(vtype, [0.0] * lanes)

    def column(ow: int, kw: int) -> int:
        return ow * stride_w - pad_l + kw * dil_w

    def static_inside(start: int) -> Inside:
        return lambda p, kw: 0 <= column(start + p, kw) < width

    def all_inside(start: int, count: int) -> bool:
        inside = static_inside(start)
        return count == pixels and all(inside(p, kw) for p in range(count) for kw in range(kw_n))

    tiles = [(start, min(pixels, out_w - start)) for start in range(0, out_w, pixels)]
    middle = [i for i, (start, count) in enumerate(tiles) if all_inside(start, count)]
    assert middle == list(range(middle[0], middle[-1] + 1)) if middle else True

    def tile(b: LoopBuilder, n: Idx, ob: Idx, channels: int, oh: Idx, ih0: Idx,
             kh_range: tuple[Idx, Idx], ow0: Idx, count: int, inside: Inside,
             phase: Phase) -> None:
        ic_lo, ic_hi, first, last = phase
        zero = b.insert(arith.ConstantOp(zero_attr)).results[0]
        inits: list[SSAValue] = [zero] * (count * vectors)

        def step(b: LoopBuilder, ivs: list[Idx], accs: list[SSAValue]) -> list[SSAValue]:
            ic, kh = ivs
            ih = b.add(ih0, b.mul(kh, dil_h))
            accs = list(accs)
            for kw in range(kw_n):
                ws = [b.insert(vector.LoadOp(op.W, [b.index(i) for i in (ob, ic, kh, kw)]
                                             + [b.index(v * lanes)], vtype)).results[0]
                      for v in range(vectors)]
                for p in range(count):
                    if not inside(p, kw):
                        continue
                    col = b.add(b.mul(ow0, stride_w), p * stride_w - pad_l + kw * dil_w)
                    xv = b.insert(vector.BroadcastOp(b.load(op.X, [n, ic, ih, col]), vtype)
                                  ).results[0]
                    for v in range(vectors):
                        k = p * vectors + v
                        accs[k] = b.insert(vector.FMAOp(ws[v], xv, accs[k])).results[0]
            return accs

        results = b.reduce_many([(ic_lo, ic_hi), kh_range], inits, step)
        row = VectorType(f32, [count])
        splats: dict[float, SSAValue] = {}

        def splat(value: float) -> SSAValue:
            if value not in splats:
                splats[value] = b.insert(vector.BroadcastOp(b.f32(value), row)).results[0]
            return splats[value]

        for j in range(channels):
            oc = b.add(b.mul(ob, block), j)
            idx = [b.index(i) for i in (n, oc, oh, ow0)]
            value = pixels_of(b, [results[p * vectors + j // lanes] for p in range(count)],
                              j % lanes, count)
            if not first:  # the partial sums of the earlier input-channel blocks
                partial = b.insert(vector.LoadOp(op.Y, idx, row)).results[0]
                value = b.fop(arith.AddfOp, value, partial)
            if first and op.B is not None:
                bias = b.insert(vector.BroadcastOp(b.load(op.B, [oc]), row)).results[0]
                value = b.fop(arith.AddfOp, value, bias)
            if first and op.R is not None:
                res = b.insert(vector.LoadOp(op.R, idx, row)).results[0]
                value = b.fop(arith.AddfOp, value, res)
            value = activate(b, value, op, splat) if last else value
            b.insert(vector.StoreOp(value, op.Y, idx))

    def per_row(b: LoopBuilder, n: Idx, ob: Idx, channels: int, oh: Idx, phase: Phase
                ) -> None:
        ih0 = b.sub(b.mul(oh, stride_h), pad_t)
        if pad_t == 0 and (out_h - 1) * stride_h + (kh_n - 1) * dil_h < x[2]:
            kh_range: tuple[Idx, Idx] = (0, kh_n)  # every row's taps are inside X: static
        else:
            kh_range = row_range(b, oh, stride_h, pad_t, dil_h, x[2], kh_n)

        def run(b: LoopBuilder, ow0: Idx, count: int, inside: Inside) -> None:
            tile(b, n, ob, channels, oh, ih0, kh_range, ow0, count, inside, phase)

        for i, (start, count) in enumerate(tiles):
            if middle and i == middle[0]:
                b.loop(start, tiles[middle[-1]][0] + pixels,
                       lambda b, ow0: run(b, ow0, pixels, lambda p, kw: True), step=pixels)
            if middle and middle[0] <= i <= middle[-1]:
                continue
            run(b, start, count, static_inside(start))

    blocks_main, rest = divmod(cout, block)
    oc_chunks, blocks_per_chunk, row_chunks, rows_per_chunk = split_units(
        batch, blocks_main, out_h, channels_first=prod(wp) > prod(x[1:]))

    def unit(b: LoopBuilder, u: Idx) -> None:
        n, c, r = b.delinearize(u, [batch, oc_chunks, row_chunks])
        oh_lo = b.mul(r, rows_per_chunk)
        oh_hi = b.min(b.add(oh_lo, rows_per_chunk), out_h)

        def rows(b: LoopBuilder, ob: Idx, channels: int) -> None:
            for lo, hi, size, first, last in ic_phases(cin, sched.ic_block):
                def block_rows(b: LoopBuilder, ic0: Idx, size: int = size, first: bool = first,
                               last: bool = last) -> None:
                    phase = (ic0, b.add(ic0, size), first, last)
                    b.loop(oh_lo, oh_hi, lambda b, oh: per_row(b, n, ob, channels, oh, phase))

                b.loop(lo, hi, block_rows, step=size)

        first = b.mul(c, blocks_per_chunk)
        last = b.min(b.add(first, blocks_per_chunk), blocks_main)
        b.loop(first, last, lambda b, ob: rows(b, ob, block))
        if rest:
            b.when_equal(c, oc_chunks - 1, lambda b: rows(b, blocks_main, rest),
                         lambda b: None)

    b.parallel(batch * oc_chunks * row_chunks, unit)
