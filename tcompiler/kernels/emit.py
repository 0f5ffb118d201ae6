"""Building kernel functions and deduplicating identical ones.

`KernelTable.call(op)` takes a kernel-dialect op built on the graph's memrefs, moves it into
a fresh `func.func` of its own (arguments: the op's operands, in order), and returns the
`func.call` that replaces it in the graph. Two kernels whose functions print the same (same
op, shapes, attributes, schedule) share one function.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Sequence

from xdsl.dialects import arith, func
from xdsl.dialects.builtin import FloatAttr, ModuleOp, StringAttr, UnitAttr, f32
from xdsl.ir import Block, Operation, Region, SSAValue
from xdsl.printer import Printer

from tcompiler.dialects import kernel
from tcompiler.kernels.fusion import Expr, Leaf, leaves

KERNEL_ATTR = "tcc.kernel"


class KernelTable:
    def __init__(self, module: ModuleOp):
        self.module = module
        self.by_key: dict[str, str] = {}
        self.counts: dict[str, int] = {}

    def call(self, op: Operation, kind: str) -> func.CallOp:
        """Outline `op` (not yet inserted anywhere) into a kernel function; return the call."""
        operands: Sequence[SSAValue] = list(op.operands)
        block = Block(arg_types=[v.type for v in operands])
        for i, arg in enumerate(block.args):
            op.operands[i] = arg
        block.add_ops([op, func.ReturnOp()])
        fn = func.FuncOp("kernel", ([v.type for v in operands], []), Region(block))
        fn.attributes[KERNEL_ATTR] = UnitAttr()
        key = _structural_key(fn)
        symbol = self.by_key.get(key)
        if symbol is None:
            n = self.counts.get(kind, 0)
            self.counts[kind] = n + 1
            symbol = f"{kind}_{n}"
            fn.sym_name = StringAttr(symbol)
            self.module.body.block.add_op(fn)
            self.by_key[key] = symbol
        return func.CallOp(symbol, operands, [])


def _structural_key(fn: func.FuncOp) -> str:
    stream = io.StringIO()
    Printer(stream=stream).print_op(fn)
    return hashlib.sha256(stream.getvalue().encode()).hexdigest()


def build_map(expr: Expr, output: SSAValue) -> kernel.MapOp:
    """A kernel.map computing `expr` into `output`, one block argument per distinct leaf."""
    inputs = leaves(expr)
    block = Block(arg_types=[f32] * len(inputs))
    scalar = dict(zip(inputs, block.args))

    def emit(e: Expr) -> SSAValue:
        if isinstance(e, Leaf):
            return scalar[e.value]
        if e.kind == "const":
            return _add(block, arith.ConstantOp(FloatAttr(e.value, f32)))
        args = [emit(c) for c in e.children]
        if e.kind == "sqrt":
            from xdsl.dialects import math

            return _add(block, math.SqrtOp(args[0]))
        return _add(block, _BINARY[e.kind](args[0], args[1]))

    block.add_op(kernel.YieldOp(emit(expr)))
    return kernel.MapOp(inputs, output, Region(block))


def _add(block: Block, op: Operation) -> SSAValue:
    block.add_op(op)
    return op.results[0]


_BINARY = {
    "add": arith.AddfOp,
    "sub": arith.SubfOp,
    "mul": arith.MulfOp,
    "div": arith.DivfOp,
    "max": arith.MaximumfOp,
}
