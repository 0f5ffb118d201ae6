"""Rewriting a scheduled convolution into several kernels: what `conv-to-im2col`,
`conv-to-im2win` and `conv-to-winograd` share.

At the kernels stage a conv is a kernel function (`@conv_3`) holding one `kernel.conv` with a
schedule, called from `@main` (possibly from several places, after `dedup-kernels`). A pass
here takes every conv whose schedule names its algorithm and, at each call site, builds the
replacement in `@main` as kernel ops on `@main`'s values (new `kernel.buffer`s for the
intermediate tensors, so `plan-memory` places them in the arena; `kernel.view`s or new
`kernel.weight`s for re-laid-out filters), outlines each new kernel op into a function of its
own (`outline-kernels`' naming), and drops the call (and the conv function once no call is
left).

A filter transform that needs the filter's values (Winograd, strided im2win) is done at
compile time, so it needs the filter to be a `kernel.weight` of the context's weight store.
A conv whose filter is not (computed at run time, or `tcc-opt` without `--weights`), and a
conv with no call site, keeps its kernel function with the heuristic schedule instead (said
once in the log). The module must not be memory-planned yet (`plan-memory` runs after).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from xdsl.context import Context
from xdsl.dialects import func
from xdsl.dialects.builtin import MemRefType, ModuleOp, StringAttr, SymbolRefAttr, f32
from xdsl.ir import Attribute, BlockArgument, Operation, SSAValue
from xdsl.rewriter import InsertPoint, Rewriter

from tcompiler import contracts, ir_names
from tcompiler.costmodel.schedules import ConvSchedule, Schedule, heuristic, schedule_of
from tcompiler.dialects import kernel
from tcompiler.passes.outline_kernels import graph_function, kernel_kind, outline
from tcompiler.weights import WeightStore, weights_of

log = logging.getLogger(__name__)


class NeedsConstantFilter(Exception):
    """The rewrite needs the filter's values and this call site's filter has none."""


@dataclass
class Site:
    """One call of a conv kernel function, seen from `@main`: `value(operand)` is the `@main`
    value the conv's operand is bound to; `add(op)` puts a new op before the call."""

    module: ModuleOp
    call: func.CallOp
    conv: kernel.ConvOp
    schedule: ConvSchedule
    store: WeightStore | None
    made: dict[str, str]  # filter transforms already stored: requested name -> stored name
    new: list[Operation] = field(default_factory=list)

    def value(self, operand: SSAValue | None) -> SSAValue | None:
        if operand is None:
            return None
        assert isinstance(operand, BlockArgument)
        return self.call.arguments[operand.index]

    def add(self, op: Operation) -> Operation:
        Rewriter.insert_op(op, InsertPoint.before(self.call))
        self.new.append(op)
        return op

    def buffer(self, shape: tuple[int, ...], name: str) -> SSAValue:
        """A new intermediate tensor (`name` labels it in the IR and in `tcc plan`)."""
        value = self.add(kernel.BufferOp(MemRefType(f32, shape))).results[0]
        value.name_hint = name
        return value

    def view(self, value: SSAValue, shape: tuple[int, ...]) -> SSAValue:
        if kernel.shape(value) == shape:
            return value
        return self.add(kernel.ViewOp(value, MemRefType(f32, shape))).results[0]

    def filter(self) -> tuple[str, np.ndarray]:
        """(name, values) of the conv's filter, if it is a weight of the store (or a view of
        one), in the conv's filter shape."""
        w = self.value(self.conv.W)
        owner = w.owner if w is not None else None
        while isinstance(owner, kernel.ViewOp):
            owner = owner.source.owner
        if (self.store is None or not isinstance(owner, kernel.WeightOp)
                or owner.weight_name.data not in self.store):
            raise NeedsConstantFilter()
        name = owner.weight_name.data
        return name, self.store[name].reshape(kernel.shape(self.conv.W))

    def weight(self, name: str, values: np.ndarray) -> SSAValue:
        """A new weight `name` holding `values` (stored once however many calls share it)."""
        assert self.store is not None
        if name not in self.made:
            self.made[name] = self.store.add(name, np.ascontiguousarray(values, np.float32))
        return self.add(kernel.WeightOp(self.made[name], MemRefType(f32, values.shape))
                        ).results[0]

    def kernel(self, op: kernel.KernelOp, schedule: Schedule) -> None:
        """A new kernel op (operands: `@main` values) with its schedule."""
        op.schedule = schedule.to_attr()
        self.add(op)


Expand = Callable[[Site], None]
"""Builds the replacement of one call site (raises NeedsConstantFilter to decline)."""


