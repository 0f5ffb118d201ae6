"""Loops for kernel.gemm: Y = act(alpha * op(A) @ op(B) + beta * C), C numpy-broadcast to [M, N].

The `GemmSchedule` picks the algorithm:
- `tiled` (trans_b = 0): the register-tiled microkernel (microkernel.py) over B's contiguous
  rows with A scaled by alpha, its tiles starting from beta * C and ending with the relu in
  registers (with K blocks: Y = beta * C first, the tiles accumulate through Y, relu last),
  the last N % VL columns as dot products. A constant B packed in panels (`b_panel` = NR,
  `pack-weights`) is read panel by panel, [panel, k, column in the panel], with unit stride
  along K.
- `dot` (trans_b = 1, trans_a = 0, the fully-connected case): per row i of A and tile of
  `tile_channels` rows j of B, vector accumulators along K (VL = `lanes`), reduced at the end:

      for i, j0 (step R):
        acc[r] = sum over k0 (step VL) of A[i, k0:+VL] * B[j0+r, k0:+VL]   (vector fma)
        Y[i, j0+r] = act(alpha * (reduce_add(acc[r]) + sum of the K % VL tail) + beta * C)

- `loops`, two loop orders, both vectorizable by LLVM:
- trans_b = 0 (B is [K, N]), row-accumulating (i, k, j):

      for i:
        for j: Y[i, j] = beta * C[bcast(i, j)]  (or 0)
        for k: a = alpha * A(i, k); for j: Y[i, j] += a * B[k, j]     (j contiguous)
        if relu: for j: Y[i, j] = max(Y[i, j], 0)

- trans_b = 1 (B is [N, K], the fully-connected case), dot products (i, j, k):

      for i, j: acc = sum_k A(i, k) * B[j, k]   (scf.for iter_args; k contiguous)
                Y[i, j] = act(alpha * acc + beta * C[bcast(i, j)])

A(i, k) is A[i, k], or A[k, i] with trans_a. The parallel units: column panels (`tiled`), a
row of A x `tile_channels` rows of B (`dot`), rows or elements (`loops`); each runs all of K.
"""

from __future__ import annotations

from collections.abc import Callable

from xdsl.dialects import arith, vector
from xdsl.dialects.builtin import DenseIntOrFPElementsAttr, VectorType, f32
from xdsl.ir import SSAValue

from tcompiler.codegen.loops.builder import Idx, LoopBuilder, broadcast_indices, parallel_nest
from tcompiler.codegen.loops.microkernel import (
    Fused,
    Tile,
    panel_tiles,
    parallel_panels,
    splat,
    vload,
)
from tcompiler.costmodel.schedules import GemmSchedule, ScheduleError
from tcompiler.dialects.kernel import GemmOp, shape


