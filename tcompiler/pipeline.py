"""The compile driver: a table of stages, each a verified IR (`tcc compile --emit=STAGE`).

    onnx      import (checker, opset upgrade, shape inference) into the onnx dialect
    graph     onnx-canonicalize, fold-batchnorm: folding and canonicalization on the graph
    kernels   convert-onnx-to-kernel: fused kernels, one function per distinct kernel
    schedule  plan-memory: operator order and arena offsets
    loops     lower-kernels-to-loops: each kernel as scf loops
    llvm      lower-to-llvm: the llvm dialect, then LLVM O3 object code per kernel

`compile_model` runs them all and returns a `Program`; `compile_to_stage` stops after one and
returns the module. Kernels are compiled one module each, keyed by their kernel-level text,
so an unchanged kernel is taken from the object cache instead of being lowered again.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import multiprocessing
import os
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from xdsl.dialects import func
from xdsl.dialects.builtin import ModuleOp
from xdsl.passes import ModulePass, PassPipeline
from xdsl.printer import Printer
from xdsl.utils.exceptions import DiagnosticException, VerifyException

import tcompiler
from tcompiler import ir_names
from tcompiler.assemble import assemble, graph_function, kernel_functions
from tcompiler.context import make_context
from tcompiler.errors import CompileError, OptionError
from tcompiler.plugins import PluginSettings, discover, pipeline_record
from tcompiler.program import Program
from tcompiler.weights import TccContext, WeightStore

log = logging.getLogger(__name__)

STAGES = ("onnx", "graph", "kernels", "schedule", "loops", "llvm")
GRAPH_PIPELINE = "onnx-canonicalize,fold-batchnorm,onnx-canonicalize"
MEMORY_PLANS = ("ilp", "greedy", "naive")


@dataclass(frozen=True)
class CompileOptions:
    """Everything that changes what a compile produces (and so keys the caches)."""

    input_shapes: tuple[tuple[str, tuple[int, ...]], ...] = ()
    target_opset: int = 17
    memory_plan: str = "ilp"
    plan_time_limit: float = 2.0  # seconds for the memory-plan solver (ilp)
    opt_level: int = 3
    cache_dir: str | None = None  # None: no object cache
    jobs: int = 1  # processes compiling kernels in parallel
    passes: tuple[tuple[str, str], ...] = ()  # (stage, pipeline): extra passes after a stage
    plugins: PluginSettings = field(default_factory=PluginSettings)  # where extra passes come from

    def __post_init__(self) -> None:
        for stage, _ in self.passes:
            if stage not in STAGES[1:]:
                raise OptionError(f"--passes: unknown stage {stage!r} "
                                  f"(choose from {', '.join(STAGES[1:])})")
        if self.memory_plan not in MEMORY_PLANS:
            raise OptionError(f"unknown memory plan {self.memory_plan!r} "
                              f"(choose from {', '.join(MEMORY_PLANS)})")
        if self.opt_level not in (0, 1, 2, 3):
            raise OptionError(f"opt level must be 0..3, got {self.opt_level}")
        if self.plan_time_limit <= 0:
            raise OptionError(f"plan time limit must be > 0 seconds, got {self.plan_time_limit}")
        if self.jobs < 1:
            raise OptionError(f"jobs must be >= 1, got {self.jobs}")


Progress = Callable[[str, int, int], None]
"""progress(what, done, total): called as stages and kernels complete."""


@dataclass
class CompileReport:
    stages: dict[str, float] = field(default_factory=dict)  # seconds per stage
    kernels: int = 0
    kernel_calls: int = 0
    cache_hits: int = 0
    info: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"stages_seconds": {k: round(v, 4) for k, v in self.stages.items()},
                "total_seconds": round(sum(self.stages.values()), 4),
                "kernels": self.kernels, "kernel_calls": self.kernel_calls,
                "cache_hits": self.cache_hits, **self.info}


@dataclass
class Compilation:
    module: ModuleOp
    ctx: TccContext
    weights: WeightStore
    num_inputs: int
    model_name: str
    model_sha256: str
    opset: int
    report: CompileReport


def _run_passes(comp: Compilation, spec: str, stage: str, options: CompileOptions | None = None
                ) -> None:
    from tcompiler.opt import build_pipeline

    registry = discover(options.plugins) if options is not None else None
    if registry is not None:
        registry.register_dialects(comp.ctx)
    pipeline: PassPipeline = build_pipeline(spec, registry=registry)
    for p in pipeline.passes:
        before = module_text(comp.module)
        try:
            p.apply(comp.ctx, comp.module)
            comp.module.verify()
        except (VerifyException, DiagnosticException) as err:
            raise CompileError(f"stage {stage}: pass '{p.name}' failed: {_first_line(err)}\n"
                               f"  reproduce: {_reproducer(before, p)}{_plugin_args(options)}"
                               ) from None
        except Exception as err:  # an extra (often plug-in) pass raised: name it, reproduce it
            if registry is None or isinstance(err, CompileError):
                raise
            raise CompileError(f"stage {stage}: pass '{p.name}' failed: {type(err).__name__}: "
                               f"{_first_line(err)}\n  reproduce: {_reproducer(before, p)}"
                               f"{_plugin_args(options)}") from err


def _plugin_args(options: CompileOptions | None) -> str:
    return "".join(f" --load-plugin {spec}" for spec in options.plugins.load) if options else ""


def _first_line(err: BaseException) -> str:
    text = str(err).strip()
    return text.splitlines()[0] if text else type(err).__name__


def _reproducer(module_text_before: str, failed: ModulePass) -> str:
    """Write the IR the failing pass got to a temp file; return the tcc-opt line that replays it."""
    import tempfile

    fd, path = tempfile.mkstemp(prefix="tcc-repro-", suffix=".mlir")
    with os.fdopen(fd, "w") as f:
        f.write(module_text_before)
    return f"tcc-opt {path} -p '{failed.pipeline_pass_spec()}'"


def start(model: Any, options: CompileOptions) -> Compilation:
    from tcompiler.frontend import import_model

    t0 = time.perf_counter()
    extra_passes_record(options)  # unknown or malformed extra passes fail before any work
    imported = import_model(model, input_shapes=dict(options.input_shapes) or None,
                            target_opset=options.target_opset)
    report = CompileReport()
    report.stages["onnx"] = time.perf_counter() - t0
    ctx = make_context(imported.weights)
    return Compilation(imported.module, ctx, imported.weights, len(imported.inputs),
                       imported.name, imported.sha256, imported.opset, report)


def run_stage(comp: Compilation, stage: str, options: CompileOptions) -> None:
    t0 = time.perf_counter()
    if stage == "graph":
        _run_passes(comp, GRAPH_PIPELINE, stage)
    elif stage == "kernels":
        _run_passes(comp, "convert-onnx-to-kernel", stage)
    elif stage == "schedule":
        _run_passes(comp, f"plan-memory{{method={options.memory_plan} "
                          f"time_limit={float(options.plan_time_limit)}}}", stage)
    elif stage == "loops":
        _run_passes(comp, "lower-kernels-to-loops", stage)
    elif stage == "llvm":
        _run_passes(comp, "lower-to-llvm", stage)
    extra = extra_pipeline(options.passes, stage)
    if extra:
        _run_passes(comp, extra, stage, options)
    comp.report.stages[stage] = comp.report.stages.get(stage, 0.0) + time.perf_counter() - t0


def compile_to_stage(model: Any, stage: str, options: CompileOptions = CompileOptions()
                     ) -> Compilation:
    """Run the stages up to and including `stage` on the whole module."""
    if stage not in STAGES:
        raise OptionError(f"unknown stage {stage!r} (choose from {', '.join(STAGES)})")
    comp = start(model, options)
    for s in STAGES[1:STAGES.index(stage) + 1]:
        if s == "loops" or s == "llvm":
            _strip_graph(comp)
        run_stage(comp, s, options)
    return comp


def _strip_graph(comp: Compilation) -> None:
    """Below the schedule stage only kernels are code: the graph becomes the Program's steps."""
    for op in list(comp.module.body.block.ops):
        if isinstance(op, func.FuncOp) and ir_names.GRAPH in op.attributes:
            op.detach()
            op.erase(safe_erase=False)


