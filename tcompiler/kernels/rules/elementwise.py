"""Rules for elementwise ops: each becomes one `kernel.map` (fusion is a later pass's job).

Each rule builds a typed `Expr` (expr.py) over its operands, broadcast to its result's shape:
`c.expr(v)` turns a splat constant into a `const` node and anything else into the leaf of its
buffer. Composite ops are spelled out here (Gelu, HardSigmoid, LeakyRelu, ...);
`maps.build_map` turns node kinds into arith/math. (`fuse-conv-epilogue` later folds a map
that is a Relu, a constant Clip or a residual Add of a conv into the conv.)
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from xdsl.dialects.builtin import IntegerType, TensorType, f64
from xdsl.ir import Attribute, SSAValue

from tcompiler.dialects import onnx
from tcompiler.dialects.onnx import attr_float, attr_str, node_name, shape_of
from tcompiler.errors import ModelError
from tcompiler.kernels.convert import GraphConverter
from tcompiler.kernels.expr import Expr, Node, const, type_of


def _element(value: SSAValue) -> Attribute:
    ty = value.type
    assert isinstance(ty, TensorType)
    return ty.element_type


def _zero(e: Expr) -> Node:
    return const(0, type_of(e))


def _map(c: GraphConverter, result: SSAValue, operands: Sequence[SSAValue],
         build: Callable[..., Expr]) -> None:
    """result = build(*operand expressions), each operand broadcast to result's shape."""
    c.define_map(result, build(*(c.expr(v) for v in operands)))


def _unary(kind: str) -> Callable[[GraphConverter, onnx.IRDLOperation], None]:
    def rule(c: GraphConverter, op: onnx.IRDLOperation) -> None:
        x, y = op.operands[0], op.results[0]
        _map(c, y, [x], lambda e: Node(kind, (e,)))

    return rule


def _binary(kind: str) -> Callable[[GraphConverter, onnx.IRDLOperation], None]:
    def rule(c: GraphConverter, op: onnx.IRDLOperation) -> None:
        _map(c, op.results[0], op.operands, lambda a, b: Node(kind, (a, b)))

    return rule


# ----------------------------------------------------------------------------- activations


def relu(c: GraphConverter, op: onnx.ReluOp) -> None:
    _map(c, op.Y, [op.X], lambda x: Node("max", (x, _zero(x))))


def _negative_scaled(x: Expr, slope: Expr) -> Node:
    """x if x >= 0 else slope * x (LeakyRelu, PRelu)."""
    return Node("select", (Node("lt", (x, _zero(x))), Node("mul", (x, slope)), x))


def leaky_relu(c: GraphConverter, op: onnx.LeakyReluOp) -> None:
    alpha = attr_float(op, "alpha", 0.01)
    _map(c, op.Y, [op.X], lambda x: _negative_scaled(x, const(alpha, type_of(x))))


def prelu(c: GraphConverter, op: onnx.PReluOp) -> None:
    x, slope = shape_of(op.X), shape_of(op.slope)
    uniform = isinstance(c.expr(op.slope), Node)  # a splat constant: one value, any shape
    if not uniform and any(s not in (1, d) for s, d in zip(slope[::-1], x[::-1])):
        raise ModelError(f"PRelu ({node_name(op)}): slope {list(slope)} does not broadcast "
                         f"to the input {list(x)}")
    _map(c, op.Y, [op.X, op.slope], _negative_scaled)


def clip(c: GraphConverter, op: onnx.ClipOp) -> None:
    """numpy's clip: min(max(x, lo), hi), so hi wins when lo > hi; absent bounds are open."""
    if op.min is None and op.max is None:
        c.alias(op.output, op.input)
        return
    expr = c.expr(op.input)
    if op.min is not None:
        expr = Node("max", (expr, c.expr(op.min)))
    if op.max is not None:
        expr = Node("min", (expr, c.expr(op.max)))
    c.define_map(op.output, expr)


def _hard_sigmoid(x: Expr, alpha: float, beta: float) -> Node:
    ty = type_of(x)
    linear = Node("add", (Node("mul", (x, const(alpha, ty))), const(beta, ty)))
    return Node("max", (Node("min", (linear, const(1.0, ty))), const(0.0, ty)))


def hard_sigmoid(c: GraphConverter, op: onnx.HardSigmoidOp) -> None:
    alpha, beta = attr_float(op, "alpha", 0.2), attr_float(op, "beta", 0.5)
    _map(c, op.Y, [op.X], lambda x: _hard_sigmoid(x, alpha, beta))


def hard_swish(c: GraphConverter, op: onnx.HardSwishOp) -> None:
    _map(c, op.Y, [op.X], lambda x: Node("mul", (x, _hard_sigmoid(x, 1.0 / 6.0, 0.5))))


