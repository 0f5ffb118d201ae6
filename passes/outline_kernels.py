"""outline-kernels: move every kernel op of the graph function into a function of its own.

Each kernel op in `@main` (the function marked `tcc.graph`) becomes a `func.func` marked
`tcc.kernel` whose arguments are the op's operands, in order, and whose body is the op; a
`func.call` takes its place. Functions are named `<kind>_<n>`, n counting the kernels of that
kind in program order: conv, gemm, matmul, conv_transpose, maxpool, avgpool, argmaxpool,
globalpool (a pool whose window is the whole unpadded input), softmax, logsoftmax, lrn,
transpose, concat, copy, map, remap, gather, gather_elements, gather_nd, reduce_<kind>,
normalize_<part>. Identical kernels stay separate functions (see `dedup-kernels`).

Before:

    func.func @main(%x: memref<1x8xf32>, %y: memref<1x8xf32>) attributes {tcc.graph} {
      kernel.softmax %x -> %y {axis = 1 : i64} : memref<1x8xf32> -> memref<1x8xf32>
      func.return
    }

After:

    func.func @main(%x: memref<1x8xf32>, %y: memref<1x8xf32>) attributes {tcc.graph} {
      func.call @softmax_0(%x, %y) : (memref<1x8xf32>, memref<1x8xf32>) -> ()
      func.return
    }
    func.func @softmax_0(%0: memref<1x8xf32>, %1: memref<1x8xf32>) attributes {tcc.kernel} {
      kernel.softmax %0 -> %1 {axis = 1 : i64} : memref<1x8xf32> -> memref<1x8xf32>
      func.return
    }
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from xdsl.context import Context
from xdsl.dialects import func
from xdsl.dialects.builtin import ModuleOp, UnitAttr
from xdsl.ir import Block, Operation, Region
from xdsl.passes import ModulePass
from xdsl.rewriter import InsertPoint, Rewriter

from tcompiler import contracts, ir_names
from tcompiler.contracts import Contract
from tcompiler.dialects import kernel


def kernel_kind(op: Operation) -> str:
    """The kind a kernel function of `op` is named after."""
    if isinstance(op, kernel.PoolOp):
        return "globalpool" if _is_global(op) else f"{op.kind.data}pool"
    if isinstance(op, kernel.SoftmaxOp):
        return "logsoftmax" if op.log is not None else "softmax"
    if isinstance(op, kernel.ReduceOp):
        return f"reduce_{op.kind.data}"
    if isinstance(op, kernel.NormalizeOp):
        return f"normalize_{op.part.data}"
    return op.name.removeprefix("kernel.")


def _is_global(op: kernel.PoolOp) -> bool:
    """A max or average pool over the whole (unpadded) spatial extent of its input."""
    spatial = kernel.shape(op.X)[2:]
    n = len(spatial)
    return (op.kind.data != "argmax" and tuple(kernel.int_values(op.kernel_shape)) == spatial
            and kernel.int_values(op.strides) == [1] * n
            and kernel.int_values(op.dilations) == [1] * n
            and kernel.int_values(op.pads) == [0] * (2 * n))


def graph_function(module: ModuleOp) -> func.FuncOp | None:
    """The function of `module` marked `tcc.graph`, if any."""
    for op in module.body.block.ops:
        if isinstance(op, func.FuncOp) and ir_names.GRAPH in op.attributes:
            return op
    return None


def outline(op: Operation, name: str) -> func.FuncOp:
    """Move `op` into a new kernel function `name` (one argument per operand); a call to it
    takes its place."""
    operands = list(op.operands)
    types = [v.type for v in operands]
    Rewriter.insert_op(func.CallOp(name, operands, []), InsertPoint.before(op))
    op.detach()
    block = Block(arg_types=types)
    for i, arg in enumerate(block.args):
        op.operands[i] = arg
    block.add_ops([op, func.ReturnOp()])
    fn = func.FuncOp(name, (types, []), Region(block))
    fn.attributes[ir_names.KERNEL] = UnitAttr()
    return fn


@dataclass(frozen=True)
class OutlineKernelsPass(ModulePass):
    name = "outline-kernels"
    input_contract: ClassVar[Contract] = contracts.KERNELS

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        contracts.require(op, self.name, self.input_contract)
        graph = graph_function(op)
        contracts.precondition(graph is not None, self.name,
                               f"the module has no func.func marked {ir_names.GRAPH}")
        assert graph is not None
        taken = {f.sym_name.data for f in op.body.block.ops if isinstance(f, func.FuncOp)}
        counts: dict[str, int] = {}
        for kernel_op in [o for o in graph.body.block.ops if isinstance(o, kernel.KERNEL_OPS)]:
            kind = kernel_kind(kernel_op)
            n = counts.get(kind, 0)
            while f"{kind}_{n}" in taken:
                n += 1
            counts[kind] = n + 1
            taken.add(f"{kind}_{n}")
            op.body.block.add_op(outline(kernel_op, f"{kind}_{n}"))
