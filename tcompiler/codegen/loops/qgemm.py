"""Loops for `kernel.qgemm` (`dialects/kernel_quant.py`; the packings are `qpack.py`).

qgemm with `vnni` is a register-tiled microkernel on AVX-512 VNNI's `vpdpbusd` (u8 x s8, four
bytes per 32-bit lane, summed into int32): per batch index and column panel of NV x 16
columns (`microkernel.parallel_panels`, the parallel units), for each block of K_BLOCK
groups of K and each tile of MR rows

    acc[r][v] = C (a row's value broadcast, or 16 columns of it), or Y after the first K block
    for kq in the K block:
      b[v] = B[bb, kq, 4*(j0 + 16v) : +64] as vector<16xi32>      (16 columns x 4 bytes)
      for r: acc[r][v] = vpdpbusd(acc[r][v], u8 side, s8 side)    (A[ba, i0+r, 4kq : +4]
                                                                    broadcast as one i32)
    Y[b, i0+r, j0+16v : +16] = acc[r][v]

The `unsigned` operand is the intrinsic's u8 side. Columns past the last multiple of 16, and
every column without `vnni`, are scalar integer dot products. A unit owns its outputs and runs
all of K, so the result does not depend on the thread count (integer sums are exact anyway).
The intrinsic is called through `llvm.call_intrinsic` on `llvm.bitcast` byte vectors
(`contracts.LOOPS` admits those two llvm ops for this kernel).
"""

from __future__ import annotations

from xdsl.dialects import arith, llvm, vector
from xdsl.dialects.builtin import VectorType, i8, i32
from xdsl.ir import SSAValue

from tcompiler.codegen.loops.builder import Idx, LoopBuilder, parallel_nest
from tcompiler.codegen.loops.microkernel import Tile, parallel_panels
from tcompiler.dialects.kernel import shape
from tcompiler.dialects.kernel_quant import QGemmOp

LANES = 16
TILE = (4, 4)
"""MR x NV of the register tile: 16 accumulators + 4 B vectors + 1 broadcast (of 32)."""
K_BLOCK = 64
"""Groups of 4 bytes of K per block: a block of a B panel (64 x 4 vectors x 64 bytes = 16 KiB)
stays in L1 across the row tiles; later blocks start from the sums in Y."""
VPDPBUSD = "llvm.x86.avx512.vpdpbusd.512"


# ----------------------------------------------------------------------------- qgemm


def _bytes_as(b: LoopBuilder, ref: SSAValue, indices: list[Idx], lanes: int) -> SSAValue:
    """4 x `lanes` bytes at `indices` as a vector<lanes x i32> (one i32 for lanes = 1)."""
    raw = b.insert(vector.LoadOp(ref, [b.index(i) for i in indices],
                                 VectorType(i8, [4 * lanes]))).results[0]
    ty = i32 if lanes == 1 else VectorType(i32, [lanes])
    return b.insert(llvm.BitcastOp(raw, ty)).results[0]


