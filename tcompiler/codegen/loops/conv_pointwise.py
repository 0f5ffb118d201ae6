"""Loops for 1x1 convolutions (kernel 1, stride 1, no padding): a matrix multiply per group.

In NC[spatial] layout a pointwise conv is, per image n and group g, Y[n, g] (C_out/G x P) =
W[g] (C_out/G x C_in/G) @ X[n, g] (C_in/G x P) with P the flattened output plane, so it runs on
the register-tiled microkernel (`microkernel.gemm_tiles`) instead of the direct-convolution
loops (it also computes im2col's convolutions: `conv-to-im2col`):

    for n, g, block of [C_out/G, P] (parallel; `builder.block_sizes`):
      Y[n, oc, p] = B[oc] + R[n, oc, p]                         (init; B, R optional)
      tiles:  Y[n, oc, p:p+VL] += W[oc, ic] * X[n, ic, p:p+VL]   over ic, in registers
      tail:   Y[n, oc, p] += W[oc, ic] * X[n, ic, p]             (columns no vector covers)
      act:    Y[n, oc, :] = relu / clip                          (if any)

With one block of input channels and a block of at least VL columns (the common case), the
init and the activation run on the tiles' registers instead (`microkernel.Fused`) and every
column is in a vector (the last one shifted to end at the block's edge), so the block is one
pass over Y.

The tile (rows = output channels, columns = pixels), VL, the input-channel block and which
tile loop is outside (`channels_rows`: channels) come from the `ConvSchedule`.

The plane is addressed as `[n, c, 0, ..., 0, p]` with p over the whole plane: the same
addresses as row-major `[n, c, h, w]`, one contiguous run per channel.
"""

from __future__ import annotations

from math import prod

from xdsl.dialects import arith, vector
from xdsl.dialects.builtin import VectorType, f32
from xdsl.ir import SSAValue

from tcompiler.codegen.loops.builder import Idx, LoopBuilder, block_sizes, parallel_blocks
from tcompiler.codegen.loops.epilogue import activate, has_activation
from tcompiler.codegen.loops.microkernel import Fused, Tile, can_fuse, gemm_tiles, splat, vload
from tcompiler.costmodel.schedules import ConvSchedule
from tcompiler.dialects.kernel import ConvOp, shape


def emit_pointwise_conv(b: LoopBuilder, op: ConvOp, sched: ConvSchedule) -> None:
    x, y = shape(op.X), shape(op.Y)
    group = op.group.value.data
    batch, cin, cout = x[0], x[1] // group, y[1] // group
    plane = prod(y[2:])
    zeros = [0] * (len(y) - 3)
    w_zeros = [0] * (len(y) - 2)
    tile = Tile(sched.tile_channels, sched.tile_vectors, sched.lanes, k_block=sched.ic_block,
                rows_outside=sched.loop_order == "channels_rows")

    def per_block(b: LoopBuilder, outer: list[Idx], oc_at: Idx, rows: int, p_at: Idx,
                  cols: int) -> None:
        n, g = outer
        oc0, ic0 = b.add(b.mul(g, cout), oc_at), b.mul(g, cin)

        def at(b: LoopBuilder, oc: Idx, p: Idx) -> tuple[Idx, Idx]:
            return b.add(oc0, oc), b.add(p_at, p)

        def init(b: LoopBuilder, ivs: list[Idx]) -> None:
            oc, p = at(b, *ivs)
            value = b.load(op.B, [oc]) if op.B is not None else b.f32(0.0)
            if op.R is not None:
                value = b.fadd(value, b.load(op.R, [n, oc, *zeros, p]))
            b.store(value, op.Y, [n, oc, *zeros, p])

        def init_vector(b: LoopBuilder, oc: Idx, p: Idx, lanes: int) -> SSAValue:
            vtype = VectorType(f32, [lanes])
            oc, p = at(b, oc, p)
            value = b.insert(vector.BroadcastOp(
                b.load(op.B, [oc]) if op.B is not None else b.f32(0.0), vtype)).results[0]
            if op.R is not None:
                value = b.fop(arith.AddfOp, value, vload(b, (op.R, [n, oc, *zeros, p]), lanes))
            return value

        def finish(b: LoopBuilder, value: SSAValue) -> SSAValue:
            return activate(b, value, op, lambda c: splat(b, c, tile.lanes))

        fused = can_fuse(cols, cin, tile)
        if not fused:
            b.nest([rows, cols], init)
        done = gemm_tiles(
            b, rows, cols, cin, tile,
            a_at=lambda b, oc, ic: b.load(op.W, [b.add(oc0, oc), ic, *w_zeros]),
            b_ref=lambda b, ic, p: (op.X, [n, b.add(ic0, ic), *zeros, b.add(p_at, p)]),
            c_ref=lambda b, oc, p: (op.Y, [n, b.add(oc0, oc), *zeros, b.add(p_at, p)]),
            fused=Fused(init_vector, finish if has_activation(op) else None) if fused else None)

        def tail(b: LoopBuilder, ivs: list[Idx]) -> None:
            oc, p = at(b, *ivs)
            start = b.load(op.Y, [n, oc, *zeros, p])
            total = b.reduce(0, cin, start, lambda b, ic, acc: b.fadd(acc, b.fmul(
                b.load(op.W, [oc, ic, *w_zeros]), b.load(op.X, [n, b.add(ic0, ic), *zeros, p]))))
            b.store(total, op.Y, [n, oc, *zeros, p])

        b.nest([(0, rows), (done, cols)], tail)
        if fused or not has_activation(op):
            return

        def act(b: LoopBuilder, ivs: list[Idx]) -> None:
            oc, p = at(b, *ivs)
            value = b.load(op.Y, [n, oc, *zeros, p])
            b.store(activate(b, value, op, b.f32), op.Y, [n, oc, *zeros, p])

        b.nest([rows, cols], act)

    rows, cols = block_sizes(cout, plane, tile.rows, tile.vectors * tile.lanes, batch * group)
    parallel_blocks(b, [batch, group], cout, plane, rows, cols, per_block)
