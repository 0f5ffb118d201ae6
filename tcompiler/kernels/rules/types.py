"""Rules for the type-centric ops of `dialects/onnx_types.py`: each is one `kernel.map`.

The node kinds carry the semantics (`expr.py`): Mod is `mod` (the divisor's sign) or, with
`fmod=1`, `rem` (the dividend's sign); BitShift is `shl`/`shr`; the bitwise ops are
`and`/`or`/`xor`/`not` on integers; IsInf compares with the infinities it detects; BitCast
is `bitcast`.
"""

from __future__ import annotations

import math

from xdsl.dialects.builtin import TensorType, i1

from tcompiler.dialects import onnx_types as ops
from tcompiler.dialects.onnx import attr_int, attr_str
from tcompiler.kernels.convert import GraphConverter
from tcompiler.kernels.expr import Expr, Node, const, type_of
from tcompiler.kernels.rules.elementwise import _binary, _unary


def bit_cast(c: GraphConverter, op: ops.BitCastOp) -> None:
    ty = op.output.type
    assert isinstance(ty, TensorType)
    c.define_map(op.output, Node("bitcast", (c.expr(op.input),), type=ty.element_type))


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
