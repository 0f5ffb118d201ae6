"""Rules for the transformer normalizations and LpPool of issue 14 (the fast paths of ops
that also have an ONNX function body; each matches that body's results).

- RMSNormalization: one `kernel.normalize` of part `rms` over the dims from `axis` on,
  Y = X / sqrt(mean(X^2) + epsilon) * scale.
- GroupNormalization: one `kernel.normalize` over X viewed as [N, G, C/G, spatial] (axes 2
  and 3), the per-channel scale and bias viewed as [G, C/G, 1], written through the same
  view of Y. (Opset 18's per-group scale is rejected by onnx's checker: never seen here.)
- LpPool: a map |x|^p, a `kernel.pool` of kind `sum` (padding adds nothing), a map s^(1/p).
"""

from __future__ import annotations

import math

from xdsl.dialects.builtin import FloatAttr, MemRefType, StringAttr, TensorType, f32
from xdsl.ir import Attribute, SSAValue

from tcompiler.dialects import kernel
from tcompiler.dialects import onnx_math as om
from tcompiler.dialects.onnx import attr_float, attr_int, shape_of
from tcompiler.kernels.attrs import normalize_axis, pool_props
from tcompiler.kernels.convert import GraphConverter
from tcompiler.kernels.expr import Expr, Leaf, Node, const, type_of
from tcompiler.kernels.maps import build_map
from tcompiler.kernels.rules.nn import normalize


def _element(value: SSAValue) -> Attribute:
    ty = value.type
    assert isinstance(ty, TensorType | MemRefType)
    return ty.element_type


def rms_normalization(c: GraphConverter, op: om.RMSNormalizationOp) -> None:
    rank = len(shape_of(op.X))
    axes = list(range(normalize_axis(attr_int(op, "axis", -1), rank), rank))
    eps = attr_float(op, "epsilon", 1e-5)
    c.define(op.Y, normalize(c, op.X, axes, eps, "rms", c.memref(op.scale)))


def group_normalization(c: GraphConverter, op: om.GroupNormalizationOp) -> None:
    dims = shape_of(op.X)
    groups = attr_int(op, "num_groups", 1)
    per_group, spatial = dims[1] // groups, math.prod(dims[2:])
    element = _element(op.X)
    grouped = MemRefType(element, (dims[0], groups, per_group, spatial))
    x = c.view(c.memref(op.X), grouped)

    def param(value: SSAValue) -> SSAValue:
        return c.view(c.memref(value), MemRefType(element, (groups, per_group, 1)))

    scale, bias = param(op.scale), param(op.bias)
    props = {"axes": kernel.ints([2, 3]),
             "epsilon": FloatAttr(attr_float(op, "epsilon", 1e-5), f32),
             "part": StringAttr("normalize")}
    c.define(op.Y, lambda dest: kernel.NormalizeOp.build(
        operands=[x, [scale], [bias], c.view(dest, grouped)], properties=props))


def lp_pool(c: GraphConverter, op: om.LpPoolOp) -> None:
    if not c.needed(op.Y):
        return
    p = attr_int(op, "p", 2)
    x = Leaf(c.memref(op.X))
    magnitude: Expr = Node("abs", (x,))
    powered = {1: magnitude, 2: Node("mul", (x, x))}.get(
        p, Node("pow", (magnitude, const(float(p), type_of(x)))))
    src = c.buffer(MemRefType(_element(op.X), shape_of(op.X)))
    c.insert(build_map(powered, src))
    total = c.buffer(MemRefType(_element(op.Y), shape_of(op.Y)))
    c.insert(kernel.PoolOp.build(operands=[src, total],
                                 properties={"kind": StringAttr("sum"), **pool_props(op)}))
    s = Leaf(total)
    root = {1: s, 2: Node("sqrt", (s,))}.get(p, Node("pow", (s, const(1.0 / p, type_of(s)))))
    c.define_map(op.Y, root)


RULES = {
    om.RMSNormalizationOp: rms_normalization,
    om.GroupNormalizationOp: group_normalization,
    om.LpPoolOp: lp_pool,
}
