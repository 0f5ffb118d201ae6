"""float8 (e4m3fn, e4m3fnuz, e5m2, e5m2fnuz) and float4 (e2m1fn) in a `kernel.map` body: a
byte each in memory (float4 in the low 4 bits, as ml_dtypes holds them), decoded to f32 when
loaded and encoded from f32 by integer ops (LLVM has no such types).

Encoding rounds to nearest even: the exponent of |x| (at least the format's smallest normal
one, `emin`) gives the spacing `2^(e - mantissa)` of the values around x, and
`roundeven(|x| / spacing) * spacing` is exact in f32. Special values follow ONNX's Cast table
(and ml_dtypes): NaN -> NaN; with `saturate` (Cast's default) an infinity or a value that
rounds past the largest finite one gives the largest finite one; without it infinity
(e5m2) or NaN (the others). The fnuz formats have no negative zero (-0 -> 0); float4 has
neither infinities nor NaN (NaN -> -0, as ml_dtypes; every overflow saturates).
"""

from __future__ import annotations

import math as pymath
from dataclasses import dataclass

from xdsl.dialects import arith, math
from xdsl.dialects.builtin import (
    Float4E2M1FNType,
    Float8E4M3FNType,
    Float8E4M3FNUZType,
    Float8E5M2FNUZType,
    Float8E5M2Type,
    FloatAttr,
    IntegerAttr,
    f32,
    i32,
)
from xdsl.ir import Attribute, Block, Operation, SSAValue


@dataclass(frozen=True)
class Format:
    bits: int  # 8, or 4 for float4
    mantissa: int
    emin: int  # the exponent of the smallest normal number (the bias is 1 - emin)
    largest: float
    nan: int | None  # the NaN code without the sign bit (None: the sign bit alone, fnuz)
    inf: int | None  # the infinity code without the sign bit (None: no infinities)
    negative_zero: bool


FORMATS: dict[type[Attribute], Format] = {
    Float8E4M3FNType: Format(8, 3, -6, 448.0, 0x7F, None, True),
    Float8E4M3FNUZType: Format(8, 3, -7, 240.0, None, None, False),
    Float8E5M2Type: Format(8, 2, -14, 57344.0, 0x7E, 0x7C, True),
    Float8E5M2FNUZType: Format(8, 2, -15, 57344.0, None, None, False),
    Float4E2M1FNType: Format(4, 1, 0, 6.0, None, None, True),
}


def small_float(ty: Attribute) -> Format | None:
    return FORMATS.get(type(ty))


def _add(block: Block, op: Operation) -> SSAValue:
    block.add_op(op)
    return op.results[0]


def _i32(block: Block, value: int) -> SSAValue:
    return _add(block, arith.ConstantOp(IntegerAttr(value, i32, truncate_bits=True)))


def _f32(block: Block, value: float) -> SSAValue:
    return _add(block, arith.ConstantOp(FloatAttr(value, f32)))


def _select(block: Block, cond: SSAValue, a: SSAValue, b: SSAValue) -> SSAValue:
    return _add(block, arith.SelectOp(cond, a, b))


def _cmp(block: Block, a: SSAValue, b: SSAValue, predicate: str) -> SSAValue:
    if a.type == i32:
        return _add(block, arith.CmpiOp(a, b, predicate))
    return _add(block, arith.CmpfOp(a, b, predicate))


