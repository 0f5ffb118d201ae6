"""Pending (not yet materialized) values of the onnx -> kernel conversion.

Fusion works by delaying: an op whose result has exactly one use does not write a buffer at
once; it becomes a pending value that its user may absorb:
- `Expr`: an elementwise expression tree over materialized leaf memrefs; a consumer of the
  same shape inlines it, so Add -> Mul -> Relu chains become one `kernel.map`.
- `PendingConv` / `PendingGemm`: a conv or gemm that a following Add (residual, same shape)
  and/or Relu can still join as epilogue.
Whatever is not absorbed is materialized when some other op needs its buffer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from xdsl.ir import SSAValue


@dataclass(frozen=True)
class Leaf:
    """A materialized memref feeding an expression."""

    value: SSAValue


@dataclass(frozen=True)
class Node:
    """`kind` applied to children: add, sub, mul, div, max, sqrt, or const (attr `value`)."""

    kind: str
    children: tuple[Expr, ...] = ()
    value: float = 0.0


Expr = Leaf | Node


def leaves(expr: Expr) -> list[SSAValue]:
    """Distinct leaf memrefs of `expr`, in first-visit order."""
    seen: dict[SSAValue, None] = {}

    def walk(e: Expr) -> None:
        if isinstance(e, Leaf):
            seen.setdefault(e.value, None)
            return
        for child in e.children:
            walk(child)

    walk(expr)
    return list(seen)


def size(expr: Expr) -> int:
    if isinstance(expr, Leaf):
        return 1
    return 1 + sum(size(c) for c in expr.children)


@dataclass
class PendingConv:
    """A kernel.conv whose epilogue (residual add, relu) is still open."""

    operands: dict[str, SSAValue]  # X, W, optional B
    props: dict[str, Any]
    residual: SSAValue | None = None
    activation: str = "none"
    names: list[str] = field(default_factory=list)


@dataclass
class PendingGemm:
    operands: dict[str, SSAValue]  # A, B, optional C
    props: dict[str, Any]
    activation: str = "none"
    names: list[str] = field(default_factory=list)


@dataclass
class Deferred:
    """Any other single kernel op, launched on its (materialized) inputs when needed."""

    op_class: type
    inputs: list[SSAValue]
    kind: str
    props: dict[str, Any]
    variadic: bool = False


Pending = Expr | PendingConv | PendingGemm | Deferred
