"""`lower-to-llvm`: loop-level kernels (func/scf/arith/math/memref) to the `llvm` dialect.

Input: `func.func`s on static, identity-layout memrefs (no results), bodies of `scf.for`
(index bounds, iter_args), `scf.if`, `arith`, `math`, `memref.load/store/alloca`, `func.call`,
`func.return`. Output: only `llvm.func`s, ready for `xdsl.backend.llvm.convert_module`:

    func.func @k(%a: memref<4x8xf32>, %b: memref<4x8xf32>) attributes {tcc.kernel} {
      %c0 = arith.constant 0 : index
      %x = memref.load %a[%c0, %c0] : memref<4x8xf32>
      %y = arith.addf %x, %x : f32
      memref.store %y, %b[%c0, %c0] : memref<4x8xf32>
      func.return
    }

becomes

    llvm.func @k(%a: !llvm.ptr {llvm.noalias}, %b: !llvm.ptr {llvm.noalias})
        attributes {tcc.kernel} {
      %c0 = llvm.mlir.constant(0 : i64) : i64
      %p = llvm.getelementptr inbounds %a[%c0, %c0] : (!llvm.ptr, i64, i64) -> !llvm.ptr, !llvm.array<8 x f32>
      %x = llvm.load %p : !llvm.ptr -> f32
      %y = llvm.fadd %x, %x {fastmathFlags = #llvm.fastmath<reassoc, contract>} : f32
      ...
      llvm.return
    }

Per function: `scf` -> `cf` (xDSL's patterns), memref ops -> GEP + load/store (shapes are read
before types change), index -> i64 and memref -> `!llvm.ptr` in place
(`Rewriter.replace_value_with_new_type`; no TypeConversionPattern), then one walk replacing
each remaining op by rule (`tcompiler.codegen.lower_scalar`), and finally `func.func` ->
`llvm.func` (external linkage; internal for private definitions), `llvm.noalias` on every pointer argument (option
`noalias`; not for functions marked `tcc.may_alias`, whose calls pass overlapping buffers),
discardable attributes kept. 1-D `vector` ops lower through `tcompiler.codegen.lower_vector`. libm callees are declared once at module level.
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects import cf, func, llvm
from xdsl.dialects.builtin import (
    ArrayAttr,
    DictionaryAttr,
    IndexType,
    MemRefType,
    ModuleOp,
    UnitAttr,
    i64,
)
from xdsl.ir import Attribute, Operation, Region
from xdsl.passes import ModulePass
from xdsl.pattern_rewriter import GreedyRewritePatternApplier, PatternRewriteWalker
from xdsl.rewriter import InsertPoint, Rewriter
from xdsl.transforms.convert_scf_to_cf import ForLowering, IfLowering
from xdsl.utils.exceptions import DiagnosticException

from tcompiler import ir_names
from tcompiler.codegen.lower_memory import lower_memory_ops
from tcompiler.codegen.lower_scalar import DEFAULT_FASTMATH, RULES, LowerEnv
from tcompiler.codegen.lower_vector import VECTOR_RULES, lower_vector_memory_ops


def value_type(t: Attribute) -> Attribute:
    """Type of an SSA value after lowering: memref -> !llvm.ptr, index -> i64."""
    if isinstance(t, MemRefType):
        return llvm.LLVMPointerType()
    return i64 if isinstance(t, IndexType) else t

def convert_value_types(region: Region) -> None:
    for block in region.blocks:
        for arg in block.args:
            if value_type(arg.type) != arg.type:
                Rewriter.replace_value_with_new_type(arg, value_type(arg.type))
        for op in block.walk():
            for res in op.results:
                if value_type(res.type) != res.type:
                    Rewriter.replace_value_with_new_type(res, value_type(res.type))

def lower_control(op: Operation) -> Operation | None:
    """cf/func terminators and calls; None when `op` is not one of them."""
    match op:
        case cf.BranchOp():
            return llvm.BrOp(op.successor, *op.arguments)
        case cf.ConditionalBranchOp():
            return llvm.CondBrOp(op.cond, op.then_block, op.then_arguments, op.else_block,
                                 op.else_arguments)
        case func.ReturnOp():
            if len(op.arguments) > 1:
                raise DiagnosticException("lower-to-llvm: multiple return values")
            return llvm.ReturnOp(op.arguments[0] if op.arguments else None)
        case func.CallOp():
            if len(op.res) > 1:
                raise DiagnosticException("lower-to-llvm: calls with several results")
            result = value_type(op.res[0].type) if op.res else None
            return llvm.CallOp(op.callee.string_value(), *op.arguments, return_type=result)
        case _:
            return None

def lower_op(op: Operation, env: LowerEnv) -> None:
    if op.dialect_name() == "llvm":
        return
    rule = RULES.get(type(op)) or VECTOR_RULES.get(type(op))
    if rule is not None:
        new_ops, result = rule(op, env)
        Rewriter.replace_op(op, new_ops, [result] if op.results else [])
        return
    control = lower_control(op)
    if control is None:
        raise DiagnosticException(f"lower-to-llvm: cannot lower {op.name}: {op}")
    Rewriter.replace_op(op, control)

def lower_signature(op: func.FuncOp, noalias: bool) -> llvm.FuncOp:
    inputs = [value_type(t) for t in op.function_type.inputs]
    outputs = [value_type(t) for t in op.function_type.outputs]
    if len(outputs) > 1:
        raise DiagnosticException(f"lower-to-llvm: @{op.sym_name.data} has several results")
    ptr = llvm.LLVMPointerType()
    noalias = noalias and ir_names.MAY_ALIAS not in op.attributes
    attrs = [DictionaryAttr({"llvm.noalias": UnitAttr()} if noalias and t == ptr else {})
             for t in inputs]
    extra = {k: v for k, v in op.attributes.items() if k not in ("sym_name", "function_type")}
    private = op.sym_visibility is not None and op.sym_visibility.data == "private"
    linkage = "internal" if private and op.body.blocks else "external"
    return llvm.FuncOp(
        op.sym_name, llvm.LLVMFunctionType(inputs, outputs[0] if outputs else None),
        linkage=llvm.LinkageAttr(linkage), body=Rewriter.move_region_contents_to_new_regions(op.body),
        other_props={"arg_attrs": ArrayAttr(attrs)} if inputs else None, extra_attrs=extra)

@dataclass(frozen=True)
class LowerToLLVMPass(ModulePass):
    """Lower every `func.func` (loops on static memrefs) to `llvm.func`; see module doc."""

    name = "lower-to-llvm"

    noalias: bool = True
    """Mark pointer arguments `noalias` (kernel buffers never overlap)."""

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        declared: dict[str, llvm.FuncOp] = {
            f.sym_name.data: f for f in op.ops if isinstance(f, llvm.FuncOp)}

        def declare(name: str, args: list[Attribute], result: Attribute) -> None:
            if name in declared:
                return
            decl = llvm.FuncOp(name, llvm.LLVMFunctionType(args, result),
                               linkage=llvm.LinkageAttr("external"))
            declared[name] = decl
            Rewriter.insert_op(decl, InsertPoint.at_end(op.body.block))

        env = LowerEnv(fastmath=DEFAULT_FASTMATH, declare=declare)
        for fn in [f for f in op.ops if isinstance(f, func.FuncOp)]:
            self.lower_function(fn, env)

    def lower_function(self, fn: func.FuncOp, env: LowerEnv) -> None:
        if fn.body.blocks:
            PatternRewriteWalker(
                GreedyRewritePatternApplier([IfLowering(), ForLowering()])
            ).rewrite_region(fn.body)
            entry = fn.body.blocks.first
            assert entry is not None
            lower_memory_ops(list(fn.body.walk()), entry)
            lower_vector_memory_ops(list(fn.body.walk()))
            convert_value_types(fn.body)
            for inner in list(fn.body.walk()):
                lower_op(inner, env)
        Rewriter.replace_op(fn, lower_signature(fn, self.noalias), [])
