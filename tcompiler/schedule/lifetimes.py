"""Lifetimes of the graph's intermediate buffers, read off `@main` at the kernel level.

Step i is the i-th `func.call` of `@main`. A buffer lives from the first step that touches it
(its producer) to the last step that reads it, views included (a view is its base's bytes).
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.dialects import func
from xdsl.ir import Operation, SSAValue

from tcompiler.dialects import kernel


@dataclass(frozen=True)
class Interval:
    buffer: kernel.BufferOp
    nbytes: int
    first: int
    last: int


def base_of(value: SSAValue) -> SSAValue:
    """Follow views down to the value that owns the bytes (a buffer, weight or argument)."""
    while isinstance(value.owner, kernel.ViewOp):
        value = value.owner.source
    return value


def nbytes(value: SSAValue) -> int:
    ty = value.type
    width = ty.element_type.bitwidth  # type: ignore[attr-defined]
    return ty.element_count() * max(1, width // 8)  # type: ignore[attr-defined]


def buffer_intervals(main: func.FuncOp) -> list[Interval]:
    first: dict[kernel.BufferOp, int] = {}
    last: dict[kernel.BufferOp, int] = {}
    step = 0
    for op in main.body.block.ops:
        if not isinstance(op, func.CallOp):
            continue
        for arg in op.arguments:
            owner: Operation | None = base_of(arg).owner  # type: ignore[assignment]
            if isinstance(owner, kernel.BufferOp):
                first.setdefault(owner, step)
                last[owner] = step
        step += 1
    return [Interval(b, nbytes(b.result), first[b], last[b]) for b in first]