def emit_gemm(b: LoopBuilder, op: GemmOp, sched: GemmSchedule) -> None:
    m, n = shape(op.Y)
    trans_a, trans_b = op.trans_a.value.data, op.trans_b.value.data
    k_extent = shape(op.A)[0] if trans_a else shape(op.A)[1]
    alpha, beta = op.alpha.value.data, op.beta.value.data
    relu = op.activation is not None and op.activation.data == "relu"

    def a_at(b: LoopBuilder, i: Idx, k: Idx) -> SSAValue:
        return b.load(op.A, [k, i] if trans_a else [i, k])

    def bias(b: LoopBuilder, i: Idx, j: Idx) -> SSAValue | None:
        if op.C is None or beta == 0.0:
            return None
        return b.scale(b.load(op.C, broadcast_indices([i, j], shape(op.C))), beta)

    def row_accumulate(b: LoopBuilder, i: Idx) -> None:
        def init(b: LoopBuilder, j: Idx) -> None:
            c = bias(b, i, j)
            b.store(b.f32(0.0) if c is None else c, op.Y, [i, j])

        def k_step(b: LoopBuilder, k: Idx) -> None:
            a = b.scale(a_at(b, i, k), alpha)
            b.loop(0, n, lambda b, j: b.store(
                b.fadd(b.load(op.Y, [i, j]), b.fmul(a, b.load(op.B, [k, j]))), op.Y, [i, j]))

        b.loop(0, n, init)
        b.loop(0, k_extent, k_step)
        if relu:
            b.loop(0, n, lambda b, j: b.store(b.relu(b.load(op.Y, [i, j])), op.Y, [i, j]))

    def dot(b: LoopBuilder, i: Idx, j: Idx) -> None:
        def step(b: LoopBuilder, k: Idx, acc: SSAValue) -> SSAValue:
            return b.fadd(acc, b.fmul(a_at(b, i, k), b.load(op.B, [j, k])))

        value = b.scale(b.reduce(0, k_extent, b.f32(0.0), step), alpha)
        c = bias(b, i, j)
        value = value if c is None else b.fadd(value, c)
        b.store(b.relu(value) if relu else value, op.Y, [i, j])

    def finish(b: LoopBuilder, i: Idx, j: Idx, total: SSAValue) -> None:
        value = b.scale(total, alpha)
        c = bias(b, i, j)
        value = value if c is None else b.fadd(value, c)
        b.store(b.relu(value) if relu else value, op.Y, [i, j])

    if sched.algorithm == "tiled":
        if trans_b:  # the schedule counted on pack-weights, which did not run on this op
            raise ScheduleError("kernel.gemm: a gemm with trans_b = 1 runs tiled only with B "
                                "packed in panels (b_panel): run pack-weights before the loops")
        _emit_tiled(b, op, sched, a_at, bias, k_extent)
    elif sched.algorithm == "dot":
        _emit_dot(b, op, sched, finish, k_extent)
    elif trans_b:
        parallel_nest(b, [m, n], lambda b, iv: dot(b, iv[0], iv[1]))
    else:
        parallel_nest(b, [m, 1], lambda b, iv: row_accumulate(b, iv[0]))


def _emit_tiled(b: LoopBuilder, op: GemmOp, sched: GemmSchedule, a_at: Callable[..., SSAValue],
                bias: Callable[..., SSAValue | None], k_extent: int) -> None:
    m, n = shape(op.Y)
    alpha, beta = op.alpha.value.data, op.beta.value.data
    relu = op.activation is not None and op.activation.data == "relu"
    tile = Tile(sched.tile_channels, sched.tile_vectors, sched.lanes, k_block=sched.k_block)
    n_vec = n - n % sched.lanes

    def init(b: LoopBuilder, iv: list[Idx]) -> None:
        c = bias(b, iv[0], iv[1])
        b.store(b.f32(0.0) if c is None else c, op.Y, iv)

    panel_width = op.b_panel.value.data if op.b_panel is not None else 0

    def b_at(b: LoopBuilder, k: Idx, j: Idx) -> SSAValue:
        if panel_width:
            return b.load(op.B, [b.floordiv(j, panel_width), k, b.rem(j, panel_width)])
        return b.load(op.B, [k, j])

    def vector_init(b: LoopBuilder, i: Idx, j: Idx, lanes: int) -> SSAValue:
        """beta * C over the columns [j, j + lanes) of row i (Y's start, as `init` stores)."""
        if op.C is None or beta == 0.0:
            return splat(b, 0.0, lanes)
        c_shape = shape(op.C)
        if not c_shape or c_shape[-1] == 1:  # one value along the row
            scalar = bias(b, i, j)
            assert scalar is not None
            return b.insert(vector.BroadcastOp(scalar, VectorType(f32, [lanes]))).results[0]
        c = vload(b, (op.C, broadcast_indices([i, j], c_shape)), lanes)
        return c if beta == 1.0 else b.fmul(splat(b, beta, lanes), c)

    def vector_relu(b: LoopBuilder, value: SSAValue) -> SSAValue:
        return b.fop(arith.MaximumfOp, value, splat(b, 0.0, sched.lanes))

    fused = None
    if not 0 < tile.k_block < k_extent:  # one K block: start and finish in registers
        fused = Fused(vector_init, vector_relu if relu else None)

    def panel(b: LoopBuilder, g: Idx, j0: Idx, vectors: int) -> None:
        columns = (j0, b.add(j0, vectors * sched.lanes))
        if fused is None:
            b.nest([(0, m), columns], init)
        p = b.floordiv(j0, panel_width) if panel_width else 0

        def b_ref(b: LoopBuilder, k: Idx, j: Idx) -> tuple[SSAValue, list[Idx]]:
            return (op.B, [p, k, b.sub(j, j0)]) if panel_width else (op.B, [k, j])

        panel_tiles(b, m, k_extent, j0, vectors, tile, a_at=a_at, b_ref=b_ref,
                    c_ref=lambda b, i, j: (op.Y, [i, j]), alpha=alpha, fused=fused)
        if relu and fused is None:
            b.nest([(0, m), columns], lambda b, iv: b.store(b.relu(b.load(op.Y, iv)), op.Y, iv))

    def tail(b: LoopBuilder, g: Idx) -> None:
        def dot(b: LoopBuilder, iv: list[Idx]) -> None:
            i, j = iv
            total = b.reduce(0, k_extent, b.f32(0.0), lambda b, k, acc: b.fadd(
                acc, b.fmul(a_at(b, i, k), b_at(b, k, j))))
            c = bias(b, i, j)
            value = b.scale(total, alpha)
            value = value if c is None else b.fadd(c, value)
            b.store(b.relu(value) if relu else value, op.Y, iv)

        b.nest([(0, m), (n_vec, n)], dot)

    parallel_panels(b, 1, n_vec, tile, panel, tail if n_vec < n else None)


