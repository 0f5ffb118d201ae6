"""A register-tiled matrix-multiply microkernel: C[i, j] += sum_k A(i, k) * B[k, j:j+VL].

LLVM does not register-tile loops for us (spike notes: plain loops reach 20-50 GFLOP/s, a
tiled `vector<16xf32>` kernel ~250), so this emits the tile explicitly:

    for j0 in [0, n_vec) step NR:                 n_vec = n rounded down to VL
      for i0 in [0, m) step MR (remainder rows get a smaller tile):
        acc[r][v] = C[i0+r, j0+v*VL : +VL]        MR x NR/VL vector accumulators
        for k in [0, K):                          accumulators carried as scf.for iter_args
          b[v] = B[k, j0+v*VL : +VL]
          for r: acc[r][v] = fma(broadcast(A(i0+r, k)), b[v], acc[r][v])
        C[i0+r, j0+v*VL : +VL] = acc[r][v]

Columns [n_vec, n) are left to the caller (`gemm_tiles` returns n_vec). Operands are given as
callbacks so the same tile serves Gemm (A[i, k]) and 1x1 convolutions (A = W[oc, ic, 0, 0],
B = X[n, ic, 0, p] read across rows of the contiguous plane). C must hold its initial value
(bias, residual, or zero); A's values may be scaled by `alpha` on the fly.
"""

from __future__ import annotations

from collections.abc import Callable

from xdsl.dialects import vector
from xdsl.dialects.builtin import VectorType, f32
from xdsl.ir import SSAValue

from tcompiler.codegen.loops.builder import Idx, LoopBuilder

VL = 16
"""Lanes per vector (vector<16xf32>: one zmm with AVX-512, two ymm otherwise)."""
MR, NR = 6, 32
"""Tile: 6 rows x 32 columns = 12 accumulators, measured best of 4x64, 6x32, 8x32 here."""

ScalarAt = Callable[[LoopBuilder, Idx, Idx], SSAValue]
VectorRef = Callable[[Idx, Idx], tuple[SSAValue, list[Idx]]]
"""(row, column) -> (memref, indices) of the first element of a VL-wide slice."""


def vload(b: LoopBuilder, ref: tuple[SSAValue, list[Idx]]) -> SSAValue:
    memref, indices = ref
    op = vector.LoadOp(memref, [b.index(i) for i in indices], VectorType(f32, [VL]))
    return b.insert(op).results[0]


def vstore(b: LoopBuilder, value: SSAValue, ref: tuple[SSAValue, list[Idx]]) -> None:
    memref, indices = ref
    b.insert(vector.StoreOp(value, memref, [b.index(i) for i in indices]))


def _tile(b: LoopBuilder, i0: Idx, j0: Idx, rows: int, nv: int, k: int, a_at: ScalarAt,
          b_ref: VectorRef, c_ref: VectorRef, alpha: float) -> None:
    coords = [(r, v) for r in range(rows) for v in range(nv)]
    inits = [vload(b, c_ref(b.add(i0, r), b.add(j0, v * VL))) for r, v in coords]

    def step(inner: LoopBuilder, ivs: list[Idx], accs: list[SSAValue]) -> list[SSAValue]:
        (kk,) = ivs
        bvecs = [vload(inner, b_ref(kk, inner.add(j0, v * VL))) for v in range(nv)]
        out: list[SSAValue] = []
        for r in range(rows):
            scalar = inner.scale(a_at(inner, inner.add(i0, r), kk), alpha)
            splat = inner.insert(vector.BroadcastOp(scalar, VectorType(f32, [VL]))).results[0]
            for v in range(nv):
                out.append(inner.insert(vector.FMAOp(splat, bvecs[v], accs[r * nv + v])).results[0])
        return out

    results = b.reduce_many([(0, k)], inits, step)
    for (r, v), result in zip(coords, results):
        vstore(b, result, c_ref(b.add(i0, r), b.add(j0, v * VL)))


def gemm_tiles(b: LoopBuilder, m: int, n: int, k: int, a_at: ScalarAt, b_ref: VectorRef,
               c_ref: VectorRef, alpha: float = 1.0) -> int:
    """Accumulate the columns [0, n_vec) of C; returns n_vec (a multiple of VL)."""
    n_vec = n - n % VL
    m_main = m - m % MR

    def column_block(b: LoopBuilder, j0: Idx, nv: int) -> None:
        b.loop(0, m_main, lambda b, i0: _tile(b, i0, j0, MR, nv, k, a_at, b_ref, c_ref, alpha),
               step=MR)
        if m % MR:
            _tile(b, m_main, j0, m % MR, nv, k, a_at, b_ref, c_ref, alpha)

    n_main = n_vec - n_vec % NR
    b.loop(0, n_main, lambda b, j0: column_block(b, j0, NR // VL), step=NR)
    for j0 in range(n_main, n_vec, VL):
        column_block(b, j0, 1)
    return n_vec
