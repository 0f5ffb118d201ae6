"""Loops for kernel.conv: Y = act(conv(X, W) + B + R), N-d, grouped, strided, dilated, padded.

The schedule's algorithm picks the emitter: `pointwise` (conv_pointwise.py), `tiled`
(conv_tiled.py), `packed` (conv_packed.py), or `direct`, here. Loop order (direct
convolution, output-plane accumulation; `ic_block` is ignored, the reduction runs per output
channel plane):

    for n, g, ocl (parallel):                   oc = g * C_out/group + ocl
      Y[n, oc, :] = B[oc] + R[n, oc, :]          (nest over the output plane; B, R optional)
      for icl, k_0 .. k_{s-1}:                  ic = g * C_in/group + icl
        w = W[oc, icl, k...]
        for o_0 in [lo_0, hi_0) ... o_{s-1} in [lo_{s-1}, hi_{s-1}):
          Y[n, oc, o...] += w * X[n, ic, o*stride - pad_begin + k*dilation ...]
      if relu: Y[n, oc, :] = max(Y[n, oc, :], 0)   (clip: min(max(Y[n, oc, :], lo), hi))

For each spatial dim, [lo, hi) is the range of outputs whose input position is inside X
for this kernel offset, computed with ceildivsi/floordivsi, so padding is never read and the
innermost loop (output width, contiguous for stride 1) has no bounds checks: LLVM vectorizes it.
Loops of extent 1 (batch 1, group 1, 1x1 kernels) are not emitted. R is read before Y is
written at the same index, so R may be the same buffer as Y (an in-place residual add);
X and W must not overlap Y.
"""

from __future__ import annotations

from tcompiler.codegen.loops.builder import Idx, LoopBuilder
from tcompiler.codegen.loops.conv_packed import emit_packed_conv
from tcompiler.codegen.loops.conv_pointwise import emit_pointwise_conv
from tcompiler.codegen.loops.conv_tiled import emit_tiled_conv
from tcompiler.codegen.loops.epilogue import activate, has_activation
from tcompiler.costmodel.schedules import ConvSchedule
from tcompiler.dialects.kernel import ConvOp, int_values, shape


def valid_range(b: LoopBuilder, k: Idx, out: int, inp: int, stride: int, pad: int,
                dilation: int) -> tuple[Idx, Idx]:
    """Outputs o in [lo, hi) with 0 <= o*stride - pad + k*dilation < inp, clipped to [0, out)."""
    offset = b.sub(pad, b.mul(k, dilation))  # o*stride >= offset
    lo = b.max(b.ceildiv(offset, stride), 0)
    hi = b.min(b.add(b.floordiv(b.add(offset, inp - 1), stride), 1), out)
    return lo, hi


def emit_conv(b: LoopBuilder, op: ConvOp, sched: ConvSchedule) -> None:
    if sched.algorithm == "pointwise":
        emit_pointwise_conv(b, op, sched)  # a matrix multiply on the register-tiled microkernel
        return
    if sched.algorithm == "tiled":
        emit_tiled_conv(b, op, sched)  # register-tiled direct convolution
        return
    if sched.algorithm == "packed":
        emit_packed_conv(b, op, sched)  # vectors along output channels, packed filter
        return
    x, w, y = shape(op.X), shape(op.W), shape(op.Y)
    strides, dilations, pads = int_values(op.strides), int_values(op.dilations), int_values(op.pads)
    spatial, group = len(x) - 2, op.group.value.data
    cout_g, cin_g = y[1] // group, w[1]

    def per_output_channel(b: LoopBuilder, n: Idx, g: Idx, ocl: Idx) -> None:
        oc = b.add(b.mul(g, cout_g), ocl)
        bias = b.load(op.B, [oc]) if op.B is not None else b.f32(0.0)

        def init(b: LoopBuilder, o: list[Idx]) -> None:
            value = bias if op.R is None else b.fadd(bias, b.load(op.R, [n, oc, *o]))
            b.store(value, op.Y, [n, oc, *o])

        def per_tap(b: LoopBuilder, icl: Idx, ks: list[Idx]) -> None:
            ic = b.add(b.mul(g, cin_g), icl)
            weight = b.load(op.W, [oc, icl, *ks])
            ranges = [valid_range(b, ks[d], y[2 + d], x[2 + d], strides[d], pads[d], dilations[d])
                      for d in range(spatial)]
            shifts = [b.sub(b.mul(ks[d], dilations[d]), pads[d]) for d in range(spatial)]

            def accumulate(b: LoopBuilder, o: list[Idx]) -> None:
                pos = [b.add(b.mul(o[d], strides[d]), shifts[d]) for d in range(spatial)]
                product = b.fmul(weight, b.load(op.X, [n, ic, *pos]))
                b.store(b.fadd(b.load(op.Y, [n, oc, *o]), product), op.Y, [n, oc, *o])

            b.nest(ranges, accumulate)

        b.nest(y[2:], init)
        b.nest([cin_g, *w[2:]], lambda b, iv: per_tap(b, iv[0], iv[1:]))
        if has_activation(op):
            b.nest(y[2:], lambda b, o: b.store(
                activate(b, b.load(op.Y, [n, oc, *o]), op, b.f32), op.Y, [n, oc, *o]))

    b.parallel(y[0] * group * cout_g, lambda b, u: per_output_channel(
        b, *b.delinearize(u, [y[0], group, cout_g])))
