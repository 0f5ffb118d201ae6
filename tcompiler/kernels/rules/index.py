"""Rules for the index and layout ops of issue 14: Trilu, TopK, OneHot, ScatterND,
ScatterElements, DepthToSpace, SpaceToDepth (Einsum: `einsum.py`).

- Trilu is a `kernel.map` select(col - row >= k (upper) or <= k (lower), x, 0) over index
  tables (weights [N, 1] and [M]) and k (a constant, or a run-time scalar leaf): it fuses.
- TopK is `kernel.topk` (the indices, sorted best first, ties by the lower index) and a
  `kernel.gather_elements` of X at them (the values).
- OneHot is a map select(index == position, on, off) over the indices viewed with a 1 at
  `axis` (cast to i64, negative ones + depth) and a position table; `values` constant or
  picked with two `kernel.gather`s.
- ScatterND / ScatterElements are `kernel.scatter_nd` / `kernel.scatter_elements`.
- DepthToSpace and SpaceToDepth (DCR, CRD) are a `kernel.transpose` between two views (a 6-d
  reshape on each side).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from xdsl.dialects.builtin import IntegerAttr, MemRefType, StringAttr, TensorType, i64
from xdsl.ir import Attribute, SSAValue
from xdsl.irdl import IRDLOperation

from tcompiler.dialects import kernel
from tcompiler.dialects import onnx_index as oi
from tcompiler.dialects.kernel import ints
from tcompiler.dialects.kernel_index import ScatterElementsOp, ScatterNDOp, TopKOp
from tcompiler.dialects.onnx import attr_int, attr_str, node_name, shape_of
from tcompiler.kernels.attrs import normalize_axis
from tcompiler.kernels.convert import GraphConverter
from tcompiler.kernels.expr import Expr, Leaf, Node, const, type_of
from tcompiler.kernels.values import constant_of


def _element(value: SSAValue) -> Attribute:
    ty = value.type
    assert isinstance(ty, TensorType | MemRefType)
    return ty.element_type


def _as_i64(e: Expr) -> Expr:
    return e if type_of(e) == i64 else Node("cast", (e,), type=i64)


def _table(c: GraphConverter, n: int, trailing: int, name: str) -> Leaf:
    """A weight 0..n-1 of shape [n, 1 x `trailing`]."""
    return Leaf(c.weight(np.arange(n, dtype=np.int64).reshape((n,) + (1,) * trailing), name))


def trilu(c: GraphConverter, op: oi.TriluOp) -> None:
    if not c.needed(op.output):
        return
    rows, cols = shape_of(op.input)[-2:]
    row = _table(c, rows, 1, f"{node_name(op)}_rows")
    col = _table(c, cols, 0, f"{node_name(op)}_cols")
    k: Expr = const(0, i64) if op.k is None else _as_i64(c.expr(op.k))
    diagonal = Node("sub", (col, row))
    keep = Node("ge" if attr_int(op, "upper", 1) else "le", (diagonal, k))
    x = c.expr(op.input)
    c.define_map(op.output, Node("select", (keep, x, const(0, type_of(x)))))


def topk(c: GraphConverter, op: oi.TopKOp) -> None:
    axis = normalize_axis(attr_int(op, "axis", -1), len(shape_of(op.X)))
    props = {"axis": IntegerAttr(axis, i64),
             "largest": IntegerAttr(attr_int(op, "largest", 1), i64)}
    x = c.memref(op.X)
    if c.needed(op.Indices):
        c.define_kernel(op.Indices, TopKOp, [x], props)
        indices = c.memref(op.Indices)
    elif c.needed(op.Values):
        indices = c.buffer(MemRefType(i64, shape_of(op.Values)))
        c.insert(TopKOp.build(operands=[x, indices], properties=props))
    else:
        return
    c.define_kernel(op.Values, kernel.GatherElementsOp, [x, indices],
                    {"axis": IntegerAttr(axis, i64)})


def _pick(c: GraphConverter, values: SSAValue, position: int, name: str) -> Expr:
    """Element `position` of the 1-d onnx value `values`: a constant, or a 1-element buffer."""
    known = constant_of(c.weights, values)
    if known is not None:
        return const(known.ravel()[position].item(), _element(values))
    out = c.buffer(MemRefType(_element(values), (1,)))
    index = c.weight(np.array([position], np.int64), name)
    c.insert(kernel.GatherOp.build(operands=[c.memref(values), index, out],
                                   properties={"axis": IntegerAttr(0, i64)}))
    return Leaf(out)


def one_hot(c: GraphConverter, op: oi.OneHotOp) -> None:
    if not c.needed(op.output):
        return
    out = shape_of(op.output)
    axis = normalize_axis(attr_int(op, "axis", -1), len(out))
    depth = out[axis]
    dims = shape_of(op.indices)
    viewed = c.view(c.memref(op.indices),
                    MemRefType(_element(op.indices), dims[:axis] + (1,) + dims[axis:]))
    index = _as_i64(Leaf(viewed))
    zero = const(0, i64)
    index = Node("select", (Node("lt", (index, zero)),
                            Node("add", (index, const(depth, i64))), index))
    position = _table(c, depth, len(out) - axis - 1, f"{node_name(op)}_positions")
    off = _pick(c, op.values, 0, f"{node_name(op)}_off")
    on = _pick(c, op.values, 1, f"{node_name(op)}_on")
    c.define_map(op.output, Node("select", (Node("eq", (index, position)), on, off)))


def scatter(c: GraphConverter, op: oi.ScatterNDOp | oi.ScatterElementsOp) -> None:
    props: dict[str, Attribute] = {"reduction": StringAttr(attr_str(op, "reduction", "none"))}
    kernel_class: type[IRDLOperation] = ScatterNDOp
    if isinstance(op, oi.ScatterElementsOp):
        kernel_class = ScatterElementsOp
        axis = normalize_axis(attr_int(op, "axis", 0), len(shape_of(op.data)))
        props["axis"] = IntegerAttr(axis, i64)
    c.define_kernel(op.output, kernel_class,
                    [c.memref(op.data), c.memref(op.indices), c.memref(op.updates)], props)


def transposed_view(c: GraphConverter, result: SSAValue, source: SSAValue,
                    split: Sequence[int], perm: Sequence[int]) -> None:
    """result = source seen as `split`, transposed by `perm`, seen with result's shape."""
    src = c.view(c.memref(source), MemRefType(_element(source), split))
    moved = MemRefType(_element(source), [split[p] for p in perm])
    c.define(result, lambda dest: kernel.TransposeOp.build(
        operands=[src, c.view(dest, moved)], properties={"perm": ints(perm)}))


