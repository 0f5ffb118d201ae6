"""conv-to-im2win: a conv whose schedule says `im2win` (or `im2win_nhwc`) becomes im2win + a
window conv (or a window GEMM).

im2win (Lu, Chu, Liu, arXiv 2306.14320): `kernel.im2win` lays out, once per output row, the
K_h input rows its windows read (padding and the width stride resolved: the stride is split
into phases, see `tcompiler/kernels/conv_math.py`), in a buffer `win` [N, C*KH*P, OH, WQ]
that `plan-memory` places in the arena. The convolution over `win` is then stride 1,
unpadded, 1 x Q wide: the register-tiled direct conv (`tiled`, with the schedule's tile)
runs it with contiguous vector loads, no boundary shuffles and no strided loads. Its filter
is the conv's filter seen as [C_out, C_in/G*KH, 1, KW] (a `kernel.view`) when P = 1, or
re-laid-out per phase at compile time (a new weight, `filter2window` in the paper) when the
width stride does not divide the dilation.

The window tensor holds K_h/s_h copies of X where im2col's holds K_h*K_w: about 1/K_w of
im2col's buffer at stride 1. The strip inside a row is stored row by row (the paper stores
each window column-major so that a window is one contiguous run, for a dot product along the
window); row by row keeps consecutive output columns contiguous, which is what NCHW output
rows and 16-lane vectors along them need. Valid for 2-d convs wider than 1x1 whose output
rows hold at least one vector (any stride, padding, dilation, groups).

`im2win_nhwc` is the paper's layout, channels last as in its NHWC follow-up (Fu et al.,
arXiv 2408.00278): `kernel.im2win_nhwc` writes win [N, OH, W_p*KH*C] in which every output
pixel's K_w x K_h x C window is one contiguous run (consecutive pixels' runs overlap), the
filter is packed [KW*KH*C, C_out] at compile time (`filter2window`), `kernel.window_gemm`
multiplies pixels x output channels on the register-tiled microkernel with 16-lane vectors
along the output channels (so rows narrower than a vector, the deep layers of a CNN, still
use whole vectors), and `kernel.to_nchw` writes Y with the bias, residual and activation.
Valid for ungrouped 2-d convs wider than 1x1 with width dilation 1 and >= `lanes` output
channels (any stride, padding, height dilation).

Before:

    func.call @conv_0(%x, %w, %y) : (memref<1x2x6x20xf32>, memref<4x2x3x3xf32>,
                                     memref<1x4x4x18xf32>) -> ()

After:

    %win = kernel.buffer : memref<1x6x4x20xf32>
    func.call @im2win_0(%x, %win) : ...
    %wv = kernel.view %w : memref<4x2x3x3xf32> to memref<4x6x1x3xf32>
    func.call @conv_1(%win, %wv, %y) : ...       (a tiled 1x3 conv over the window tensor)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from xdsl.context import Context
from xdsl.dialects.builtin import IntegerAttr, ModuleOp, i64
from xdsl.passes import ModulePass

from tcompiler import contracts
from tcompiler.costmodel.schedules import GemmSchedule, LoopSchedule
from tcompiler.dialects import kernel
from tcompiler.dialects.kernel import ints, shape
from tcompiler.kernels.conv_math import (
    im2win_filter,
    im2win_nhwc_filter,
    im2win_nhwc_shape,
    im2win_phases,
    im2win_shape,
)
from tcompiler.kernels.conv_rewrite import Site, conv_properties, rewrite_convs


def expand_im2win(site: Site) -> None:
    if site.schedule.algorithm == "im2win_nhwc":
        expand_im2win_nhwc(site)
        return
    conv, sched = site.conv, site.schedule
    x, w = shape(conv.X), shape(conv.W)
    strides, pads, dilations = (kernel.int_values(getattr(conv, a))
                                for a in ("strides", "pads", "dilations"))
    x_main, w_main = site.value(conv.X), site.value(conv.W)
    assert x_main is not None and w_main is not None
    if im2win_phases(strides[1], dilations[1]) == 1:
        filt = site.view(w_main, (w[0], w[1] * w[2], 1, w[3]))
        dilation = dilations[1] // strides[1]
    else:
        name, values = site.filter()
        laid_out, dilation = im2win_filter(values, strides, dilations)
        filt = site.weight(f"{name}.im2win", laid_out)
    win = site.buffer(im2win_shape(x, w[2:], strides, pads, dilations), "win")
    site.kernel(kernel.Im2WinOp.build(
        operands=[x_main, win], properties={
            "kernel_shape": ints(w[2:]), "strides": ints(strides), "pads": ints(pads),
            "dilations": ints(dilations)}), LoopSchedule())
    b, r = site.value(conv.B), site.value(conv.R)
    site.kernel(kernel.ConvOp.build(
        operands=[win, filt, [b] if b else [], [r] if r else [], site.value(conv.Y)],
        properties={"strides": ints([1, 1]), "pads": ints([0, 0, 0, 0]),
                    "dilations": ints([1, dilation]),
                    "group": IntegerAttr(conv.group.value.data, i64), **conv_properties(conv)}),
        sched.__class__("tiled", sched.tile_channels, sched.tile_vectors, sched.lanes,
                        sched.loop_order, sched.ic_block))


def expand_im2win_nhwc(site: Site) -> None:
    conv, sched = site.conv, site.schedule
    x, w, y = shape(conv.X), shape(conv.W), shape(conv.Y)
    strides, pads, dilations = (kernel.int_values(getattr(conv, a))
                                for a in ("strides", "pads", "dilations"))
    x_main = site.value(conv.X)
    assert x_main is not None
    name, values = site.filter()
    packed = site.weight(f"{name}.im2win_nhwc", im2win_nhwc_filter(values))
    win = site.buffer(im2win_nhwc_shape(x, w[2:], strides, pads, dilations), "win")
    site.kernel(kernel.Im2WinNhwcOp.build(
        operands=[x_main, win], properties={
            "kernel_shape": ints(w[2:]), "strides": ints(strides), "pads": ints(pads),
            "dilations": ints(dilations)}), LoopSchedule())
    z = site.buffer((y[0], y[2] * y[3], y[1]), "pixels")
    site.kernel(kernel.WindowGemmOp.build(operands=[win, packed, z], properties={
        "kernel_w": IntegerAttr(w[3], i64), "stride": IntegerAttr(strides[1], i64)}),
        GemmSchedule("tiled", sched.tile_channels, sched.tile_vectors, sched.lanes,
                     sched.ic_block))
    b, r = site.value(conv.B), site.value(conv.R)
    site.kernel(kernel.ToNchwOp.build(
        operands=[z, [b] if b else [], [r] if r else [], site.value(conv.Y)],
        properties=conv_properties(conv)), LoopSchedule())


@dataclass(frozen=True)
class ConvToIm2winPass(ModulePass):
    """Rewrite the convs scheduled `im2win` (see the module docstring)."""

    name = "conv-to-im2win"
    input_contract: ClassVar[contracts.Contract] = contracts.KERNELS

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        contracts.require(op, self.name, self.input_contract)
        rewrite_convs(ctx, op, ("im2win", "im2win_nhwc"), expand_im2win, self.name)
