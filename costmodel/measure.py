"""Measuring one kernel under one schedule, in a worker process.

    result = measure(MeasureTask(spec.text, schedule.knobs()))     # in any process

`measure` compiles the kernel with the schedule for the CPU it runs on, runs it on seeded
random inputs (floats ~ N(0, 1); integer and boolean operands zero, so index operands stay in
range), checks the output against the same kernel under its heuristic schedule (compiled and
run in the same worker, cached per kernel), and times it: calls are batched so one sample
takes at least `min_sample_s`, `warmup` samples are dropped, and the median and the
interquartile spread of `repeats` samples are kept. Everything a record needs comes back as a
`MeasureResult`, including the worker's CPU, so mixed clusters never mix their records.

Generated code can crash or hang: run `measure` through `costmodel.executor` (a worker
process dies, not the tuner).
"""

from __future__ import annotations

import ctypes
import functools
import time
import traceback
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from xdsl.dialects import func
from xdsl.dialects.builtin import IntegerType, MemRefType, ModuleOp

from tcompiler.codegen import Target, compile_to_object, load_objects
from tcompiler.context import make_context
from tcompiler.costmodel.kernel import KernelSpec
from tcompiler.costmodel.schedules import EXPANDED_ALGORITHMS, FAMILIES, Schedule, heuristic


@dataclass(frozen=True)
class MeasureTask:
    text: str  # canonical kernel text (KernelSpec.text)
    knobs: dict[str, Any]  # Schedule.knobs() of the family of the kernel's op
    repeats: int = 7
    warmup: int = 2
    min_sample_s: float = 0.0005
    opt_level: int = 3


@dataclass
class MeasureResult:
    valid: bool
    times_us: list[float] = field(default_factory=list)
    median_us: float = float("nan")
    noise: float = float("nan")  # (p75 - p25) / median of the samples
    error: str | None = None
    target: dict[str, str] = field(default_factory=dict)
    compile_s: float = 0.0


def lower_kernel_module(module: ModuleOp) -> ModuleOp:
    """A kernel module (kernel dialect, schedule attached) lowered to the llvm dialect."""
    from tcompiler.passes.lower_kernels_to_loops import LowerKernelsToLoopsPass
    from tcompiler.passes.lower_to_llvm import LowerToLLVMPass

    ctx = make_context()
    LowerKernelsToLoopsPass().apply(ctx, module)
    LowerToLLVMPass().apply(ctx, module)
    return module


def schedule_from_knobs(spec: KernelSpec, knobs: dict[str, Any]) -> Schedule:
    cls = type(heuristic(spec.op))
    schedule = FAMILIES[cls.FAMILY](**knobs)
    schedule.check(spec.op)
    return schedule


class Compiled:
    """One kernel compiled and loaded; `run(arrays)` calls it on numpy buffers.

    A conv whose schedule is rewritten into several kernels (im2col, im2win, Winograd) runs
    as that rewrite: the kernel is called from a one-call graph function whose filter is a
    weight holding the filter argument's values, the kernels stage's rewriting passes expand
    it, and `run` calls the resulting kernels in order on the arguments, the weights they
    made and scratch buffers of their intermediate tensors, so the time is the whole rewrite.
    A gemm or matmul scheduled `pack_b` runs the same way with B as the weight, so it reads
    the panels `pack-weights` makes of it (the packing itself is compile time, not timed).
    """

    def __init__(self, spec: KernelSpec, schedule: Schedule, target: Target, opt_level: int,
                 arrays: list[np.ndarray]):
        module = spec.with_schedule(schedule)
        self.steps: list[tuple[str, list[np.ndarray | int]]] = [
            ("kernel", list(range(len(spec.function.args))))]
        if getattr(schedule, "algorithm", "") in (*EXPANDED_ALGORITHMS, "packed") \
                or getattr(schedule, "pack_b", False):
            module, self.steps = _expand(module, arrays)
        module = lower_kernel_module(module)
        self.library = load_objects([compile_to_object(module, target, opt_level)])
        self.units = {name: self.library.units(name) for name, _ in self.steps}
        self.entries = {name: ctypes.CFUNCTYPE(
            None, *([ctypes.c_void_p] * len(args)),
            *([ctypes.c_int64] * 2 if self.units[name] else []))(self.library.address(name))
            for name, args in self.steps}

    def run(self, arrays: list[np.ndarray]) -> None:
        """Every step on one thread (a parallel kernel: all of its units)."""
        for name, args in self.steps:
            pointers = [(arrays[a] if isinstance(a, int) else a).ctypes.data for a in args]
            units = self.units[name]
            self.entries[name](*pointers, *([0, units] if units else []))


