"""Loops for kernel.matmul (numpy matmul): A [..., M, K] or [K], B [..., K, N] or [K].

Batch dims broadcast (an operand's batch index is 0 where its extent is 1). 1-d operands are
[1, K] / [K, 1] with that dim absent from Y. Per batch index, the gemm row order (i, k, j):

    for i: for j: Y[b, i, j] = 0
           for k: a = A[b', i, k]; for j: Y[b, i, j] += a * B[b'', k, j]   (j contiguous)

With the `tiled` schedule (2-d B, N >= VL) each batch runs the register-tiled microkernel
(microkernel.py) after zeroing Y, and the last N % VL columns as dot products. Y is scratch
(its rows accumulate), so it must not overlap A or B.
"""

from __future__ import annotations

from xdsl.ir import SSAValue

from tcompiler.codegen.loops.builder import Idx, LoopBuilder, broadcast_indices
from tcompiler.codegen.loops.microkernel import Tile, gemm_tiles
from tcompiler.costmodel.schedules import GemmSchedule
from tcompiler.dialects.kernel import MatMulOp, shape


def emit_matmul(b: LoopBuilder, op: MatMulOp, sched: GemmSchedule) -> None:
    a, bs, y = shape(op.A), shape(op.B), shape(op.Y)
    a_mat, b_mat = len(a) > 1, len(bs) > 1
    m = a[-2] if a_mat else 1
    k_extent = a[-1]
    n = bs[-1] if b_mat else 1
    batch = y[: len(y) - a_mat - b_mat]
    a_batch, b_batch = a[:-2] if a_mat else (), bs[:-2] if b_mat else ()

    def per_batch(b: LoopBuilder, bi: list[Idx]) -> None:
        ab, bb = broadcast_indices(bi, a_batch), broadcast_indices(bi, b_batch)

        def y_at(i: Idx, j: Idx) -> list[Idx]:
            return [*bi, *([i] if a_mat else []), *([j] if b_mat else [])]

        def row(b: LoopBuilder, i: Idx) -> None:
            def k_step(b: LoopBuilder, k: Idx) -> None:
                av = b.load(op.A, [*ab, *([i] if a_mat else []), k])
                b.loop(0, n, lambda b, j: b.store(b.fadd(b.load(op.Y, y_at(i, j)), b.fmul(
                    av, b.load(op.B, [*bb, k, *([j] if b_mat else [])]))), op.Y, y_at(i, j)))

            b.loop(0, n, lambda b, j: b.store(b.f32(0.0), op.Y, y_at(i, j)))
            b.loop(0, k_extent, k_step)

        def a_at(b: LoopBuilder, i: Idx, k: Idx) -> SSAValue:
            return b.load(op.A, [*ab, *([i] if a_mat else []), k])

        def tiled(b: LoopBuilder) -> None:
            b.nest([m, n], lambda b, iv: b.store(b.f32(0.0), op.Y, y_at(*iv)))
            tile = Tile(sched.tile_channels, sched.tile_vectors, sched.lanes,
                        k_block=sched.k_block)
            done = gemm_tiles(b, m, n, k_extent, tile, a_at=a_at,
                              b_ref=lambda b, k, j: (op.B, [*bb, k, j]),
                              c_ref=lambda b, i, j: (op.Y, y_at(i, j)))

            def tail(b: LoopBuilder, iv: list[Idx]) -> None:
                i, j = iv
                total = b.reduce(0, k_extent, b.f32(0.0), lambda b, k, acc: b.fadd(
                    acc, b.fmul(a_at(b, i, k), b.load(op.B, [*bb, k, j]))))
                b.store(total, op.Y, y_at(i, j))

            b.nest([(0, m), (done, n)], tail)

        if sched.algorithm == "tiled":
            tiled(b)
        else:
            b.loop(0, m, row)

    b.nest(batch, per_batch)
