"""Loops for kernel.window_gemm and kernel.to_nchw: im2win's NHWC arithmetic and epilogue.

window_gemm is a GEMM per image on the register-tiled microkernel (`microkernel.gemm_tiles`,
tile from the `GemmSchedule`): rows are the output pixels p = oh*OW + ow, columns the output
channels (VL-wide vectors of the packed filter W [K, C_out], contiguous), and row p's values
are the contiguous window X[n, oh, ow*stride*R : +K] of the window tensor (rows overlap):

    for n:
      Z[n] = 0
      tiles:  Z[n, p, j:j+VL] += X[n, p / OW, (p % OW)*stride*R + k] * W[k, j:j+VL]   over k
      tail:   Z[n, p, j] += ...                                (the last C_out % VL columns)

(a tile computes its rows' window offsets once, outside the reduction loop; the window
tensor is addressed as [n, 0, offset], one flat row per image). to_nchw then writes
Y[n, c, p] = act(Z[n, p, c] + B[c] + R[n, c, p]); R may be Y.
"""

from __future__ import annotations

from math import prod

from xdsl.ir import SSAValue

from tcompiler.codegen.loops.builder import Idx, LoopBuilder, block_sizes, parallel_blocks
from tcompiler.codegen.loops.epilogue import activate
from tcompiler.codegen.loops.microkernel import Tile, gemm_tiles
from tcompiler.costmodel.schedules import GemmSchedule
from tcompiler.dialects.kernel import ToNchwOp, WindowGemmOp, shape


def emit_window_gemm(b: LoopBuilder, op: WindowGemmOp, sched: GemmSchedule) -> None:
    x, w, y = shape(op.X), shape(op.W), shape(op.Y)
    column, _, out_w = op.geometry()
    step = op.stride.value.data * column
    k_extent, cout = w
    pixels = y[1]
    tile = Tile(sched.tile_channels, sched.tile_vectors, sched.lanes, k_block=sched.k_block)

    def per_block(b: LoopBuilder, outer: list[Idx], p_at: Idx, rows: int, j_at: Idx,
                  cols: int) -> None:
        (n,) = outer

        def a_at(b: LoopBuilder, p: Idx, k: Idx) -> SSAValue:
            return b.load(op.X, [n, 0, b.add(p, k)])  # p: the offset of pixel p's window

        def window_of(b: LoopBuilder, p: Idx) -> Idx:
            p = b.add(p_at, p)
            oh, ow = b.floordiv(p, out_w), b.rem(p, out_w)
            return b.add(b.mul(oh, x[2]), b.mul(ow, step))

        def y_at(b: LoopBuilder, p: Idx, j: Idx) -> list[Idx]:
            return [n, b.add(p_at, p), b.add(j_at, j)]

        b.nest([rows, cols], lambda b, iv: b.store(b.f32(0.0), op.Y, y_at(b, *iv)))
        done = gemm_tiles(b, rows, cols, k_extent, tile, a_at=a_at,
                          b_ref=lambda b, k, j: (op.W, [k, b.add(j_at, j)]),
                          c_ref=lambda b, p, j: (op.Y, y_at(b, p, j)), a_row=window_of)

        def tail(b: LoopBuilder, iv: list[Idx]) -> None:
            p, j = iv
            start = window_of(b, p)
            total = b.reduce(0, k_extent, b.f32(0.0), lambda b, k, acc: b.fadd(
                acc, b.fmul(a_at(b, start, k), b.load(op.W, [k, b.add(j_at, j)]))))
            b.store(total, op.Y, y_at(b, p, j))

        b.nest([(0, rows), (done, cols)], tail)

    rows, cols = block_sizes(pixels, cout, tile.rows, tile.vectors * tile.lanes, x[0])
    parallel_blocks(b, [x[0]], pixels, cout, rows, cols, per_block)


def emit_to_nchw(b: LoopBuilder, op: ToNchwOp, sched: object) -> None:
    """A transpose in blocks of BLOCK pixels: for each block, every channel's BLOCK values are
    read from BLOCK rows of X (which stay in cache across the channels) and written as one
    contiguous run of Y."""
    y = shape(op.Y)
    channels, pixels = y[1], prod(y[2:])
    flat = [0] * (len(y) - 3)  # Y addressed as [n, c, 0, ..., p]: row-major, one run per c

    def element(b: LoopBuilder, n: Idx, c: Idx, p: Idx) -> None:
        at = [n, c, *flat, p]
        value = b.load(op.X, [n, p, c])
        if op.B is not None:
            value = b.fadd(value, b.load(op.B, [c]))
        if op.R is not None:
            value = b.fadd(value, b.load(op.R, at))
        b.store(activate(b, value, op, b.f32), op.Y, at)  # type: ignore[arg-type]

    def block(b: LoopBuilder, n: Idx, p0: Idx, size: int) -> None:
        b.loop(0, channels, lambda b, c: b.loop(
            p0, b.add(p0, size), lambda b, p: element(b, n, c, p)))

    blocks = -(-pixels // BLOCK)

    def unit(b: LoopBuilder, u: Idx) -> None:
        n, k = b.delinearize(u, [y[0], blocks])
        p0 = b.mul(k, BLOCK)
        if pixels % BLOCK:
            b.when_equal(k, blocks - 1, lambda b: block(b, n, p0, pixels % BLOCK),
                         lambda b: block(b, n, p0, BLOCK))
        else:
            block(b, n, p0, BLOCK)

    b.parallel(y[0] * blocks, unit)


BLOCK = 16
