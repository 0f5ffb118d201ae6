"""Semantics of `arith` and `math` ops, on numpy scalars, vectors and whole arrays.

One rule per op (see `core`), used three ways: op by op under xDSL's `Interpreter`
(`ArithFunctions`, `MathFunctions`), in the compiled closures of the loops stage, and
vectorized over whole tensors for `kernel.map` bodies.

Float semantics are those of the native code, in the value's own precision: f32 values are
`np.float32` and every operation rounds to f32 (no f64 intermediates), so results differ from
the compiled kernels only where LLVM reorders or contracts (`fastmath contract reassoc`:
a*b+c may be one fused rounding there, two here). Specifics:
- maximumf/minimumf propagate NaN; maxnumf/minnumf return the other operand for one NaN;
  the sign of a zero result of max/min is not modelled;
- cmpf predicates follow LLVM (ordered ones are false on NaN, unordered ones true);
- divsi/remsi truncate toward zero, floordivsi/ceildivsi round down/up; integer arrays
  wrap around like the native code, `index` is an unbounded Python int;
- fptosi truncates toward zero; extsi from i1 gives -1 for true; trunci to i1 keeps bit 0;
- divui, remui, maxui, minui, shrui, uitofp and extui read their operands as unsigned
  integers of their width (they may be signless); `llvm.frem` (map bodies' fmod) is np.fmod;
- erf is evaluated per element with Python's `math.erf` (numpy has none), rounded to f32.
"""

from __future__ import annotations

import math as pymath
import operator
from collections.abc import Callable
from typing import Any

import numpy as np
from xdsl.dialects import arith, llvm, math
from xdsl.dialects.builtin import (
    DenseIntOrFPElementsAttr,
    FloatAttr,
    IndexType,
    IntegerAttr,
    IntegerType,
)
from xdsl.ir import Attribute, Operation

from tcompiler.interp.core import (
    Fn,
    InterpretError,
    Rule,
    element_type,
    numpy_dtype,
    rule_functions,
)

# ----------------------------------------------------------------------------- helpers


def _fixed(fn: Fn) -> Rule:
    """A rule whose function does not depend on the op."""
    return lambda op, arrays: fn


def _pick(scalar: Fn, array: Fn) -> Rule:
    """A rule with a fast form for scalars and a numpy form for arrays."""
    return lambda op, arrays: array if arrays else scalar


def _result_type(op: Operation) -> Attribute:
    return element_type(op.results[0].type)


def _nan(x: Any) -> Any:
    return x != x  # noqa: PLR0124 - NaN is the one value unequal to itself (scalar or array)


def _maximum(a: Any, b: Any) -> Any:
    return a if a > b or _nan(a) else b


def _minimum(a: Any, b: Any) -> Any:
    return a if a < b or _nan(a) else b


def _maxnum(a: Any, b: Any) -> Any:
    return b if _nan(a) else a if _nan(b) or a > b else b


def _minnum(a: Any, b: Any) -> Any:
    return b if _nan(a) else a if _nan(b) or a < b else b


def _trunc_div(a: Any, b: Any) -> Any:
    """Integer division rounding toward zero, for Python ints and numpy integers alike."""
    q = a // b
    return q + ((q < 0) & (q * b != a))


def _trunc_rem(a: Any, b: Any) -> Any:
    return a - _trunc_div(a, b) * b


def _as_unsigned(fn: Fn) -> Rule:
    """A rule applying `fn` to the operands read as unsigned integers of their width (the
    unsigned ops take signless operands too), the result in the operands' own dtype."""

    def rule(op: Operation, arrays: bool) -> Fn:
        dtype = numpy_dtype(element_type(op.operands[0].type))
        unsigned = np.dtype(f"uint{dtype.itemsize * 8}")

        def apply(*values: Any) -> Any:
            args = [np.asarray(v, dtype=dtype).view(unsigned) for v in values]
            return np.asarray(fn(*args)).astype(unsigned).view(dtype)[()]

        return apply

    return rule


