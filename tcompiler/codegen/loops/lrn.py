"""Loops for kernel.lrn (ONNX LRN across channels, dim 1), X = [N, C, rest...]:

    square_sum[n, c, r] = sum of X[n, c', r]^2 over
        c' in [c - floor((size-1)/2), c + ceil((size-1)/2)] ∩ [0, C)
    Y = X / (bias + alpha / size * square_sum) ^ beta

Loop order: for n, c: Y[n, c, :] = 0; for c' in [lo, hi) (bounds by minsi/maxsi): for r:
Y[n, c, r] += X[n, c', r]^2; then for r: Y = X / powf(bias + alpha/size * Y, beta). The
rest dims are innermost and contiguous; Y holds the square sums (no scratch allocation).
"""

from __future__ import annotations

from xdsl.dialects import arith, math

from tcompiler.codegen.loops.builder import Idx, LoopBuilder
from tcompiler.costmodel.schedules import LoopSchedule
from tcompiler.dialects.kernel import LRNOp, shape


def emit_lrn(b: LoopBuilder, op: LRNOp, sched: LoopSchedule) -> None:
    dims = shape(op.X)
    channels, rest = dims[1], dims[2:]
    size = op.size.value.data
    before = (size - 1) // 2
    after = size - 1 - before
    scale = op.alpha.value.data / size
    bias, beta = op.bias.value.data, op.beta.value.data

    def channel(b: LoopBuilder, n: Idx, c: Idx) -> None:
        lo = b.max(b.sub(c, before), 0)
        hi = b.min(b.add(c, after + 1), channels)

        def square(b: LoopBuilder, c2: Idx, r: list[Idx]) -> None:
            v = b.load(op.X, [n, c2, *r])
            b.store(b.fadd(b.load(op.Y, [n, c, *r]), b.fmul(v, v)), op.Y, [n, c, *r])

        def finish(b: LoopBuilder, r: list[Idx]) -> None:
            base = b.fadd(b.f32(bias), b.scale(b.load(op.Y, [n, c, *r]), scale))
            denominator = b.fop(math.PowFOp, base, b.f32(beta))
            b.store(b.fop(arith.DivfOp, b.load(op.X, [n, c, *r]), denominator), op.Y, [n, c, *r])

        b.nest(rest, lambda b, r: b.store(b.f32(0.0), op.Y, [n, c, *r]))
        b.loop(lo, hi, lambda b, c2: b.nest(rest, lambda b, r: square(b, c2, r)))
        b.nest(rest, finish)

    b.nest(dims[:2], lambda b, iv: channel(b, iv[0], iv[1]))
