"""conv-to-packed: a conv scheduled `packed` gets its filter packed at compile time into
blocks of B = `lanes` x `tile_vectors` output channels, [ceil(C_out/B), C_in, KH, KW, B] (a
new weight "<filter>.packed<B>", zero past C_out), for the direct conv vectorized along output
channels (`tcompiler/codegen/loops/conv_packed.py`). The conv stays one kernel: only its
filter operand changes. Valid for 2-d ungrouped convs wider than 1x1 with at least `lanes`
output channels and a constant filter.

Before:

    func.call @conv_0(%x, %w, %y) : (memref<1x2x6x6xf32>, memref<20x2x3x3xf32>,
                                     memref<1x20x4x4xf32>) -> ()

After (lanes 8, tile_vectors 2: B = 16, 2 blocks):

    %p = kernel.weight "w.packed16" : memref<2x2x3x3x16xf32>
    func.call @conv_1(%x, %p, %y) : (memref<1x2x6x6xf32>, memref<2x2x3x3x16xf32>,
                                     memref<1x20x4x4xf32>) -> ()
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.passes import ModulePass

from tcompiler import contracts
from tcompiler.dialects import kernel
from tcompiler.kernels.conv_math import packed_filter
from tcompiler.kernels.conv_rewrite import Site, rewrite_convs


def expand_packed(site: Site) -> None:
    conv, sched = site.conv, site.schedule
    name, values = site.filter()
    block = sched.lanes * sched.tile_vectors
    packed = site.weight(f"{name}.packed{block}", packed_filter(values, block))
    b, r = site.value(conv.B), site.value(conv.R)
    site.kernel(kernel.ConvOp.build(
        operands=[site.value(conv.X), packed, [b] if b else [], [r] if r else [],
                  site.value(conv.Y)],
        properties={name: conv.properties[name] for name in conv.properties
                    if name != "schedule"}), sched)


@dataclass(frozen=True)
class ConvToPackedPass(ModulePass):
    """Pack the filters of the convs scheduled `packed` (see the module docstring)."""

    name = "conv-to-packed"
    input_contract: ClassVar[contracts.Contract] = contracts.KERNELS

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        contracts.require(op, self.name, self.input_contract)
        rewrite_convs(ctx, op, ("packed",), expand_packed, self.name)