def module_text(module: ModuleOp) -> str:
    import io

    stream = io.StringIO()
    Printer(stream=stream).print_op(module)
    return stream.getvalue()


def compile_model(model: Any, options: CompileOptions = CompileOptions(),
                  progress: Progress | None = None) -> tuple[Program, CompileReport]:
    """ONNX model (path, bytes or ModelProto) -> Program, with a report of where time went."""
    from tcompiler.codegen import Target

    notify = progress or (lambda what, done, total: None)
    comp = start(model, options)
    notify("onnx", 1, 1)
    for stage in ("graph", "kernels", "schedule"):
        run_stage(comp, stage, options)
        notify(stage, 1, 1)
    target = Target.host()
    main = graph_function(comp.module)
    inputs, outputs, steps, buffers, arena, blob = assemble(comp.module, comp.weights,
                                                            comp.num_inputs)
    t0 = time.perf_counter()
    kernels = kernel_functions(comp.module)
    objects, hits = compile_kernels([_kernel_module_text(k) for k in kernels],
                                    [k.sym_name.data for k in kernels], target, options, notify)
    comp.report.stages["codegen"] = time.perf_counter() - t0
    comp.report.kernels = len(kernels)
    comp.report.kernel_calls = len(steps)
    comp.report.cache_hits = hits
    plan = plan_metadata(main, arena)
    comp.report.info.update({"memory_plan": plan, "weights_bytes": len(blob),
                             "model": comp.model_name, "opset": comp.opset})
    meta = {"model": {"name": comp.model_name, "sha256": comp.model_sha256, "opset": comp.opset},
            "compiler": {"name": "tcompiler", "version": tcompiler.__version__},
            "options": {"memory_plan": options.memory_plan, "opt_level": options.opt_level,
                        "plan_time_limit": options.plan_time_limit,
                        "target_opset": options.target_opset,
                        "input_shapes": {k: list(v) for k, v in options.input_shapes}},
            "memory_plan": plan, "passes": {"graph": GRAPH_PIPELINE,
                                            "extra": extra_passes_record(options),
                                            "plugins": list(options.plugins.load)}}
    program = Program(
        inputs=inputs, outputs=outputs,
        objects={name: data for name, data in objects.items()},
        kernels={name: name for name in objects},
        steps=steps, buffers=buffers, arena_bytes=arena, weights=blob,
        target=target.to_json(), meta=meta)
    return program, comp.report


