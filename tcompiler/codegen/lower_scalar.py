"""Rules lowering scalar `arith` and `math` ops to the `llvm` dialect (used by `lower-to-llvm`).

Contract: `RULES[type(op)](op, env)` returns `(new_ops, result)` where `new_ops` replace `op`
and `result` (an SSA value among or before them, or None for ops without results) replaces
its single result. Operand types may still be `index` (treated as i64); result types are
already converted (index -> i64). Rules never look at users.

Float arithmetic carries fastmath `contract reassoc` (plus the op's own flags), never
`nnan`/`ninf` unless the input asked for them. Ops xDSL's llvm dialect lacks become
`llvm.call_intrinsic` with mangled names (`llvm.maximum.f32`, `llvm.fptosi.sat.i32.f32`,
`llvm.tanh.f32`, ...) or calls to libm (`erff`, `log1pf`, ...) declared through `env.declare`.
Intrinsic calls carry no fastmath flags: xDSL's translator rejects them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from xdsl.dialects import arith, llvm, math
from xdsl.dialects.builtin import (
    AnyFloat,
    DenseIntOrFPElementsAttr,
    Float16Type,
    Float32Type,
    Float64Type,
    FloatAttr,
    IndexType,
    IntegerAttr,
    IntegerType,
    VectorType,
    i1,
    i64,
)
from xdsl.ir import Attribute, Operation, SSAValue
from xdsl.utils.exceptions import DiagnosticException

Lowered = tuple[list[Operation], SSAValue | None]
DEFAULT_FASTMATH = (llvm.FastMathFlag.ALLOW_CONTRACT, llvm.FastMathFlag.REASSOC)


@dataclass
class LowerEnv:
    """What rules may use besides the op: the fastmath flags and a libm declarer."""

    fastmath: tuple[llvm.FastMathFlag, ...]
    declare: Callable[[str, list[Attribute], Attribute], None]


def llvm_type(t: Attribute) -> Attribute:
    """Scalar type after lowering: index is i64, everything else is unchanged."""
    return i64 if isinstance(t, IndexType) else t


def width(t: Attribute) -> int:
    t = llvm_type(t)
    if not isinstance(t, IntegerType):
        raise DiagnosticException(f"expected an integer type, got {t}")
    return t.width.data


def suffix(t: Attribute) -> str:
    """The LLVM intrinsic mangling of a scalar or 1-D vector type: f32, i64, v16f32, ..."""
    t = llvm_type(t)
    if isinstance(t, VectorType) and t.get_num_dims() == 1:
        return f"v{t.get_shape()[0]}{suffix(t.element_type)}"
    if isinstance(t, IntegerType):
        return f"i{t.width.data}"
    names = {Float16Type: "f16", Float32Type: "f32", Float64Type: "f64"}
    if type(t) in names:
        return names[type(t)]
    raise DiagnosticException(f"no LLVM intrinsic mangling for type {t}")


def fastmath(op: Operation, env: LowerEnv) -> llvm.FastMathAttr:
    flags = set(env.fastmath)
    own = op.properties.get("fastmath")
    if own is not None:
        flags |= {llvm.FastMathFlag(f.value) for f in own.data}  # type: ignore[attr-defined]
    return llvm.FastMathAttr(flags)


def intrinsic(name: str, args: list[SSAValue], result: Attribute) -> Operation:
    return llvm.CallIntrinsicOp(name, args, [result])


def single(new: Operation) -> Lowered:
    return [new], new.results[0] if new.results else None


# --- arith -----------------------------------------------------------------------------

INT_BINOPS: dict[type[Operation], type[Operation]] = {
    arith.AddiOp: llvm.AddOp, arith.SubiOp: llvm.SubOp, arith.MuliOp: llvm.MulOp,
    arith.DivSIOp: llvm.SDivOp, arith.DivUIOp: llvm.UDivOp, arith.RemSIOp: llvm.SRemOp,
    arith.RemUIOp: llvm.URemOp, arith.AndIOp: llvm.AndOp, arith.OrIOp: llvm.OrOp,
    arith.XOrIOp: llvm.XOrOp, arith.ShLIOp: llvm.ShlOp, arith.ShRSIOp: llvm.AShrOp,
    arith.ShRUIOp: llvm.LShrOp,
}
FLOAT_BINOPS: dict[type[Operation], type[Operation]] = {
    arith.AddfOp: llvm.FAddOp, arith.SubfOp: llvm.FSubOp, arith.MulfOp: llvm.FMulOp,
    arith.DivfOp: llvm.FDivOp,
}
INT_INTRINSICS = {
    arith.MinSIOp: "llvm.smin", arith.MaxSIOp: "llvm.smax",
    arith.MinUIOp: "llvm.umin", arith.MaxUIOp: "llvm.umax",
}
FLOAT_INTRINSICS = {
    arith.MaximumfOp: "llvm.maximum", arith.MinimumfOp: "llvm.minimum",
    arith.MaxnumfOp: "llvm.maxnum", arith.MinnumfOp: "llvm.minnum",
}


def int_binop(op: Operation, env: LowerEnv) -> Lowered:
    return single(INT_BINOPS[type(op)](op.operands[0], op.operands[1]))  # type: ignore[call-arg]


def float_binop(op: Operation, env: LowerEnv) -> Lowered:
    new = FLOAT_BINOPS[type(op)](op.operands[0], op.operands[1], fastmath(op, env))  # type: ignore[call-arg]
    return single(new)


def binary_intrinsic(names: dict[type[Operation], str]) -> Callable[[Operation, LowerEnv], Lowered]:
    def rule(op: Operation, env: LowerEnv) -> Lowered:
        t = llvm_type(op.results[0].type)
        return single(intrinsic(f"{names[type(op)]}.{suffix(t)}", list(op.operands), t))

    return rule


def constant(op: arith.ConstantOp, env: LowerEnv) -> Lowered:
    t = llvm_type(op.result.type)
    value = op.value
    if isinstance(value, IntegerAttr) and isinstance(t, IntegerType):
        v = value.value.data
        return single(llvm.ConstantOp(IntegerAttr(1 if (t.width.data == 1 and v) else v, t), t))
    if isinstance(value, FloatAttr) and isinstance(t, AnyFloat):
        return single(llvm.ConstantOp(FloatAttr(value.value.data, t), t))
    if isinstance(value, DenseIntOrFPElementsAttr) and isinstance(t, VectorType):
        return single(llvm.ConstantOp(value, t))
    raise DiagnosticException(f"lower-to-llvm: unsupported constant {value} : {t}")


def int_constant(value: int, t: Attribute) -> llvm.ConstantOp:
    return llvm.ConstantOp(IntegerAttr(value, t), t)


def cmpi(op: arith.CmpiOp, env: LowerEnv) -> Lowered:
    # arith and llvm number the integer predicates identically (eq ne slt sle sgt sge ...).
    return single(llvm.ICmpOp(op.lhs, op.rhs, IntegerAttr(op.predicate.value.data, i64)))


def cmpf(op: arith.CmpfOp, env: LowerEnv) -> Lowered:
    # Same numbering in arith and llvm; `false`/`true` (0, 15) become constants because
    # xDSL's translator mangles their names.
    pred = op.predicate.value.data
    if pred in (0, 15):
        return single(int_constant(1 if pred == 15 else 0, i1))
    return single(llvm.FCmpOp(op.lhs, op.rhs, IntegerAttr(pred, i64)))


def select(op: arith.SelectOp, env: LowerEnv) -> Lowered:
    return single(llvm.SelectOp(op.cond, op.lhs, op.rhs))


def negf(op: arith.NegfOp, env: LowerEnv) -> Lowered:
    return single(llvm.FNegOp(op.operand, fastmath(op, env)))


def floordivsi(op: arith.FloorDivSIOp, env: LowerEnv) -> Lowered:
    """q = a / b rounded toward -inf: q - 1 when the remainder is non-zero and signs differ."""
    return adjusted_division(op, -1)


def ceildivsi(op: arith.CeilDivSIOp, env: LowerEnv) -> Lowered:
    """q = a / b rounded toward +inf: q + 1 when the remainder is non-zero and signs agree."""
    return adjusted_division(op, +1)


def ceildivui(op: arith.CeilDivUIOp, env: LowerEnv) -> Lowered:
    """q = a / b rounded up: q + 1 when the remainder is non-zero."""
    t = llvm_type(op.result.type)
    zero, one = int_constant(0, t), int_constant(1, t)
    q = llvm.UDivOp(op.lhs, op.rhs)
    r = llvm.URemOp(op.lhs, op.rhs)
    nonzero = llvm.ICmpOp(r.res, zero.result, IntegerAttr(1, i64))  # ne
    stepped = llvm.AddOp(q.res, one.result)
    result = llvm.SelectOp(nonzero.res, stepped.res, q.res)
    return [zero, one, q, r, nonzero, stepped, result], result.res


def adjusted_division(op: Operation, delta: int) -> Lowered:
    a, b = op.operands
    t = llvm_type(op.results[0].type)
    zero, one = int_constant(0, t), int_constant(1, t)
    q = llvm.SDivOp(a, b)
    r = llvm.SRemOp(a, b)
    nonzero = llvm.ICmpOp(r.res, zero.result, IntegerAttr(1, i64))  # ne
    sign = llvm.XOrOp(r.res, b)
    # floor: signs differ (r ^ b < 0); ceil: signs agree (r ^ b >= 0).
    pred = 2 if delta < 0 else 5  # slt / sge
    signs = llvm.ICmpOp(sign.res, zero.result, IntegerAttr(pred, i64))
    adjust = llvm.AndOp(nonzero.res, signs.res)
    stepped = (llvm.SubOp if delta < 0 else llvm.AddOp)(q.res, one.result)
    result = llvm.SelectOp(adjust.res, stepped.res, q.res)
    return [zero, one, q, r, nonzero, sign, signs, adjust, stepped, result], result.res


def index_cast(op: Operation, env: LowerEnv) -> Lowered:
    src, dst = width(op.operands[0].type), width(op.results[0].type)
    if src == dst:
        return [], op.operands[0]
    t = llvm_type(op.results[0].type)
    if src > dst:
        return single(llvm.TruncOp(op.operands[0], t))
    return single(llvm.SExtOp(op.operands[0], t))


def int_resize(op: Operation, env: LowerEnv) -> Lowered:
    kind = {arith.ExtSIOp: llvm.SExtOp, arith.ExtUIOp: llvm.ZExtOp, arith.TruncIOp: llvm.TruncOp}
    return single(kind[type(op)](op.operands[0], llvm_type(op.results[0].type)))


def float_cast(op: Operation, env: LowerEnv) -> Lowered:
    kind = {arith.ExtFOp: llvm.FPExtOp, arith.TruncFOp: llvm.FPTruncOp,
            arith.SIToFPOp: llvm.SIToFPOp, arith.BitcastOp: llvm.BitcastOp}
    return single(kind[type(op)](op.operands[0], llvm_type(op.results[0].type)))


def fp_to_int(op: Operation, env: LowerEnv) -> Lowered:
    # Out-of-range is poison in arith; the saturating intrinsic refines it (and vectorises).
    kind = "fptosi" if isinstance(op, arith.FPToSIOp) else "fptoui"
    src, dst = op.operands[0].type, llvm_type(op.results[0].type)
    return single(intrinsic(f"llvm.{kind}.sat.{suffix(dst)}.{suffix(src)}", [op.operands[0]], dst))


def uitofp(op: arith.UIToFPOp, env: LowerEnv) -> Lowered:
    """No llvm.uitofp in xDSL: zero-extend narrow ints to i64 and use sitofp; for i64 use
    the halving trick, exact under round-to-nearest."""
    x, t = op.input, llvm_type(op.result.type)
    if width(x.type) < 64:
        ext = llvm.ZExtOp(x, i64)
        conv = llvm.SIToFPOp(ext.res, t)
        return [ext, conv], conv.result
    one = int_constant(1, i64)
    zero = int_constant(0, i64)
    half = llvm.LShrOp(x, one.result)
    low = llvm.AndOp(x, one.result)
    odd = llvm.OrOp(half.res, low.res)
    f_half = llvm.SIToFPOp(odd.res, t)
    doubled = llvm.FAddOp(f_half.result, f_half.result)
    direct = llvm.SIToFPOp(x, t)
    negative = llvm.ICmpOp(x, zero.result, IntegerAttr(2, i64))  # slt
    result = llvm.SelectOp(negative.res, doubled.res, direct.result)
    return [one, zero, half, low, odd, f_half, doubled, direct, negative, result], result.res


# --- math ------------------------------------------------------------------------------

MATH_INTRINSICS: dict[type[Operation], str] = {
    math.ExpOp: "llvm.exp", math.Exp2Op: "llvm.exp2", math.LogOp: "llvm.log",
    math.Log2Op: "llvm.log2", math.Log10Op: "llvm.log10", math.SqrtOp: "llvm.sqrt",
    math.AbsFOp: "llvm.fabs", math.FloorOp: "llvm.floor", math.CeilOp: "llvm.ceil",
    math.RoundOp: "llvm.round", math.RoundEvenOp: "llvm.roundeven", math.TruncOp: "llvm.trunc",
    math.SinOp: "llvm.sin", math.CosOp: "llvm.cos", math.TanOp: "llvm.tan",
    math.TanhOp: "llvm.tanh", math.SinhOp: "llvm.sinh", math.CoshOp: "llvm.cosh",
    math.AsinOp: "llvm.asin", math.AcosOp: "llvm.acos", math.AtanOp: "llvm.atan",
    math.Atan2Op: "llvm.atan2", math.PowFOp: "llvm.pow", math.CopySignOp: "llvm.copysign",
    math.FmaOp: "llvm.fma",
}
# libm functions for ops without an LLVM intrinsic; f32 uses the `f`-suffixed name.
MATH_LIBM: dict[type[Operation], str] = {
    math.ErfOp: "erf", math.Log1pOp: "log1p", math.ExpM1Op: "expm1", math.CbrtOp: "cbrt",
    math.AsinhOp: "asinh", math.AcoshOp: "acosh", math.AtanhOp: "atanh",
}


def math_intrinsic(op: Operation, env: LowerEnv) -> Lowered:
    t = op.results[0].type
    return single(intrinsic(f"{MATH_INTRINSICS[type(op)]}.{suffix(t)}", list(op.operands), t))


def math_libm(op: Operation, env: LowerEnv) -> Lowered:
    t = op.results[0].type
    base = MATH_LIBM[type(op)]
    name = {"f32": base + "f", "f64": base}.get(suffix(t))
    if name is None:
        raise DiagnosticException(f"lower-to-llvm: no libm {base} for {t}")
    env.declare(name, [t] * len(op.operands), t)
    return single(llvm.CallOp(name, *op.operands, return_type=t))


def rsqrt(op: math.RsqrtOp, env: LowerEnv) -> Lowered:
    t = op.result.type
    root = intrinsic(f"llvm.sqrt.{suffix(t)}", [op.operand], t)
    one = llvm.ConstantOp(FloatAttr(1.0, t), t)  # type: ignore[arg-type]
    div = llvm.FDivOp(one.result, root.results[0], fastmath(op, env))
    return [root, one, div], div.res


RULES: dict[type[Operation], Callable[..., Lowered]] = {
    **{k: int_binop for k in INT_BINOPS},
    **{k: float_binop for k in FLOAT_BINOPS},
    **{k: binary_intrinsic(INT_INTRINSICS) for k in INT_INTRINSICS},
    **{k: binary_intrinsic(FLOAT_INTRINSICS) for k in FLOAT_INTRINSICS},
    **{k: math_intrinsic for k in MATH_INTRINSICS},
    **{k: math_libm for k in MATH_LIBM},
    arith.ConstantOp: constant, arith.CmpiOp: cmpi, arith.CmpfOp: cmpf,
    arith.SelectOp: select, arith.NegfOp: negf,
    arith.FloorDivSIOp: floordivsi, arith.CeilDivSIOp: ceildivsi,
    arith.CeilDivUIOp: ceildivui, arith.IndexCastOp: index_cast,
    arith.ExtSIOp: int_resize, arith.ExtUIOp: int_resize, arith.TruncIOp: int_resize,
    arith.ExtFOp: float_cast, arith.TruncFOp: float_cast, arith.SIToFPOp: float_cast,
    arith.BitcastOp: float_cast, arith.UIToFPOp: uitofp,
    arith.FPToSIOp: fp_to_int, arith.FPToUIOp: fp_to_int,
    math.RsqrtOp: rsqrt,
}
