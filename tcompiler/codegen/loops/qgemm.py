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

With a multiplier S the accumulators are requantized to Y's 8 bits in registers before the
store (K then runs in one block). The `unsigned` operand is the intrinsic's u8 side. Columns
past the last multiple of 16, and every column without `vnni`, are scalar integer dot
products. A unit owns its outputs and runs
all of K, so the result does not depend on the thread count (integer sums are exact anyway).
The intrinsic is called through `llvm.call_intrinsic` on `llvm.bitcast` byte vectors, and the
epilogue converts vectors with `llvm.sitofp`, `llvm.bitcast` and `llvm.trunc`
(`contracts.LOOPS` admits these llvm ops for what arith and vector lack).
"""

from __future__ import annotations

from xdsl.dialects import arith, llvm, math, vector
from xdsl.dialects.builtin import Float32Type, IntegerType, Signedness, VectorType, f32, i8, i32
from xdsl.ir import Attribute, Operation, SSAValue

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

        total = b.reduce(0, kq, start, group)
        if op.S is not None:
            total = _requantize(b, total, b.load(op.S, [i, 0] if per_row else [0, j]), op)
        b.store(total, op.Y, [g, i, j])

    if not n_vec:
        parallel_nest(b, [batch, m, n], lambda b, iv: dot(b, *iv))
        return

    def tile(b: LoopBuilder, g: Idx, i0: Idx, rows: int, j0: Idx, vectors: int,
             k_range: tuple[Idx, Idx], first: bool) -> None:
        vec = VectorType(i32, [LANES])
        coords = [(r, v) for r in range(rows) for v in range(vectors)]

        def scale(r: int, v: int) -> SSAValue:
            assert op.S is not None
            if per_row:
                value = b.load(op.S, [b.add(i0, r), 0])
                return b.insert(vector.BroadcastOp(value, VectorType(f32, [LANES]))).results[0]
            return b.insert(vector.LoadOp(op.S, [b.index(0), b.index(b.add(j0, v * LANES))],
                                          VectorType(f32, [LANES]))).results[0]

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
            if op.S is not None:
                result = _requantize(b, result, scale(r, v), op)
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

    block = kq if op.S is not None else K_BLOCK  # Y holds no partial sums when requantized

    def panel(b: LoopBuilder, g: Idx, j0: Idx, vectors: int) -> None:
        k_block(b, g, j0, vectors, (0, min(block, kq)), True)
        b.loop(block, kq, lambda b, k0: k_block(
            b, g, j0, vectors, (k0, b.min(b.add(k0, block), kq)), False), step=block)

    def tail(b: LoopBuilder, g: Idx) -> None:
        b.nest([(0, m), (n_vec, n)], lambda b, iv: dot(b, g, *iv))

    vectors = min(TILE[1], n_vec // LANES)
    parallel_panels(b, batch, n_vec, Tile(rows_tile, vectors, LANES), panel,
                    tail if n_vec < n else None)


MAGIC = 12582912.0
"""1.5 x 2^23: an integral f32 v with |v| < 2^22 plus MAGIC has bits MAGIC_BITS + v."""
MAGIC_BITS = 0x4B400000


def _requantize(b: LoopBuilder, acc: SSAValue, scale: SSAValue, op: QGemmOp) -> SSAValue:
    """saturate(round_half_even(f32(acc) * scale) + zero) as Y's element type, for a scalar or
    a vector `acc` (`scale` alike), in onnxruntime's order: clamp to the range less the zero
    point, round, add it. The rounded float becomes an integer through its bits (+ MAGIC):
    arith converts no vectors, so vectors take `llvm.sitofp` and `llvm.trunc`."""
    element = op.Y.type.element_type  # type: ignore[attr-defined]
    assert isinstance(element, IntegerType) and op.zero is not None
    zero = op.zero.value.data
    low = 0 if element.signedness.data == Signedness.UNSIGNED else -128
    lanes = acc.type.get_shape() if isinstance(acc.type, VectorType) else None

    def like(t: IntegerType | Float32Type) -> Attribute:
        return t if lanes is None else VectorType(t, lanes)

    def splat(value: float | int, t: IntegerType | Float32Type) -> SSAValue:
        c = b.constants.get(value, t)
        if lanes is None:
            return c
        return b.insert(vector.BroadcastOp(c, VectorType(t, lanes))).results[0]

    def insert(op: Operation) -> SSAValue:
        return b.insert(op).results[0]

    x = insert(llvm.SIToFPOp(acc, like(f32)) if lanes else arith.SIToFPOp(acc, f32))
    x = insert(arith.MulfOp(x, scale))
    x = insert(arith.MaximumfOp(x, splat(float(low - zero), f32)))
    x = insert(arith.MinimumfOp(x, splat(float(low + 255 - zero), f32)))
    x = insert(arith.AddfOp(insert(math.RoundEvenOp(x)), splat(MAGIC, f32)))
    bits = insert(llvm.BitcastOp(x, like(i32)) if lanes else arith.BitcastOp(x, i32))
    q = insert(arith.AddiOp(bits, splat(zero - MAGIC_BITS, i32)))
    byte = insert(llvm.TruncOp(q, like(i8)) if lanes else arith.TruncIOp(q, i8))
    return byte if element == i8 else insert(arith.BitcastOp(byte, like(element)))


def _widen(b: LoopBuilder, byte: SSAValue, unsigned: bool) -> SSAValue:
    kind = arith.ExtUIOp if unsigned else arith.ExtSIOp
    return b.insert(kind(byte, i32)).results[0]