def plan_metadata(main: func.FuncOp, arena: int) -> dict[str, Any]:
    """The memory plan as plan-memory left it on @main (for the manifest and the report)."""
    attrs = main.attributes
    plan: dict[str, Any] = {"method": str(attrs[ir_names.MEMORY_PLAN].data),  # type: ignore[attr-defined]
                            "arena_bytes": arena,
                            "lower_bound": attrs[ir_names.ARENA_LOWER_BOUND].value.data}  # type: ignore[attr-defined]
    for key, name in ((ir_names.PLAN_BASELINE, "greedy_by_size_bytes"), (ir_names.PLAN_GAP, "gap"),
                      (ir_names.PLAN_SECONDS, "seconds"), (ir_names.PLAN_OPTIMAL, "optimal"),
                      (ir_names.PLAN_INPLACE, "inplace")):
        if key in attrs:
            value = attrs[key].value.data  # type: ignore[attr-defined]
            plan[name] = bool(value) if name == "optimal" else value
    return plan


def _kernel_module_text(fn: func.FuncOp) -> str:
    return module_text(ModuleOp([fn.clone()]))


def compile_kernels(texts: list[str], names: list[str], target: Any, options: CompileOptions,
                    notify: Progress) -> tuple[dict[str, bytes], int]:
    """Object code per kernel module text, from the cache or compiled (in parallel if jobs > 1)."""
    from tcompiler.codegen import ObjectCache

    cache = ObjectCache(Path(options.cache_dir)) if options.cache_dir else None
    objects: dict[str, bytes] = {}
    misses: list[tuple[str, str, str]] = []
    codegen_passes = [r for r in extra_passes_record(options) if r["stage"] in ("loops", "llvm")]
    for name, text in zip(names, texts):
        key = _cache_key(text, target, options, codegen_passes)
        hit = cache.get(key) if cache else None
        if hit is not None:
            objects[name] = hit
        else:
            misses.append((name, text, key))
    hits = len(objects)
    total = len(names)
    notify("codegen", hits, total)
    if options.jobs > 1 and len(misses) > 4:
        context = multiprocessing.get_context("forkserver")
        with ProcessPoolExecutor(max_workers=options.jobs, mp_context=context) as pool:
            futures = [(name, key, pool.submit(lower_kernel_text, text, target.to_json(),
                                               options.opt_level, options.passes,
                                               options.plugins)) for name, text, key in misses]
            for name, key, future in futures:
                objects[name] = future.result()
                if cache:
                    cache.put(key, objects[name])
                notify("codegen", len(objects), total)
    else:
        for name, text, key in misses:
            objects[name] = lower_kernel_text(text, target.to_json(), options.opt_level,
                                              options.passes, options.plugins)
            if cache:
                cache.put(key, objects[name])
            notify("codegen", len(objects), total)
    return {name: objects[name] for name in names}, hits


