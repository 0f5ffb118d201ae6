"""`convert-arith-to-llvm`: `arith` ops to the `llvm` dialect, and `index` to i64.

Input: no scf and no memref access left (`convert-scf-to-cf` and `convert-memref-to-llvm`
ran); math, vector and llvm ops may be anywhere around. First every `index` value and
`func.func` signature becomes i64 in place (so `arith.index_cast` between index and i64,
such as the ones `convert-memref-to-llvm` leaves for GEP indices, disappears); then each
arith op is replaced by rule (`RULES`, contract in `tcompiler.codegen.llvm_rules`).

Integer ops map 1:1 (`arith.addi` -> `llvm.add`, ...; arith and llvm number the `cmpi` and
`cmpf` predicates alike); float ops carry fastmath `contract reassoc` plus their own flags.
Ops the llvm dialect of xDSL lacks become `llvm.call_intrinsic` with mangled names
(`llvm.maximum.f32`, `llvm.smin.i64`, the saturating `llvm.fptosi.sat.i32.f32`) or short
sequences (`floordivsi`, `ceildivsi`, `ceildivui`, `uitofp`).

Before:

    func.func @k(%p: !llvm.ptr) {
      %c1 = arith.constant 1 : index
      %i = arith.index_cast %c1 : index to i64
      %q = llvm.getelementptr inbounds %p[%i] : (!llvm.ptr, i64) -> !llvm.ptr, f32
      %x = llvm.load %q : !llvm.ptr -> f32
      %y = arith.maximumf %x, %x : f32
      %z = arith.addf %y, %x : f32
      llvm.store %z, %q : f32, !llvm.ptr
      func.return
    }

After:

    func.func @k(%p: !llvm.ptr) {
      %c1 = llvm.mlir.constant(1 : i64) : i64
      %q = llvm.getelementptr inbounds %p[%c1] : (!llvm.ptr, i64) -> !llvm.ptr, f32
      %x = llvm.load %q : !llvm.ptr -> f32
      %y = llvm.call_intrinsic "llvm.maximum.f32"(%x, %x) : (f32, f32) -> f32
      %z = llvm.fadd %y, %x {fastmathFlags = #llvm.fastmath<reassoc,contract>} : f32
      llvm.store %z, %q : f32, !llvm.ptr
      func.return
    }
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

import ml_dtypes
import numpy as np
from xdsl.context import Context
from xdsl.dialects import arith, llvm
from xdsl.dialects.builtin import (
    AnyFloat,
    DenseIntOrFPElementsAttr,
    FloatAttr,
    IntegerAttr,
    IntegerType,
    ModuleOp,
    VectorType,
    i1,
    i64,
)
from xdsl.ir import Attribute, Operation
from xdsl.passes import ModulePass

from tcompiler import contracts
from tcompiler.codegen.llvm_rules import (
    Lowered,
    LowerEnv,
    Rule,
    apply_rules,
    fastmath,
    intrinsic,
    llvm_type,
    retype,
    single,
    suffix,
)

NAME = "convert-arith-to-llvm"


def int_type(t: Attribute) -> IntegerType:
    t = llvm_type(t)
    if not isinstance(t, IntegerType):
        raise contracts.PassPreconditionError(NAME, f"expected an integer type, got {t}")
    return t


def width(t: Attribute) -> int:
    return int_type(t).width.data


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
    if isinstance(value, FloatAttr) and isinstance(t, IntegerType):  # bfloat16, as its bits
        bits = int(np.array(value.value.data, ml_dtypes.bfloat16).view(np.int16))
        return single(llvm.ConstantOp(IntegerAttr(bits, t), t))
    if isinstance(value, DenseIntOrFPElementsAttr) and isinstance(t, VectorType):
        return single(llvm.ConstantOp(value, t))
    raise contracts.PassPreconditionError(NAME, f"unsupported constant {value} : {t}")


def int_constant(value: int, t: Attribute) -> llvm.ConstantOp:
    return llvm.ConstantOp(IntegerAttr(value, int_type(t)), t)


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
    if op.operands[0].type == llvm_type(op.results[0].type):
        return [], op.operands[0]  # a 4- or 2-bit integer and its byte: one LLVM type
    kind = {arith.ExtSIOp: llvm.SExtOp, arith.ExtUIOp: llvm.ZExtOp, arith.TruncIOp: llvm.TruncOp}
    return single(kind[type(op)](op.operands[0], llvm_type(op.results[0].type)))


def float_cast(op: Operation, env: LowerEnv) -> Lowered:
    if isinstance(op, arith.BitcastOp) and op.operands[0].type == llvm_type(op.results[0].type):
        return [], op.operands[0]  # ui8 <-> i8, bf16 <-> i16: one LLVM type
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


RULES: dict[type[Operation], Rule] = {
    **{k: int_binop for k in INT_BINOPS},
    **{k: float_binop for k in FLOAT_BINOPS},
    **{k: binary_intrinsic(INT_INTRINSICS) for k in INT_INTRINSICS},
    **{k: binary_intrinsic(FLOAT_INTRINSICS) for k in FLOAT_INTRINSICS},
    arith.ConstantOp: constant, arith.CmpiOp: cmpi, arith.CmpfOp: cmpf,
    arith.SelectOp: select, arith.NegfOp: negf,
    arith.FloorDivSIOp: floordivsi, arith.CeilDivSIOp: ceildivsi,
    arith.CeilDivUIOp: ceildivui, arith.IndexCastOp: index_cast,
    arith.ExtSIOp: int_resize, arith.ExtUIOp: int_resize, arith.TruncIOp: int_resize,
    arith.ExtFOp: float_cast, arith.TruncFOp: float_cast, arith.SIToFPOp: float_cast,
    arith.BitcastOp: float_cast, arith.UIToFPOp: uitofp,
    arith.FPToSIOp: fp_to_int, arith.FPToUIOp: fp_to_int,
}


@dataclass(frozen=True)
class ConvertArithToLLVMPass(ModulePass):
    """index -> i64 in place, then every arith op by rule; see module doc."""

    name = NAME

    input_contract: ClassVar[contracts.Contract] = contracts.contract(
        "no memref access, arith ops with a rule", contracts.LOOPS_PTR.dialects - {"arith"},
        contracts.LOOPS_PTR.ops | {op.name for op in RULES})

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        contracts.require(op, self.name, self.input_contract)
        retype(op, llvm_type)
        apply_rules(op, RULES, LowerEnv.for_module(op))
