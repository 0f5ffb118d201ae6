"""`build_map(expr, output)`: a `kernel.map` computing an expression tree (see `expr.py`).

The body takes one scalar per distinct leaf buffer and emits the tree's nodes in depth-first
order, children left to right, each distinct subtree once; `_emit_node` says which arith/math
ops each node kind becomes. Values are computed in their element type's compute type and
converted at loads, casts and the store as `element_types.py` says (float16/bfloat16 in f32,
unsigned integers with the unsigned forms of division, comparison, min/max and shifts).
"""

from __future__ import annotations

from collections.abc import Callable

from xdsl.dialects import arith, llvm, math
from xdsl.dialects.builtin import IntegerType, MemRefType
from xdsl.ir import Attribute, Block, Operation, Region, SSAValue

from tcompiler.dialects import kernel
from tcompiler.kernels.element_types import (
    bitcast,
    constant,
    convert,
    is_unsigned,
    narrow,
    widen,
)
from tcompiler.kernels.expr import Expr, Leaf, Node, leaves, type_of


def build_map(expr: Expr, output: SSAValue) -> kernel.MapOp:
    """A kernel.map computing `expr` into `output`, one block argument per distinct leaf.

    Block arguments take their leaf's element type; the yield has `output`'s element type.
    Equal subtrees are emitted once.
    """
    inputs = leaves(expr)
    block = Block(arg_types=[_element_type(v) for v in inputs])
    scalar = {v: widen(block, arg) for v, arg in zip(inputs, block.args)}
    emitted: dict[Node, SSAValue] = {}  # equal subtrees (x used twice by a rule) emit once

    def emit(e: Expr) -> SSAValue:
        if isinstance(e, Leaf):
            return scalar[e.value]
        if e in emitted:
            return emitted[e]
        if e.kind == "const":
            value = constant(block, e.value, type_of(e))
        else:
            value = _emit_node(block, e, [emit(c) for c in e.children])
        emitted[e] = value
        return value

    result = emit(expr)
    out = _element_type(output)
    if type_of(expr) != out:
        result = convert(block, result, out)
    block.add_op(kernel.YieldOp(narrow(block, result, out)))
    return kernel.MapOp(inputs, output, Region(block))


def _element_type(value: SSAValue) -> Attribute:
    assert isinstance(value.type, MemRefType)
    return value.type.element_type


def _add(block: Block, op: Operation) -> SSAValue:
    block.add_op(op)
    return op.results[0]


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
_FLOAT_ROUNDING: dict[str, Callable[[SSAValue], Operation]] = {
    "floor": math.FloorOp, "ceil": math.CeilOp, "round": math.RoundEvenOp,
}
_UNSIGNED_BINARY: dict[str, Callable[[SSAValue, SSAValue], Operation]] = {
    "max": arith.MaxUIOp, "min": arith.MinUIOp,
}


def _emit_node(block: Block, e: Node, args: list[SSAValue]) -> SSAValue:
    kind = e.kind
    if kind in ("cast", "cast_nosat"):
        return convert(block, args[0], type_of(e), saturate=kind == "cast")
    if kind == "bitcast":
        return bitcast(block, args[0], type_of(e.children[0]), type_of(e))
    if kind == "select":
        return _add(block, arith.SelectOp(args[0], args[1], args[2]))
    if kind in _PREDICATES:
        fp, ip = _PREDICATES[kind]
        if _is_float(args[0]):
            return _add(block, arith.CmpfOp(args[0], args[1], fp))
        if is_unsigned(args[0].type) and ip != "eq":
            ip = "u" + ip[1:]
        return _add(block, arith.CmpiOp(args[0], args[1], ip))
    if kind == "isnan":
        return _add(block, arith.CmpfOp(args[0], args[0], "uno"))
    if kind == "not":  # logical on bool, bitwise on integers
        return _add(block, arith.XOrIOp(args[0], constant(block, -1, args[0].type)))
    if kind == "sigmoid":  # 1 / (1 + exp(-x))
        neg = _add(block, arith.NegfOp(args[0]))
        exp = _add(block, math.ExpOp(neg))
        one = constant(block, 1.0, args[0].type)
        return _add(block, arith.DivfOp(one, _add(block, arith.AddfOp(one, exp))))
    if _is_float(args[0]):
        if kind in _FLOAT_UNARY:
            return _add(block, _FLOAT_UNARY[kind](args[0]))
        if kind in _FLOAT_ROUNDING:
            return _add(block, _FLOAT_ROUNDING[kind](args[0]))
        if kind in ("rem", "mod"):
            return _float_remainder(block, kind, args[0], args[1])
        return _add(block, _FLOAT_BINARY[kind](args[0], args[1]))
    return _emit_int(block, kind, args)


