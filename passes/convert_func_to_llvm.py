"""`convert-func-to-llvm`: `func.func` to `llvm.func`, with calls, returns and cf branches:
the last conversion of `lower-to-llvm`.

Input: only llvm ops inside `func.func`, plus `func.call`/`func.return` and `cf.br`/
`cf.cond_br`; signatures already hold llvm types (`convert-memref-to-llvm` made memrefs
`!llvm.ptr`, `convert-arith-to-llvm` made index i64). Output: only `llvm.func`s, ready for
`xdsl.backend.llvm.convert_module`.

- `func.func` -> `llvm.func` with external linkage (internal for private definitions, so the
  helpers of several kernel objects never clash when loaded together); discardable attributes
  (`tcc.kernel`, ...) are kept;
- option `noalias` (default true): `llvm.noalias` on every pointer argument, since kernel
  buffers never overlap, except in functions marked `tcc.may_alias` (`plan-memory` marks the
  copies of kernels that some call runs in place);
- `func.call` -> `llvm.call`, `func.return` -> `llvm.return` (at most one result);
- `cf.br` / `cf.cond_br` -> `llvm.br` / `llvm.cond_br`.

Before:

    func.func @k(%a: !llvm.ptr, %b: !llvm.ptr) attributes {tcc.kernel} {
      %x = llvm.load %a : !llvm.ptr -> f32
      llvm.store %x, %b : f32, !llvm.ptr
      func.return
    }

After:

    llvm.func @k(%a: !llvm.ptr {llvm.noalias}, %b: !llvm.ptr {llvm.noalias})
        attributes {tcc.kernel} {
      %x = llvm.load %a : !llvm.ptr -> f32
      llvm.store %x, %b : f32, !llvm.ptr
      llvm.return
    }
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from xdsl.context import Context
from xdsl.dialects import cf, func, llvm
from xdsl.dialects.builtin import (
    ArrayAttr,
    DictionaryAttr,
    IndexType,
    MemRefType,
    ModuleOp,
    UnitAttr,
)
from xdsl.ir import Operation
from xdsl.passes import ModulePass
from xdsl.rewriter import Rewriter

from tcompiler import contracts, ir_names

NAME = "convert-func-to-llvm"


def lower_control(op: Operation) -> Operation | None:
    """cf branches and func calls/returns; None for any other op."""
    match op:
        case cf.BranchOp():
            return llvm.BrOp(op.successor, *op.arguments)
        case cf.ConditionalBranchOp():
            return llvm.CondBrOp(op.cond, op.then_block, op.then_arguments, op.else_block,
                                 op.else_arguments)
        case func.ReturnOp():
            return llvm.ReturnOp(op.arguments[0] if op.arguments else None)
        case func.CallOp():
            contracts.precondition(len(op.res) <= 1, NAME, "calls with several results")
            result = op.res[0].type if op.res else None
            return llvm.CallOp(op.callee.string_value(), *op.arguments, return_type=result)
        case _:
            return None


def check_signature(op: func.FuncOp) -> None:
    types = [*op.function_type.inputs, *op.function_type.outputs]
    contracts.precondition(
        not any(isinstance(t, MemRefType | IndexType) for t in types), NAME,
        f"@{op.sym_name.data} has memref or index types in its signature "
        "(run convert-memref-to-llvm and convert-arith-to-llvm first)")
    contracts.precondition(len(op.function_type.outputs) <= 1, NAME,
                           f"@{op.sym_name.data} has several results")


def lower_signature(op: func.FuncOp, noalias: bool) -> llvm.FuncOp:
    inputs = list(op.function_type.inputs)
    outputs = list(op.function_type.outputs)
    ptr = llvm.LLVMPointerType()
    noalias = noalias and ir_names.MAY_ALIAS not in op.attributes
    attrs = [DictionaryAttr({"llvm.noalias": UnitAttr()} if noalias and t == ptr else {})
             for t in inputs]
    extra = {k: v for k, v in op.attributes.items() if k not in ("sym_name", "function_type")}
    private = op.sym_visibility is not None and op.sym_visibility.data == "private"
    linkage = "internal" if private and op.body.blocks else "external"
    return llvm.FuncOp(
        op.sym_name, llvm.LLVMFunctionType(inputs, outputs[0] if outputs else None),
        linkage=llvm.LinkageAttr(linkage),
        body=Rewriter.move_region_contents_to_new_regions(op.body),
        other_props={"arg_attrs": ArrayAttr(attrs)} if inputs else None, extra_attrs=extra)


@dataclass(frozen=True)
class ConvertFuncToLLVMPass(ModulePass):
    """Every `func.func` (with its calls, returns and branches) to `llvm.func`; see module doc."""

    name = NAME

    noalias: bool = True
    """Mark pointer arguments `noalias` (kernel buffers never overlap)."""

    input_contract: ClassVar[contracts.Contract] = contracts.LLVM_FUNC

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        contracts.require(op, self.name, self.input_contract)
        functions = [f for f in op.ops if isinstance(f, func.FuncOp)]
        for fn in functions:
            check_signature(fn)
        for fn in functions:
            for inner in list(fn.body.walk()):
                control = lower_control(inner)
                if control is not None:
                    Rewriter.replace_op(inner, control)
            Rewriter.replace_op(fn, lower_signature(fn, self.noalias), [])
