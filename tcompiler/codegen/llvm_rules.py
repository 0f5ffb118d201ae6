"""What the `convert-*-to-llvm` passes share: the rule contract, fastmath flags, intrinsic name
mangling, and changing value types in place.

A rule table maps an op class to `rule(op, env) -> (new_ops, result)`: `new_ops` replace `op`
and `result` (an SSA value among or before them, or None for ops without results) replaces
its single result. Rules never look at users, so `apply_rules` can run a table over a module
in any order and the ops of each dialect are replaced where they stand.

Float arithmetic carries fastmath `contract reassoc` (`DEFAULT_FASTMATH`, plus the op's own
flags), never `nnan`/`ninf` unless the input asked for them. Intrinsic calls carry no fastmath
flags: xDSL's translator rejects them.

Types change in place, not through a TypeConversionPattern: `retype(module, convert)` gives
every block argument, op result and `func.func` signature under `module` the type
`convert(t)` (`Rewriter.replace_value_with_new_type`). `convert-memref-to-llvm` retypes
memref -> `!llvm.ptr` once it has lowered every memref access; `convert-arith-to-llvm`
retypes index -> i64 before it lowers the arith ops that compute on indices.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from xdsl.dialects import func, llvm
from xdsl.dialects.builtin import (
    BFloat16Type,
    Float16Type,
    Float32Type,
    Float64Type,
    FunctionType,
    IndexType,
    IntegerType,
    ModuleOp,
    Signedness,
    VectorType,
    i16,
    i64,
)
from xdsl.dialects.utils import FastMathFlag
from xdsl.ir import Attribute, Operation, SSAValue
from xdsl.rewriter import InsertPoint, Rewriter
from xdsl.utils.exceptions import DiagnosticException

from tcompiler.kernels.small_floats import small_float

Lowered = tuple[list[Operation], SSAValue | None]
Rule = Callable[..., Lowered]
DEFAULT_FASTMATH = (FastMathFlag.ALLOW_CONTRACT, FastMathFlag.REASSOC)


@dataclass
class LowerEnv:
    """What rules may use besides the op: the fastmath flags and a libm declarer."""

    fastmath: tuple[FastMathFlag, ...]
    declare: Callable[[str, list[Attribute], Attribute], None]

    @staticmethod
    def for_module(module: ModuleOp) -> LowerEnv:
        """Default flags; `declare` adds an external `llvm.func` at the end of `module`, once
        per name (names already defined as `llvm.func` are left alone)."""
        declared = {f.sym_name.data for f in module.ops if isinstance(f, llvm.FuncOp)}

        def declare(name: str, args: list[Attribute], result: Attribute) -> None:
            if name in declared:
                return
            declared.add(name)
            decl = llvm.FuncOp(name, llvm.LLVMFunctionType(args, result),
                               linkage=llvm.LinkageAttr("external"))
            Rewriter.insert_op(decl, InsertPoint.at_end(module.body.block))

        return LowerEnv(DEFAULT_FASTMATH, declare)


def apply_rules(module: ModuleOp, rules: dict[type[Operation], Rule], env: LowerEnv) -> None:
    """Replace every op under `module` that has a rule in `rules`, in walk order."""
    for op in list(module.walk()):
        rule = rules.get(type(op))
        if rule is None:
            continue
        new_ops, result = rule(op, env)
        Rewriter.replace_op(op, new_ops, [result] if op.results else [])


def retype(module: ModuleOp, convert: Callable[[Attribute], Attribute]) -> None:
    """Give every value and function signature under `module` the type `convert(t)`."""
    for op in module.walk():
        if isinstance(op, func.FuncOp):
            signature = op.function_type
            op.function_type = FunctionType.from_lists(
                [convert(t) for t in signature.inputs], [convert(t) for t in signature.outputs])
        for region in op.regions:
            for block in region.blocks:
                for arg in block.args:
                    if convert(arg.type) != arg.type:
                        Rewriter.replace_value_with_new_type(arg, convert(arg.type))
        for result in op.results:
            if convert(result.type) != result.type:
                Rewriter.replace_value_with_new_type(result, convert(result.type))


def llvm_type(t: Attribute) -> Attribute:
    """Scalar type after lowering: index is i64, unsigned integers are signless (the ops
    chosen before lowering carry the signedness), 4- and 2-bit integers, float8 and float4
    are bytes (the kernels keep their values or codes in the low bits), bfloat16 is its
    bits (i16: no LLVM type in xDSL's translator; `kernels/element_types.py` converts these
    by integer ops), everything else is unchanged."""
    if isinstance(t, IndexType):
        return i64
    if isinstance(t, IntegerType) and 1 < t.width.data < 8:  # int4, int2: one byte each
        return IntegerType(8)
    if small_float(t) is not None:  # float8, float4: one byte each, their code
        return IntegerType(8)
    if isinstance(t, IntegerType) and t.signedness.data != Signedness.SIGNLESS:
        return IntegerType(t.width.data)
    return i16 if isinstance(t, BFloat16Type) else t


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
        flags |= {FastMathFlag(f.value) for f in own.data}  # type: ignore[attr-defined]
    return llvm.FastMathAttr(flags)


def intrinsic(name: str, args: list[SSAValue], result: Attribute) -> Operation:
    return llvm.CallIntrinsicOp(name, args, [result])


def single(new: Operation) -> Lowered:
    return [new], new.results[0] if new.results else None
