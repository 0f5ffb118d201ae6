"""`convert-math-to-llvm`: `math` ops to LLVM intrinsics or libm calls.

Input: no scf and no memref access left; arith, vector and llvm ops may be anywhere around.
Ops with an LLVM intrinsic become `llvm.call_intrinsic` with the mangled name
(`math.exp` on f32 -> `llvm.exp.f32`, on `vector<16xf32>` -> `llvm.exp.v16f32`); ops
without one call libm (`erff`, `log1pf`, ..., the `f`-suffixed name for f32), and each libm
function is declared once, as an external `llvm.func` at the end of the module.
`math.rsqrt` is `1 / llvm.sqrt` with the default fastmath flags.

Before:

    func.func @k(%x: f32) -> f32 {
      %e = math.exp %x : f32
      %r = math.erf %e : f32
      func.return %r : f32
    }

After:

    func.func @k(%x: f32) -> f32 {
      %e = llvm.call_intrinsic "llvm.exp.f32"(%x) : (f32) -> f32
      %r = llvm.call @erff(%e) : (f32) -> f32
      func.return %r : f32
    }
    llvm.func @erff(f32) -> f32
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from xdsl.context import Context
from xdsl.dialects import llvm, math
from xdsl.dialects.builtin import FloatAttr, ModuleOp
from xdsl.ir import Operation
from xdsl.passes import ModulePass

from tcompiler import contracts
from tcompiler.codegen.llvm_rules import (
    Lowered,
    LowerEnv,
    Rule,
    apply_rules,
    fastmath,
    intrinsic,
    single,
    suffix,
)

NAME = "convert-math-to-llvm"

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
        raise contracts.PassPreconditionError(NAME, f"no libm {base} for {t}")
    env.declare(name, [t] * len(op.operands), t)
    return single(llvm.CallOp(name, *op.operands, return_type=t))


def rsqrt(op: math.RsqrtOp, env: LowerEnv) -> Lowered:
    t = op.result.type
    root = intrinsic(f"llvm.sqrt.{suffix(t)}", [op.operand], t)
    one = llvm.ConstantOp(FloatAttr(1.0, t), t)  # type: ignore[arg-type]
    div = llvm.FDivOp(one.result, root.results[0], fastmath(op, env))
    return [root, one, div], div.res


RULES: dict[type[Operation], Rule] = {
    **{k: math_intrinsic for k in MATH_INTRINSICS},
    **{k: math_libm for k in MATH_LIBM},
    math.RsqrtOp: rsqrt,
}


@dataclass(frozen=True)
class ConvertMathToLLVMPass(ModulePass):
    """Every math op to an intrinsic or a declared libm call; see module doc."""

    name = NAME

    input_contract: ClassVar[contracts.Contract] = contracts.contract(
        "no memref access, math ops with a rule", contracts.LOOPS_PTR.dialects - {"math"},
        contracts.LOOPS_PTR.ops | {op.name for op in RULES})

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        contracts.require(op, self.name, self.input_contract)
        apply_rules(op, RULES, LowerEnv.for_module(op))