def conv_properties(conv: kernel.ConvOp) -> dict[str, Attribute]:
    """The epilogue properties of `conv` (activation and clip bounds)."""
    return {name: conv.properties[name] for name in ("activation", "clip_min", "clip_max")
            if name in conv.properties}


def rewrite_convs(ctx: Context, module: ModuleOp, algorithms: tuple[str, ...],
                  expand: Expand, pass_name: str) -> None:
    """Replace every call of a conv function whose schedule is in `algorithms` (module doc)."""
    main = graph_function(module)
    contracts.precondition(
        main is None or ir_names.MEMORY_PLAN not in main.attributes, pass_name,
        "the module is already memory-planned: rewrite convolutions before plan-memory "
        "(their buffers need arena offsets)")
    store = weights_of(ctx)
    calls: dict[str, list[func.CallOp]] = {}
    if main is not None:
        for op in main.body.block.ops:
            if isinstance(op, func.CallOp):
                calls.setdefault(op.callee.root_reference.data, []).append(op)
    taken = {f.sym_name.data for f in module.body.block.ops if isinstance(f, func.FuncOp)}
    made: dict[str, str] = {}
    for fn in [f for f in module.body.block.ops if isinstance(f, func.FuncOp)
               and ir_names.KERNEL in f.attributes]:
        conv = next((o for o in fn.body.walk() if isinstance(o, kernel.ConvOp)), None)
        if conv is None or conv.schedule is None or conv.packed:  # packed: rewritten already
            continue
        schedule = schedule_of(conv)
        if not isinstance(schedule, ConvSchedule) or schedule.algorithm not in algorithms:
            continue
        sites = calls.get(fn.sym_name.data, [])
        fallback: func.FuncOp | None = None
        for call in sites:
            site = Site(module, call, conv, schedule, store, made)
            try:
                expand(site)
            except NeedsConstantFilter:
                for op in reversed(site.new):
                    Rewriter.erase_op(op)
                fallback = fallback or _heuristic_clone(module, fn, conv, taken)
                call.callee = SymbolRefAttr(fallback.sym_name)
                continue
            _finish(module, site, taken)
        if not sites:
            _use_heuristic(fn, conv)  # nothing calls it: nothing to rewrite
        elif fallback is not None:
            log.warning("%s: a call's filter is not a constant weight; that call keeps the "
                        "heuristic schedule", fn.sym_name.data)
        if sites and all(call.parent is None or call.callee.root_reference != fn.sym_name
                         for call in sites):
            Rewriter.erase_op(fn)  # every call was rewritten or moved to the heuristic clone


def _finish(module: ModuleOp, site: Site, taken: set[str]) -> None:
    """Outline the site's new kernel ops, drop the call and the weights it orphaned."""
    inputs = [v for v in site.call.arguments]
    conv_fn = site.conv.parent_op()
    assert isinstance(conv_fn, func.FuncOp)
    source = conv_fn.attributes.get(ir_names.SCHEDULE_SOURCE)
    for op in site.new:
        if isinstance(op, kernel.KernelOp):
            fn = outline(op, fresh_name(taken, kernel_kind(op)))
            if source is not None:  # where the conv's schedule (and so these) came from
                fn.attributes[ir_names.SCHEDULE_SOURCE] = source
            module.body.block.add_op(fn)
    Rewriter.erase_op(site.call)
    for value in inputs:
        owner = value.owner
        unused = isinstance(owner, Operation) and owner.results[0].first_use is None
        if unused and isinstance(owner, kernel.WeightOp | kernel.ViewOp):
            Rewriter.erase_op(owner)


def fresh_name(taken: set[str], kind: str) -> str:
    n = 0
    while f"{kind}_{n}" in taken:
        n += 1
    taken.add(f"{kind}_{n}")
    return f"{kind}_{n}"


def _heuristic_clone(module: ModuleOp, fn: func.FuncOp, conv: kernel.ConvOp,
                     taken: set[str]) -> func.FuncOp:
    clone = fn.clone()
    clone.sym_name = StringAttr(fresh_name(taken, fn.sym_name.data.rsplit("_", 1)[0]))
    module.body.block.add_op(clone)
    clone_conv = next(o for o in clone.body.walk() if isinstance(o, kernel.ConvOp))
    _use_heuristic(clone, clone_conv)
    return clone


def _use_heuristic(fn: func.FuncOp, conv: kernel.ConvOp) -> None:
    conv.schedule = heuristic(conv).to_attr()
    fn.attributes[ir_names.SCHEDULE_SOURCE] = StringAttr("heuristic")
    fn.attributes.pop(ir_names.PREDICTED_US, None)
