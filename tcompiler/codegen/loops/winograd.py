"""Loops for kernel.winograd_input and kernel.winograd_output: the tile transforms of
F(m x m, 3 x 3) (matrices in `tcompiler/kernels/conv_math.py`; the batched GEMM between them
is a kernel.matmul on the register-tiled microkernel).

The transforms are unrolled per tile as sums with constant coefficients (terms with a zero
coefficient or a zero input are dropped, +-1 coefficients are adds and subtracts). The input
transform has two copies: one for the interior tiles, whose alpha x alpha window lies inside
X, and one for the tiles that reach into the padding, with clamped loads and zeros selected
outside X (its masks are invariant in the channel loop). One copy per pattern of missing rows
and columns made 9 copies for a padded conv and 2.6-2.9 s of compile time per kernel (1.1 s
with two; ResNet-50's Winograd convs), for the few percent of the run time edge tiles take.
The output transform's tiles are split into runs of tiles that write the same rows of Y, so
a last tile's missing rows are never computed:

    winograd_input:   for n, th, tw, c:                     t = (n*TH + th)*TW + tw
                        d = X[n, c, th*m - pt : +alpha, tw*m - pl : +alpha]   (zero outside)
                        V[a*alpha + b, t, c] = (B^T d B)[a, b]
    winograd_output:  for n, th, tw (per run), k:
                        Y[n, k, th*m : +m, tw*m : +m] = act((A^T M[:, t, k] A) + B[k] + R)
                        (the rows and columns inside Y)

c and k are innermost, so V and M are read and written along their contiguous dim. R may be Y
(read before Y is written at the same index). The output transform's tiles run on vectors of
16 channels when the channels are a multiple of 16: the sums on vectors, then a blocked
transpose (`transpose_blocks`) turns the m x m vectors into each channel's m x m outputs,
stored as m rows of m (of a tile at Y's edge, the rows and columns inside Y). LLVM vectorized
the scalar loop over k itself, with a scatter per output: SqueezeNet's F(4x4) output
transforms (64 channels at 55x55, 128 at 27x27) took 190 and 87 us a call that way, 160 and 55
on vectors (Xeon, 1 thread, per-step minima, the edge tiles still scalar then; with them on
vectors too, SqueezeNet's three output transforms 187, 73, 26 -> 151, 50, 18 us). Without a
residual the activation runs on the m^2 vectors before the transpose, not on each channel's m
rows.

The parallel units are chunks of channels (`channel_chunks`); the input transform's are also
groups of tile rows when the channels make few chunks: SqueezeNet's 16-channel input
transforms ran on one thread (0.051 ms a call at 2 threads, 0.033 split by rows; Xeon).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from xdsl.dialects import arith
from xdsl.ir import SSAValue

from tcompiler.codegen.loops.builder import PARALLEL_UNITS, Idx, LoopBuilder
from tcompiler.codegen.loops.epilogue import activate
from tcompiler.codegen.loops.microkernel import shuffle, splat, vload, vstore
from tcompiler.dialects.kernel import WinogradInputOp, WinogradOutputOp, int_values, shape
from tcompiler.kernels.conv_math import WINOGRAD, winograd_tiles

Run = tuple[int, int, tuple[bool, ...]]
"""(first tile, end, which of the tile's rows are inside the tensor)"""


def runs(count: int, inside: Callable[[int], tuple[bool, ...]]) -> list[Run]:
    """Consecutive tiles [0, count) grouped by the rows they see."""
    found: list[Run] = []
    for t in range(count):
        pattern = inside(t)
        if found and found[-1][2] == pattern:
            found[-1] = (found[-1][0], t + 1, pattern)
        else:
            found.append((t, t + 1, pattern))
    return found


Constant = Callable[[float], SSAValue]
"""c in the type of the values a transform combines (f32, or a vector of f32 splats)."""


def combine(b: LoopBuilder, coefficients: Sequence[float], values: Sequence[SSAValue | None],
            constant: Constant | None = None) -> SSAValue | None:
    """sum(c * v), without the zero terms; None when every term is zero."""
    constant = constant or b.f32
    total: SSAValue | None = None
    for c, value in zip(coefficients, values):
        if c == 0 or value is None:
            continue
        if total is None:
            total = value if c == 1 else b.fmul(constant(float(c)), value)
        elif c == 1:
            total = b.fadd(total, value)
        elif c == -1:
            total = b.fop(arith.SubfOp, total, value)
        else:
            total = b.fadd(total, b.fmul(constant(float(c)), value))
    return total


def _transform(b: LoopBuilder, left: np.ndarray, tile: list[list[SSAValue | None]],
               right: np.ndarray, constant: Constant | None = None
               ) -> list[list[SSAValue | None]]:
    """left @ tile @ right.T with constant matrices (rows of `left` and `right`)."""
    inner = [[combine(b, row, [tile[r][s] for r in range(len(row))], constant)
              for s in range(len(tile[0]))] for row in left]
    return [[combine(b, col, line, constant) for col in right] for line in inner]


def transpose_blocks(b: LoopBuilder, rows: list[SSAValue], lanes: int) -> list[SSAValue]:
    """P = len(rows) vectors (P a power of two dividing `lanes`) -> P vectors whose lanes
    [g*P, g*P + P) of vector r are lane g*P + r of each input, in order: the P x P blocks of
    the rows transposed, by log2(P) stages of two-source shuffles (P per stage)."""
    count, rows, step = len(rows), list(rows), len(rows) // 2
    while step >= 1:
        low = [q if not q & step else lanes + q - step for q in range(lanes)]
        high = [q + step if not q & step else lanes + q for q in range(lanes)]
        for r in range(count):
            if not r & step:
                first, second = rows[r], rows[r + step]
                rows[r] = shuffle(b, first, second, low)
                rows[r + step] = shuffle(b, first, second, high)
        step //= 2
    return rows


def emit_winograd_input(b: LoopBuilder, op: WinogradInputOp, sched: object) -> None:
    x, v = shape(op.X), shape(op.Y)
    m = op.tile.value.data
    alpha = m + 2
    bt = WINOGRAD[m][0]
    pads = int_values(op.pads)
    out_h, out_w = x[2] + pads[0] + pads[2] - 2, x[3] + pads[1] + pads[3] - 2
    tiles_h, tiles_w = winograd_tiles(out_h, out_w, m)
    rows_in = interior(tiles_h, m, alpha, pads[0], x[2])
    cols_in = interior(tiles_w, m, alpha, pads[1], x[3])

    def transform(b: LoopBuilder, n: Idx, th: Idx, tw: Idx, c: Idx,
                  d: list[list[SSAValue | None]]) -> None:
        t = b.add(b.mul(b.add(b.mul(n, tiles_h), th), tiles_w), tw)
        out = _transform(b, bt, d, bt)
        for a in range(alpha):
            for e in range(alpha):
                value = out[a][e]
                b.store(value if value is not None else b.f32(0.0), op.Y, [a * alpha + e, t, c])

    def inner(b: LoopBuilder, iv: list[Idx]) -> None:
        n, th, tw, c = iv
        ih, iw = b.sub(b.mul(th, m), pads[0]), b.sub(b.mul(tw, m), pads[1])
        transform(b, n, th, tw, c, [[b.load(op.X, [n, c, b.add(ih, r), b.add(iw, s)])
                                     for s in range(alpha)] for r in range(alpha)])

    def edge(b: LoopBuilder, n: Idx, th: Idx, tw: Idx, c_lo: Idx, c_hi: Idx) -> None:
        """A tile that reaches into the padding: clamped loads, zeros outside X (the masks
        are invariant in the channel loop)."""
        rows = [_bounded(b, b.add(b.sub(b.mul(th, m), pads[0]), r), x[2]) for r in range(alpha)]
        cols = [_bounded(b, b.add(b.sub(b.mul(tw, m), pads[1]), s), x[3]) for s in range(alpha)]
        masks = [[_and(b, row[1], col[1]) for col in cols] for row in rows]
        zero = b.f32(0.0)

        def channel(b: LoopBuilder, c: Idx) -> None:
            d: list[list[SSAValue | None]] = [
                [b.insert(arith.SelectOp(masks[r][s], b.load(op.X, [n, c, rows[r][0], cols[s][0]]),
                                         zero)).results[0]
                 for s in range(alpha)] for r in range(alpha)]
            transform(b, n, th, tw, c, d)

        b.loop(c_lo, c_hi, channel)

    def unit(b: LoopBuilder, c_lo: Idx, c_hi: Idx, h_lo: Idx, h_hi: Idx) -> None:
        inner_rows = (b.max(h_lo, rows_in[0]), b.min(h_hi, rows_in[1]))
        b.nest([(0, x[0]), inner_rows, cols_in, (c_lo, c_hi)], inner)

        def tile(b: LoopBuilder, iv: list[Idx]) -> None:
            n, th, tw = iv
            is_inner = _and(b, _within(b, th, *rows_in), _within(b, tw, *cols_in))
            b.when(is_inner, lambda b: None, lambda b: edge(b, n, th, tw, c_lo, c_hi))

        if rows_in != (0, tiles_h) or cols_in != (0, tiles_w):
            b.nest([(0, x[0]), (h_lo, h_hi), (0, tiles_w)], tile)

    channel_chunks(b, v[2], unit, rows=tiles_h)


def interior(tiles: int, m: int, alpha: int, pad: int, extent: int) -> tuple[int, int]:
    """The tiles [lo, hi) whose alpha rows (or columns) all lie inside the input (lo == hi:
    none do)."""
    lo = min(-(-pad // m), tiles)
    hi = max(min((extent + pad - alpha) // m + 1, tiles), lo)
    return lo, hi


def _bounded(b: LoopBuilder, i: Idx, extent: int) -> tuple[Idx, SSAValue]:
    """(i clamped into [0, extent), whether i is inside)."""
    return b.max(b.min(i, extent - 1), 0), _within(b, i, 0, extent)


def _within(b: LoopBuilder, i: Idx, lo: int, hi: int) -> SSAValue:
    """lo <= i < hi, as an i1."""
    return _and(b, b.insert(arith.CmpiOp(b.index(i), b.index(lo), "sge")).results[0],
                b.insert(arith.CmpiOp(b.index(i), b.index(hi), "slt")).results[0])


def _and(b: LoopBuilder, p: SSAValue, q: SSAValue) -> SSAValue:
    return b.insert(arith.AndIOp(p, q)).results[0]


def emit_winograd_output(b: LoopBuilder, op: WinogradOutputOp, sched: object) -> None:
    y = shape(op.Y)
    m = op.tile.value.data
    alpha = m + 2
    at = WINOGRAD[m][2]
    tiles_h, tiles_w = winograd_tiles(y[2], y[3], m)

    def inside(extent: int) -> Callable[[int], tuple[bool, ...]]:
        return lambda t: tuple(t * m + i < extent for i in range(m))

    def body(b: LoopBuilder, iv: list[Idx], rows: tuple[bool, ...], cols: tuple[bool, ...]
             ) -> None:
        n, th, tw, k = iv
        t = b.add(b.mul(b.add(b.mul(n, tiles_h), th), tiles_w), tw)
        tile: list[list[SSAValue | None]] = [
            [b.load(op.X, [a * alpha + e, t, k]) for e in range(alpha)] for a in range(alpha)]
        out = _transform(b, at[[i for i in range(m) if rows[i]]], tile,
                         at[[j for j in range(m) if cols[j]]])
        bias = b.load(op.B, [k]) if op.B is not None else None
        oh0, ow0 = b.mul(th, m), b.mul(tw, m)
        for i, line in enumerate(out):
            for j, value in enumerate(line):
                assert value is not None
                at_y = [n, k, b.add(oh0, i), b.add(ow0, j)]
                if bias is not None:
                    value = b.fadd(value, bias)
                if op.R is not None:
                    value = b.fadd(value, b.load(op.R, at_y))
                b.store(activate(b, value, op, b.f32), op.Y, at_y)  # type: ignore[arg-type]

    lanes = OUTPUT_LANES
    vectorized = y[1] % lanes == 0 and lanes % (m * m) == 0

    def vector_body(b: LoopBuilder, iv: list[Idx], k0: Idx, rows: int, cols: int) -> None:
        """A tile of `lanes` channels: the transform on vectors along the channels, then each
        channel's m x m outputs gathered by a blocked transpose and stored as rows (LLVM's own
        vectorization of `body` scatters every output); of a tile at Y's edge, only its first
        `rows` rows of `cols` (the rest computed, not stored)."""
        n, th, tw = iv
        t = b.add(b.mul(b.add(b.mul(n, tiles_h), th), tiles_w), tw)
        tile: list[list[SSAValue | None]] = [
            [vload(b, (op.X, [a * alpha + e, t, k0]), lanes) for e in range(alpha)]
            for a in range(alpha)]
        out = _transform(b, at, tile, at, lambda c: splat(b, c, lanes))
        values = [value for line in out for value in line]
        assert all(v is not None for v in values)
        if op.B is not None:
            bias = vload(b, (op.B, [k0]), lanes)
            values = [b.fadd(v, bias) for v in values]  # type: ignore[arg-type]
        if op.R is None:  # on the m^2 vectors, not on every channel's m rows
            values = [activate(b, v, op, lambda c: splat(b, c, lanes))  # type: ignore[arg-type]
                      for v in values]
        blocks = transpose_blocks(b, values, lanes)  # type: ignore[arg-type]
        oh0, ow0 = b.mul(th, m), b.mul(tw, m)
        for lane in range(lanes):
            block, r = divmod(lane, m * m)
            k = b.add(k0, lane)
            for i in range(rows):
                first = block * m * m + i * m
                row = shuffle(b, blocks[r], blocks[r], list(range(first, first + cols)))
                at_y = [n, k, b.add(oh0, i), ow0]
                if op.R is not None:
                    row = b.fadd(row, vload(b, (op.R, at_y), cols))
                    row = activate(b, row, op,  # type: ignore[arg-type]
                                   lambda c: splat(b, c, cols))
                vstore(b, row, (op.Y, at_y))

    def unit(b: LoopBuilder, k_lo: Idx, k_hi: Idx, _h_lo: Idx, _h_hi: Idx) -> None:
        for h_lo, h_hi, rows in runs(tiles_h, inside(y[2])):
            for w_lo, w_hi, cols in runs(tiles_w, inside(y[3])):
                if vectorized:  # the rows and columns inside Y are a prefix of the tile's
                    b.nest([(0, y[0]), (h_lo, h_hi), (w_lo, w_hi)],
                           lambda b, iv, r=sum(rows), c=sum(cols): b.loop(
                               k_lo, k_hi, lambda b, k0: vector_body(b, iv, k0, r, c),
                               step=lanes))
                    continue
                b.nest([(0, y[0]), (h_lo, h_hi), (w_lo, w_hi), (k_lo, k_hi)],
                       lambda b, iv, rows=rows, cols=cols: body(b, iv, rows, cols))

    channel_chunks(b, y[1], unit, multiple=lanes if vectorized else 1)


OUTPUT_LANES = 16
"""The output transform's vectors along the channels (a multiple of m x m)."""


def channel_chunks(b: LoopBuilder, channels: int, body: ChunkBody, multiple: int = 1,
                   rows: int = 1) -> None:
    """A parallel loop over chunks [lo, hi) of the channels (the innermost, contiguous dim of
    the transforms' tile-major buffers): at least 16 channels a chunk where there are, a
    multiple of `multiple` (which divides `channels`); when that makes fewer than
    `PARALLEL_UNITS` chunks, each is also split into groups of the `rows` tile rows (the body
    gets [row lo, row hi) too; with rows = 1, always [0, 1))."""
    size = max(min(channels, 16), -(-channels // PARALLEL_UNITS))
    size = -(-size // multiple) * multiple
    chunks = -(-channels // size)
    per_group = -(-rows // min(rows, -(-PARALLEL_UNITS // chunks)))
    groups = -(-rows // per_group)

    def unit(b: LoopBuilder, u: Idx) -> None:
        group, chunk = b.delinearize(u, [groups, chunks])
        lo, row = b.mul(chunk, size), b.mul(group, per_group)
        body(b, lo, b.min(b.add(lo, size), channels), row, b.min(b.add(row, per_group), rows))

    b.parallel(groups * chunks, unit)


ChunkBody = Callable[[LoopBuilder, Idx, Idx, Idx, Idx], None]
"""(builder, channel lo, channel hi, tile row lo, tile row hi): one unit of `channel_chunks`."""
