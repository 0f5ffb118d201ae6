"""Loops for kernel.gemm: Y = act(alpha * op(A) @ op(B) + beta * C), C numpy-broadcast to [M, N].

Two loop orders, both vectorizable by LLVM:
- trans_b = 0 (B is [K, N]), row-accumulating (i, k, j):

      for i:
        for j: Y[i, j] = beta * C[bcast(i, j)]  (or 0)
        for k: a = alpha * A(i, k); for j: Y[i, j] += a * B[k, j]     (j contiguous)
        if relu: for j: Y[i, j] = max(Y[i, j], 0)

- trans_b = 1 (B is [N, K], the fully-connected case), dot products (i, j, k):

      for i, j: acc = sum_k A(i, k) * B[j, k]   (scf.for iter_args; k contiguous)
                Y[i, j] = act(alpha * acc + beta * C[bcast(i, j)])

A(i, k) is A[i, k], or A[k, i] with trans_a.
"""

from __future__ import annotations

from xdsl.ir import SSAValue

from tcompiler.codegen.loops.builder import Idx, LoopBuilder, broadcast_indices
from tcompiler.dialects.kernel import GemmOp, shape


def emit_gemm(b: LoopBuilder, op: GemmOp) -> None:
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

    if trans_b:
        b.nest([m, n], lambda b, iv: dot(b, iv[0], iv[1]))
    else:
        b.loop(0, m, row_accumulate)