def _emit_dot(b: LoopBuilder, op: GemmOp, sched: GemmSchedule,
              finish: Callable[[LoopBuilder, Idx, Idx, SSAValue], None], k_extent: int) -> None:
    m, n = shape(op.Y)
    lanes, rows = sched.lanes, sched.tile_channels
    vtype = VectorType(f32, [lanes])
    k_vec = k_extent - k_extent % lanes
    zero = DenseIntOrFPElementsAttr.from_list(vtype, [0.0] * lanes)

    def tile(b: LoopBuilder, i: Idx, j0: Idx, count: int) -> None:
        inits: list[SSAValue] = [b.insert(arith.ConstantOp(zero)).results[0]
                                 for _ in range(count)]

        def step(b: LoopBuilder, ivs: list[Idx], accs: list[SSAValue]) -> list[SSAValue]:
            k0 = b.mul(ivs[0], lanes)
            a = vload(b, (op.A, [i, k0]), lanes)
            return [b.insert(vector.FMAOp(a, vload(b, (op.B, [b.add(j0, r), k0]), lanes),
                                          accs[r])).results[0] for r in range(count)]

        accs = b.reduce_many([(0, k_vec // lanes)], inits, step) if k_vec else inits
        for r in range(count):
            j = b.add(j0, r)
            total = b.insert(vector.ReductionOp.build(  # its __init__ gives the vector's type
                operands=[accs[r], []], result_types=[f32],
                properties={"kind": vector.CombiningKindAttr(vector.CombiningKindFlag.ADD)},
            )).results[0]
            total = b.reduce(k_vec, k_extent, total, lambda b, k, acc, j=j: b.fadd(
                acc, b.fmul(b.load(op.A, [i, k]), b.load(op.B, [j, k]))))
            finish(b, i, j, total)

    full, rest = divmod(n, rows)
    tiles = full + (rest > 0)

    def unit(b: LoopBuilder, u: Idx) -> None:
        i, t = b.floordiv(u, tiles), b.rem(u, tiles)
        if full:
            b.loop(t, b.min(b.add(t, 1), full), lambda b, q: tile(b, i, b.mul(q, rows), rows))
        if rest:
            b.loop(b.max(t, full), b.add(t, 1), lambda b, q: tile(b, i, full * rows, rest))

    b.parallel(m * tiles, unit)