def _float_remainder(block: Block, kind: str, a: SSAValue, b: SSAValue) -> SSAValue:
    """rem: C fmod (the sign of a); mod: Python's % (the sign of b; a zero takes b's sign)."""
    r = _add(block, llvm.FRemOp(a, b))  # exact; xDSL's arith has no remf
    if kind == "rem":
        return r
    zero = constant(block, 0.0, a.type)
    r_negative = _add(block, arith.CmpfOp(r, zero, "olt"))
    b_negative = _add(block, arith.CmpfOp(b, zero, "olt"))
    differ = _add(block, arith.XOrIOp(r_negative, b_negative))
    nonzero = _add(block, arith.CmpfOp(r, zero, "one"))
    shift = _add(block, arith.AndIOp(differ, nonzero))
    moved = _add(block, arith.SelectOp(shift, _add(block, arith.AddfOp(r, b)), r))
    signed_zero = _add(block, math.CopySignOp(zero, b))
    is_zero = _add(block, arith.CmpfOp(r, zero, "oeq"))
    return _add(block, arith.SelectOp(is_zero, signed_zero, moved))


def _emit_int(block: Block, kind: str, args: list[SSAValue]) -> SSAValue:
    ty = args[0].type
    unsigned = is_unsigned(ty)
    if unsigned and kind in _UNSIGNED_BINARY:
        return _add(block, _UNSIGNED_BINARY[kind](args[0], args[1]))
    if kind in _INT_BINARY:
        return _add(block, _INT_BINARY[kind](args[0], args[1]))
    zero = constant(block, 0, ty)
    if kind == "neg":
        return _add(block, arith.SubiOp(zero, args[0]))
    if kind == "abs":
        if unsigned:
            return args[0]
        negative = _add(block, arith.CmpiOp(args[0], zero, "slt"))
        negated = _add(block, arith.SubiOp(zero, args[0]))
        return _add(block, arith.SelectOp(negative, negated, args[0]))
    if kind in ("div", "rem", "mod"):
        return _int_division(block, kind, args[0], args[1])
    if kind in ("shl", "shr"):
        return _shift(block, kind, args[0], args[1])
    raise AssertionError(f"build_map: no integer lowering for {kind!r}")


def _int_division(block: Block, kind: str, a: SSAValue, b: SSAValue) -> SSAValue:
    """div truncates (C, numpy's astype); rem has a's sign (C %); mod has b's sign (Python %).
    Never a trap: x / 0 and x % 0 are 0, and MIN / -1 wraps to MIN (x / -1 is -x)."""
    ty = a.type
    zero, one = constant(block, 0, ty), constant(block, 1, ty)
    if is_unsigned(ty):
        is_zero = _add(block, arith.CmpiOp(b, zero, "eq"))
        safe = _add(block, arith.SelectOp(is_zero, one, b))
        op = arith.DivUIOp if kind == "div" else arith.RemUIOp
        return _add(block, arith.SelectOp(is_zero, zero, _add(block, op(a, safe))))
    minus_one = constant(block, -1, ty)
    is_zero = _add(block, arith.CmpiOp(b, zero, "eq"))
    is_minus_one = _add(block, arith.CmpiOp(b, minus_one, "eq"))
    unsafe = _add(block, arith.OrIOp(is_zero, is_minus_one))
    safe = _add(block, arith.SelectOp(unsafe, one, b))
    if kind == "div":
        quotient = _add(block, arith.DivSIOp(a, safe))
        negated = _add(block, arith.SubiOp(zero, a))
        by_minus_one = _add(block, arith.SelectOp(is_minus_one, negated, quotient))
        return _add(block, arith.SelectOp(is_zero, zero, by_minus_one))
    r = _add(block, arith.RemSIOp(a, safe))  # 0 for b in (0, -1)
    if kind == "rem":
        return r
    signs = _add(block, arith.XOrIOp(r, b))
    differ = _add(block, arith.CmpiOp(signs, zero, "slt"))
    nonzero = _add(block, arith.CmpiOp(r, zero, "ne"))
    shift = _add(block, arith.AndIOp(differ, nonzero))
    return _add(block, arith.SelectOp(shift, _add(block, arith.AddiOp(r, b)), r))


def _shift(block: Block, kind: str, a: SSAValue, b: SSAValue) -> SSAValue:
    """ONNX BitShift (opset 28): an amount outside [0, bits) shifts everything out (0, or
    the sign for a signed right shift); right shifts are arithmetic on signed types."""
    ty = a.type
    assert isinstance(ty, IntegerType)
    bits = constant(block, ty.width.data, ty)
    in_range = _add(block, arith.CmpiOp(b, bits, "ult"))  # negative amounts are huge unsigned
    safe = _add(block, arith.SelectOp(in_range, b, constant(block, 0, ty)))
    if kind == "shl":
        shifted = _add(block, arith.ShLIOp(a, safe))
        return _add(block, arith.SelectOp(in_range, shifted, constant(block, 0, ty)))
    if is_unsigned(ty):
        shifted = _add(block, arith.ShRUIOp(a, safe))
        return _add(block, arith.SelectOp(in_range, shifted, constant(block, 0, ty)))
    top = constant(block, ty.width.data - 1, ty)
    amount = _add(block, arith.SelectOp(in_range, b, top))
    return _add(block, arith.ShRSIOp(a, amount))
