"""`build_map(expr, output)`: a `kernel.map` computing an expression tree (see `expr.py`).

The body takes one scalar per distinct leaf buffer and emits the tree's nodes in depth-first
order, children left to right, each distinct subtree once; `_emit_node` says which arith/math
ops each node kind becomes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import cast

from xdsl.dialects import arith, math
from xdsl.dialects.builtin import AnyFloat, FloatAttr, IntegerAttr, IntegerType, MemRefType, i1
from xdsl.ir import Attribute, Block, Operation, Region, SSAValue

from tcompiler.dialects import kernel
from tcompiler.kernels.expr import Expr, Leaf, Node, leaves, type_of


def build_map(expr: Expr, output: SSAValue) -> kernel.MapOp:
    """A kernel.map computing `expr` into `output`, one block argument per distinct leaf.

    Block arguments take their leaf's element type; the yield has `output`'s element type.
    Equal subtrees are emitted once.
    """
    inputs = leaves(expr)
    block = Block(arg_types=[_element_type(v) for v in inputs])
    scalar = dict(zip(inputs, block.args))
    emitted: dict[Node, SSAValue] = {}  # equal subtrees (x used twice by a rule) emit once

    def emit(e: Expr) -> SSAValue:
        if isinstance(e, Leaf):
            return scalar[e.value]
        if e in emitted:
            return emitted[e]
        if e.kind == "const":
            value = _constant(block, e.value, type_of(e))
        else:
            value = _emit_node(block, e, [emit(c) for c in e.children])
        emitted[e] = value
        return value

    result = emit(expr)
    if result.type != _element_type(output):
        result = _convert(block, result, _element_type(output))
    block.add_op(kernel.YieldOp(result))
    return kernel.MapOp(inputs, output, Region(block))


def _element_type(value: SSAValue) -> Attribute:
    assert isinstance(value.type, MemRefType)
    return value.type.element_type


def _add(block: Block, op: Operation) -> SSAValue:
    block.add_op(op)
    return op.results[0]


def _constant(block: Block, value: float | int, ty: Attribute) -> SSAValue:
    if isinstance(ty, IntegerType):
        v = int(value)
        if ty.width.data == 1:
            v = 1 if v else 0
        return _add(block, arith.ConstantOp(IntegerAttr(v, ty, truncate_bits=True)))
    return _add(block, arith.ConstantOp(FloatAttr(float(value), cast(AnyFloat, ty))))


def _is_float(value: SSAValue) -> bool:
    return not isinstance(value.type, IntegerType)


_FLOAT_BINARY: dict[str, Callable[[SSAValue, SSAValue], Operation]] = {
    "add": arith.AddfOp, "sub": arith.SubfOp, "mul": arith.MulfOp, "div": arith.DivfOp,
    "max": arith.MaximumfOp, "min": arith.MinimumfOp, "pow": math.PowFOp,
}
_INT_BINARY: dict[str, Callable[[SSAValue, SSAValue], Operation]] = {
    "add": arith.AddiOp, "sub": arith.SubiOp, "mul": arith.MuliOp, "max": arith.MaxSIOp,
    "min": arith.MinSIOp, "and": arith.AndIOp, "or": arith.OrIOp, "xor": arith.XOrIOp,
}
_FLOAT_UNARY: dict[str, Callable[[SSAValue], Operation]] = {
    "sqrt": math.SqrtOp, "exp": math.ExpOp, "log": math.LogOp, "tanh": math.TanhOp,
    "erf": math.ErfOp, "abs": math.AbsFOp, "neg": arith.NegfOp, "sin": math.SinOp,
    "cos": math.CosOp, "tan": math.TanOp, "asin": math.AsinOp, "acos": math.AcosOp,
    "atan": math.AtanOp, "sinh": math.SinhOp, "cosh": math.CoshOp, "asinh": math.AsinhOp,
    "acosh": math.AcoshOp, "atanh": math.AtanhOp,
}
_PREDICATES = {  # kind -> (float predicate, integer predicate)
    "eq": ("oeq", "eq"), "lt": ("olt", "slt"), "le": ("ole", "sle"), "gt": ("ogt", "sgt"),
    "ge": ("oge", "sge"),
}


def _emit_node(block: Block, e: Node, args: list[SSAValue]) -> SSAValue:
    kind = e.kind
    if kind == "cast":
        return _convert(block, args[0], type_of(e))
    if kind == "select":
        return _add(block, arith.SelectOp(args[0], args[1], args[2]))
    if kind in _PREDICATES:
        fp, ip = _PREDICATES[kind]
        if _is_float(args[0]):
            return _add(block, arith.CmpfOp(args[0], args[1], fp))
        return _add(block, arith.CmpiOp(args[0], args[1], ip))
    if kind == "isnan":
        return _add(block, arith.CmpfOp(args[0], args[0], "uno"))
    if kind == "not":
        return _add(block, arith.XOrIOp(args[0], _constant(block, 1, args[0].type)))
    if kind == "sigmoid":  # 1 / (1 + exp(-x))
        neg = _add(block, arith.NegfOp(args[0]))
        exp = _add(block, math.ExpOp(neg))
        one = _constant(block, 1.0, args[0].type)
        return _add(block, arith.DivfOp(one, _add(block, arith.AddfOp(one, exp))))
    if _is_float(args[0]):
        if kind in _FLOAT_UNARY:
            return _add(block, _FLOAT_UNARY[kind](args[0]))
        return _add(block, _FLOAT_BINARY[kind](args[0], args[1]))
    return _emit_int(block, kind, args)


def _emit_int(block: Block, kind: str, args: list[SSAValue]) -> SSAValue:
    ty = args[0].type
    if kind in _INT_BINARY:
        return _add(block, _INT_BINARY[kind](args[0], args[1]))
    zero = _constant(block, 0, ty)
    if kind == "neg":
        return _add(block, arith.SubiOp(zero, args[0]))
    if kind == "abs":
        negative = _add(block, arith.CmpiOp(args[0], zero, "slt"))
        negated = _add(block, arith.SubiOp(zero, args[0]))
        return _add(block, arith.SelectOp(negative, negated, args[0]))
    if kind == "div":  # truncating, as C and numpy's astype; x / 0 is 0, not a trap
        is_zero = _add(block, arith.CmpiOp(args[1], zero, "eq"))
        safe = _add(block, arith.SelectOp(is_zero, _constant(block, 1, ty), args[1]))
        quotient = _add(block, arith.DivSIOp(args[0], safe))
        return _add(block, arith.SelectOp(is_zero, zero, quotient))
    raise AssertionError(f"build_map: no integer lowering for {kind!r}")


def _convert(block: Block, value: SSAValue, to: Attribute) -> SSAValue:
    """`value` as element type `to` (ONNX Cast semantics between f32/i64/i32/i1)."""
    src = value.type
    if src == to:
        return value
    if to == i1:  # x != 0 (NaN is true, as numpy's astype(bool))
        if isinstance(src, IntegerType):
            return _add(block, arith.CmpiOp(value, _constant(block, 0, src), "ne"))
        return _add(block, arith.CmpfOp(value, _constant(block, 0.0, src), "une"))
    if src == i1:  # false/true -> 0/1
        return _add(block, arith.SelectOp(value, _constant(block, 1, to), _constant(block, 0, to)))
    if isinstance(src, IntegerType) and isinstance(to, IntegerType):
        if src.width.data > to.width.data:
            return _add(block, arith.TruncIOp(value, to))
        return _add(block, arith.ExtSIOp(value, to))
    if isinstance(src, IntegerType):
        return _add(block, arith.SIToFPOp(value, cast(AnyFloat, to)))
    if isinstance(to, IntegerType):
        return _add(block, arith.FPToSIOp(value, to))
    if src.bitwidth < to.bitwidth:  # type: ignore[attr-defined]
        return _add(block, arith.ExtFOp(value, to))
    return _add(block, arith.TruncFOp(value, to))