def _expand(module: ModuleOp, arrays: list[np.ndarray]
            ) -> tuple[ModuleOp, list[tuple[str, list[np.ndarray | int]]]]:
    """The kernel module rewritten as its conv algorithm says (`packed`: its filter packed) or
    with its gemm's B packed, and the calls to make (an argument position, or an array the
    rewrite made: a weight or a scratch buffer)."""
    from xdsl.dialects.builtin import UnitAttr
    from xdsl.ir import Block, BlockArgument, Region, SSAValue

    from tcompiler import ir_names
    from tcompiler.context import make_context
    from tcompiler.costmodel.kernel import kernel_op_of
    from tcompiler.dialects import kernel
    from tcompiler.passes.conv_to_im2col import ConvToIm2colPass
    from tcompiler.passes.conv_to_im2win import ConvToIm2winPass
    from tcompiler.passes.conv_to_packed import ConvToPackedPass
    from tcompiler.passes.conv_to_winograd import ConvToWinogradPass
    from tcompiler.passes.pack_weights import PackWeightsPass
    from tcompiler.weights import WeightStore

    fn = module.body.block.first_op
    assert isinstance(fn, func.FuncOp)
    op = kernel_op_of(fn)
    assert isinstance(op, kernel.ConvOp | kernel.GemmOp | kernel.MatMulOp)
    constant = op.W if isinstance(op, kernel.ConvOp) else op.B
    assert isinstance(constant, BlockArgument)
    filter_at = constant.index
    store = WeightStore()
    store.add("filter", arrays[filter_at])
    types = [a.type for i, a in enumerate(fn.args) if i != filter_at]
    body = Block(arg_types=types)
    weight = kernel.WeightOp("filter", fn.args[filter_at].type)  # type: ignore[arg-type]
    operands: list[SSAValue] = list(body.args)
    operands.insert(filter_at, weight.results[0])
    body.add_ops([weight, func.CallOp("kernel", operands, []), func.ReturnOp()])
    main = func.FuncOp("main", (types, []), Region(body))
    main.attributes[ir_names.GRAPH] = UnitAttr()
    module.body.block.add_op(main)
    ctx = make_context(store)
    for rewrite in (ConvToIm2colPass(), ConvToIm2winPass(), ConvToWinogradPass(),
                    ConvToPackedPass(), PackWeightsPass()):
        rewrite.apply(ctx, module)
    values: dict[SSAValue, np.ndarray | int] = {
        arg: i + (i >= filter_at) for i, arg in enumerate(body.args)}
    steps: list[tuple[str, list[np.ndarray | int]]] = []
    for op in body.ops:
        if isinstance(op, kernel.WeightOp):
            values[op.results[0]] = np.array(store[op.weight_name.data], np.float32)
        elif isinstance(op, kernel.BufferOp):
            values[op.results[0]] = np.zeros(kernel.shape(op.results[0]), np.float32)
        elif isinstance(op, kernel.ViewOp):
            source = values[op.source]
            source = arrays[source] if isinstance(source, int) else source
            values[op.results[0]] = source.reshape(kernel.shape(op.results[0]))
        elif isinstance(op, func.CallOp):
            steps.append((op.callee.root_reference.data, [values[v] for v in op.arguments]))
    main.detach()
    return module, steps


def _dtype(ty: MemRefType[Any]) -> np.dtype:
    element = ty.element_type
    if isinstance(element, IntegerType):
        return np.dtype({1: np.bool_, 32: np.int32, 64: np.int64}[element.width.data])
    return np.dtype(np.float32)


def random_inputs(spec: KernelSpec) -> list[np.ndarray]:
    """Seeded by the kernel's signature: the same arrays in every worker."""
    rng = np.random.default_rng(int(spec.signature[:8], 16))
    arrays = []
    fn: func.FuncOp = spec.function
    for arg in fn.args:
        ty = arg.type
        assert isinstance(ty, MemRefType)
        dtype = _dtype(ty)
        shape = tuple(ty.get_shape())
        if dtype.kind == "f":
            arrays.append(rng.standard_normal(shape).astype(np.float32))
        else:
            arrays.append(np.zeros(shape, dtype))
    return arrays


@functools.lru_cache(maxsize=64)
def reference_output(text: str, opt_level: int) -> np.ndarray:
    """The kernel's output under its heuristic schedule (cached per worker)."""
    spec = KernelSpec(text)
    arrays = random_inputs(spec)
    Compiled(spec, heuristic(spec.op), Target.host(), opt_level, arrays).run(arrays)
    return arrays[-1]


def _matches(out: np.ndarray, ref: np.ndarray) -> bool:
    if out.dtype.kind != "f":
        return bool(np.array_equal(out, ref))
    scale = float(np.max(np.abs(ref))) if ref.size else 0.0
    return bool(np.allclose(out, ref, rtol=1e-3, atol=1e-4 * max(scale, 1.0), equal_nan=True))


def _time(compiled: Compiled, arrays: list[np.ndarray], task: MeasureTask) -> list[float]:
    start = time.perf_counter()
    compiled.run(arrays)
    once = max(time.perf_counter() - start, 1e-7)
    calls = max(1, int(task.min_sample_s / once))
    samples = []
    for _ in range(task.warmup + task.repeats):
        start = time.perf_counter()
        for _ in range(calls):
            compiled.run(arrays)
        samples.append((time.perf_counter() - start) / calls * 1e6)
    return samples[task.warmup:]


def measure(task: MeasureTask) -> MeasureResult:
    """Compile, validate and time one (kernel, schedule); never raises."""
    target = Target.host()
    result = MeasureResult(valid=False, target={"cpu": target.cpu, "features": target.features})
    try:
        spec = KernelSpec(task.text)
        schedule = schedule_from_knobs(spec, task.knobs)
        arrays = random_inputs(spec)
        start = time.perf_counter()
        compiled = Compiled(spec, schedule, target, task.opt_level, arrays)
        result.compile_s = time.perf_counter() - start
        compiled.run(arrays)
        if not _matches(arrays[-1], reference_output(task.text, task.opt_level)):
            result.error = "wrong result (differs from the heuristic schedule's output)"
            return result
        times = _time(compiled, arrays, task)
    except Exception as err:  # a bad schedule or a compiler bug: a record, not a crash
        result.error = f"{type(err).__name__}: {err}".splitlines()[0][:300]
        result.error += f" [{traceback.extract_tb(err.__traceback__)[-1].name}]"
        return result
    q25, q50, q75 = np.percentile(times, [25, 50, 75])
    result.valid = True
    result.times_us = [round(t, 3) for t in times]
    result.median_us = float(q50)
    result.noise = float((q75 - q25) / q50) if q50 > 0 else 0.0
    return result
