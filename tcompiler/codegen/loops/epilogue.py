"""The activation epilogue of `kernel.conv` (none, relu, or clip to [clip_min, clip_max]),
shared by the direct, pointwise and tiled convolution emitters, on scalars or vectors."""

from __future__ import annotations

from collections.abc import Callable

from xdsl.dialects import arith
from xdsl.ir import SSAValue

from tcompiler.codegen.loops.builder import LoopBuilder
from tcompiler.dialects.kernel import ConvOp


def has_activation(op: ConvOp) -> bool:
    return op.activation is not None and op.activation.data != "none"


def activate(b: LoopBuilder, value: SSAValue, op: ConvOp,
             constant: Callable[[float], SSAValue]) -> SSAValue:
    """`value` after the op's activation; `constant(c)` gives c in `value`'s type."""
    if op.clip_min is not None and op.clip_max is not None:
        low = b.fop(arith.MaximumfOp, value, constant(op.clip_min.value.data))
        return b.fop(arith.MinimumfOp, low, constant(op.clip_max.value.data))
    if op.activation is not None and op.activation.data == "relu":
        return b.fop(arith.MaximumfOp, value, constant(0.0))
    return value
