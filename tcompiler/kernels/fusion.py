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

from xdsl.dialects.builtin import MemRefType, f32, i1
from xdsl.ir import Attribute, SSAValue


@dataclass(frozen=True)
class Leaf:
    """A materialized memref feeding an expression."""

    value: SSAValue


@dataclass(frozen=True)
class Node:
    """`kind` applied to children, yielding one scalar of element type `type`.

    Kinds (operands of one element type unless stated; see `emit.build_map`):
    - `const`: `value` (no children), of `type` (f32 when None);
    - arithmetic, on f32 or integers: add sub mul div (integers: truncating, x/0 = 0) max min
      neg abs; f32 only: pow sqrt exp log tanh erf sigmoid;
    - comparisons eq lt le gt ge, and isnan (f32), yield i1; and or xor not on i1;
    - select(cond: i1, a, b);
    - cast to `type` (any of f32, i64, i32, i1; float -> int truncates, x -> i1 is x != 0).
    `type` None means: the type of the first child (of the second for select).
    """

    kind: str
    children: tuple[Expr, ...] = ()
    value: float | int = 0.0
    type: Attribute | None = None


Expr = Leaf | Node

COMPARISONS = frozenset({"eq", "lt", "le", "gt", "ge", "isnan"})


def type_of(expr: Expr) -> Attribute:
    """The element type of the scalar `expr` yields."""
    if isinstance(expr, Leaf):
        ty = expr.value.type
        assert isinstance(ty, MemRefType)
        return ty.element_type
    if expr.type is not None:
        return expr.type
    if expr.kind in COMPARISONS:
        return i1
    if expr.kind == "select":
        return type_of(expr.children[1])
    if expr.children:
        return type_of(expr.children[0])
    return f32


def const(value: float | int, type: Attribute = f32) -> Node:
    return Node("const", value=value, type=type)


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
