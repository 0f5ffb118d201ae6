"""concat-in-place: a concat's inputs are computed straight into their places in its output.

A concat along an axis whose outer dimensions are all 1 (channels of one image, NCHW) puts
each input in one contiguous run of the output's bytes. When every input is a buffer of its
own that one earlier kernel writes, each becomes a `kernel.view` of the output at its offset,
so its producer writes there, and the concat's call is erased: no copy at run time, and one
live tensor instead of the inputs plus the output. The planner sees the inputs as the output
(`base_of`), so the output's bytes live from the first input's producer to the last reader
of any of them. An input is placed only at a 64-byte aligned offset (every buffer the
runtime passes is aligned), and never twice: a tensor two concats take, or an input of the
model, leaves its concat as it was. Concats are taken last first, so nested ones (DenseNet's
growing concats) fold into the outermost output.

Before:

    %a = kernel.buffer : memref<1x16x4x4xf32>
    func.call @conv_0(%x, %w, %a) : (...) -> ()
    %b = kernel.buffer : memref<1x16x4x4xf32>
    func.call @conv_1(%x, %v, %b) : (...) -> ()
    %c = kernel.buffer : memref<1x32x4x4xf32>
    func.call @concat_0(%a, %b, %c) : (...) -> ()

After:

    %c = kernel.buffer : memref<1x32x4x4xf32>
    %a = kernel.view %c {offset = 0 : i64} : memref<1x32x4x4xf32> to memref<1x16x4x4xf32>
    %b = kernel.view %c {offset = 256 : i64} : memref<1x32x4x4xf32> to memref<1x16x4x4xf32>
    func.call @conv_0(%x, %w, %a) : (...) -> ()
    func.call @conv_1(%x, %v, %b) : (...) -> ()

Storage ops (`kernel.weight`, `kernel.buffer`, `kernel.view`) move to the top of the graph
function, each after what it views. A concat function no call uses any more is erased.

Input contract: kernel-level IR with outlined kernels and no memory plan yet (run before
`plan-memory`, as the schedule stage does).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

from xdsl.context import Context
from xdsl.dialects import func
from xdsl.dialects.builtin import MemRefType, ModuleOp
from xdsl.ir import Operation, SSAValue
from xdsl.passes import ModulePass
from xdsl.rewriter import Rewriter

from tcompiler import contracts, ir_names
from tcompiler.dialects import kernel
from tcompiler.memplan.graph import buffer_arguments
from tcompiler.memplan.lifetimes import base_of, nbytes
from tcompiler.program import ALIGNMENT

STORAGE = (kernel.WeightOp, kernel.BufferOp, kernel.ViewOp)


def _concat_axis(fn: func.FuncOp | None) -> int | None:
    """The axis of the kernel function's concat (None: not a concat kernel)."""
    if fn is None or ir_names.KERNEL not in fn.attributes:
        return None
    op = next((o for o in fn.body.walk() if isinstance(o, kernel.KernelOp)), None)
    return op.axis.value.data if isinstance(op, kernel.ConcatOp) else None


def _places(call: func.CallOp, axis: int, writers: dict[SSAValue, list[func.CallOp]],
            position: dict[Operation, int]) -> list[int] | None:
    """The element offset of each input in the output, or None when the inputs cannot all be
    placed there (module doc)."""
    *inputs, out = buffer_arguments(call)
    if math.prod(kernel.shape(out)[:axis]) != 1 or not isinstance(base_of(out).owner,
                                                                   kernel.BufferOp):
        return None
    if len(set(inputs)) != len(inputs) or writers.get(out) != [call]:
        return None
    places, start = [], 0
    for value in inputs:
        count = math.prod(kernel.shape(value))
        producers = writers.get(value, [])
        if (not isinstance(value.owner, kernel.BufferOp) or len(producers) != 1
                or position[producers[0]] > position[call]
                or start * (nbytes(value) // max(count, 1)) % ALIGNMENT):
            return None
        places.append(start)
        start += count
    return places


def place_inputs(main: func.FuncOp, symbols: dict[str, func.FuncOp]) -> int:
    """Rewrite every concat of `main` that can be (module doc); returns how many."""
    block = main.body.block
    calls = [o for o in block.ops if isinstance(o, func.CallOp)]
    position: dict[Operation, int] = {c: i for i, c in enumerate(calls)}
    writers: dict[SSAValue, list[func.CallOp]] = {}
    for call in calls:
        args = buffer_arguments(call)
        if args:
            writers.setdefault(args[-1], []).append(call)
    done = 0
    for call in reversed(calls):
        axis = _concat_axis(symbols.get(call.callee.string_value()))
        places = None if axis is None else _places(call, axis, writers, position)
        if places is None:
            continue
        *inputs, out = buffer_arguments(call)
        for value, start in zip(inputs, places):
            owner = value.owner
            assert isinstance(owner, kernel.BufferOp) and isinstance(value.type, MemRefType)
            view = kernel.ViewOp(out, value.type, start)
            view.result.name_hint = value.name_hint
            block.insert_op_before(view, owner)
            value.replace_all_uses_with(view.result)
            Rewriter.erase_op(owner)
            writers[view.result] = writers.pop(value)
        writers.pop(out)
        Rewriter.erase_op(call)
        done += 1
    if done:
        _hoist_storage(main)
    return done


def _hoist_storage(main: func.FuncOp) -> None:
    """Move the storage ops to the top of `main` in their order, each view after the op it
    views (so every view dominates its uses wherever its source was defined)."""
    block = main.body.block
    ordered: dict[Operation, None] = {}

    def visit(op: Operation) -> None:
        if op in ordered:
            return
        if isinstance(op, kernel.ViewOp) and isinstance(op.source.owner, STORAGE):
            visit(op.source.owner)
        ordered[op] = None

    for op in [o for o in block.ops if isinstance(o, STORAGE)]:
        visit(op)
    for op in ordered:
        op.detach()
    anchor = block.first_op
    assert anchor is not None  # the return, at least
    for op in ordered:
        block.insert_op_before(op, anchor)


@dataclass(frozen=True)
class ConcatInPlacePass(ModulePass):
    name = "concat-in-place"
    input_contract: ClassVar[contracts.Contract] = contracts.KERNELS

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        contracts.require(op, self.name, self.input_contract)
        symbols = {f.sym_name.data: f for f in op.body.block.ops if isinstance(f, func.FuncOp)}
        graphs = [f for f in symbols.values() if ir_names.GRAPH in f.attributes]
        for main in graphs:
            contracts.precondition(
                not any(isinstance(o, kernel.BufferOp) and o.offset is not None
                        for o in main.body.block.ops), self.name,
                "buffers already have arena offsets (run before plan-memory)")
            place_inputs(main, symbols)
        used = {c.callee.string_value() for c in op.walk() if isinstance(c, func.CallOp)}
        for name, fn in symbols.items():
            if _concat_axis(fn) is not None and name not in used:
                Rewriter.erase_op(fn)
