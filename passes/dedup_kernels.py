"""dedup-kernels: merge kernel functions that are the same up to their name.

Two functions marked `tcc.kernel` that print the same apart from their symbol (same op,
shapes, attributes, schedule) become one: the first in the module stays, every call to a
later one calls it, the later one is erased. The survivors named `<kind>_<n>` (as
`outline-kernels` names them) are then renumbered per kind in module order, so names are as
if duplicates had never been outlined.

Before:

    func.call @relu_0(%a, %b) : (memref<8xf32>, memref<8xf32>) -> ()
    func.call @relu_1(%b, %c) : (memref<8xf32>, memref<8xf32>) -> ()
    func.call @relu_2(%c, %d) : (memref<4xf32>, memref<4xf32>) -> ()
    ...
    func.func @relu_0(...)  // max(x, 0) on memref<8xf32>
    func.func @relu_1(...)  // the same
    func.func @relu_2(...)  // max(x, 0) on memref<4xf32>

After:

    func.call @relu_0(%a, %b) : (memref<8xf32>, memref<8xf32>) -> ()
    func.call @relu_0(%b, %c) : (memref<8xf32>, memref<8xf32>) -> ()
    func.call @relu_1(%c, %d) : (memref<4xf32>, memref<4xf32>) -> ()
    ...
    func.func @relu_0(...)
    func.func @relu_1(...)  // was @relu_2
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from typing import ClassVar

from xdsl.context import Context
from xdsl.dialects import func
from xdsl.dialects.builtin import ModuleOp, StringAttr, SymbolRefAttr
from xdsl.passes import ModulePass
from xdsl.printer import Printer
from xdsl.rewriter import Rewriter

from tcompiler import contracts, ir_names
from tcompiler.contracts import Contract

_NUMBERED = re.compile(r"(.+)_(\d+)")


def structure(fn: func.FuncOp) -> str:
    """`fn` printed without its name (properties, attributes, body): equal for kernels that
    compute the same thing."""
    stream = io.StringIO()
    printer = Printer(stream=stream)
    printer.print_op_attributes(fn.properties, reserved_attr_names=["sym_name"])
    printer.print_op_attributes(fn.attributes)
    printer.print_region(fn.body)
    return stream.getvalue()


def _kernels(module: ModuleOp) -> list[func.FuncOp]:
    return [op for op in module.body.block.ops
            if isinstance(op, func.FuncOp) and ir_names.KERNEL in op.attributes]


def _merge(module: ModuleOp) -> dict[str, str]:
    """Erase kernels equal to an earlier one; return {erased name: kept name}."""
    kept: dict[str, str] = {}
    renamed: dict[str, str] = {}
    for fn in _kernels(module):
        key = structure(fn)
        if key in kept:
            renamed[fn.sym_name.data] = kept[key]
            Rewriter.erase_op(fn)
        else:
            kept[key] = fn.sym_name.data
    return renamed


def _renumber(module: ModuleOp) -> dict[str, str]:
    """Rename kernels `<kind>_<n>` to `<kind>_0, <kind>_1, ...` in module order."""
    counts: dict[str, int] = {}
    renamed: dict[str, str] = {}
    for fn in _kernels(module):
        match = _NUMBERED.fullmatch(fn.sym_name.data)
        if match is None:
            continue
        kind = match.group(1)
        name = f"{kind}_{counts.get(kind, 0)}"
        counts[kind] = counts.get(kind, 0) + 1
        if name != fn.sym_name.data:
            renamed[fn.sym_name.data] = name
            fn.sym_name = StringAttr(name)
    return renamed


def _retarget(module: ModuleOp, renamed: dict[str, str]) -> None:
    for op in module.walk():
        if isinstance(op, func.CallOp) and op.callee.root_reference.data in renamed:
            op.callee = SymbolRefAttr(renamed[op.callee.root_reference.data])


@dataclass(frozen=True)
class DedupKernelsPass(ModulePass):
    name = "dedup-kernels"
    input_contract: ClassVar[Contract] = contracts.KERNELS

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        contracts.require(op, self.name, self.input_contract)
        _retarget(op, _merge(op))
        _retarget(op, _renumber(op))