def _ceil_div(a: Any, b: Any) -> Any:
    return -((-a) // b)


def _select_array(c: Any, t: Any, f: Any) -> Any:
    return np.where(c, t, f)


def _select_scalar(c: Any, t: Any, f: Any) -> Any:
    return t if c else f


# ----------------------------------------------------------------------------- constants


def _constant_value(attr: Attribute, ty: Attribute) -> Any:
    if isinstance(attr, DenseIntOrFPElementsAttr):
        dtype = numpy_dtype(element_type(ty))
        values = np.array(attr.get_values(), dtype=dtype)
        shape = tuple(attr.get_shape())
        return np.full(shape, values[0]) if values.size == 1 else values.reshape(shape)
    if isinstance(attr, IntegerAttr) and isinstance(ty, IndexType):
        return int(attr.value.data)
    if isinstance(attr, IntegerAttr | FloatAttr):
        return numpy_dtype(ty).type(attr.value.data)
    raise InterpretError(f"arith.constant: no value for attribute {attr}")


def _constant(op: arith.ConstantOp, arrays: bool) -> Fn:
    value = _constant_value(op.value, op.result.type)
    return lambda: value


# ----------------------------------------------------------------------------- comparisons

_CMPI = ("eq", "ne", "slt", "sle", "sgt", "sge", "ult", "ule", "ugt", "uge")
_CMPF = ("false", "oeq", "ogt", "oge", "olt", "ole", "one", "ord",
         "ueq", "ugt", "uge", "ult", "ule", "une", "uno", "true")
_SIGNED = {"eq": operator.eq, "ne": operator.ne, "slt": operator.lt, "sle": operator.le,
           "sgt": operator.gt, "sge": operator.ge}


def _unsigned(a: Any, bits: int) -> Any:
    return a & ((1 << bits) - 1) if isinstance(a, int) else np.asarray(a).astype(f"uint{bits}")


_I1_SIGNED = {"slt": operator.gt, "sle": operator.ge, "sgt": operator.lt, "sge": operator.le}
"""Signed predicates on i1, where true is -1: the unsigned order reversed (numpy's bools
compare as 0 and 1)."""


def _cmpi(op: arith.CmpiOp, arrays: bool) -> Fn:
    name = _CMPI[op.predicate.value.data]
    ty = element_type(op.lhs.type)
    bits = ty.width.data if isinstance(ty, IntegerType) else 64
    if bits == 1 and name in _I1_SIGNED:
        return _I1_SIGNED[name]
    if name in _SIGNED:
        return _SIGNED[name]
    compare = _SIGNED["s" + name[1:]]
    return lambda a, b: compare(_unsigned(a, bits), _unsigned(b, bits))


def _unordered(a: Any, b: Any) -> Any:
    return _nan(a) | _nan(b)


def _cmpf_table(negate: Fn) -> dict[str, Fn]:
    return {
        "oeq": operator.eq, "ogt": operator.gt, "oge": operator.ge, "olt": operator.lt,
        "ole": operator.le, "one": lambda a, b: (a < b) | (a > b),
        "ord": lambda a, b: negate(_unordered(a, b)),
        "ueq": lambda a, b: negate((a < b) | (a > b)), "ugt": lambda a, b: negate(a <= b),
        "uge": lambda a, b: negate(a < b), "ult": lambda a, b: negate(a >= b),
        "ule": lambda a, b: negate(a > b), "une": operator.ne,
        "uno": _unordered,
    }


_CMPF_SCALAR = _cmpf_table(operator.not_)
_CMPF_ARRAY = _cmpf_table(np.logical_not)


def _cmpf(op: arith.CmpfOp, arrays: bool) -> Fn:
    name = _CMPF[op.predicate.value.data]
    if name in ("false", "true"):
        truth = name == "true"
        return lambda a, b: np.full(np.shape(a), truth) if arrays else np.bool_(truth)
    return (_CMPF_ARRAY if arrays else _CMPF_SCALAR)[name]


# ----------------------------------------------------------------------------- conversions


def _convert_to(op: Operation, arrays: bool) -> Fn:
    """A value converted to the result's type by numpy's cast (sitofp, extf, truncf)."""
    ty = _result_type(op)
    if isinstance(ty, IndexType):
        return (lambda v: v.astype(np.int64)) if arrays else int
    dtype = numpy_dtype(ty)
    return (lambda v: v.astype(dtype)) if arrays else dtype.type


def _fptosi(op: arith.FPToSIOp, arrays: bool) -> Fn:
    """Truncation toward zero; NaN and out-of-range values give what numpy's cast gives
    (undefined in LLVM), never an exception."""
    dtype = numpy_dtype(_result_type(op))
    if arrays:
        return lambda v: v.astype(dtype)
    return lambda v: np.asarray(v).astype(dtype)[()]


def _from_unsigned(op: arith.UIToFPOp | arith.ExtUIOp, arrays: bool) -> Fn:
    """uitofp, extui: the operand read as unsigned (it may be signless), then converted."""
    source = numpy_dtype(element_type(op.input.type))
    unsigned = np.dtype(f"uint{source.itemsize * 8}")
    dtype = numpy_dtype(_result_type(op))
    return lambda v: np.asarray(v, dtype=source).view(unsigned).astype(dtype)[()]


def _extsi(op: arith.ExtSIOp, arrays: bool) -> Fn:
    source = element_type(op.input.type)
    convert = _convert_to(op, arrays)
    if isinstance(source, IntegerType) and source.width.data == 1:
        return lambda v: -convert(v)  # sign extension: true is all ones
    return convert


def _trunci(op: Operation, arrays: bool) -> Fn:
    ty = _result_type(op)
    if isinstance(ty, IntegerType) and ty.width.data == 1:
        return lambda v: (v & 1) != 0
    dtype = numpy_dtype(ty)
    if arrays:
        return lambda v: v.astype(dtype)
    return lambda v: np.asarray(v).astype(dtype)[()]


def _index_cast(op: arith.IndexCastOp, arrays: bool) -> Fn:
    if isinstance(_result_type(op), IndexType):
        return (lambda v: v.astype(np.int64)) if arrays else int
    return _trunci(op, arrays)


def _bitcast(op: arith.BitcastOp, arrays: bool) -> Fn:
    source, target = numpy_dtype(element_type(op.input.type)), numpy_dtype(_result_type(op))
    return lambda v: np.asarray(v, dtype=source).view(target)[()]


# ----------------------------------------------------------------------------- math


def _erf(x: Any) -> Any:
    if np.ndim(x) == 0:
        return x.dtype.type(pymath.erf(float(x)))
    return np.vectorize(pymath.erf, otypes=[x.dtype])(x)


def _round_away(x: Any) -> Any:
    return np.copysign(np.floor(np.abs(x) + x.dtype.type(0.5)), x)


def _rsqrt(x: Any) -> Any:
    return x.dtype.type(1) / np.sqrt(x)


def _fma(a: Any, b: Any, c: Any) -> Any:
    return a * b + c


def _unary(ufunc: Callable[[Any], Any]) -> Rule:
    return _fixed(ufunc)


ARITH_RULES: dict[type[Operation], Rule] = {
    arith.ConstantOp: _constant,
    arith.AddfOp: _fixed(operator.add), arith.SubfOp: _fixed(operator.sub),
    arith.MulfOp: _fixed(operator.mul), arith.DivfOp: _fixed(operator.truediv),
    arith.NegfOp: _fixed(operator.neg),
    arith.MaximumfOp: _pick(_maximum, np.maximum), arith.MinimumfOp: _pick(_minimum, np.minimum),
    arith.MaxnumfOp: _pick(_maxnum, np.fmax), arith.MinnumfOp: _pick(_minnum, np.fmin),
    arith.AddiOp: _fixed(operator.add), arith.SubiOp: _fixed(operator.sub),
    arith.MuliOp: _fixed(operator.mul), arith.DivSIOp: _fixed(_trunc_div),
    arith.RemSIOp: _fixed(_trunc_rem), arith.FloorDivSIOp: _fixed(operator.floordiv),
    arith.CeilDivSIOp: _fixed(_ceil_div),
    arith.MinSIOp: _pick(min, np.minimum), arith.MaxSIOp: _pick(max, np.maximum),
    arith.AndIOp: _fixed(operator.and_), arith.OrIOp: _fixed(operator.or_),
    arith.XOrIOp: _fixed(operator.xor), arith.ShLIOp: _fixed(operator.lshift),
    arith.ShRSIOp: _fixed(operator.rshift),
    arith.DivUIOp: _as_unsigned(operator.floordiv), arith.RemUIOp: _as_unsigned(operator.mod),
    arith.MaxUIOp: _as_unsigned(np.maximum), arith.MinUIOp: _as_unsigned(np.minimum),
    arith.ShRUIOp: _as_unsigned(operator.rshift),
    llvm.FRemOp: _fixed(np.fmod),
    arith.UIToFPOp: _from_unsigned, arith.FPToUIOp: _fptosi,
    arith.CmpiOp: _cmpi, arith.CmpfOp: _cmpf,
    arith.SelectOp: _pick(_select_scalar, _select_array),
    arith.IndexCastOp: _index_cast,
    arith.SIToFPOp: _convert_to, arith.FPToSIOp: _fptosi, arith.ExtFOp: _convert_to,
    arith.TruncFOp: _convert_to, arith.ExtUIOp: _from_unsigned,
    arith.ExtSIOp: _extsi, arith.TruncIOp: _trunci, arith.BitcastOp: _bitcast,
}
"""arith op -> rule."""

MATH_RULES: dict[type[Operation], Rule] = {
    math.ExpOp: _unary(np.exp), math.Exp2Op: _unary(np.exp2), math.ExpM1Op: _unary(np.expm1),
    math.LogOp: _unary(np.log), math.Log2Op: _unary(np.log2), math.Log10Op: _unary(np.log10),
    math.Log1pOp: _unary(np.log1p), math.SqrtOp: _unary(np.sqrt), math.RsqrtOp: _fixed(_rsqrt),
    math.CbrtOp: _unary(np.cbrt), math.TanhOp: _unary(np.tanh), math.SinOp: _unary(np.sin),
    math.CosOp: _unary(np.cos), math.TanOp: _unary(np.tan), math.ErfOp: _fixed(_erf),
    math.AsinOp: _unary(np.arcsin), math.AcosOp: _unary(np.arccos),
    math.AtanOp: _unary(np.arctan), math.SinhOp: _unary(np.sinh), math.CoshOp: _unary(np.cosh),
    math.AsinhOp: _unary(np.arcsinh), math.AcoshOp: _unary(np.arccosh),
    math.AtanhOp: _unary(np.arctanh),
    math.AbsFOp: _unary(np.abs), math.AbsIOp: _unary(np.abs), math.FloorOp: _unary(np.floor),
    math.CeilOp: _unary(np.ceil), math.TruncOp: _unary(np.trunc),
    math.RoundEvenOp: _unary(np.rint), math.RoundOp: _fixed(_round_away),
    math.PowFOp: _fixed(np.power), math.CopySignOp: _fixed(np.copysign),
    math.Atan2Op: _fixed(np.arctan2), math.FmaOp: _fixed(_fma),
}
"""math op -> rule."""

ArithFunctions = rule_functions("ArithFunctions", ARITH_RULES)
MathFunctions = rule_functions("MathFunctions", MATH_RULES)

__all__ = ["ARITH_RULES", "MATH_RULES", "ArithFunctions", "MathFunctions"]