def gelu(c: GraphConverter, op: onnx.GeluOp) -> None:
    """x/2 (1 + erf(x / sqrt 2)), or with approximate="tanh"
    x/2 (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))."""
    tanh = attr_str(op, "approximate", "none") == "tanh"

    def build(x: Expr) -> Expr:
        ty = type_of(x)
        if tanh:
            cube = Node("mul", (Node("mul", (x, x)), x))
            inner = Node("add", (x, Node("mul", (cube, const(0.044715, ty)))))
            core = Node("tanh", (Node("mul", (inner, const(math.sqrt(2 / math.pi), ty))),))
        else:
            core = Node("erf", (Node("mul", (x, const(math.sqrt(0.5), ty))),))
        half_x = Node("mul", (x, const(0.5, ty)))
        return Node("mul", (half_x, Node("add", (core, const(1.0, ty)))))

    _map(c, op.Y, [op.X], build)


def reciprocal(c: GraphConverter, op: onnx.ReciprocalOp) -> None:
    _map(c, op.Y, [op.X], lambda x: Node("div", (const(1, type_of(x)), x)))


# ----------------------------------------------------------------------------- arithmetic


def pow_(c: GraphConverter, op: onnx.PowOp) -> None:
    """Float bases: x*x, x*x*x, sqrt for those constant exponents, else powf (an integer
    exponent converted to f32). Integer bases: powf in f64, truncated back (exact while
    the result is below 2^53)."""
    base, exponent = c.expr(op.X), c.expr(op.Y)
    ty = _element(op.X)
    if isinstance(ty, IntegerType):
        wide = Node("pow", (Node("cast", (base,), type=f64), Node("cast", (exponent,), type=f64)))
        c.define_map(op.Z, Node("cast", (wide,), type=ty))
        return
    if isinstance(exponent, Node) and exponent.kind == "const":
        special = {1.0: base, 2.0: Node("mul", (base, base)),
                   3.0: Node("mul", (Node("mul", (base, base)), base)),
                   0.5: Node("sqrt", (base,))}.get(float(exponent.value))
        if special is not None:
            c.define_map(op.Z, special)
            return
        exponent = const(float(exponent.value), ty)
    c.define_map(op.Z, Node("pow", (base, Node("cast", (exponent,), type=ty))))


def _fold(kind: str) -> Callable[[GraphConverter, onnx.IRDLOperation], None]:
    """A variadic op (Sum, Min, Max, Mean) as a left fold of `kind`; one input is a copy."""

    def rule(c: GraphConverter, op: onnx.IRDLOperation) -> None:
        inputs, result = list(op.operands), op.results[0]
        if len(inputs) == 1:
            c.alias(result, inputs[0])
            return
        terms = [c.expr(v) for v in inputs]
        expr = terms[0]
        for term in terms[1:]:
            expr = Node("add" if kind == "mean" else kind, (expr, term))
        if kind == "mean":
            expr = Node("div", (expr, const(len(terms), type_of(expr))))
        c.define_map(result, expr)

    return rule


# ----------------------------------------------------------------------------- logic, types


def where(c: GraphConverter, op: onnx.WhereOp) -> None:
    _map(c, op.output, [op.condition, op.X, op.Y], lambda k, a, b: Node("select", (k, a, b)))


def cast(c: GraphConverter, op: onnx.CastOp | onnx.CastLikeOp) -> None:
    to = _element(op.output)
    if _element(op.input) == to:
        c.alias(op.output, op.input)
        return
    _map(c, op.output, [op.input], lambda x: Node("cast", (x,), type=to))


RULES = {
    onnx.ReluOp: relu,
    onnx.LeakyReluOp: leaky_relu,
    onnx.PReluOp: prelu,
    onnx.ClipOp: clip,
    onnx.SigmoidOp: _unary("sigmoid"),
    onnx.HardSigmoidOp: hard_sigmoid,
    onnx.HardSwishOp: hard_swish,
    onnx.TanhOp: _unary("tanh"),
    onnx.ErfOp: _unary("erf"),
    onnx.GeluOp: gelu,
    onnx.SqrtOp: _unary("sqrt"),
    onnx.ExpOp: _unary("exp"),
    onnx.LogOp: _unary("log"),
    onnx.NegOp: _unary("neg"),
    onnx.AbsOp: _unary("abs"),
    onnx.ReciprocalOp: reciprocal,
    onnx.IsNaNOp: _unary("isnan"),
    onnx.NotOp: _unary("not"),
    onnx.AddOp: _binary("add"),
    onnx.SubOp: _binary("sub"),
    onnx.MulOp: _binary("mul"),
    onnx.DivOp: _binary("div"),
    onnx.PowOp: pow_,
    onnx.EqualOp: _binary("eq"),
    onnx.GreaterOp: _binary("gt"),
    onnx.GreaterOrEqualOp: _binary("ge"),
    onnx.LessOp: _binary("lt"),
    onnx.LessOrEqualOp: _binary("le"),
    onnx.AndOp: _binary("and"),
    onnx.OrOp: _binary("or"),
    onnx.WhereOp: where,
    onnx.SumOp: _fold("add"),
    onnx.MinOp: _fold("min"),
    onnx.MaxOp: _fold("max"),
    onnx.MeanOp: _fold("mean"),
    onnx.CastOp: cast,
    onnx.CastLikeOp: cast,
}