@functools.cache
def codegen_fingerprint() -> str:
    """SHA-256 of the code that turns kernel-level IR into objects, so that a changed lowering
    never reuses objects the old one cached (the compiler version alone is not enough)."""
    root = Path(__file__).parent
    files = sorted([*(root / "codegen").rglob("*.py"), *(root / "passes").glob("lower_*.py"),
                    *(root / "passes").glob("convert_*_to_llvm.py"),
                    root / "dialects" / "kernel.py"])
    h = hashlib.sha256()
    for path in files:
        h.update(path.name.encode())
        h.update(path.read_bytes())
    return h.hexdigest()


def _cache_key(text: str, target: Any, options: CompileOptions,
               codegen_passes: list[dict[str, Any]] | None = None) -> str:
    h = hashlib.sha256()
    for part in (text, repr(sorted(target.to_json().items())), str(options.opt_level),
                 tcompiler.__version__, codegen_fingerprint(), repr(codegen_passes or [])):
        h.update(part.encode())
        h.update(b"\0")
    return h.hexdigest()


def lower_kernel_text(text: str, target_json: dict[str, str], opt_level: int,
                      passes: tuple[tuple[str, str], ...] = (),
                      plugins: PluginSettings | None = None) -> bytes:
    """Kernel-level module text -> object bytes (runs in worker processes too, which load the
    same plug-ins for the extra `passes` after the loops and llvm stages)."""
    from xdsl.parser import Parser

    from tcompiler.codegen import Target, compile_to_object
    from tcompiler.opt import build_pipeline

    ctx = make_context()
    registry = discover(plugins or PluginSettings()) if passes else None
    if registry is not None:
        registry.register_dialects(ctx)
    module = Parser(ctx, text).parse_module()
    spec = ",".join(p for p in ("lower-kernels-to-loops", extra_pipeline(passes, "loops"),
                                "lower-to-llvm", extra_pipeline(passes, "llvm")) if p)
    for p in build_pipeline(spec, registry=registry).passes:
        p.apply(ctx, module)
        if registry is not None and p.name not in ("lower-kernels-to-loops", "lower-to-llvm"):
            try:
                module.verify()
            except VerifyException as err:
                raise CompileError(f"kernel IR invalid after extra pass '{p.name}': {err}"
                                   ) from None
    return compile_to_object(module, Target.from_json(target_json), opt_level=opt_level)


def extra_pipeline(passes: tuple[tuple[str, str], ...], stage: str) -> str:
    """The extra passes to run after `stage`, as one pipeline text."""
    return ",".join(text for s, text in passes if s == stage)


def extra_passes_record(options: CompileOptions) -> list[dict[str, Any]]:
    """The extra passes per stage as the manifest records them (checks every name and option)."""
    if not options.passes:
        return []
    registry = discover(options.plugins)
    return [{"stage": stage, "pipeline": text, "passes": pipeline_record(registry, text)}
            for stage, text in options.passes]


def default_cache_dir() -> str:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return str(Path(base) / "tcompiler" / "kernels")
