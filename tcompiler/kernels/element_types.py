"""Scalars of every element type in a `kernel.map` body: storage vs compute types, constants,
and ONNX Cast between any two element types (what `maps.build_map` emits around the tree).

- Storage floats: float16, bfloat16, float8 and float4 (`small_floats.py`) are loaded and
  widened to f32 (`widen`), computed on in f32, and rounded back to nearest even once per map
  when stored (`narrow`), as onnxruntime's CPU provider and numpy do for most ops on them. A
  `cast` node to one of them rounds right there (the value stays an f32 holding a number of
  that type). float16 rounds with LLVM's `fptrunc` (F16C / AVX512-FP16 on x86; exact,
  denormals kept); bfloat16, float8 and float4 with integer ops on the f32 bits (LLVM has no
  portable types for them); from f64 through an f32 rounded to odd, so there is no double
  rounding (ml_dtypes and onnxruntime round float64 -> bfloat16 twice, through float32).
- 4- and 2-bit integers are a byte each (the value in the low bits, as ml_dtypes holds
  them), computed on as 8-bit integers (`_wrap` keeps a value in the type's range).
- Unsigned integers (`ui8`...`ui64`) stay unsigned in the body (arith takes them; only
  `arith.constant` does not, so their constants are signless ones bitcast). Ops pick the
  unsigned form from the type (`is_unsigned`): divui, cmpi ult, maxui, extui, uitofp, ...
- Cast (ONNX semantics): float -> int truncates toward zero (saturating, NaN -> 0; to a 4-
  or 2-bit type it wraps, as ml_dtypes), x -> bool is x != 0 (NaN is true), bool -> x is
  0/1, int -> int wraps (sign- or zero-extends by the source's signedness), float -> float
  rounds to nearest even (float8: `saturate`, see `small_floats.py`).
"""

from __future__ import annotations

from typing import cast

import ml_dtypes
import numpy as np
from xdsl.dialects import arith, math
from xdsl.dialects.builtin import (
    AnyFloat,
    FloatAttr,
    IntegerAttr,
    IntegerType,
    Signedness,
    bf16,
    f16,
    f32,
    f64,
    i1,
    i8,
    i16,
    i32,
)
from xdsl.ir import Attribute, Block, Operation, SSAValue

from tcompiler.dialects.onnx import dtype_of
from tcompiler.kernels import small_floats
from tcompiler.kernels.small_floats import small_float

STORAGE_FLOATS = (f16, bf16)
"""The 16-bit element types stored narrow and computed on in f32 (float8 and float4 too:
`small_float`)."""


def compute_type(ty: Attribute) -> Attribute:
    """The type a map body computes values of element type `ty` in."""
    if ty in STORAGE_FLOATS or small_float(ty) is not None:
        return f32
    if is_sub_byte(ty):
        return IntegerType(8, ty.signedness.data)  # type: ignore[attr-defined]
    return ty


def is_unsigned(ty: Attribute) -> bool:
    return isinstance(ty, IntegerType) and ty.signedness.data == Signedness.UNSIGNED


def is_sub_byte(ty: Attribute) -> bool:
    """int4, uint4, int2, uint2: one byte each in memory (the value in its low bits, as
    numpy's ml_dtypes holds them), computed on in 8 bits."""
    return isinstance(ty, IntegerType) and 1 < ty.width.data < 8


def _add(block: Block, op: Operation) -> SSAValue:
    block.add_op(op)
    return op.results[0]


def constant(block: Block, value: float | int, ty: Attribute) -> SSAValue:
    """`value` as a scalar of element type `ty`, in its compute type (a float16/bfloat16
    constant is the f32 of the rounded value)."""
    if isinstance(ty, IntegerType):
        v = int(value)
        if ty.width.data == 1:
            v = 1 if v else 0
        if is_sub_byte(ty):
            bits = ty.width.data
            v &= (1 << bits) - 1
            v = v - (1 << bits) if not is_unsigned(ty) and v >= 1 << (bits - 1) else v
            ty = compute_type(ty)
            assert isinstance(ty, IntegerType)
        signless = IntegerType(ty.width.data)
        c = _add(block, arith.ConstantOp(IntegerAttr(v, signless, truncate_bits=True)))
        return _add(block, arith.BitcastOp(c, ty)) if is_unsigned(ty) else c
    if ty == f16:
        value = float(np.float16(value))
    elif ty == bf16:
        value = float(ml_dtypes.bfloat16(value))
    elif small_float(ty) is not None:
        value = float(np.array(value, np.float32).astype(dtype_of(ty)).astype(np.float32))
    return _add(block, arith.ConstantOp(FloatAttr(float(value), cast(AnyFloat, compute_type(ty)))))


