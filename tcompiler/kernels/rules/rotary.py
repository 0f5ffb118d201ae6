"""RotaryEmbedding (opset 23) as gathers and one `kernel.map`.

X is seen as V = [B, H, S, D] (4-d input) or [B, S, H, D] (3-d input [B, S, H*D], `num_heads`
given). Of each head's D values the first `rotary_embedding_dim` (R, default D) rotate in
pairs (d, partner(d)): halves (d and d + R/2) or, `interleaved`, neighbours (2i and 2i + 1).
With per-d tables built here (the cache column i(d), partner(d), sign(d) = -1 for the first
of a pair, +1 for the second, and the mask d < R):

    Y = select(mask, V * cos[b, s, i(d)] + V[.., partner(d)] * sign * sin[b, s, i(d)], V)

cos/sin are the caches gathered at `position_ids` ([B, S] into [max_position, R/2]) or the
caches themselves ([B, S, R/2]); their column gather by i(d) is done at compile time when
the cache is a constant, else by a `kernel.gather`. V[.., partner(d)] is a `kernel.gather`
along the last axis.
"""

from __future__ import annotations

import numpy as np
from xdsl.dialects.builtin import IntegerAttr, MemRefType, TensorType, i64
from xdsl.ir import Attribute, SSAValue

from tcompiler.dialects import kernel
from tcompiler.dialects.onnx import attr_int, node_name, shape_of
from tcompiler.dialects.onnx_math import RotaryEmbeddingOp
from tcompiler.kernels.convert import GraphConverter
from tcompiler.kernels.expr import Leaf, Node
from tcompiler.kernels.maps import build_map
from tcompiler.kernels.values import constant_of


def _element(value: SSAValue) -> Attribute:
    ty = value.type
    assert isinstance(ty, TensorType | MemRefType)
    return ty.element_type


def tables(head: int, rotary: int, interleaved: bool) -> tuple[np.ndarray, ...]:
    """(column i(d), partner(d), sign(d), mask(d)) for d < `head`."""
    d = np.arange(head)
    half = rotary // 2
    if interleaved:
        column, partner, first = d // 2, d ^ 1, d % 2 == 0
    else:
        column, partner, first = d % max(half, 1), (d + half) % max(rotary, 1), d < half
    mask = d < rotary
    column = np.where(mask, column, 0)
    partner = np.where(mask, partner, d)
    sign = np.where(first, -1.0, 1.0).astype(np.float32)
    return column.astype(np.int64), partner.astype(np.int64), sign, mask


def _gather(c: GraphConverter, source: SSAValue, indices: SSAValue, axis: int) -> SSAValue:
    x, i = source.type.get_shape(), indices.type.get_shape()  # type: ignore[attr-defined]
    dims = (*x[:axis], *i, *x[axis + 1:])
    out = c.buffer(MemRefType(_element(source), dims))
    c.insert(kernel.GatherOp.build(operands=[source, indices, out],
                                   properties={"axis": IntegerAttr(axis, i64)}))
    return out


def _cache(c: GraphConverter, op: RotaryEmbeddingOp, cache: SSAValue, column: np.ndarray,
           name: str) -> SSAValue:
    """The cache's column i(d) for every d, at `position_ids` when given: [B, S, D]."""
    known = constant_of(c.weights, cache)
    if known is not None:
        picked = c.weight(np.ascontiguousarray(known[..., column]), name)
    else:
        rank = len(shape_of(cache))
        picked = _gather(c, c.memref(cache), c.weight(column, f"{name}_columns"), rank - 1)
    if op.position_ids is None:
        return picked
    return _gather(c, picked, c.memref(op.position_ids), 0)


def rotary_embedding(c: GraphConverter, op: RotaryEmbeddingOp) -> None:
    if not c.needed(op.Y):
        return
    dims, element, name = shape_of(op.X), _element(op.X), node_name(op)
    if len(dims) == 4:
        batch, heads, seq, head = dims
        view = (batch, heads, seq, head)
    else:
        heads = attr_int(op, "num_heads", 1)
        batch, seq, head = dims[0], dims[1], dims[2] // heads
        view = (batch, seq, heads, head)
    rotary = attr_int(op, "rotary_embedding_dim", 0) or head
    column, partner, sign, mask = tables(head, rotary, bool(attr_int(op, "interleaved", 0)))
    wide = MemRefType(element, view)
    x = c.view(c.memref(op.X), wide)
    swapped = _gather(c, x, c.weight(partner, f"{name}_partner"), 3)
    by_position = (batch, 1, seq, head) if len(dims) == 4 else (batch, seq, 1, head)
    cos, sin = (c.view(_cache(c, op, cache, column, f"{name}_{what}"),
                       MemRefType(element, by_position))
                for cache, what in ((op.cos_cache, "cos"), (op.sin_cache, "sin")))
    signed_sin = Node("mul", (Leaf(sin), Leaf(c.weight(sign, f"{name}_sign"))))
    rotated = Node("add", (Node("mul", (Leaf(x), Leaf(cos))),
                           Node("mul", (Leaf(swapped), signed_sin))))
    expr = Node("select", (Leaf(c.weight(mask, f"{name}_mask")), rotated, Leaf(x)))
    c.define(op.Y, lambda dest: build_map(expr, c.view(dest, wide)))


RULES = {RotaryEmbeddingOp: rotary_embedding}
