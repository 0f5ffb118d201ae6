"""A kernel as the cost model and the tuner see it: one canonical kernel function.

    spec = KernelSpec.from_function(fn)      # fn: a `tcc.kernel` func.func of a module
    spec.text                                # canonical text: named @kernel, no schedule
    spec.signature                           # sha256 of the text: the tuning-db key
    spec.op                                  # the kernel op (parsed from the text)
    spec.with_schedule(schedule)             # the text with that schedule attached

Canonical means: the function renamed `@kernel`, the op's schedule and tcc's provenance
attributes removed, so two kernels that differ only in name or schedule share one signature.
"""

from __future__ import annotations

import functools
import hashlib
import io
import math
from dataclasses import dataclass

from xdsl.dialects import func
from xdsl.dialects.builtin import MemRefType, ModuleOp, StringAttr
from xdsl.parser import Parser
from xdsl.printer import Printer

from tcompiler import ir_names
from tcompiler.context import make_context
from tcompiler.costmodel.facts import facts
from tcompiler.costmodel.schedules import Schedule
from tcompiler.dialects import kernel
from tcompiler.dialects.kernel import shape

PROVENANCE = (ir_names.SCHEDULE_SOURCE, ir_names.PREDICTED_US, ir_names.MAY_ALIAS)


def _text(module: ModuleOp) -> str:
    stream = io.StringIO()
    Printer(stream=stream).print_op(module)
    return stream.getvalue()


def kernel_op_of(fn: func.FuncOp) -> kernel.KernelOp:
    for op in fn.body.walk():
        if isinstance(op, kernel.KernelOp):
            return op
    raise ValueError(f"@{fn.sym_name.data} holds no kernel op")


@dataclass(frozen=True)
class KernelSpec:
    text: str

    @staticmethod
    def from_function(fn: func.FuncOp) -> KernelSpec:
        clone = fn.clone()
        clone.sym_name = StringAttr("kernel")
        for name in PROVENANCE:
            clone.attributes.pop(name, None)
        kernel_op_of(clone).schedule = None
        return KernelSpec(_text(ModuleOp([clone])))

    @functools.cached_property
    def signature(self) -> str:
        return hashlib.sha256(self.text.encode()).hexdigest()[:24]

    @functools.cached_property
    def module(self) -> ModuleOp:
        return Parser(make_context(), self.text).parse_module()

    @property
    def function(self) -> func.FuncOp:
        fn = self.module.body.block.first_op
        assert isinstance(fn, func.FuncOp)
        return fn

    @property
    def op(self) -> kernel.KernelOp:
        return kernel_op_of(self.function)

    def with_schedule(self, schedule: Schedule) -> ModuleOp:
        """A fresh module of this kernel with `schedule` attached."""
        module = Parser(make_context(), self.text).parse_module()
        fn = module.body.block.first_op
        assert isinstance(fn, func.FuncOp)
        kernel_op_of(fn).schedule = schedule.to_attr()
        return module

    @functools.cached_property
    def flops(self) -> int:
        return flops(self.op)

    @functools.cached_property
    def bytes(self) -> int:
        return sum(_nbytes(v.type) for v in self.function.args)

    @property
    def name(self) -> str:
        """A short human name: the op and its output shape."""
        op = self.op
        return f"{op.name.removeprefix('kernel.')} {'x'.join(map(str, shape(op.output)))}"


def _nbytes(ty: object) -> int:
    if not isinstance(ty, MemRefType):
        return 0
    width = max(1, getattr(ty.element_type, "bitwidth", 32) // 8)
    return ty.element_count() * width


def flops(op: kernel.KernelOp) -> int:
    """Floating-point operations (a multiply-add counts 2) of one run of `op`."""
    f = facts(op)
    out = math.prod(f.output)
    if isinstance(op, kernel.ConvOp):  # the logical filter (a packed one is 5-d)
        return 2 * out * math.prod(op.filter_shape()[1:])
    if isinstance(op, kernel.GemmOp):
        a = f.shape("A")
        return 2 * out * (a[0] if f.int("trans_a") else a[1])
    if isinstance(op, kernel.MatMulOp):
        return 2 * out * f.shape("A")[-1]
    if isinstance(op, kernel.WindowGemmOp):
        return 2 * out * f.shape("W")[0]
    if isinstance(op, kernel.PoolOp):
        return out * math.prod(f.ints("kernel_shape"))
    return out