def stored_constant(attr: IntegerAttr | FloatAttr) -> list[Operation]:
    """Ops making the constant `attr` as a value of its own (storage) type; the last one
    yields it (`arith.constant` takes no unsigned type: a signless one, bitcast)."""
    ty = attr.type
    if not is_unsigned(ty):
        return [arith.ConstantOp(attr)]
    assert isinstance(ty, IntegerType) and isinstance(attr, IntegerAttr)
    signless = arith.ConstantOp(IntegerAttr(attr.value.data, IntegerType(ty.width.data),
                                            truncate_bits=True))
    return [signless, arith.BitcastOp(signless.result, ty)]


def widen(block: Block, value: SSAValue) -> SSAValue:
    """A loaded scalar in its compute type (float16/bfloat16 -> f32, exact)."""
    if value.type == f16:
        return _add(block, arith.ExtFOp(value, f32))
    if value.type == bf16:
        bits = _add(block, arith.ExtUIOp(_add(block, arith.BitcastOp(value, i16)), i32))
        shifted = _add(block, arith.ShLIOp(bits, constant(block, 16, i32)))
        return _add(block, arith.BitcastOp(shifted, f32))
    fmt = small_float(value.type)
    if fmt is not None:
        raw = _add(block, arith.BitcastOp(value, IntegerType(fmt.bits)))
        return small_floats.decode(block, _add(block, arith.ExtUIOp(raw, i32)), fmt)
    if is_sub_byte(value.type):
        wide = compute_type(value.type)
        assert isinstance(wide, IntegerType)
        return _wrap(block, _add(block, arith.ExtUIOp(value, wide)), value.type)
    return value


def _wrap(block: Block, value: SSAValue, ty: Attribute) -> SSAValue:
    """An 8-bit `value` reduced to the `ty.width` low bits, sign-extended for a signed `ty`
    (the value a 4- or 2-bit integer holds, in 8 bits)."""
    assert isinstance(ty, IntegerType)
    spare = constant(block, 8 - ty.width.data, i8)
    raw = _add(block, arith.BitcastOp(value, i8)) if value.type != i8 else value
    up = _add(block, arith.ShLIOp(raw, spare))
    down = _add(block, (arith.ShRUIOp if is_unsigned(ty) else arith.ShRSIOp)(up, spare))
    return _add(block, arith.BitcastOp(down, value.type)) if value.type != i8 else down


def narrow(block: Block, value: SSAValue, ty: Attribute) -> SSAValue:
    """A computed scalar (already rounded to `ty`'s precision) as element type `ty`."""
    if ty == f16 and value.type != f16:
        return _add(block, arith.TruncFOp(value, f16))
    if ty == bf16 and value.type != bf16:
        return _add(block, arith.BitcastOp(_bf16_bits(block, value), bf16))
    fmt = small_float(ty)
    if fmt is not None and value.type != ty:
        code = small_floats.encode(block, value, fmt, saturate=False)  # already rounded
        raw = _add(block, arith.TruncIOp(code, IntegerType(fmt.bits)))
        return _add(block, arith.BitcastOp(raw, ty))
    if is_sub_byte(ty) and value.type != ty:  # the low bits, as ml_dtypes stores them
        assert isinstance(ty, IntegerType)
        low = _add(block, arith.AndIOp(value, constant(block, (1 << ty.width.data) - 1,
                                                       value.type)))
        return _add(block, arith.TruncIOp(low, ty))
    return value


def _bf16_bits(block: Block, value: SSAValue) -> SSAValue:
    """The bfloat16 bits (i16) of an f32 or f64 `value`, rounded to nearest even; NaN stays a
    (quiet) NaN. f64 goes through f32 rounded to odd, which makes the two roundings one."""
    x = _f32_round_to_odd(block, value) if value.type == f64 else value
    bits = _add(block, arith.BitcastOp(x, i32))
    high = _add(block, arith.ShRUIOp(bits, constant(block, 16, i32)))
    lsb = _add(block, arith.AndIOp(high, constant(block, 1, i32)))
    bias = _add(block, arith.AddiOp(lsb, constant(block, 0x7FFF, i32)))
    rounded = _add(block, arith.ShRUIOp(_add(block, arith.AddiOp(bits, bias)),
                                         constant(block, 16, i32)))
    quiet = _add(block, arith.OrIOp(high, constant(block, 0x40, i32)))
    nan = _add(block, arith.CmpfOp(x, x, "uno"))
    chosen = _add(block, arith.SelectOp(nan, quiet, rounded))
    return _add(block, arith.TruncIOp(chosen, i16))


