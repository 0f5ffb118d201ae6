"""What each kernel of a compiled model is, for the report and the profiler (kept in the
artifact's manifest as `meta["kernels"]` and `meta["buffer_names"]`).

    kernel_metadata(kernel_functions) -> {kernel: {"op", "shapes", "fused", "flops", "bytes"}}
    fused_ops(op) -> ["conv", "bias", "residual", "relu"]   what one kernel computes
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from xdsl.dialects import arith, func
from xdsl.dialects.builtin import StringAttr
from xdsl.ir import SSAValue
from xdsl.irdl import OptOperandDef

from tcompiler.costmodel.facts import facts
from tcompiler.costmodel.kernel import flops, kernel_op_of
from tcompiler.dialects import kernel

EPILOGUE_OPERANDS = {"B": "bias", "C": "bias", "R": "residual"}
"""Optional operands that mean an op fused into the kernel, by operand name."""


def fused_ops(op: kernel.KernelOp) -> list[str]:
    """The operations one kernel computes, in order: its op, then what fusion put in it (a
    bias, a residual add, an activation; the body of an elementwise map)."""
    if isinstance(op, kernel.MapOp):
        body = [o.name.split(".")[-1] for o in op.body.block.ops
                if not isinstance(o, kernel.YieldOp | arith.ConstantOp)]
        return body or ["copy"]
    found = [op.name.removeprefix("kernel.")]
    for name, definition in type(op).get_irdl_definition().operands:
        if isinstance(definition, OptOperandDef) and isinstance(getattr(op, name), SSAValue):
            found.append(EPILOGUE_OPERANDS.get(name, name.lower()))
    activation = op.properties.get("activation")
    if isinstance(activation, StringAttr) and activation.data != "none":
        found.append(activation.data)
    return found


def kernel_metadata(kernels: Sequence[func.FuncOp]) -> dict[str, Any]:
    """Per kernel function: its op, operand shapes (by operand name; the last is the output),
    fused ops, floating-point operations (a multiply-add is 2) and bytes of all operands."""
    found: dict[str, Any] = {}
    for fn in kernels:
        op = kernel_op_of(fn)
        found[fn.sym_name.data] = {
            "op": op.name.removeprefix("kernel."), "shapes": operand_shapes(op),
            "fused": fused_ops(op), "flops": flops(op), "bytes": facts(op).bytes}
    return found


def operand_shapes(op: kernel.KernelOp) -> dict[str, list[int]]:
    """Operand name -> shape; a variadic operand's values numbered (inputs0, inputs1...)."""
    found: dict[str, list[int]] = {}
    for name, _ in type(op).get_irdl_definition().operands:
        value = getattr(op, name)
        values = [value] if isinstance(value, SSAValue) else list(value or ())
        for n, v in enumerate(values):
            key = name if isinstance(value, SSAValue) else f"{name}{n}"
            found[key] = list(v.type.get_shape())  # type: ignore[attr-defined]
    return found

