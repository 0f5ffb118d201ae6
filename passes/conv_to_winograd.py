"""conv-to-winograd: a 3x3 stride-1 conv scheduled `winograd2`/`winograd4` becomes Winograd
F(2x2, 3x3) / F(4x4, 3x3) (Lavin & Gray): three kernels and two arena buffers.

- the filter transform U = G g G^T, [alpha^2, C_in, C_out], at compile time (a new weight);
- `kernel.winograd_input`: V = B^T d B of every alpha x alpha input tile, [alpha^2, T, C_in]
  (T = N * tiles, padding resolved statically);
- `kernel.matmul` V @ U -> M [alpha^2, T, C_out]: alpha^2 GEMMs on the register-tiled
  microkernel (`tiled`, with the schedule's tile; `ic_block` blocks the reduction);
- `kernel.winograd_output`: Y = act(A^T M A + bias + residual) per m x m output tile.

F(4x4) does 4x fewer multiplications than direct convolution, F(2x2) 2.25x; the transforms
cost O(alpha^2) per tile and channel and the error grows with m (the filter transform is done
in float64; the rest in float32). Valid for 3x3, stride-1, undilated, ungrouped 2-d convs
with at least `lanes` output channels and a constant filter.

Before:

    func.call @conv_0(%x, %w, %y) : (memref<1x2x6x6xf32>, memref<16x2x3x3xf32>,
                                     memref<1x16x4x4xf32>) -> ()

After (`winograd2`, 4 tiles):

    %u = kernel.weight "w.winograd2" : memref<16x2x16xf32>
    %v = kernel.buffer : memref<16x4x2xf32>
    func.call @winograd_input_0(%x, %v) : ...
    %m = kernel.buffer : memref<16x4x16xf32>
    func.call @matmul_0(%v, %u, %m) : ...
    func.call @winograd_output_0(%m, %y) : ...
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from xdsl.context import Context
from xdsl.dialects.builtin import IntegerAttr, ModuleOp, i64
from xdsl.passes import ModulePass

from tcompiler import contracts
from tcompiler.costmodel.schedules import GemmSchedule, LoopSchedule, winograd_tile
from tcompiler.dialects import kernel
from tcompiler.dialects.kernel import ints, shape
from tcompiler.kernels.conv_math import winograd_filter, winograd_v_shape
from tcompiler.kernels.conv_rewrite import Site, conv_properties, rewrite_convs


def expand_winograd(site: Site) -> None:
    conv, sched = site.conv, site.schedule
    m = winograd_tile(sched)
    x, y = shape(conv.X), shape(conv.Y)
    pads = kernel.int_values(conv.pads)
    name, values = site.filter()
    x_main = site.value(conv.X)
    assert x_main is not None
    u = site.weight(f"{name}.winograd{m}", winograd_filter(values, m))
    v_shape = winograd_v_shape(x, pads, m)
    v = site.buffer(v_shape, "tiles")
    site.kernel(kernel.WinogradInputOp.build(
        operands=[x_main, v], properties={"tile": IntegerAttr(m, i64), "pads": ints(pads)}),
        LoopSchedule())
    products = site.buffer((v_shape[0], v_shape[1], y[1]), "products")
    site.kernel(kernel.MatMulOp.build(operands=[v, u, products]),
                GemmSchedule("tiled", sched.tile_channels, sched.tile_vectors, sched.lanes,
                             sched.ic_block))
    b, r = site.value(conv.B), site.value(conv.R)
    site.kernel(kernel.WinogradOutputOp.build(
        operands=[products, [b] if b else [], [r] if r else [], site.value(conv.Y)],
        properties={"tile": IntegerAttr(m, i64), **conv_properties(conv)}), LoopSchedule())


@dataclass(frozen=True)
class ConvToWinogradPass(ModulePass):
    """Rewrite the convs scheduled `winograd2` or `winograd4` (see the module docstring)."""

    name = "conv-to-winograd"
    input_contract: ClassVar[contracts.Contract] = contracts.KERNELS

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        contracts.require(op, self.name, self.input_contract)
        rewrite_convs(ctx, op, ("winograd2", "winograd4"), expand_winograd, self.name)