def encode(block: Block, x: SSAValue, fmt: Format, saturate: bool) -> SSAValue:
    """The code (an i32 holding `fmt.bits` bits) of the f32 `x` rounded to nearest even."""
    m, sign_bit = fmt.mantissa, 1 << (fmt.bits - 1)
    bits = _add(block, arith.BitcastOp(x, i32))
    shifted = _add(block, arith.ShRUIOp(bits, _i32(block, 32 - fmt.bits)))
    sign = _add(block, arith.AndIOp(shifted, _i32(block, sign_bit)))
    a = _add(block, math.AbsFOp(x))
    a_bits = _add(block, arith.BitcastOp(a, i32))
    exponent = _add(block, arith.SubiOp(_add(block, arith.ShRUIOp(a_bits, _i32(block, 23))),
                                        _i32(block, 127)))
    exponent = _add(block, arith.MaxSIOp(exponent, _i32(block, fmt.emin)))
    spacing_bits = _add(block, arith.ShLIOp(
        _add(block, arith.AddiOp(exponent, _i32(block, 127 - m))), _i32(block, 23)))
    spacing = _add(block, arith.BitcastOp(spacing_bits, f32))
    q = _add(block, arith.MulfOp(_add(block, math.RoundEvenOp(
        _add(block, arith.DivfOp(a, spacing)))), spacing))
    # q as a code: normal numbers re-biased from f32's bits, subnormal ones q / 2^(emin - m)
    q_bits = _add(block, arith.BitcastOp(q, i32))
    normal = _add(block, arith.SubiOp(_add(block, arith.ShRUIOp(q_bits, _i32(block, 23 - m))),
                                      _i32(block, (127 - (1 - fmt.emin)) << m)))
    tiny = _add(block, arith.MulfOp(q, _f32(block, 2.0 ** (m - fmt.emin))))
    subnormal = _add(block, arith.FPToSIOp(tiny, i32))
    is_normal = _cmp(block, q, _f32(block, 2.0 ** fmt.emin), "oge")
    code = _select(block, is_normal, normal, subnormal)
    # overflow, infinities and NaN
    largest = _i32(block, _code_of_largest(fmt))
    over = _cmp(block, q, _f32(block, fmt.largest), "ogt")  # infinities too
    if saturate or (fmt.inf is None and fmt.nan is None and fmt.negative_zero):  # float4
        too_big = largest
    elif fmt.inf is not None:
        too_big = _i32(block, fmt.inf)
    else:
        too_big = _nan_code(block, fmt)
    code = _select(block, over, too_big, code)
    nan = _cmp(block, x, x, "uno")
    code = _select(block, nan, _nan_code(block, fmt), code)
    signed = _add(block, arith.OrIOp(code, sign))
    if fmt.negative_zero:
        return signed
    plain = _select(block, _cmp(block, code, _i32(block, 0), "eq"), code, signed)  # no -0
    return _select(block, nan, _i32(block, sign_bit), plain)  # NaN: the sign bit alone


def _code_of_largest(fmt: Format) -> int:
    """The code of the largest finite value (without sign)."""
    exponent = pymath.floor(pymath.log2(fmt.largest))
    fraction = fmt.largest / 2.0**exponent - 1
    return ((exponent + (1 - fmt.emin)) << fmt.mantissa) | round(fraction * (1 << fmt.mantissa))


def _nan_code(block: Block, fmt: Format) -> SSAValue:
    if fmt.nan is not None:
        return _i32(block, fmt.nan)
    return _i32(block, 1 << (fmt.bits - 1))  # fnuz: the sign bit alone; float4: -0 (ml_dtypes)


def decode(block: Block, code: SSAValue, fmt: Format) -> SSAValue:
    """The f32 value of `code` (an i32 holding `fmt.bits` bits)."""
    m, sign_bit = fmt.mantissa, 1 << (fmt.bits - 1)
    magnitude = _add(block, arith.AndIOp(code, _i32(block, sign_bit - 1)))
    exponent = _add(block, arith.ShRUIOp(magnitude, _i32(block, m)))
    fraction = _add(block, arith.AndIOp(magnitude, _i32(block, (1 << m) - 1)))
    rebiased = _add(block, arith.AddiOp(exponent, _i32(block, 127 - (1 - fmt.emin))))
    normal_bits = _add(block, arith.OrIOp(_add(block, arith.ShLIOp(rebiased, _i32(block, 23))),
                                          _add(block, arith.ShLIOp(fraction, _i32(block, 23 - m)))))
    normal = _add(block, arith.BitcastOp(normal_bits, f32))
    subnormal = _add(block, arith.MulfOp(_add(block, arith.SIToFPOp(fraction, f32)),
                                         _f32(block, 2.0 ** (fmt.emin - m))))
    is_normal = _cmp(block, exponent, _i32(block, 0), "ne")
    value = _select(block, is_normal, normal, subnormal)
    negative = _cmp(block, _add(block, arith.AndIOp(code, _i32(block, sign_bit))),
                    _i32(block, 0), "ne")
    value = _select(block, negative, _add(block, arith.NegfOp(value)), value)
    nan = _f32(block, float("nan"))
    if fmt.inf is not None:
        inf = _cmp(block, magnitude, _i32(block, fmt.inf), "eq")
        infinity = _select(block, negative, _f32(block, float("-inf")), _f32(block, float("inf")))
        value = _select(block, inf, infinity, value)
        is_nan = _cmp(block, magnitude, _i32(block, fmt.inf), "ugt")
        return _select(block, is_nan, nan, value)
    if fmt.nan is not None:
        is_nan = _cmp(block, magnitude, _i32(block, fmt.nan), "eq")
        return _select(block, is_nan, nan, value)
    if not fmt.negative_zero:  # fnuz: the sign bit alone is NaN
        is_nan = _cmp(block, code, _i32(block, sign_bit), "eq")
        return _select(block, is_nan, nan, value)
    return value

