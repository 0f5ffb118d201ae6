"""Loops for kernel.matmul (numpy matmul): A [..., M, K] or [K], B [..., K, N] or [K].

Batch dims broadcast (an operand's batch index is 0 where its extent is 1). 1-d operands are
[1, K] / [K, 1] with that dim absent from Y. Per batch index, the gemm row order (i, k, j):

    for i: for j: Y[b, i, j] = 0
           for k: a = A[b', i, k]; for j: Y[b, i, j] += a * B[b'', k, j]   (j contiguous)

With the `tiled` schedule (N >= VL) the register-tiled microkernel (microkernel.py) runs
per batch index and column panel of NR = `tile_vectors` x VL columns: with one K block the
tiles start from zero in registers; with K blocks (`k_block`, outside the row tiles) the panel
of Y is zeroed first and accumulates over them. The last N % VL
columns are dot products. A constant B packed in panels (`b_panel` = NR, `pack-weights`)
is read panel by panel with unit stride. The (batch index, panel) pairs are the kernel's
parallel units; with `loops` the units are the rows. Either way a unit owns its outputs and
runs all of K, so the result does not depend on the thread count. Y is scratch (its rows
accumulate), so it must not overlap A or B.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from xdsl.ir import SSAValue

from tcompiler.codegen.loops.builder import Idx, LoopBuilder, broadcast_indices, parallel_nest
from tcompiler.codegen.loops.microkernel import (
    Fused,
    ScalarAt,
    Tile,
    panel_tiles,
    parallel_panels,
    splat,
)
from tcompiler.costmodel.schedules import GemmSchedule
from tcompiler.dialects.kernel import MatMulOp, shape, unpacked_b_shape


def emit_matmul(b: LoopBuilder, op: MatMulOp, sched: GemmSchedule) -> None:
    a, y = shape(op.A), shape(op.Y)
    bs = unpacked_b_shape(op, y[-1] if y else 1)
    panel = op.b_panel.value.data if op.b_panel is not None else 0
    a_mat, b_mat = len(a) > 1, len(bs) > 1
    m = a[-2] if a_mat else 1
    k_extent = a[-1]
    n = bs[-1] if b_mat else 1
    batch = y[: len(y) - a_mat - b_mat]
    a_batch, b_batch = a[:-2] if a_mat else (), bs[:-2] if b_mat else ()

    def y_at(bi: list[Idx], i: Idx, j: Idx) -> list[Idx]:
        return [*bi, *([i] if a_mat else []), *([j] if b_mat else [])]

    def a_at(bi: list[Idx]) -> ScalarAt:
        ab = broadcast_indices(bi, a_batch)
        return lambda b, i, k: b.load(op.A, [*ab, *([i] if a_mat else []), k])

    def b_at(b: LoopBuilder, bi: list[Idx], k: Idx, j: Idx) -> SSAValue:
        if panel:
            return b.load(op.B, [b.floordiv(j, panel), k, b.rem(j, panel)])
        return b.load(op.B, [*broadcast_indices(bi, b_batch), k, *([j] if b_mat else [])])

    if sched.algorithm == "tiled":
        _tiled(b, op, sched, (m, n, k_extent), batch, b_batch, y_at, a_at, b_at)
        return

    def row(b: LoopBuilder, ivs: list[Idx]) -> None:
        bi, i = ivs[:len(batch)], ivs[len(batch)]
        a_of = a_at(bi)

        def k_step(b: LoopBuilder, k: Idx) -> None:
            av = a_of(b, i, k)
            b.loop(0, n, lambda b, j: b.store(b.fadd(b.load(op.Y, y_at(bi, i, j)), b.fmul(
                av, b_at(b, bi, k, j))), op.Y, y_at(bi, i, j)))

        b.loop(0, n, lambda b, j: b.store(b.f32(0.0), op.Y, y_at(bi, i, j)))
        b.loop(0, k_extent, k_step)

    parallel_nest(b, [*batch, m, 1], row)


def _tiled(b: LoopBuilder, op: MatMulOp, sched: GemmSchedule, mnk: tuple[int, int, int],
           batch: tuple[int, ...], b_batch: tuple[int, ...],
           y_at: Callable[[list[Idx], Idx, Idx], list[Idx]],
           a_at: Callable[[list[Idx]], ScalarAt],
           b_at: Callable[[LoopBuilder, list[Idx], Idx, Idx], SSAValue]) -> None:
    """Units: batch index x column panel (microkernel.parallel_panels); per unit, its panel
    of Y over all of K (zeroed first only when K is blocked: one K block starts the tiles
    from zero in registers, without a pass over Y); the unit of a batch's last panel also does
    the last N % VL columns as dot products. A B packed in panels (`b_panel`, one per unit's
    panel) is read at [panel, k, column in the panel]."""
    m, n, k_extent = mnk
    tile = Tile(sched.tile_channels, sched.tile_vectors, sched.lanes, k_block=sched.k_block)
    n_vec = n - n % sched.lanes

    def batch_of(b: LoopBuilder, g: Idx) -> list[Idx]:
        bi: list[Idx] = [0] * len(batch)
        for d in reversed(range(len(batch))):
            bi[d] = b.rem(g, batch[d]) if d else g
            g = b.floordiv(g, batch[d])
        return bi

    one_block = not 0 < tile.k_block < k_extent
    zero = Fused(lambda b, i, j, lanes: splat(b, 0.0, lanes)) if one_block else None

    def panel(b: LoopBuilder, g: Idx, j0: Idx, vectors: int) -> None:
        bi = batch_of(b, g)
        bb = broadcast_indices(bi, b_batch)
        if not one_block:
            b.nest([(0, m), (j0, b.add(j0, vectors * sched.lanes))],
                   lambda b, iv: b.store(b.f32(0.0), op.Y, y_at(bi, *iv)))
        p = b.floordiv(j0, tile.vectors * tile.lanes) if op.b_panel is not None else 0

        def b_ref(b: LoopBuilder, k: Idx, j: Idx) -> tuple[SSAValue, list[Idx]]:
            if op.b_panel is not None:
                return op.B, [p, k, b.sub(j, j0)]
            return op.B, [*bb, k, j]

        panel_tiles(b, m, k_extent, j0, vectors, tile, a_at=a_at(bi), b_ref=b_ref,
                    c_ref=lambda b, i, j: (op.Y, y_at(bi, i, j)), fused=zero)

    def tail(b: LoopBuilder, g: Idx) -> None:
        bi = batch_of(b, g)
        a_of = a_at(bi)

        def dot(b: LoopBuilder, iv: list[Idx]) -> None:
            i, j = iv
            total = b.reduce(0, k_extent, b.f32(0.0), lambda b, k, acc: b.fadd(
                acc, b.fmul(a_of(b, i, k), b_at(b, bi, k, j))))
            b.store(total, op.Y, y_at(bi, i, j))

        b.nest([(0, m), (n_vec, n)], dot)

    parallel_panels(b, math.prod(batch), n_vec, tile, panel, tail if n_vec < n else None)
