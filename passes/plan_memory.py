"""plan-memory: choose the order of `@main`'s kernel calls and give every `kernel.buffer` a
byte offset in one arena.

Options: `method` = `ilp` (CP-SAT over order, offsets and in-place reuse, hinted with the
best baseline and never worse than it; see tcompiler/memplan/ilp_arena.py), `greedy`
(TFLite's greedy-by-size offsets, program order) or `naive` (no reuse); `time_limit`
(seconds), `seed`, `workers` (0: all cores) for the solver.

Before:

    %a = kernel.buffer : memref<64xf32>
    func.call @copy(%x, %a) ...
    %b = kernel.buffer : memref<64xf32>
    func.call @copy(%a, %b) ...
    %c = kernel.buffer : memref<64xf32>
    func.call @copy(%b, %c) ...

After `method=greedy` (%a is dead when %c is written, so they share bytes; arena 512):

    %a = kernel.buffer {offset = 0 : i64} : memref<64xf32>
    %b = kernel.buffer {offset = 256 : i64} : memref<64xf32>
    %c = kernel.buffer {offset = 0 : i64} : memref<64xf32>

After `method=ilp` (a copy may write over the input it last reads: all at 0, arena 256).
The calls are moved after every buffer, weight and view definition, in the planned order;
`@main` gets `tcc.arena_size`, `tcc.arena_lower_bound`, `tcc.memory_plan` (the method that
produced the plan), `tcc.plan_baseline` (greedy-by-size bytes), `tcc.plan_gap`,
`tcc.plan_seconds`, `tcc.plan_optimal` and `tcc.plan_inplace` (takeovers used). A call whose
arguments share bytes (an in-place takeover) is redirected to a copy of its kernel marked
`tcc.may_alias`, so `lower-to-llvm` leaves that copy's pointers without `noalias`.

Input contract: kernel-level IR (`contracts.KERNELS`) with a graph function (`tcc.graph`)
that computes nothing inline (kernels outlined) and whose calls go to functions of the
module, each call's last argument its output, and every argument a `kernel.buffer`, a
`kernel.weight`, a function argument or a `kernel.view` of one. Each call that takes over an
input's bytes gets `tcc.inplace` (the argument positions), so the plan stays checkable
after the kernels are lowered.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import ClassVar

from xdsl.context import Context
from xdsl.dialects import func
from xdsl.dialects.builtin import (
    ArrayAttr,
    BoolAttr,
    FloatAttr,
    IntegerAttr,
    ModuleOp,
    StringAttr,
    SymbolRefAttr,
    UnitAttr,
    f64,
    i64,
)
from xdsl.ir import SSAValue
from xdsl.passes import ModulePass

from tcompiler import contracts, ir_names
from tcompiler.dialects import kernel
from tcompiler.errors import OptionError
from tcompiler.memplan.graph import KernelGraph
from tcompiler.memplan.lifetimes import base_of, byte_offset, nbytes
from tcompiler.memplan.planner import METHODS, plan_arena
from tcompiler.memplan.plans import Limits
from tcompiler.memplan.validate import validate_arena

STORAGE = (kernel.BufferOp, kernel.WeightOp)


@dataclass(frozen=True)
class PlanMemoryPass(ModulePass):
    name = "plan-memory"

    method: str = "ilp"
    """ilp | greedy | naive (`tcompiler.memplan.planner.METHODS`)"""
    time_limit: float = 2.0
    seed: int = 0
    workers: int = 0

    input_contract: ClassVar[contracts.Contract] = contracts.KERNELS

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        if self.method not in METHODS:
            raise OptionError(f"plan-memory: unknown method {self.method!r} "
                              f"(choose from {', '.join(METHODS)})")
        contracts.require(op, self.name, self.input_contract)
        graphs = [f for f in op.body.block.ops
                  if isinstance(f, func.FuncOp) and ir_names.GRAPH in f.attributes]
        contracts.precondition(bool(graphs), self.name,
                               f"no graph function (a func.func with {ir_names.GRAPH})")
        for main in graphs:
            check_calls(op, main, self.name)
        limits = Limits(time_limit=float(self.time_limit), seed=self.seed, workers=self.workers)
        for main in graphs:
            self.plan_function(main, limits)

    def plan_function(self, main: func.FuncOp, limits: Limits) -> None:
        graph, owners = KernelGraph.from_main(main)
        report = plan_arena(graph, limits, self.method)
        plan = report.best
        problems = validate_arena(graph, plan)
        assert not problems, f"plan-memory produced an invalid plan: {problems[:3]}"
        for buffer in main.body.block.ops:
            if isinstance(buffer, kernel.BufferOp):
                buffer.offset = None  # a dead buffer keeps no stale offset from an older plan
        for t, offset in plan.offsets.items():
            buffer = owners[t]
            assert buffer is not None
            buffer.offset = IntegerAttr(offset, i64)
        record_takeovers(main, plan.inplace, owners)
        reorder_calls(main, plan.order)
        mark_aliasing_calls(main)
        baseline = next(p for p in report.plans if p.method == "greedy-by-size")
        attrs = main.attributes
        attrs[ir_names.ARENA_SIZE] = IntegerAttr(plan.arena_bytes, i64)
        attrs[ir_names.ARENA_LOWER_BOUND] = IntegerAttr(plan.bound, i64)
        attrs[ir_names.MEMORY_PLAN] = StringAttr(plan.method)
        attrs[ir_names.PLAN_BASELINE] = IntegerAttr(baseline.arena_bytes, i64)
        attrs[ir_names.PLAN_GAP] = FloatAttr(round(plan.gap, 6), f64)
        attrs[ir_names.PLAN_SECONDS] = FloatAttr(round(plan.seconds, 3), f64)
        attrs[ir_names.PLAN_OPTIMAL] = BoolAttr.from_bool(plan.optimal)
        attrs[ir_names.PLAN_INPLACE] = IntegerAttr(len(plan.inplace), i64)


def check_calls(module: ModuleOp, main: func.FuncOp, pass_name: str) -> None:
    """`main` computes nothing inline (its kernels are outlined); each call names a function
    of `module`, has an output, and passes only buffers, weights and arguments of `main` (or
    views of them)."""
    functions = {f.sym_name.data for f in module.body.block.ops if isinstance(f, func.FuncOp)}
    inline = next((o for o in main.body.block.ops if isinstance(o, kernel.KERNEL_OPS)), None)
    contracts.precondition(inline is None, pass_name,
                           f"@{main.sym_name.data} computes {inline.name if inline else ''} "
                           "inline: outline the kernels first (outline-kernels)")
    for call in (o for o in main.body.block.ops if isinstance(o, func.CallOp)):
        callee = call.callee.string_value()
        contracts.precondition(callee in functions, pass_name,
                               f"@{main.sym_name.data} calls @{callee}, which is not defined")
        contracts.precondition(bool(call.arguments), pass_name,
                               f"the call of @{callee} has no output argument")
        for arg in call.arguments:
            owner = base_of(arg).owner
            contracts.precondition(
                owner is main.body.block or isinstance(owner, STORAGE), pass_name,
                f"the call of @{callee} passes a value that is not a kernel.buffer, "
                f"kernel.weight or argument of @{main.sym_name.data}")


def _extent(value: SSAValue) -> tuple[object, int, int]:
    """(storage, first byte, end byte) of the bytes `value` names."""
    base, start = base_of(value), byte_offset(value)
    owner = base.owner
    if isinstance(owner, kernel.BufferOp) and owner.offset is not None:
        start += owner.offset.value.data
        return "arena", start, start + nbytes(value)
    return base, start, start + nbytes(value)


def mark_aliasing_calls(main: func.FuncOp) -> None:
    """Calls whose arguments share bytes (in-place reuse) go to a `tcc.may_alias` copy of
    their kernel, which `lower-to-llvm` does not mark `noalias`. Where two arguments are the
    very same bytes (same start, size and type: an elementwise kernel run in place), the copy
    reads the earlier one through the later one's argument: LLVM then sees one pointer,
    loaded and stored at the same index, and vectorizes the loop, where two pointers that may
    overlap send it to the scalar loop at run time (its overlap check fails). One copy per
    kernel and pattern of identical arguments (`_alias`, `_alias2`, ...). A loop's call
    (`tcompiler.loop_bodies`) stays: it only reads its inputs, which may share bytes."""
    module = main.parent_op()
    assert isinstance(module, ModuleOp)
    symbols = {f.sym_name.data: f for f in module.body.block.ops if isinstance(f, func.FuncOp)}
    copies: dict[tuple[str, tuple[tuple[int, int], ...]], str] = {}
    for call in [o for o in main.body.block.ops if isinstance(o, func.CallOp)]:
        extents = [_extent(a) for a in call.arguments]
        overlap = any(a[0] == b[0] and a[1] < b[2] and b[1] < a[2]
                      for i, a in enumerate(extents) for b in extents[i + 1:])
        if not overlap or ir_names.LOOP_SCRATCH in call.attributes:
            continue
        name = call.callee.string_value()
        same = tuple((i, j) for j in range(len(extents)) for i in range(j)
                     if extents[i] == extents[j]
                     and call.arguments[i].type == call.arguments[j].type)
        alias_name = copies.get((name, same))
        if alias_name is None:
            count = sum(1 for key in copies if key[0] == name)
            alias_name = f"{name}_alias{count + 1 if count else ''}"
            copies[(name, same)] = alias_name
            clone = symbols[name].clone()
            clone.sym_name = StringAttr(alias_name)
            clone.attributes[ir_names.MAY_ALIAS] = UnitAttr()
            args = clone.body.blocks.first.args  # type: ignore[union-attr]
            for i, j in same:
                args[i].replace_all_uses_with(args[j])
            module.body.block.insert_op_after(clone, symbols[name])
            symbols[alias_name] = clone
        call.callee = SymbolRefAttr(alias_name)


def record_takeovers(main: func.FuncOp, inplace: Mapping[int, int],
                     owners: Sequence[kernel.BufferOp | None]) -> None:
    """Put on each call (in program order, before reordering) the argument positions whose
    bytes its output takes over (`tcc.inplace`), so the plan stays checkable after lowering."""
    calls = [o for o in main.body.block.ops if isinstance(o, func.CallOp)]
    for call in calls:
        call.attributes.pop(ir_names.INPLACE, None)
    for t, k in inplace.items():
        owner = owners[t]
        positions = [p for p, arg in enumerate(calls[k].arguments[:-1])
                     if owner is not None and base_of(arg).owner is owner]
        if positions:
            calls[k].attributes[ir_names.INPLACE] = ArrayAttr(
                [IntegerAttr(p, i64) for p in positions])


def reorder_calls(main: func.FuncOp, order: tuple[int, ...]) -> None:
    """Move the calls to the end of `@main` (before its return), in `order`."""
    block = main.body.block
    calls = [o for o in block.ops if isinstance(o, func.CallOp)]
    if list(order) == list(range(len(calls))):
        return
    terminator = block.last_op
    assert terminator is not None
    for call in calls:
        call.detach()
    for k in order:
        block.insert_op_before(calls[k], terminator)

