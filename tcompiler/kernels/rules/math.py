"""Rules for the math family of issue 14: unary math, activations, the composite reductions,
ArgMax/ArgMin, Hardmax, LpNormalization, CumSum/CumProd.

- Unary math and activations are single `kernel.map`s (so `fuse-elementwise` fuses them):
  Sin..Atanh are `math` ops (lowered to LLVM intrinsics or libm calls: scalar, not
  vectorized), the activations are spelled out over exp/log/tanh (vectorizable, see
  `expand-math`) as their ONNX definitions say. Softplus is the stable
  max(x, 0) + log(1 + exp(-|x|)).
- A reduction is `pre` (a map on the input) -> `kernel.reduce` -> `post` (a map on the
  result): ReduceL1 = sum of |x|, ReduceL2 = sqrt of the sum of x^2, ReduceSumSquare,
  ReduceLogSum = log of the sum, ReduceProd; with `noop_with_empty_axes` and no axes only the
  maps run (as onnx.reference: ReduceL2 gives |x|). ReduceLogSumExp subtracts the max first
  (a max reduce, a map exp(x - m), a sum reduce, a map log(s) + m; an infinite or NaN max is
  not subtracted). L2, LogSum and LogSumExp compute in floats only (`FLOAT_ONLY`).
- ArgMax/ArgMin are `kernel.arg_reduce`; Hardmax is an arg_reduce (keepdims) and a map
  comparing it with an index table along the axis; LpNormalization a reduce of |x| or x^2
  (keepdims) and a map x / norm.
- CumSum/CumProd are `kernel.scan`; their axis operand must be a constant.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from xdsl.dialects.builtin import (
    IntegerAttr,
    IntegerType,
    MemRefType,
    StringAttr,
    TensorType,
    f32,
    i64,
)
from xdsl.ir import Attribute, SSAValue

from tcompiler.dialects import kernel, onnx
from tcompiler.dialects import onnx_math as om
from tcompiler.dialects.kernel import ints
from tcompiler.dialects.kernel_index import ArgReduceOp, ScanOp
from tcompiler.dialects.onnx import attr_float, attr_int, node_name, shape_of
from tcompiler.errors import UnsupportedModelError
from tcompiler.kernels.attrs import normalize_axis
from tcompiler.kernels.convert import GraphConverter
from tcompiler.kernels.expr import Expr, Leaf, Node, const, type_of
from tcompiler.kernels.maps import build_map
from tcompiler.kernels.rules.reduce import reduce_axes
from tcompiler.kernels.values import constant_of

Unary = Callable[[Expr], Expr]


def _element(value: SSAValue) -> Attribute:
    ty = value.type
    assert isinstance(ty, TensorType | MemRefType)
    return ty.element_type


def _c(value: float, like: Expr) -> Node:
    return const(value, type_of(like))


def _n(kind: str, *children: Expr) -> Node:
    return Node(kind, children)


def _map_rule(build: Callable[[onnx.IRDLOperation, Expr], Expr]
              ) -> Callable[[GraphConverter, onnx.IRDLOperation], None]:
    """A unary op whose result is `build(op, x)` elementwise."""

    def rule(c: GraphConverter, op: onnx.IRDLOperation) -> None:
        x = c.expr(op.operands[0])
        c.define_map(op.results[0], build(op, x))

    return rule


def _math(kind: str) -> Callable[[GraphConverter, onnx.IRDLOperation], None]:
    return _map_rule(lambda op, x: _n(kind, x))


# ----------------------------------------------------------------------------- activations


def _softplus(x: Expr) -> Expr:
    """log(1 + e^x) as max(x, 0) + log(1 + e^-|x|): no overflow for large x."""
    tail = _n("log", _n("add", _c(1.0, x), _n("exp", _n("neg", _n("abs", x)))))
    return _n("add", _n("max", x, _c(0.0, x)), tail)


def _elu(op: onnx.IRDLOperation, x: Expr) -> Expr:
    alpha = attr_float(op, "alpha", 1.0)
    negative = _n("mul", _c(alpha, x), _n("sub", _n("exp", x), _c(1.0, x)))
    return _n("select", _n("lt", x, _c(0.0, x)), negative, x)


def _selu(op: onnx.IRDLOperation, x: Expr) -> Expr:
    alpha = attr_float(op, "alpha", 1.67326319217681884765625)
    gamma = attr_float(op, "gamma", 1.05070102214813232421875)
    negative = _n("sub", _n("mul", _c(alpha, x), _n("exp", x)), _c(alpha, x))
    return _n("mul", _c(gamma, x), _n("select", _n("le", x, _c(0.0, x)), negative, x))


def _celu(op: onnx.IRDLOperation, x: Expr) -> Expr:
    alpha = attr_float(op, "alpha", 1.0)
    scaled = _n("mul", _c(alpha, x),
                _n("sub", _n("exp", _n("div", x, _c(alpha, x))), _c(1.0, x)))
    return _n("add", _n("max", x, _c(0.0, x)), _n("min", scaled, _c(0.0, x)))


def _thresholded_relu(op: onnx.IRDLOperation, x: Expr) -> Expr:
    alpha = attr_float(op, "alpha", 1.0)
    return _n("select", _n("gt", x, _c(alpha, x)), x, _c(0.0, x))


def _shrink(op: onnx.IRDLOperation, x: Expr) -> Expr:
    """Computed in f32 (the map's output conversion truncates an integer result)."""
    bias, lambd = attr_float(op, "bias", 0.0), attr_float(op, "lambd", 0.5)
    xf = x if not isinstance(type_of(x), IntegerType) else Node("cast", (x,), type=f32)
    low = _n("select", _n("lt", xf, _c(-lambd, xf)), _n("add", xf, _c(bias, xf)), _c(0.0, xf))
    return _n("select", _n("gt", xf, _c(lambd, xf)), _n("sub", xf, _c(bias, xf)), low)


def _sign(op: onnx.IRDLOperation, x: Expr) -> Expr:
    signed = _n("select", _n("gt", x, _c(0, x)), _c(1, x),
                _n("select", _n("lt", x, _c(0, x)), _c(-1, x), _c(0, x)))
    if isinstance(type_of(x), IntegerType):
        return signed
    return _n("select", _n("isnan", x), x, signed)


def _swish(op: onnx.IRDLOperation, x: Expr) -> Expr:
    alpha = attr_float(op, "alpha", 1.0)
    return _n("mul", x, _n("sigmoid", _n("mul", x, _c(alpha, x))))


ACTIVATIONS: dict[type[onnx.IRDLOperation], Callable[[onnx.IRDLOperation, Expr], Expr]] = {
    om.SoftplusOp: lambda op, x: _softplus(x),
    om.SoftsignOp: lambda op, x: _n("div", x, _n("add", _c(1.0, x), _n("abs", x))),
    om.EluOp: _elu,
    om.SeluOp: _selu,
    om.CeluOp: _celu,
    om.MishOp: lambda op, x: _n("mul", x, _n("tanh", _softplus(x))),
    om.ThresholdedReluOp: _thresholded_relu,
    om.ShrinkOp: _shrink,
    om.SignOp: _sign,
    om.SwishOp: _swish,
}

MATH_KINDS: dict[type[onnx.IRDLOperation], str] = {
    om.SinOp: "sin", om.CosOp: "cos", om.TanOp: "tan", om.AsinOp: "asin", om.AcosOp: "acos",
    om.AtanOp: "atan", om.SinhOp: "sinh", om.CoshOp: "cosh", om.AsinhOp: "asinh",
    om.AcoshOp: "acosh", om.AtanhOp: "atanh",
}


# ----------------------------------------------------------------------------- reductions


def _temp(c: GraphConverter, element: Attribute, dims: tuple[int, ...]) -> SSAValue:
    return c.buffer(MemRefType(element, dims))


def _reduce_into(c: GraphConverter, src: SSAValue, kind: str, axes: list[int]) -> SSAValue:
    """A new keepdims-shaped buffer holding the `kind` reduction of `src` over `axes`."""
    x = tuple(src.type.get_shape())  # type: ignore[attr-defined]
    dims = tuple(1 if d in axes else e for d, e in enumerate(x))
    out = _temp(c, _element(src), dims)
    c.insert(kernel.ReduceOp.build(operands=[src, out], properties={
        "kind": StringAttr(kind), "axes": ints(axes)}))
    return out


def _map_into(c: GraphConverter, expr: Expr, element: Attribute, dims: tuple[int, ...]
              ) -> SSAValue:
    out = _temp(c, element, dims)
    c.insert(build_map(expr, out))
    return out


def _viewed(c: GraphConverter, memref: SSAValue, like: SSAValue) -> SSAValue:
    """`memref` (a keepdims reduction) seen with the shape of the onnx value `like`."""
    ty = MemRefType(_element(memref), shape_of(like))
    return memref if memref.type == ty else c.view(memref, ty)


def _composite(kind: str, pre: Unary | None, post: Unary | None
               ) -> Callable[[GraphConverter, onnx.IRDLOperation], None]:
    """result = post(reduce_kind(pre(data)))."""

    def rule(c: GraphConverter, op: onnx.IRDLOperation) -> None:
        assert isinstance(op, onnx._ReduceBase)
        if type(op) in FLOAT_ONLY and isinstance(_element(op.data), IntegerType):
            raise UnsupportedModelError([f"{op.name} ({node_name(op)}) on "
                                         f"{_element(op.data)} (tcc: floats only)"])
        if not c.needed(op.reduced):
            return
        axes = reduce_axes(c, op)
        first, last = pre or (lambda e: e), post or (lambda e: e)
        src = c.memref(op.data)
        if axes is None:
            c.define_map(op.reduced, last(first(Leaf(src))))
            return
        if pre is not None:
            src = _map_into(c, pre(Leaf(src)), _element(src), shape_of(op.data))
        props = {"kind": StringAttr(kind), "axes": ints(axes)}
        if post is None:
            c.define_kernel(op.reduced, kernel.ReduceOp, [src], props)
            return
        reduced = _viewed(c, _reduce_into(c, src, kind, axes), op.reduced)
        c.define_map(op.reduced, post(Leaf(reduced)))

    return rule


def _finite_or_zero(m: Expr) -> Expr:
    """m where it is finite, else 0 (what ReduceLogSumExp subtracts)."""
    return _n("select", _n("lt", _n("abs", m), _c(math.inf, m)), m, _c(0.0, m))


def reduce_log_sum_exp(c: GraphConverter, op: om.ReduceLogSumExpOp) -> None:
    if isinstance(_element(op.data), IntegerType):
        raise UnsupportedModelError([f"{op.name} ({node_name(op)}) on {_element(op.data)} "
                                     "(tcc: floats only)"])
    if not c.needed(op.reduced):
        return
    axes = reduce_axes(c, op)
    src = c.memref(op.data)
    if axes is None:  # log(exp(x - x)) + x
        c.alias(op.reduced, op.data)
        return
    largest = _reduce_into(c, src, "max", axes)
    m = _finite_or_zero(Leaf(largest))
    shifted = _map_into(c, _n("exp", _n("sub", Leaf(src), m)), _element(src), shape_of(op.data))
    total = _reduce_into(c, shifted, "sum", axes)
    m_out = _finite_or_zero(Leaf(_viewed(c, largest, op.reduced)))
    c.define_map(op.reduced, _n("add", _n("log", Leaf(_viewed(c, total, op.reduced))), m_out))


FLOAT_ONLY = (om.ReduceL2Op, om.ReduceLogSumOp)

REDUCTIONS = {
    om.ReduceL1Op: _composite("sum", lambda x: _n("abs", x), None),
    om.ReduceL2Op: _composite("sum", lambda x: _n("mul", x, x), lambda s: _n("sqrt", s)),
    om.ReduceSumSquareOp: _composite("sum", lambda x: _n("mul", x, x), None),
    om.ReduceLogSumOp: _composite("sum", None, lambda s: _n("log", s)),
    om.ReduceProdOp: _composite("prod", None, None),
    om.ReduceLogSumExpOp: reduce_log_sum_exp,
}


# ----------------------------------------------------------------------------- along an axis


def arg_reduce(c: GraphConverter, op: om.ArgMaxOp | om.ArgMinOp) -> None:
    axis = normalize_axis(attr_int(op, "axis", 0), len(shape_of(op.data)))
    c.define_kernel(op.reduced, ArgReduceOp, [c.memref(op.data)], {
        "kind": StringAttr("max" if isinstance(op, om.ArgMaxOp) else "min"),
        "axis": IntegerAttr(axis, i64),
        "select_last": IntegerAttr(attr_int(op, "select_last_index", 0), i64)})


def _index_table(c: GraphConverter, dims: tuple[int, ...], axis: int, name: str) -> SSAValue:
    """A weight [n, 1, ..., 1] (n = dims[axis], rank len(dims) - axis) holding 0..n-1: the
    index along `axis` when broadcast against a tensor of shape `dims`."""
    table = np.arange(dims[axis], dtype=np.int64).reshape((-1,) + (1,) * (len(dims) - axis - 1))
    return c.weight(table, name)


def hardmax(c: GraphConverter, op: om.HardmaxOp) -> None:
    if not c.needed(op.output):
        return
    dims = shape_of(op.input)
    axis = normalize_axis(attr_int(op, "axis", -1), len(dims))
    best = _temp(c, i64, dims[:axis] + (1,) + dims[axis + 1:])
    c.insert(ArgReduceOp.build(operands=[c.memref(op.input), best], properties={
        "kind": StringAttr("max"), "axis": IntegerAttr(axis, i64),
        "select_last": IntegerAttr(0, i64)}))
    index = Leaf(_index_table(c, dims, axis, f"{node_name(op)}_index"))
    c.define_map(op.output, Node("cast", (_n("eq", index, Leaf(best)),), type=_element(op.input)))


def lp_normalization(c: GraphConverter, op: om.LpNormalizationOp) -> None:
    if not c.needed(op.output):
        return
    dims = shape_of(op.input)
    axis = normalize_axis(attr_int(op, "axis", -1), len(dims))
    p = attr_int(op, "p", 2)
    x = Leaf(c.memref(op.input))
    powered = _map_into(c, _n("abs", x) if p == 1 else _n("mul", x, x), _element(op.input), dims)
    norm: Expr = Leaf(_reduce_into(c, powered, "sum", [axis]))
    if p == 2:
        norm = _n("sqrt", norm)
    zero = const(0, type_of(x))  # a zero norm gives 0, as onnxruntime and the reference do
    c.define_map(op.output, _n("select", _n("eq", norm, zero), zero, _n("div", x, norm)))


def scan(c: GraphConverter, op: om.CumSumOp | om.CumProdOp) -> None:
    known = constant_of(c.weights, op.axis)
    if known is None:
        raise UnsupportedModelError([f"{op.name} ({node_name(op)}): axis computed at run time "
                                     "(it must be constant)"])
    axis = normalize_axis(int(known.ravel()[0]), max(len(shape_of(op.x)), 1))
    c.define_kernel(op.y, ScanOp, [c.memref(op.x)], {
        "kind": StringAttr("sum" if isinstance(op, om.CumSumOp) else "prod"),
        "axis": IntegerAttr(axis, i64),
        "exclusive": IntegerAttr(attr_int(op, "exclusive", 0), i64),
        "reverse": IntegerAttr(attr_int(op, "reverse", 0), i64)})


RULES = {
    **{cls: _math(kind) for cls, kind in MATH_KINDS.items()},
    **{cls: _map_rule(build) for cls, build in ACTIVATIONS.items()},
    **REDUCTIONS,
    om.ArgMaxOp: arg_reduce,
    om.ArgMinOp: arg_reduce,
    om.HardmaxOp: hardmax,
    om.LpNormalizationOp: lp_normalization,
    om.CumSumOp: scan,
    om.CumProdOp: scan,
}
