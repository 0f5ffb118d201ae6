"""`lower-to-llvm`: loop-level kernels (func/scf/arith/math/memref/vector) to the `llvm`
dialect, by running the per-dialect conversions in order:

    expand-math              f32 exp/exp2/log/log2/tanh/erf -> branch-free arith and
                             math.fma, so loops around them vectorize (`expand-math=false`
                             keeps the intrinsics and libm calls)
    convert-scf-to-cf        scf.for/scf.if -> cf branches (xDSL's pass)
    convert-memref-to-llvm   memref and vector loads/stores -> GEP + llvm.load/store;
                             memref -> !llvm.ptr (shapes are read before types change)
    convert-arith-to-llvm    index -> i64; arith ops by rule
    convert-math-to-llvm     math ops -> intrinsics, or libm calls declared once
    convert-vector-to-llvm   1-D vector value ops by rule
    convert-func-to-llvm     func.func -> llvm.func (noalias, tcc.may_alias), calls,
                             returns, cf branches

Each conversion's input contract is what the previous ones leave, so each can be run (and
tested) alone in this order; `lower-to-llvm{noalias=false}` is `expand-math,convert-scf-to-cf,
...,convert-func-to-llvm{noalias=false}`. The graph function (`tcc.graph`), if any, is
dropped (`graph_functions`). Input: `func.func`s on static,
identity-layout memrefs (no results), bodies of `scf.for` (index bounds, iter_args),
`scf.if`, `arith`, `math`, `memref.load/store/alloca`, 1-D `vector` ops, `func.call`,
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
      %p = llvm.getelementptr inbounds %a[%c0, %c0]
          : (!llvm.ptr, i64, i64) -> !llvm.ptr, !llvm.array<8 x f32>
      %x = llvm.load %p : !llvm.ptr -> f32
      %y = llvm.fadd %x, %x {fastmathFlags = #llvm.fastmath<reassoc, contract>} : f32
      ...
      llvm.return
    }
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.ir import Operation
from xdsl.passes import ModulePass
from xdsl.transforms.convert_scf_to_cf import ConvertScfToCf

from tcompiler import contracts
from tcompiler.ir_names import GRAPH
from tcompiler.passes.convert_arith_to_llvm import RULES as ARITH_RULES
from tcompiler.passes.convert_arith_to_llvm import ConvertArithToLLVMPass
from tcompiler.passes.convert_func_to_llvm import ConvertFuncToLLVMPass
from tcompiler.passes.convert_math_to_llvm import RULES as MATH_RULES
from tcompiler.passes.convert_math_to_llvm import ConvertMathToLLVMPass
from tcompiler.passes.convert_memref_to_llvm import ConvertMemrefToLLVMPass
from tcompiler.passes.convert_vector_to_llvm import ConvertVectorToLLVMPass
from tcompiler.passes.expand_math import ExpandMathPass


@dataclass(frozen=True)
class LowerToLLVMPass(ModulePass):
    """Lower every `func.func` (loops on static memrefs) to `llvm.func`; see module doc."""

    name = "lower-to-llvm"

    noalias: bool = True
    """Mark pointer arguments `noalias` (kernel buffers never overlap)."""

    expand_math: bool = True
    """Expand f32 exp/log/tanh/erf inline (`expand-math`) instead of intrinsics and libm."""

    input_contract: ClassVar[contracts.Contract] = contracts.contract(
        "loops lowering to llvm, arith and math ops with a rule",
        contracts.LOOPS_TO_LLVM.dialects - {"arith", "math"},
        contracts.LOOPS_TO_LLVM.ops | {op.name for op in (*ARITH_RULES, *MATH_RULES)})

    graph_contract: ClassVar[contracts.Contract] = contracts.GRAPH_AT_STAGE["loops"]
    """A graph function, if the module has one, is at the loops stage (it is dropped)."""

    verified_downstream: ClassVar[bool] = True
    """The driver does not run xDSL's verifier on this pass's output (a fifth of a kernel's
    compile time): LLVM verifies the module it translates to, and a translation that fails
    verifies the xDSL module to name the bad op (`codegen.llvm_backend.parse_llvm`)."""

    def conversions(self) -> tuple[ModulePass, ...]:
        expand = (ExpandMathPass(),) if self.expand_math else ()
        return (*expand, ConvertScfToCf(), ConvertMemrefToLLVMPass(), ConvertArithToLLVMPass(),
                ConvertMathToLLVMPass(), ConvertVectorToLLVMPass(),
                ConvertFuncToLLVMPass(noalias=self.noalias))

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        contracts.require(op, self.name, self.input_contract, self.graph_contract)
        for graph in graph_functions(op):
            graph.detach()
            graph.erase(safe_erase=False)
        for conversion in self.conversions():
            conversion.apply(ctx, op)


def graph_functions(module: ModuleOp) -> list[Operation]:
    """The graph functions (`tcc.graph`): not code below the schedule stage, they call the
    kernels in order (`contracts.GRAPH_AT_STAGE`); a call to an `llvm.func` from a `func.func`
    would not verify, so lowering drops them (the Program's steps are that order)."""
    return [op for op in module.body.block.ops if GRAPH in op.attributes]
