"""Einsum as transposes, views, sum reductions and batched `kernel.matmul`s.

The equation is parsed into one letter string per operand and one for the output (implicit
output: the letters used once, in alphabetical order, after the ellipsis dims); `...` becomes
fresh letters, right-aligned across operands. Then:
1. each operand sums away (`kernel.reduce`) the letters no other operand and not the output
   has (`ij->i`, a trace-free `i,i`'s partner letters stay);
2. operands fold left to right: A and B are transposed to [batch, A-only, contracted] and
   [batch, contracted, B-only], viewed as [Bt, M, K] and [Bt, K, N], and multiplied; the
   product, viewed as [batch, A-only, B-only], is the next A;
3. the last value is transposed to the output's letter order and holds the output.
A letter repeated within one operand (a diagonal) and ellipsis dims that broadcast (1 against
n) are declined, as are integer operands (`kernel.matmul` is f32).
"""

from __future__ import annotations

import string
from collections.abc import Sequence
from dataclasses import dataclass

from xdsl.dialects.builtin import IntegerType, MemRefType, StringAttr
from xdsl.ir import Attribute, SSAValue

from tcompiler.dialects import kernel
from tcompiler.dialects.kernel import ints
from tcompiler.dialects.onnx import node_name, shape_of
from tcompiler.dialects.onnx_index import EinsumOp
from tcompiler.errors import UnsupportedModelError
from tcompiler.kernels.convert import GraphConverter


@dataclass(frozen=True)
class Term:
    """A buffer whose dims carry the letters of `letters`, in order."""

    memref: SSAValue
    letters: str

    def dims(self) -> tuple[int, ...]:
        return tuple(self.memref.type.get_shape())  # type: ignore[attr-defined]


def parse(equation: str, ranks: Sequence[int]) -> tuple[list[str], str]:
    """(letters of each operand, letters of the output), with `...` as fresh upper-case
    letters; ValueError for what this lowering does not take."""
    text = equation.replace(" ", "")
    lhs, arrow, rhs = text.partition("->")
    terms = lhs.split(",")
    fresh = [ch for ch in string.ascii_uppercase if ch not in text]
    widths = [rank - (len(t) - 3 if "..." in t else len(t)) for t, rank in zip(terms, ranks)]
    ellipsis = "".join(fresh[:max([w for t, w in zip(terms, widths) if "..." in t] or [0])])
    operands = []
    for term, width in zip(terms, widths):
        letters = term.replace("...", ellipsis[len(ellipsis) - width:] if width else "")
        if len(set(letters)) != len(letters):
            raise ValueError(f"operand {term!r} repeats a letter (a diagonal)")
        operands.append(letters)
    if arrow:
        output = rhs.replace("...", ellipsis)
    else:
        counts = {ch: lhs.count(ch) for ch in set(lhs) if ch.isalpha()}
        output = ellipsis + "".join(sorted(ch for ch, n in counts.items() if n == 1))
    return operands, output


def _sizes(terms: Sequence[Term]) -> dict[str, int]:
    sizes: dict[str, int] = {}
    for term in terms:
        for letter, extent in zip(term.letters, term.dims()):
            if sizes.setdefault(letter, extent) != extent:
                raise ValueError(f"letter {letter!r} has extents {sizes[letter]} and {extent}")
    return sizes


def _buffer(c: GraphConverter, element: Attribute, dims: Sequence[int]) -> SSAValue:
    return c.buffer(MemRefType(element, list(dims)))


def _element(value: SSAValue) -> Attribute:
    return value.type.element_type  # type: ignore[attr-defined]


def _sum_away(c: GraphConverter, term: Term, keep: set[str]) -> Term:
    axes = [d for d, letter in enumerate(term.letters) if letter not in keep]
    if not axes:
        return term
    dims = [e for d, e in enumerate(term.dims()) if d not in axes]
    out = _buffer(c, _element(term.memref), dims)
    c.insert(kernel.ReduceOp.build(operands=[term.memref, out], properties={
        "kind": StringAttr("sum"), "axes": ints(axes)}))
    return Term(out, "".join(ch for ch in term.letters if ch in keep))


def _arranged(c: GraphConverter, term: Term, letters: str) -> SSAValue:
    """`term` transposed so that its dims carry `letters` (a permutation of its own)."""
    perm = [term.letters.index(ch) for ch in letters]
    if perm == sorted(perm):
        return term.memref
    dims = [term.dims()[p] for p in perm]
    out = _buffer(c, _element(term.memref), dims)
    c.insert(kernel.TransposeOp.build(operands=[term.memref, out],
                                      properties={"perm": ints(perm)}))
    return out


def _view(c: GraphConverter, memref: SSAValue, dims: Sequence[int]) -> SSAValue:
    ty = MemRefType(_element(memref), list(dims))
    return memref if memref.type == ty else c.view(memref, ty)


def _product(c: GraphConverter, a: Term, b: Term, keep: set[str], sizes: dict[str, int]
             ) -> Term:
    batch = "".join(ch for ch in a.letters if ch in b.letters and ch in keep)
    contracted = "".join(ch for ch in a.letters if ch in b.letters and ch not in keep)
    a_only = "".join(ch for ch in a.letters if ch not in b.letters)
    b_only = "".join(ch for ch in b.letters if ch not in a.letters)

    def extent(letters: str) -> int:
        total = 1
        for ch in letters:
            total *= sizes[ch]
        return total

    bt, m, k, n = extent(batch), extent(a_only), extent(contracted), extent(b_only)
    left = _view(c, _arranged(c, a, batch + a_only + contracted), (bt, m, k))
    right = _view(c, _arranged(c, b, batch + contracted + b_only), (bt, k, n))
    out = _buffer(c, _element(a.memref), (bt, m, n))
    c.insert(kernel.MatMulOp.build(operands=[left, right, out]))
    letters = batch + a_only + b_only
    return Term(_view(c, out, [sizes[ch] for ch in letters]), letters)


def einsum(c: GraphConverter, op: EinsumOp) -> None:
    if not c.needed(op.Output):
        return
    where = f"{op.name} ({node_name(op)})"
    if isinstance(_element(op.Output), IntegerType):
        raise UnsupportedModelError([f"{where} on integers (tcc: float32 matmuls only)"])
    try:
        letters, output = parse(op.equation.data, [len(shape_of(v)) for v in op.Inputs])
        terms = [Term(c.memref(v), t) for v, t in zip(op.Inputs, letters)]
        sizes = _sizes(terms)
    except ValueError as err:
        raise UnsupportedModelError([f"{where}: equation {op.equation.data!r}: {err}"]) from None
    current = _sum_away(c, terms[0], set(output).union(*(t.letters for t in terms[1:])))
    for i, term in enumerate(terms[1:], start=1):
        keep = set(output).union(*(t.letters for t in terms[i + 1:]))
        current = _sum_away(c, current, keep | set(term.letters))
        term = _sum_away(c, term, keep | set(current.letters))
        current = _product(c, current, term, keep, sizes)
    current = _sum_away(c, current, set(output))
    c.bind(op.Output, _view(c, _arranged(c, current, output), shape_of(op.Output)))


RULES = {EinsumOp: einsum}
