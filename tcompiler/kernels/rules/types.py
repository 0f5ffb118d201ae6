"""Rules for the type-centric ops of `dialects/onnx_types.py`: each is one `kernel.map`.

The node kinds carry the semantics (`expr.py`): Mod is `mod` (the divisor's sign) or, with
`fmod=1`, `rem` (the dividend's sign); BitShift is `shl`/`shr`; the bitwise ops are
`and`/`or`/`xor`/`not` on integers; IsInf compares with the infinities it detects; BitCast
is `bitcast`. Softmax, LogSoftmax and MatMul on float16/bfloat16 run in f32 between casts.
"""

from __future__ import annotations

import math

from xdsl.dialects.builtin import (
    FloatAttr,
    IntegerAttr,
    TensorType,
    UnitAttr,
    bf16,
    f16,
    f32,
    i1,
    i64,
)
from xdsl.ir import Attribute

from tcompiler.dialects import kernel, onnx
from tcompiler.dialects import onnx_types as ops
from tcompiler.dialects.onnx import attr_int, attr_str, shape_of
from tcompiler.kernels.attrs import normalize_axis
from tcompiler.kernels.convert import GraphConverter
from tcompiler.kernels.expr import Expr, Node, const, type_of
from tcompiler.kernels.rules import elementwise, nn
from tcompiler.kernels.rules.elementwise import _binary, _unary
from tcompiler.kernels.rules.widen import element_type, narrowed, wide_result, widened
from tcompiler.kernels.small_floats import small_float


def bit_cast(c: GraphConverter, op: ops.BitCastOp) -> None:
    ty = op.output.type
    assert isinstance(ty, TensorType)
    c.define_map(op.output, Node("bitcast", (c.expr(op.input),), type=ty.element_type))


def softmax(c: GraphConverter, op: onnx.SoftmaxOp | onnx.LogSoftmaxOp) -> None:
    """Softmax and LogSoftmax (`nn.softmax`), on float16/bfloat16 in f32 (`widen.py`)."""
    if element_type(op.input) not in (f16, bf16):
        nn.softmax(c, op)
        return
    axis = normalize_axis(attr_int(op, "axis", -1), len(shape_of(op.input)))
    props: dict[str, Attribute] = {"axis": IntegerAttr(axis, i64)}
    if isinstance(op, onnx.LogSoftmaxOp):
        props["log"] = UnitAttr()
    source, result = widened(c, op.input), wide_result(c, op.output)
    c.insert(kernel.SoftmaxOp.build(operands=[source, result], properties=props))
    narrowed(c, op.output, result)


def matmul(c: GraphConverter, op: onnx.MatMulOp) -> None:
    """MatMul (`nn.matmul`), on float16/bfloat16 in f32 (`widen.py`): f32 products and sums,
    rounded once."""
    if element_type(op.A) not in (f16, bf16):
        nn.matmul(c, op)
        return
    a, b, result = widened(c, op.A), widened(c, op.B), wide_result(c, op.Y)
    if len(shape_of(op.A)) == 2 and len(shape_of(op.B)) == 2:
        props: dict[str, Attribute] = {
            "trans_a": IntegerAttr(0, i64), "trans_b": IntegerAttr(0, i64),
            "alpha": FloatAttr(1.0, f32), "beta": FloatAttr(1.0, f32)}
        c.insert(kernel.GemmOp.build(operands=[a, b, [], result], properties=props))
    else:
        c.insert(kernel.MatMulOp.build(operands=[a, b, result]))
    narrowed(c, op.Y, result)


def cast(c: GraphConverter, op: onnx.CastOp | onnx.CastLikeOp) -> None:
    """Cast and CastLike (`elementwise.cast`); `saturate=0` to a float8 type overflows to
    infinity or NaN instead of the largest finite value."""
    to = element_type(op.output)
    if attr_int(op, "saturate", 1) or small_float(to) is None or element_type(op.input) == to:
        elementwise.cast(c, op)
        return
    c.define_map(op.output, Node("cast_nosat", (c.expr(op.input),), type=to))


def mod(c: GraphConverter, op: ops.ModOp) -> None:
    kind = "rem" if attr_int(op, "fmod", 0) else "mod"
    c.define_map(op.C, Node(kind, (c.expr(op.A), c.expr(op.B))))


def bit_shift(c: GraphConverter, op: ops.BitShiftOp) -> None:
    kind = "shl" if attr_str(op, "direction", "") == "LEFT" else "shr"
    c.define_map(op.Z, Node(kind, (c.expr(op.X), c.expr(op.Y))))


def is_inf(c: GraphConverter, op: ops.IsInfOp) -> None:
    x = c.expr(op.X)
    tests: list[Expr] = [
        Node("eq", (x, const(sign * math.inf, type_of(x))))
        for sign, attr in ((1, "detect_positive"), (-1, "detect_negative"))
        if attr_int(op, attr, 1)
    ]
    expr = tests[0] if tests else const(0, i1)
    for test in tests[1:]:
        expr = Node("or", (expr, test))
    c.define_map(op.Y, expr)


RULES = {
    onnx.SoftmaxOp: softmax,  # in place of nn.softmax, which it calls for other types
    onnx.LogSoftmaxOp: softmax,
    onnx.MatMulOp: matmul,
    onnx.CastOp: cast,
    onnx.CastLikeOp: cast,
    ops.BitCastOp: bit_cast,
    ops.ModOp: mod,
    ops.BitShiftOp: bit_shift,
    ops.BitwiseAndOp: _binary("and"),
    ops.BitwiseOrOp: _binary("or"),
    ops.BitwiseXorOp: _binary("xor"),
    ops.BitwiseNotOp: _unary("not"),
    ops.XorOp: _binary("xor"),
    ops.IsInfOp: is_inf,
    ops.RoundOp: _unary("round"),
    ops.FloorOp: _unary("floor"),
    ops.CeilOp: _unary("ceil"),
}
