"""Which bytes a kernel-level value names: views resolve to their base buffer."""

from __future__ import annotations

from xdsl.ir import SSAValue

from tcompiler.dialects import kernel


def base_of(value: SSAValue) -> SSAValue:
    """Follow views down to the value that owns the bytes (a buffer, weight or argument)."""
    while isinstance(value.owner, kernel.ViewOp):
        value = value.owner.source
    return value


def nbytes(value: SSAValue, element_bytes: int = 0) -> int:
    """The value's bytes; `element_bytes` > 0 replaces its element type's width (COSMA's
    setting plans 8-bit tensors: 1 byte per element)."""
    ty = value.type
    width = element_bytes or max(1, ty.element_type.bitwidth // 8)  # type: ignore[attr-defined]
    return ty.element_count() * width  # type: ignore[attr-defined]
