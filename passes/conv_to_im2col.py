"""conv-to-im2col: a conv whose schedule says `im2col` becomes im2col + a GEMM.

The classic lowering: `kernel.im2col` copies every output pixel's K_h x K_w window of X into
a column of a buffer `cols` [N, C*KH*KW, OH, OW] (`tcompiler/kernels/conv_math.py`), and a
1x1 conv over `cols` with the filter seen as [C_out, C_in/G*KH*KW, 1, 1] (a `kernel.view`, no
copy) does the arithmetic on the register-tiled GEMM microkernel (`pointwise`, per image and
group), with the conv's bias, residual and activation. `cols` is a `kernel.buffer`, so
`plan-memory` places it in the arena. Any 2-d conv (stride, padding, dilation, groups) is
valid; the tile knobs of the schedule are the GEMM's. Runs at the kernels stage after
`choose-schedules` (tcompiler/kernels/conv_rewrite.py has the call-site machinery).

Before:

    func.call @conv_0(%x, %w, %y) : (memref<1x2x5x5xf32>, memref<4x2x3x3xf32>,
                                     memref<1x4x3x3xf32>) -> ()
    func.func @conv_0(...) attributes {tcc.kernel} {
      kernel.conv %0, %1 -> %2 {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>,
          dilations = array<i64: 1, 1>, group = 1 : i64,
          schedule = {family = "conv", algorithm = "im2col", ...}} : ...
    }

After:

    %cols = kernel.buffer : memref<1x18x3x3xf32>
    func.call @im2col_0(%x, %cols) : ...
    %wv = kernel.view %w : memref<4x2x3x3xf32> to memref<4x18x1x1xf32>
    func.call @conv_1(%cols, %wv, %y) : ...        (a pointwise conv with the same tile)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from xdsl.context import Context
from xdsl.dialects.builtin import IntegerAttr, ModuleOp, i64
from xdsl.passes import ModulePass

from tcompiler import contracts
from tcompiler.costmodel.schedules import LoopSchedule
from tcompiler.dialects import kernel
from tcompiler.dialects.kernel import ints, shape
from tcompiler.kernels.conv_math import im2col_shape
from tcompiler.kernels.conv_rewrite import Site, conv_properties, rewrite_convs


def expand_im2col(site: Site) -> None:
    conv, sched = site.conv, site.schedule
    x, w = shape(conv.X), shape(conv.W)
    window = [kernel.int_values(getattr(conv, a)) for a in ("strides", "pads", "dilations")]
    x_main, w_main = site.value(conv.X), site.value(conv.W)
    assert x_main is not None and w_main is not None
    cols = site.buffer(im2col_shape(x, w[2:], *window), "cols")
    site.kernel(kernel.Im2ColOp.build(
        operands=[x_main, cols], properties={
            "kernel_shape": ints(w[2:]), "strides": ints(window[0]), "pads": ints(window[1]),
            "dilations": ints(window[2])}), LoopSchedule())
    filt = site.view(w_main, (w[0], w[1] * w[2] * w[3], 1, 1))
    b, r = site.value(conv.B), site.value(conv.R)
    site.kernel(kernel.ConvOp.build(
        operands=[cols, filt, [b] if b else [], [r] if r else [], site.value(conv.Y)],
        properties={"strides": ints([1, 1]), "pads": ints([0, 0, 0, 0]),
                    "dilations": ints([1, 1]), "group": IntegerAttr(conv.group.value.data, i64),
                    **conv_properties(conv)}),
        sched.__class__("pointwise", sched.tile_channels, sched.tile_vectors, sched.lanes,
                        sched.loop_order, sched.ic_block))


@dataclass(frozen=True)
class ConvToIm2colPass(ModulePass):
    """Rewrite the convs scheduled `im2col` (see the module docstring)."""

    name = "conv-to-im2col"
    input_contract: ClassVar[contracts.Contract] = contracts.KERNELS

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        contracts.require(op, self.name, self.input_contract)
        rewrite_convs(ctx, op, ("im2col",), expand_im2col, self.name)
