"""Loops for 2-D KxK convolutions with width stride 1 or 2: register-tiled direct convolution.

Each tile holds MR output channels (of one group) x (up to two, or four when a group has at
most two output channels, as in depthwise convs) VL-wide column blocks of one output row in
vector registers and accumulates over (ic of the group, kh, kw) before a single store:

    for n, g, oc0 (step MR within the group), oh:
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
by one into a zero vector. Either way padding reads as zero and nothing outside X is read. Needs output and input rows at least VL wide
(VL = 16, or 8 or 4 for narrow planes such as ResNet's 14x14 and 7x7); otherwise `conv.py`'s
direct loops run. Y must not overlap
X or W; R may be Y (read before Y is written).
"""

from __future__ import annotations

from xdsl.dialects import arith, vector
from xdsl.dialects.builtin import DenseArrayBase, DenseIntOrFPElementsAttr, VectorType, f32, i64
from xdsl.ir import SSAValue

from tcompiler.codegen.loops.builder import Idx, LoopBuilder
from tcompiler.codegen.loops.epilogue import activate
from tcompiler.dialects.kernel import ConvOp, int_values, shape

MR = 6
"""Output channels per tile (x 2 column blocks = 12 vector accumulators)."""


def lanes_for(op: ConvOp) -> int:
    width = min(shape(op.X)[3], shape(op.Y)[3])
    return 16 if width >= 16 else 8 if width >= 8 else 4


def is_tileable(op: ConvOp) -> bool:
    if len(shape(op.X)) != 4 or int_values(op.strides)[1] > 2:
        return False
    return min(shape(op.X)[3], shape(op.Y)[3]) >= 4


def column_starts(width: int, lanes: int) -> list[int]:
    """Starts of VL-wide blocks covering [0, width); the last one overlaps to end at width."""
    starts = list(range(0, width - lanes + 1, lanes))
    if starts[-1] + lanes < width:
        starts.append(width - lanes)
    return starts


def _row_range(b: LoopBuilder, oh: Idx, stride: int, pad: int, dil: int, height: int,
               kernel: int) -> tuple[Idx, Idx]:
    """Kernel rows kh in [lo, hi) with 0 <= oh*stride - pad + kh*dil < height."""
    base = b.sub(b.mul(oh, stride), pad)  # ih = base + kh*dil
    lo = b.max(b.ceildiv(b.sub(0, base), dil), 0)
    hi = b.min(b.add(b.floordiv(b.sub(height - 1, base), dil), 1), kernel)
    return lo, hi


def emit_tiled_conv(b: LoopBuilder, op: ConvOp) -> None:
    x, w, y = shape(op.X), shape(op.W), shape(op.Y)
    stride_h, stride_w = int_values(op.strides)
    dil_h, dil_w = int_values(op.dilations)
    pad_t, pad_l = int_values(op.pads)[:2]
    batch, cout, kh_n, kw_n, width = x[0], y[1], w[2], w[3], x[3]
    group, cin_g = op.group.value.data, w[1]
    cout_g = cout // group
    rows_per_tile = min(MR, cout_g)
    lanes = lanes_for(op)
    vtype = VectorType(f32, [lanes])
    starts = column_starts(y[3], lanes)
    per_tile = 2 if rows_per_tile > 2 else 4  # few channels (depthwise): more columns per tile
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
        op_ = vector.ShuffleOp(first, second, DenseArrayBase.from_list(i64, mask), result_type=vtype)
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

    def tile(b: LoopBuilder, n: Idx, g: Idx, oc0: Idx, rows: int, oh: Idx, ih0: Idx,
             kh_range: tuple[Idx, Idx], cols: list[int]) -> None:
        coords = [(r, c) for r in range(rows) for c in cols]
        inits = []
        for r, c in coords:
            oc = b.add(oc0, r)
            start = vsplat(b, b.load(op.B, [oc]) if op.B is not None else b.f32(0.0))
            if op.R is not None:
                res = b.insert(vector.LoadOp(op.R, [b.index(i) for i in (n, oc, oh, c)], vtype))
                start = b.fop(arith.AddfOp, start, res.results[0])
            inits.append(start)

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

        results = b.reduce_many([(0, cin_g), kh_range], inits, step)
        splats: dict[float, SSAValue] = {}

        def splat(value: float) -> SSAValue:
            if value not in splats:
                splats[value] = vsplat(b, b.f32(value))
            return splats[value]

        for (r, c), acc in zip(coords, results):
            idx = [b.index(i) for i in (n, b.add(oc0, r), oh, c)]
            b.insert(vector.StoreOp(activate(b, acc, op, splat), op.Y, idx))

    def per_row(b: LoopBuilder, n: Idx, g: Idx, oc0: Idx, rows: int, oh: Idx) -> None:
        ih0 = b.sub(b.mul(oh, stride_h), pad_t)
        kh_range = _row_range(b, oh, stride_h, pad_t, dil_h, x[2], kh_n)
        for cols in blocks:
            tile(b, n, g, oc0, rows, oh, ih0, kh_range, cols)

    def per_block(b: LoopBuilder, n: Idx, g: Idx, ocl: Idx, rows: int) -> None:
        oc0 = b.add(b.mul(g, cout_g), ocl)
        b.loop(0, y[2], lambda b, oh: per_row(b, n, g, oc0, rows, oh))

    def per_group(b: LoopBuilder, n: Idx, g: Idx) -> None:
        main = cout_g - cout_g % rows_per_tile
        b.loop(0, main, lambda b, ocl: per_block(b, n, g, ocl, rows_per_tile), step=rows_per_tile)
        if cout_g % rows_per_tile:
            per_block(b, n, g, main, cout_g % rows_per_tile)

    b.loop(0, batch, lambda b, n: b.loop(0, group, lambda b, g: per_group(b, n, g)))