def _f32_round_to_odd(block: Block, value: SSAValue) -> SSAValue:
    """f64 -> f32 rounded toward zero, with the last bit set when inexact (round to odd)."""
    nearest = _add(block, arith.TruncFOp(value, f32))
    back = _add(block, arith.ExtFOp(nearest, f64))
    back_abs, value_abs = _add(block, math.AbsFOp(back)), _add(block, math.AbsFOp(value))
    magnitude = _add(block, arith.CmpfOp(back_abs, value_abs, "ogt"))
    bits = _add(block, arith.BitcastOp(nearest, i32))
    one = constant(block, 1, i32)
    toward_zero = _add(block, arith.SelectOp(magnitude, _add(block, arith.SubiOp(bits, one)),
                                             bits))
    inexact = _add(block, arith.CmpfOp(back, value, "one"))
    sticky = _add(block, arith.ExtUIOp(inexact, i32))
    return _add(block, arith.BitcastOp(_add(block, arith.OrIOp(toward_zero, sticky)), f32))


def _round_to(block: Block, value: SSAValue, ty: Attribute, saturate: bool = True
              ) -> SSAValue:
    """A float `value` (f32 or f64) rounded to float `ty`, in `ty`'s compute type (`saturate`:
    see `small_floats`)."""
    fmt = small_float(ty)
    if fmt is not None:
        x = _f32_round_to_odd(block, value) if value.type == f64 else value
        return small_floats.decode(block, small_floats.encode(block, x, fmt, saturate), fmt)
    if ty == f16:
        return widen(block, _add(block, arith.TruncFOp(value, f16)))
    if ty == bf16:
        return widen(block, _add(block, arith.BitcastOp(_bf16_bits(block, value), bf16)))
    if value.type == ty:
        return value
    if value.type == f64:
        return _add(block, arith.TruncFOp(value, cast(AnyFloat, ty)))
    return _add(block, arith.ExtFOp(value, cast(AnyFloat, ty)))


def convert(block: Block, value: SSAValue, to: Attribute, saturate: bool = True) -> SSAValue:
    """`value` (in its compute type) cast to element type `to` (ONNX Cast; `saturate` for
    float8 targets), in `to`'s compute type."""
    src, target = value.type, compute_type(to)
    if src == target and target == to and not is_sub_byte(to):
        return value
    if to == i1:  # x != 0 (NaN is true, as numpy's astype(bool))
        if isinstance(src, IntegerType):
            return _add(block, arith.CmpiOp(value, constant(block, 0, src), "ne"))
        return _add(block, arith.CmpfOp(value, constant(block, 0.0, src), "une"))
    if src == i1:  # false/true -> 0/1
        return _add(block, arith.SelectOp(value, constant(block, 1, to), constant(block, 0, to)))
    if isinstance(src, IntegerType) and isinstance(target, IntegerType):
        resized = _resize_int(block, value, target)
        return _wrap(block, resized, to) if is_sub_byte(to) else resized
    if isinstance(src, IntegerType):
        kind = arith.UIToFPOp if is_unsigned(src) else arith.SIToFPOp
        wide = f64 if target == f64 else f32
        return _round_to(block, _add(block, kind(value, wide)), to, saturate)
    if is_sub_byte(to):  # wraps, as ml_dtypes does: through a 32-bit integer
        whole = _add(block, arith.FPToSIOp(value, i32))
        return _wrap(block, _add(block, arith.TruncIOp(whole, target)), to)  # type: ignore[arg-type]
    if isinstance(target, IntegerType):
        kind = arith.FPToUIOp if is_unsigned(target) else arith.FPToSIOp
        return _add(block, kind(value, target))
    return _round_to(block, value, to, saturate)


def bitcast(block: Block, value: SSAValue, src: Attribute, to: Attribute) -> SSAValue:
    """`value` (element type `src`, in its compute type) with its bits read as `to`, of the
    same width (bool is the byte 0 or 1), in `to`'s compute type."""
    raw = narrow(block, value, src)
    if src == i1:
        assert isinstance(to, IntegerType)
        return _add(block, arith.ExtUIOp(raw, to))
    if to == i1:
        return _add(block, arith.CmpiOp(raw, constant(block, 0, src), "ne"))
    return widen(block, _add(block, arith.BitcastOp(raw, to)))


def _resize_int(block: Block, value: SSAValue, to: IntegerType) -> SSAValue:
    """Two's complement: narrower keeps the low bits, wider extends by the source's sign."""
    src = value.type
    assert isinstance(src, IntegerType)
    if src.width.data > to.width.data:
        return _add(block, arith.TruncIOp(value, to))
    if src.width.data < to.width.data:
        kind = arith.ExtUIOp if is_unsigned(src) else arith.ExtSIOp
        return _add(block, kind(value, to))
    return value if src == to else _add(block, arith.BitcastOp(value, to))


