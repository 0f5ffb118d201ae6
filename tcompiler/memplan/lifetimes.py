"""Which bytes a kernel-level value names: views resolve to their base buffer."""

from __future__ import annotations

from xdsl.ir import SSAValue

from tcompiler.dialects import kernel


def base_of(value: SSAValue) -> SSAValue:
    """Follow views down to the value that owns the bytes (a buffer, weight or argument)."""
    while isinstance(value.owner, kernel.ViewOp):
        value = value.owner.source
    return value


def nbytes(value: SSAValue) -> int:
    ty = value.type
    width = ty.element_type.bitwidth  # type: ignore[attr-defined]
    return ty.element_count() * max(1, width // 8)  # type: ignore[attr-defined]
