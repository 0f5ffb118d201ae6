"""Scalar expression trees: what an elementwise conversion rule builds for `kernel.map`.

A rule describes its op as an `Expr` over its operands (`GraphConverter.expr` gives a `Leaf`
for a buffer, a `const` node for a splat constant); `maps.build_map` lowers the tree to the
body of a `kernel.map` (arith/math ops, one block argument per distinct leaf). Composite ops
(Gelu, HardSigmoid, ...) are spelled out as trees in `rules/elementwise.py`.
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.dialects.builtin import MemRefType, f32, i1
from xdsl.ir import Attribute, SSAValue


@dataclass(frozen=True)
class Leaf:
    """A buffer (memref) feeding an expression: a block argument of the map."""

    value: SSAValue


@dataclass(frozen=True)
class Node:
    """`kind` applied to children, yielding one scalar of element type `type`.

    Kinds (operands of one element type unless stated; see `maps.build_map`):
    - `const`: `value` (no children), of `type` (f32 when None);
    - arithmetic, on floats or integers: add sub mul div (integers: truncating, x/0 = 0) max min
      neg abs, rem (C fmod / %: the sign of the dividend) mod (Python %: the sign of the
      divisor); floats only: pow sqrt exp log tanh erf sigmoid floor ceil round (half to even)
      sin cos tan asin acos atan sinh cosh asinh acosh atanh;
    - comparisons eq lt le gt ge, and isnan (floats), yield i1; and or xor not: logical on
      i1, bitwise on integers; shl shr (integers; an amount outside [0, bits) shifts all out);
    - select(cond: i1, a, b);
    - cast to `type` (any element type; ONNX Cast semantics, `element_types.convert`;
      float8 targets saturate), cast_nosat (float8 overflow gives infinity or NaN);
      bitcast to `type` (of the same width; bool is a byte).
    Unsigned integer types (`ui8`...) get unsigned division, comparison, min/max and shifts.
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
