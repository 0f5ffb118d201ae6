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
from tcompiler.costmodel.schedules import FAMILIES, Schedule, heuristic


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
    """One kernel compiled and loaded; `run(arrays)` calls it on numpy buffers."""

    def __init__(self, spec: KernelSpec, schedule: Schedule, target: Target, opt_level: int):
        module = lower_kernel_module(spec.with_schedule(schedule))
        self.library = load_objects([compile_to_object(module, target, opt_level)])
        nargs = len(spec.function.args)
        self.entry = ctypes.CFUNCTYPE(None, *([ctypes.c_void_p] * nargs))(
            self.library.address("kernel"))

    def run(self, arrays: list[np.ndarray]) -> None:
        self.entry(*[a.ctypes.data for a in arrays])


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
    Compiled(spec, heuristic(spec.op), Target.host(), opt_level).run(arrays)
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
        start = time.perf_counter()
        compiled = Compiled(spec, schedule, target, task.opt_level)
        result.compile_s = time.perf_counter() - start
        arrays = random_inputs(spec)
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
