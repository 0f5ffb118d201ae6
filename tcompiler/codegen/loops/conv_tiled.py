"""Loops for 2-D KxK convolutions with width stride 1 or 2: register-tiled direct convolution.

The schedule (`ConvSchedule`, algorithm `tiled`) gives the tile: MR = `tile_channels` output
channels (of one group) x `tile_vectors` VL-wide column blocks (VL = `lanes`) of one output
row, held in vector registers while accumulating over (ic of the group, kh, kw) before a
single store; `loop_order` puts the output-channel tiles outside the rows (`channels_rows`)
or inside (`rows_channels`); `ic_block` > 0 splits the reduction over input channels into
blocks, each a pass over the whole output (the first initialises from B and R, the later ones
reload Y, only the last applies the activation; where the overlapping last column block
reloads lanes a neighbouring tile already finished in this pass, it keeps them):

    for n, g, oc0 (step MR within the group), oh:    (parallel units: n x g x chunks of the
                                                     oc0 tiles x chunks of rows, `split_units`)
      kh in [kh_lo, kh_hi): the kernel rows that fall inside X for this output row
      for each column block c (static; the last one shifted left to end at the row's end,
      overlapping its neighbour: tiles compute whole outputs, so a column written twice gets
      the same value twice):
        acc[r][c] = B[oc0+r] (+ R[n, oc0+r, oh, c : c+VL])
        for ic, kh, and every kw (unrolled):
          x = X[n, ic, ih, c+kw*d-pad : +VL]           (see below for the row's ends)
          acc[r][c] += W[oc0+r, ic, kh, kw] * x
        Y[n, oc0+r, oh, c : c+VL] = act(acc[r][c])

With width stride 2 a window is two contiguous loads deinterleaved by one `vector.shuffle`.
Near the row's ends a window reaches into padding: with stride 1 the load is moved inside the
row and a shuffle with zeros moves the lanes back; with stride 2 the valid lanes are loaded one
by one into a zero vector. Either way padding reads as zero and nothing outside X is read.
Needs output and input rows at least VL wide (`ConvSchedule.check`). Y must not overlap X or
W; R may be Y (read before Y is written).
"""

from __future__ import annotations

from collections.abc import Callable

from xdsl.dialects import arith, vector
from xdsl.dialects.builtin import DenseArrayBase, DenseIntOrFPElementsAttr, VectorType, f32, i64
from xdsl.ir import SSAValue

from tcompiler.codegen.loops.builder import PARALLEL_UNITS, Idx, LoopBuilder
from tcompiler.codegen.loops.epilogue import activate
from tcompiler.costmodel.schedules import ConvSchedule
from tcompiler.dialects.kernel import ConvOp, int_values, shape


def column_starts(width: int, lanes: int) -> list[int]:
    """Starts of VL-wide blocks covering [0, width); the last one overlaps to end at width."""
    starts = list(range(0, width - lanes + 1, lanes))
    if starts[-1] + lanes < width:
        starts.append(width - lanes)
    return starts


def row_range(b: LoopBuilder, oh: Idx, stride: int, pad: int, dil: int, height: int,
               kernel: int) -> tuple[Idx, Idx]:
    """Kernel rows kh in [lo, hi) with 0 <= oh*stride - pad + kh*dil < height."""
    base = b.sub(b.mul(oh, stride), pad)  # ih = base + kh*dil
    lo = b.max(b.ceildiv(b.sub(0, base), dil), 0)
    hi = b.min(b.add(b.floordiv(b.sub(height - 1, base), dil), 1), kernel)
    return lo, hi


def ic_phases(cin: int, block: int) -> list[tuple[int, int, int, bool, bool]]:
    """The input-channel blocks of the reduction as phases (lo, hi, size, first, last): block
    starts range(lo, hi, size), each `size` channels; a phase of several starts is a loop."""
    if block <= 0 or block >= cin:
        return [(0, cin, cin, True, True)]
    last = cin - block if cin % block == 0 else cin - cin % block
    phases = [(0, block, block, True, False)]
    if last > block:
        phases.append((block, last, block, False, False))
    return [*phases, (last, cin, cin - last, False, True)]