def depth_to_space(c: GraphConverter, op: oi.DepthToSpaceOp) -> None:
    n, ch, h, w = shape_of(op.input)
    b = op.blocksize.value.data
    if attr_str(op, "mode", "DCR") == "DCR":
        transposed_view(c, op.output, op.input, (n, b, b, ch // (b * b), h, w),
                        (0, 3, 4, 1, 5, 2))
        return
    transposed_view(c, op.output, op.input, (n, ch // (b * b), b, b, h, w), (0, 1, 4, 2, 5, 3))


def space_to_depth(c: GraphConverter, op: oi.SpaceToDepthOp) -> None:
    n, ch, h, w = shape_of(op.input)
    b = op.blocksize.value.data
    perm = (0, 3, 5, 1, 2, 4) if attr_str(op, "mode", "DCR") == "DCR" else (0, 1, 3, 5, 2, 4)
    transposed_view(c, op.output, op.input, (n, ch, h // b, b, w // b, b), perm)


RULES = {
    oi.TriluOp: trilu,
    oi.TopKOp: topk,
    oi.OneHotOp: one_hot,
    oi.ScatterNDOp: scatter,
    oi.ScatterElementsOp: scatter,
    oi.DepthToSpaceOp: depth_to_space,
    oi.SpaceToDepthOp: space_to_depth,
}
