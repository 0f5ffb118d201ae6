"""Loops for kernel.window_gemm and kernel.to_nchw: im2win's NHWC arithmetic and epilogue.

window_gemm is a GEMM per image on the register-tiled microkernel (`microkernel.gemm_tiles`,
tile from the `GemmSchedule`): rows are the output pixels p = oh*OW + ow, columns the output
channels (VL-wide vectors of the packed filter W [K, C_out], contiguous), and row p's values
are the contiguous window X[n, oh, ow*stride*R : +K] of the window tensor (rows overlap):

    for n:
      Z[n] = 0
      tiles:  Z[n, p, j:j+VL] += X[n, p / OW, (p % OW)*stride*R + k] * W[k, j:j+VL]   over k
      tail:   Z[n, p, j] += ...                                (the last C_out % VL columns)

(the division by OW is loop-invariant in the reduction loop). to_nchw then writes
Y[n, c, p] = act(Z[n, p, c] + B[c] + R[n, c, p]); R may be Y.
"""

from __future__ import annotations

from math import prod

from xdsl.ir import SSAValue

from tcompiler.codegen.loops.builder import Idx, LoopBuilder
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

    def per_image(b: LoopBuilder, n: Idx) -> None:
        def a_at(b: LoopBuilder, p: Idx, k: Idx) -> SSAValue:
            oh, ow = b.floordiv(p, out_w), b.rem(p, out_w)
            return b.load(op.X, [n, oh, b.add(b.mul(ow, step), k)])

        b.nest([pixels, cout], lambda b, iv: b.store(b.f32(0.0), op.Y, [n, *iv]))
        done = gemm_tiles(b, pixels, cout, k_extent, tile, a_at=a_at,
                          b_ref=lambda b, k, j: (op.W, [k, j]),
                          c_ref=lambda b, p, j: (op.Y, [n, p, j]))

        def tail(b: LoopBuilder, iv: list[Idx]) -> None:
            p, j = iv
            total = b.reduce(0, k_extent, b.f32(0.0), lambda b, k, acc: b.fadd(
                acc, b.fmul(a_at(b, p, k), b.load(op.W, [k, j]))))
            b.store(total, op.Y, [n, p, j])

        b.nest([(0, pixels), (done, cout)], tail)

    b.loop(0, x[0], per_image)


def emit_to_nchw(b: LoopBuilder, op: ToNchwOp, sched: object) -> None:
    y = shape(op.Y)
    spatial = y[2:]

    def body(b: LoopBuilder, iv: list[Idx]) -> None:
        n, c, *pos = iv
        p: Idx = 0
        for d, i in enumerate(pos):
            p = b.add(p, b.mul(i, prod(spatial[d + 1:])))
        value = b.load(op.X, [n, p, c])
        if op.B is not None:
            value = b.fadd(value, b.load(op.B, [c]))
        if op.R is not None:
            value = b.fadd(value, b.load(op.R, iv))
        b.store(activate(b, value, op, b.f32), op.Y, iv)  # type: ignore[arg-type]

    b.nest(list(y), body)