def emit_tiled_conv(b: LoopBuilder, op: ConvOp, sched: ConvSchedule) -> None:
    x, w, y = shape(op.X), shape(op.W), shape(op.Y)
    stride_h, stride_w = int_values(op.strides)
    dil_h, dil_w = int_values(op.dilations)
    pad_t, pad_l = int_values(op.pads)[:2]
    batch, cout, kh_n, kw_n, width = x[0], y[1], w[2], w[3], x[3]
    group, cin_g = op.group.value.data, w[1]
    cout_g = cout // group
    rows_per_tile = min(sched.tile_channels, cout_g)
    lanes = sched.lanes
    vtype = VectorType(f32, [lanes])
    starts = column_starts(y[3], lanes)
    per_tile = sched.tile_vectors
    blocks = [starts[i:i + per_tile] for i in range(0, len(starts), per_tile)]
    zero_attr = DenseIntOrFPElementsAttr.from_list(vtype, [0.0] * lanes)

    def vsplat(b: LoopBuilder, value: SSAValue) -> SSAValue:
        return b.insert(vector.BroadcastOp(value, vtype)).results[0]

    def load(b: LoopBuilder, n: Idx, ic: Idx, ih: Idx, col: int) -> SSAValue:
        return b.insert(vector.LoadOp(op.X, [b.index(i) for i in (n, ic, ih, col)],
                                      vtype)).results[0]

    def zeros(b: LoopBuilder) -> SSAValue:
        return b.insert(arith.ConstantOp(zero_attr)).results[0]

    def shuffle(b: LoopBuilder, first: SSAValue, second: SSAValue, mask: list[int]) -> SSAValue:
        op_ = vector.ShuffleOp(first, second, DenseArrayBase.from_list(i64, mask),
                               result_type=vtype)
        return b.insert(op_).results[0]

    def window(b: LoopBuilder, n: Idx, ic: Idx, ih: Idx, start: int) -> SSAValue:
        """Lane j = X[n, ic, ih, start + j*stride_w], or zero where that column is padding."""
        last = start + (lanes - 1) * stride_w
        if stride_w == 2 and start >= 0 and start + 2 * lanes <= width:
            low, high = load(b, n, ic, ih, start), load(b, n, ic, ih, start + lanes)
            return shuffle(b, low, high, [2 * j for j in range(lanes)])
        if stride_w == 1 and 0 <= start and last < width:
            return load(b, n, ic, ih, start)
        if stride_w == 1 and -lanes < start < width and width >= lanes:
            if start < 0:  # lanes j >= s hold X[j - s]
                shift = -start
                mask = [lanes + j - shift if j >= shift else j for j in range(lanes)]
                return shuffle(b, zeros(b), load(b, n, ic, ih, 0), mask)
            shift = start + lanes - width  # lanes j < VL - s hold X[width - VL + j + s]
            mask = [j + shift if j + shift < lanes else lanes for j in range(lanes)]
            return shuffle(b, load(b, n, ic, ih, width - lanes), zeros(b), mask)
        value = zeros(b)  # a strided window at the row's ends: lane by lane
        for j in range(lanes):
            column = start + j * stride_w
            if 0 <= column < width:
                scalar = b.load(op.X, [n, ic, ih, column])
                value = b.insert(vector.InsertOp(scalar, value, [j])).results[0]
        return value

    def initial(b: LoopBuilder, n: Idx, oc: Idx, oh: Idx, c: int, first: bool) -> SSAValue:
        if not first:  # a later input-channel block continues from the partial sums in Y
            return b.insert(vector.LoadOp(op.Y, [b.index(i) for i in (n, oc, oh, c)], vtype)
                            ).results[0]
        start = vsplat(b, b.load(op.B, [oc]) if op.B is not None else b.f32(0.0))
        if op.R is not None:
            res = b.insert(vector.LoadOp(op.R, [b.index(i) for i in (n, oc, oh, c)], vtype))
            start = b.fop(arith.AddfOp, start, res.results[0])
        return start

    def tile(b: LoopBuilder, n: Idx, g: Idx, oc0: Idx, rows: int, oh: Idx, ih0: Idx,
             kh_range: tuple[Idx, Idx], cols: list[int], phase: Phase) -> None:
        ic_lo, ic_hi, first, last = phase
        coords = [(r, c) for r in range(rows) for c in cols]
        inits = [initial(b, n, b.add(oc0, r), oh, c, first) for r, c in coords]

        def step(b: LoopBuilder, ivs: list[Idx], accs: list[SSAValue]) -> list[SSAValue]:
            icl, kh = ivs
            ic = b.add(b.mul(g, cin_g), icl)
            ih = b.add(ih0, b.mul(kh, dil_h))
            for kw in range(kw_n):
                xs = {c: window(b, n, ic, ih, c * stride_w + kw * dil_w - pad_l) for c in cols}
                out = []
                for r in range(rows):
                    weight = vsplat(b, b.load(op.W, [b.add(oc0, r), icl, kh, kw]))
                    for c in cols:
                        out.append(b.insert(vector.FMAOp(weight, xs[c], accs[len(out)])).results[0])
                accs = out
            return accs

        results = b.reduce_many([(ic_lo, ic_hi), kh_range], inits, step)
        splats: dict[float, SSAValue] = {}

        def splat(value: float) -> SSAValue:
            if value not in splats:
                splats[value] = vsplat(b, b.f32(value))
            return splats[value]

        keep = 0 if first else reloaded_overlap(cols)
        for (r, c), acc, init in zip(coords, results, inits):
            idx = [b.index(i) for i in (n, b.add(oc0, r), oh, c)]
            value = activate(b, acc, op, splat) if last else acc
            if keep and c == starts[-1]:  # lanes the neighbour tile already finished
                value = shuffle(b, init, value, [j if j < keep else lanes + j
                                                 for j in range(lanes)])
            b.insert(vector.StoreOp(value, op.Y, idx))

    def reloaded_overlap(cols: list[int]) -> int:
        """Lanes of the last column block that an earlier tile of this input-channel block
        already stored: its reload of Y holds them finished, so they are kept, not added to
        again. Zero when the last block does not overlap or its neighbour is in this tile."""
        if len(starts) < 2 or starts[-1] not in cols or starts[-2] in cols:
            return 0
        return max(starts[-2] + lanes - starts[-1], 0)

    def per_row(b: LoopBuilder, n: Idx, g: Idx, oc0: Idx, rows: int, oh: Idx,
                phase: Phase) -> None:
        ih0 = b.sub(b.mul(oh, stride_h), pad_t)
        if pad_t == 0 and (y[2] - 1) * stride_h + (kh_n - 1) * dil_h < x[2]:
            kh_range: tuple[Idx, Idx] = (0, kh_n)  # every row's taps are inside X: static
        else:
            kh_range = row_range(b, oh, stride_h, pad_t, dil_h, x[2], kh_n)
        for cols in blocks:
            tile(b, n, g, oc0, rows, oh, ih0, kh_range, cols, phase)

    tiles_main, tile_rest = divmod(cout_g, rows_per_tile)
    oc_chunks, tiles_per_chunk, row_chunks, rows_per_chunk = split_units(
        batch * group, tiles_main, y[2])

    def unit(b: LoopBuilder, u: Idx) -> None:
        n, g, c, r = b.delinearize(u, [batch, group, oc_chunks, row_chunks])
        oh_lo = b.mul(r, rows_per_chunk)
        oh_hi = b.min(b.add(oh_lo, rows_per_chunk), y[2])

        def channel_tiles(b: LoopBuilder, body: Callable[[LoopBuilder, Idx, int], None]
                          ) -> None:
            """body(b, oc0, rows) for each tile of output channels of this unit."""
            first = b.mul(c, tiles_per_chunk)
            last = b.min(b.add(first, tiles_per_chunk), tiles_main)
            b.loop(first, last, lambda b, t: body(
                b, b.add(b.mul(g, cout_g), b.mul(t, rows_per_tile)), rows_per_tile))
            if tile_rest:
                b.when_equal(c, oc_chunks - 1, lambda b: body(
                    b, b.add(b.mul(g, cout_g), tiles_main * rows_per_tile), tile_rest),
                    lambda b: None)

        def per_phase(b: LoopBuilder, phase: Phase) -> None:
            if sched.loop_order == "rows_channels":
                b.loop(oh_lo, oh_hi, lambda b, oh: channel_tiles(
                    b, lambda b, oc0, rows: per_row(b, n, g, oc0, rows, oh, phase)))
                return
            channel_tiles(b, lambda b, oc0, rows: b.loop(
                oh_lo, oh_hi, lambda b, oh: per_row(b, n, g, oc0, rows, oh, phase)))

        for lo, hi, size, first, last in ic_phases(cin_g, sched.ic_block):
            def blocks_from(b: LoopBuilder, ic0: Idx, size: int = size, first: bool = first,
                            last: bool = last) -> None:
                per_phase(b, (ic0, b.add(ic0, size), first, last))

            b.loop(lo, hi, blocks_from, step=size)

    b.parallel(batch * group * oc_chunks * row_chunks, unit)


