"""Loops for kernel.conv_transpose: Y = conv_transpose(X, W) + B, N-d, grouped, strided, dilated.

X [N, C_in, s...], W [C_in, C_out/group, k...]. Scatter form, per output channel:

    for n, g, ocl:                               oc = g * C_out/group + ocl
      Y[n, oc, :] = B[oc]  (or 0)
      for icl, k_0 .. k_{s-1}:                   ic = g * C_in/group + icl
        w = W[ic, ocl, k...]
        for i_0 in [lo_0, hi_0) ...:             inputs whose output lands inside Y
          Y[n, oc, i*stride - pad_begin + k*dilation] += w * X[n, ic, i]

[lo, hi) comes from the same ceildiv/floordiv bounds as kernel.conv, so there are no bounds
checks in the inner loop (contiguous in X; stride-strided in Y). Y must not overlap X or W.
"""

from __future__ import annotations

from tcompiler.codegen.loops.builder import Idx, LoopBuilder
from tcompiler.codegen.loops.conv import valid_range
from tcompiler.costmodel.schedules import LoopSchedule
from tcompiler.dialects.kernel import ConvTransposeOp, int_values, shape


def emit_conv_transpose(b: LoopBuilder, op: ConvTransposeOp, sched: LoopSchedule) -> None:
    x, w, y = shape(op.X), shape(op.W), shape(op.Y)
    strides, dilations, pads = int_values(op.strides), int_values(op.dilations), int_values(op.pads)
    spatial, group = len(x) - 2, op.group.value.data
    cin_g, cout_g = x[1] // group, w[1]

    def per_output_channel(b: LoopBuilder, n: Idx, g: Idx, ocl: Idx) -> None:
        oc = b.add(b.mul(g, cout_g), ocl)
        bias = b.load(op.B, [oc]) if op.B is not None else b.f32(0.0)
        b.nest(y[2:], lambda b, o: b.store(bias, op.Y, [n, oc, *o]))

        def per_tap(b: LoopBuilder, icl: Idx, ks: list[Idx]) -> None:
            ic = b.add(b.mul(g, cin_g), icl)
            weight = b.load(op.W, [ic, ocl, *ks])
            ranges = [valid_range(b, ks[d], x[2 + d], y[2 + d], strides[d], pads[d], dilations[d])
                      for d in range(spatial)]
            shifts = [b.sub(b.mul(ks[d], dilations[d]), pads[d]) for d in range(spatial)]

            def scatter(b: LoopBuilder, i: list[Idx]) -> None:
                pos = [b.add(b.mul(i[d], strides[d]), shifts[d]) for d in range(spatial)]
                product = b.fmul(weight, b.load(op.X, [n, ic, *i]))
                b.store(b.fadd(b.load(op.Y, [n, oc, *pos]), product), op.Y, [n, oc, *pos])

            b.nest(ranges, scatter)

        b.nest([cin_g, *w[2:]], lambda b, iv: per_tap(b, iv[0], iv[1:]))

    b.nest([y[0], group, cout_g], lambda b, iv: per_output_channel(b, *iv))
