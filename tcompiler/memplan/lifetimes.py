"""Which bytes a kernel-level value names: views resolve to their base buffer."""

from __future__ import annotations

from xdsl.ir import SSAValue

from tcompiler.dialects import kernel


def base_of(value: SSAValue) -> SSAValue:
    """Follow views down to the value that owns the bytes (a buffer, weight or argument)."""
    while isinstance(value.owner, kernel.ViewOp):
        value = value.owner.source
    return value


def byte_offset(value: SSAValue) -> int:
    """Where `value`'s bytes start in its base's (views with an `offset` move it on)."""
    start = 0
    while isinstance(value.owner, kernel.ViewOp):
        start += value.owner.element_offset * _width(value)
        value = value.owner.source
    return start


def is_whole(value: SSAValue) -> bool:
    """`value` names every byte of its base (the base itself, or a reshape of it)."""
    return byte_offset(value) == 0 and nbytes(value) == nbytes(base_of(value))


def _width(value: SSAValue) -> int:
    return max(1, value.type.element_type.bitwidth // 8)  # type: ignore[attr-defined]


def nbytes(value: SSAValue, element_bytes: int = 0) -> int:
    """The value's bytes; `element_bytes` > 0 replaces its element type's width (COSMA's
    setting plans 8-bit tensors: 1 byte per element)."""
    return value.type.element_count() * (element_bytes or _width(value))  # type: ignore[attr-defined]