def split_units(outer: int, tiles: int, rows: int, units: int = PARALLEL_UNITS,
                channels_first: bool = False) -> tuple[int, int, int, int]:
    """(channel chunks, tiles per chunk, row chunks, rows per chunk) cutting `outer` images x
    groups, `tiles` output-channel tiles and `rows` output rows into about `units` parallel
    units: rows first, then channel tiles; or (`channels_first`) channel tiles first, then
    rows. An empty batch or plane (outer or rows 0) still gets whole chunks: the caller's
    units then cover nothing."""
    outer, tiles, rows = max(outer, 1), max(tiles, 1), max(rows, 1)
    if channels_first:
        oc_chunks = min(tiles, max(1, -(-units // outer)))
        tiles_per_chunk = -(-tiles // oc_chunks)
        oc_chunks = -(-tiles // tiles_per_chunk)
        row_chunks = min(rows, max(1, -(-units // (outer * oc_chunks))))
        rows_per_chunk = -(-rows // row_chunks)
        return oc_chunks, tiles_per_chunk, -(-rows // rows_per_chunk), rows_per_chunk
    row_chunks = min(rows, max(1, -(-units // outer)))
    rows_per_chunk = -(-rows // row_chunks)
    row_chunks = -(-rows // rows_per_chunk)
    oc_chunks = min(tiles, max(1, -(-units // (outer * row_chunks))))
    tiles_per_chunk = max(1, -(-tiles // oc_chunks))
    oc_chunks = max(1, -(-tiles // tiles_per_chunk))
    return oc_chunks, tiles_per_chunk, row_chunks, rows_per_chunk


Phase = tuple[Idx, Idx, bool, bool]
"""(first input channel, end, first block?, last block?) of a reduction block."""