def emit_qgemm(b: LoopBuilder, op: QGemmOp, sched: object) -> None:
    batch, m, n = shape(op.Y)
    a_batch, b_batch = shape(op.A)[0], shape(op.B)[0]
    kq = shape(op.B)[1]
    per_row = shape(op.C)[1] == 1
    n_vec = n - n % LANES if op.vnni.value.data else 0

    def ba(g: Idx) -> Idx:
        return g if a_batch > 1 else 0

    def bb(g: Idx) -> Idx:
        return g if b_batch > 1 else 0

    def dot(b: LoopBuilder, g: Idx, i: Idx, j: Idx) -> None:
        a_unsigned = op.unsigned.data == "a"
        start = b.load(op.C, [i, 0] if per_row else [0, j])

        def group(b: LoopBuilder, q: Idx, acc: SSAValue) -> SSAValue:
            for lane in range(4):
                x = _widen(b, b.load(op.A, [ba(g), i, b.add(b.mul(q, 4), lane)]), a_unsigned)
                w = _widen(b, b.load(op.B, [bb(g), q, b.add(b.mul(j, 4), lane)]), not a_unsigned)
                product = b.insert(arith.MuliOp(x, w)).results[0]
                acc = b.insert(arith.AddiOp(acc, product)).results[0]
            return acc

        b.store(b.reduce(0, kq, start, group), op.Y, [g, i, j])

    if not n_vec:
        parallel_nest(b, [batch, m, n], lambda b, iv: dot(b, *iv))
        return

    def tile(b: LoopBuilder, g: Idx, i0: Idx, rows: int, j0: Idx, vectors: int,
             k_range: tuple[Idx, Idx], first: bool) -> None:
        vec = VectorType(i32, [LANES])
        coords = [(r, v) for r in range(rows) for v in range(vectors)]

        def initial(r: int, v: int) -> SSAValue:
            if not first:  # a later K block: the sums so far
                return b.insert(vector.LoadOp(op.Y, [b.index(i) for i in (
                    g, b.add(i0, r), b.add(j0, v * LANES))], vec)).results[0]
            if per_row:
                value = b.load(op.C, [b.add(i0, r), 0])
                return b.insert(vector.BroadcastOp(value, vec)).results[0]
            return b.insert(vector.LoadOp(op.C, [b.index(0), b.index(b.add(j0, v * LANES))],
                                          vec)).results[0]

        def step(inner: LoopBuilder, ivs: list[Idx], accs: list[SSAValue]) -> list[SSAValue]:
            (q,) = ivs
            columns = [_bytes_as(inner, op.B, [bb(g), q, inner.mul(inner.add(j0, v * LANES), 4)],
                                 LANES) for v in range(vectors)]
            out: list[SSAValue] = []
            for r in range(rows):
                word = _bytes_as(inner, op.A, [ba(g), inner.add(i0, r), inner.mul(q, 4)], 1)
                splat = inner.insert(vector.BroadcastOp(word, vec)).results[0]
                for v in range(vectors):
                    u8, s8 = (splat, columns[v]) if op.unsigned.data == "a" else (columns[v], splat)
                    call = llvm.CallIntrinsicOp(VPDPBUSD, [accs[r * vectors + v], u8, s8], [vec])
                    out.append(inner.insert(call).results[0])
            return out

        results = b.reduce_many([k_range], [initial(r, v) for r, v in coords], step)
        for (r, v), result in zip(coords, results):
            b.insert(vector.StoreOp(result, op.Y, [b.index(g), b.index(b.add(i0, r)),
                                                   b.index(b.add(j0, v * LANES))]))

    rows_tile = min(TILE[0], m)
    m_main = m - m % rows_tile

    def k_block(b: LoopBuilder, g: Idx, j0: Idx, vectors: int, k_range: tuple[Idx, Idx],
                first: bool) -> None:
        b.loop(0, m_main, lambda b, i0: tile(b, g, i0, rows_tile, j0, vectors, k_range, first),
               step=rows_tile)
        if m % rows_tile:
            tile(b, g, m_main, m % rows_tile, j0, vectors, k_range, first)

    def panel(b: LoopBuilder, g: Idx, j0: Idx, vectors: int) -> None:
        k_block(b, g, j0, vectors, (0, min(K_BLOCK, kq)), True)
        b.loop(K_BLOCK, kq, lambda b, k0: k_block(
            b, g, j0, vectors, (k0, b.min(b.add(k0, K_BLOCK), kq)), False), step=K_BLOCK)

    def tail(b: LoopBuilder, g: Idx) -> None:
        b.nest([(0, m), (n_vec, n)], lambda b, iv: dot(b, g, *iv))

    vectors = min(TILE[1], n_vec // LANES)
    parallel_panels(b, batch, n_vec, Tile(rows_tile, vectors, LANES), panel,
                    tail if n_vec < n else None)


def _widen(b: LoopBuilder, byte: SSAValue, unsigned: bool) -> SSAValue:
    kind = arith.ExtUIOp if unsigned else arith.ExtSIOp
    return b.insert(kind(byte, i32)).results[0]


