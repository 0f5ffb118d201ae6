"""The compile driver: runs the stage table (`tcompiler.stages`), each stage a verified IR
(`tcc compile --emit=STAGE`).

One function, `run_stages`, runs any stages on a module: each stage's pipeline (plus the extra
passes `CompileOptions.passes` puts after it), verifying the IR after every pass and checking
the stage contract (`tcompiler.contracts.STAGES`) after the stage. A pass that breaks the IR
or raises is a `CompileError` naming it, with a `tcc-opt` line that replays the run up to it
(`tcompiler.reproducer`); a pass given IR outside its input contract is a one-line
`CompileError`.

`compile_model` runs the `module` stages on the model's module, then the `kernel` stages on
one module per distinct kernel (below the schedule stage only kernels are code: the graph
becomes the `Program`'s steps), in worker processes when `jobs > 1`, with the object code
cached under `kernel_cache_key` (the kernel-level text, the target, the opt level and
everything that lowers it). `compile_to_stage` runs the kernel stages on the module of all
kernels at once instead, so `--emit=llvm` prints one module.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from xdsl.dialects import func
from xdsl.dialects.builtin import FloatAttr, IntegerAttr, ModuleOp, StringAttr, i64
from xdsl.passes import ModulePass

import tcompiler
from tcompiler import contracts, ir_names
from tcompiler.assemble import assemble, buffer_names, graph_function, kernel_functions
from tcompiler.context import make_context, module_text, parse_module
from tcompiler.contracts import PassPreconditionError
from tcompiler.errors import CompileError, OptionError, TcError, first_line
from tcompiler.kernels.convert import find_main
from tcompiler.loop_bodies import (
    body_module,
    loop_symbol,
    rename_kernels,
    share_kernels,
    split_loops,
)
from tcompiler.plugins import (
    PluginSettings,
    Registry,
    builtin_registry,
    discover,
    pass_spec_text,
    pipeline_record,
)
from tcompiler.program import LoopBody, Program
from tcompiler.report.kernels import kernel_metadata
from tcompiler.reproducer import write_reproducer
from tcompiler.runtime.native import RUNNER_OBJECT, runner_object
from tcompiler.stages import GRAPH_PIPELINE, MAX_WEIGHT_GROWTH, STAGE_NAMES, STAGES, Stage
from tcompiler.weights import TccContext, WeightStore, align_up, weights_of
from tcompiler.workers import WorkerPool

log = logging.getLogger(__name__)

SCHEDULE_SOURCES = ("costmodel", "heuristic", "random")
MEMORY_PLANS = ("ilp", "greedy", "naive")
CONV_ALGORITHMS = ("auto", "direct", "im2col", "im2win", "winograd")


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
    schedules: str = "costmodel"  # costmodel | heuristic | random: where kernel schedules come from
    cost_model: str | None = None  # a model file for `costmodel` (None: the shipped model)
    tuning_db: str | None = None  # measured best schedules win (`costmodel`)
    conv_algorithm: str = "auto"  # auto | direct | im2col | im2win | winograd, where valid
    expand_math: bool = True  # f32 exp/log/tanh/erf inline and vectorizable (else libm)
    max_weight_growth: float = MAX_WEIGHT_GROWTH  # filters re-laid out may add this fraction

    def __post_init__(self) -> None:
        for stage, _ in self.passes:
            if stage not in STAGE_NAMES[1:]:
                raise OptionError(f"--passes: unknown stage {stage!r} "
                                  f"(choose from {', '.join(STAGE_NAMES[1:])})")
        if self.memory_plan not in MEMORY_PLANS:
            raise OptionError(f"unknown memory plan {self.memory_plan!r} "
                              f"(choose from {', '.join(MEMORY_PLANS)})")
        if self.opt_level not in (0, 1, 2, 3):
            raise OptionError(f"opt level must be 0..3, got {self.opt_level}")
        if self.plan_time_limit <= 0:
            raise OptionError(f"plan time limit must be > 0 seconds, got {self.plan_time_limit}")
        if self.jobs < 1:
            raise OptionError(f"jobs must be >= 1, got {self.jobs}")
        if self.schedules not in SCHEDULE_SOURCES:
            raise OptionError(f"unknown schedule source {self.schedules!r} "
                              f"(choose from {', '.join(SCHEDULE_SOURCES)})")
        if self.conv_algorithm not in CONV_ALGORITHMS:
            raise OptionError(f"unknown conv algorithm {self.conv_algorithm!r} "
                              f"(choose from {', '.join(CONV_ALGORITHMS)})")
        if not self.max_weight_growth >= 0:
            raise OptionError(f"max weight growth must be a fraction >= 0 (or inf: no limit), "
                              f"got {self.max_weight_growth}")
        for flag, path in (("--cost-model", self.cost_model), ("--tuning-db", self.tuning_db)):
            if path is not None and not Path(path).is_file():
                raise OptionError(f"{flag} {path}: no such file")


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
    graph: func.FuncOp | None = None
    """At the llvm stage, the graph function the lowering dropped (as the loops stage left it:
    the kernels' call order, with their unit ranges)."""


# --- running stages ---------------------------------------------------------------------------


def stage_passes(stage: Stage, options: CompileOptions, plugins: Registry | None
                 ) -> tuple[ModulePass, ...]:
    """The stage's built-in passes (looked up without plug-ins, so no plug-in can shadow
    them), then the extra passes `options` puts after it (from `plugins`)."""
    builtin = builtin_registry().pipeline(stage.builtin_pipeline(options)).passes
    extra = extra_pipeline(options.passes, stage.name)
    if not extra:
        return builtin
    return builtin + (plugins or discover(options.plugins)).pipeline(extra).passes


def run_stages(module: ModuleOp, ctx: TccContext, stages: Sequence[Stage],
               options: CompileOptions, report: CompileReport | None = None,
               source: str | None = None) -> None:
    """Run `stages` on `module` in order: every pass verified after it runs (but the
    `verified_downstream` ones: `lower-to-llvm`, whose output LLVM verifies), every stage's
    contract checked after it. On a failure the reproducer is `source` (the module's text
    before this call; printed here when not given) and every pass run so far."""
    if not stages:
        return
    source = module_text(module) if source is None else source
    plugins = discover(options.plugins) if options.passes else None
    if plugins is not None:
        plugins.register_dialects(ctx)
    done: list[ModulePass] = []
    for stage in stages:
        start = time.perf_counter()
        for p in stage_passes(stage, options, plugins):
            done.append(p)
            _run_pass(p, module, ctx, stage.name, options, source, done)
        check_stage_contract(module, stage, done)
        if report is not None:
            report.stages[stage.name] = (report.stages.get(stage.name, 0.0)
                                         + time.perf_counter() - start)


def _run_pass(p: ModulePass, module: ModuleOp, ctx: TccContext, stage: str,
              options: CompileOptions, source: str, done: list[ModulePass]) -> None:
    try:
        p.apply(ctx, module)
        if not getattr(p, "verified_downstream", False):
            module.verify()
    except PassPreconditionError as err:
        raise CompileError(f"stage {stage}: {err}") from None
    except TcError:
        raise
    except Exception as err:  # a pass raised or broke the IR: name it, reproduce it
        repro = write_reproducer(source, ",".join(pass_spec_text(q) for q in done),
                                 failing=p.name, plugins=options.plugins.load,
                                 weights=weights_of(ctx))
        raise CompileError(f"stage {stage}: pass '{p.name}' failed: {type(err).__name__}: "
                           f"{first_line(err)}\n  reproduce: {repro.command}") from err


def check_stage_contract(module: ModuleOp, stage: Stage, done: list[ModulePass]) -> None:
    contract = contracts.STAGES[stage.name]
    for op in contracts.stage_violations(module, stage.name):
        after = f" after pass '{done[-1].name}'" if done else ""
        raise CompileError(f"stage {stage.name}: op {contracts.describe(op)} is outside the "
                           f"{stage.name} stage contract ({contract.name}){after}")


def start(model: Any, options: CompileOptions) -> Compilation:
    """Import `model` (the onnx stage) and check the onnx contract."""
    from tcompiler.frontend import import_model

    t0 = time.perf_counter()
    extra_passes_record(options)  # unknown or malformed extra passes fail before any work
    imported = import_model(model, input_shapes=dict(options.input_shapes) or None,
                            target_opset=options.target_opset)
    report = CompileReport()
    ctx = make_context(imported.weights)
    comp = Compilation(imported.module, ctx, imported.weights, len(imported.inputs),
                       imported.name, imported.sha256, imported.opset, report)
    check_stage_contract(comp.module, STAGES[0], [])
    report.stages["onnx"] = time.perf_counter() - t0
    return comp


def compile_to_stage(model: Any, stage: str, options: CompileOptions = CompileOptions()
                     ) -> Compilation:
    """Run the stages up to and including `stage` on the whole module (from the kernels stage
    on, each `onnx.Loop` is a call of its loop, its body compiled apart). Below the schedule
    stage the graph function stays as it is (`contracts.GRAPH_AT_STAGE`), the call order of the
    lowered kernels: `lower-kernels-to-loops` gives its calls their unit ranges; at the llvm
    stage it is set aside in `Compilation.graph` (`stage_text` prints it)."""
    if stage not in STAGE_NAMES:
        raise OptionError(f"unknown stage {stage!r} (choose from {', '.join(STAGE_NAMES)})")
    comp = start(model, options)
    wanted = STAGES[1:STAGE_NAMES.index(stage) + 1]
    if any(s.name == "kernels" for s in wanted):  # each loop a call (its body compiled apart)
        compile_loop_bodies(comp, options)
    run_stages(comp.module, comp.ctx, [s for s in wanted if s.scope == "module"], options,
               comp.report)
    for kernel_stage in (s for s in wanted if s.scope == "kernel"):
        if kernel_stage.name == "llvm":
            graphs = [op for op in comp.module.body.block.ops
                      if isinstance(op, func.FuncOp) and ir_names.GRAPH in op.attributes]
            comp.graph = graphs[0] if graphs else None
            for graph in graphs:
                graph.detach()
        run_stages(comp.module, comp.ctx, [kernel_stage], options, comp.report)
    return comp


def stage_text(comp: Compilation) -> str:
    """What `tcc compile --emit` prints: the module; at the llvm stage, the graph function
    first, as a comment (the kernels' call order; the runner calls them in it)."""
    text = module_text(comp.module)
    if comp.graph is None:
        return text
    graph = "\n".join(f"// {line}" if line else "//"
                      for line in str(comp.graph).splitlines())
    return (f"// The graph function (the llvm stage lowers only kernels): the order the runner\n"
            f"// calls them in, with their unit ranges.\n{graph}\n{text}")


# --- the whole compile ------------------------------------------------------------------------


def compile_model(model: Any, options: CompileOptions = CompileOptions(),
                  progress: Progress | None = None) -> tuple[Program, CompileReport]:
    """ONNX model (path, bytes or ModelProto) -> Program, with a report of where time went."""
    from tcompiler.codegen import Target

    notify = progress or (lambda what, done, total: None)
    comp = start(model, options)
    notify("onnx", 1, 1)
    bodies, body_kernels = compile_loop_bodies(comp, options)
    for stage in (s for s in STAGES[1:] if s.scope == "module"):
        run_stages(comp.module, comp.ctx, [stage], options, comp.report)
        notify(stage.name, 1, 1)
    target = Target.host()
    main = graph_function(comp.module)
    inputs, outputs, steps, buffers, arena, blob = assemble(comp.module, comp.weights,
                                                            comp.num_inputs)
    loops: dict[str, LoopBody] = {}
    for name, (body, body_blob) in bodies.items():
        loops[name], blob = append_weights(body, blob, body_blob)
    t0 = time.perf_counter()
    kernels = kernel_functions(comp.module) + body_kernels
    objects, hits = compile_kernels([module_text(ModuleOp([k.clone()])) for k in kernels],
                                    [k.sym_name.data for k in kernels], target, options, notify)
    comp.report.stages["codegen"] = time.perf_counter() - t0
    comp.report.kernels = len(kernels)
    comp.report.kernel_calls = len(steps)
    comp.report.cache_hits = hits
    plan = plan_metadata(main, arena)
    schedules = schedule_metadata(kernels)
    details = kernel_metadata(kernels)
    names = buffer_names(comp.module, comp.num_inputs)
    comp.report.info.update({"memory_plan": plan, "weights_bytes": len(blob),
                             "model": comp.model_name, "opset": comp.opset,
                             "schedules": schedules, "kernel_details": details,
                             "buffer_names": names})
    meta = {"model": {"name": comp.model_name, "sha256": comp.model_sha256, "opset": comp.opset},
            "compiler": {"name": "tcompiler", "version": tcompiler.__version__},
            "options": {"memory_plan": options.memory_plan, "opt_level": options.opt_level,
                        "plan_time_limit": options.plan_time_limit,
                        "target_opset": options.target_opset,
                        "input_shapes": {k: list(v) for k, v in options.input_shapes},
                        "schedules": options.schedules,
                        "conv_algorithm": options.conv_algorithm,
                        "max_weight_growth": options.max_weight_growth,
                        "expand_math": options.expand_math},
            "memory_plan": plan, "schedules": schedules, "kernels": details,
            "buffer_names": names, "passes": {"graph": GRAPH_PIPELINE,
                                            "extra": extra_passes_record(options),
                                            "plugins": list(options.plugins.load)}}
    program = Program(
        inputs=inputs, outputs=outputs,
        objects={name: data for name, data in objects.items()},
        kernels={name: name for name in objects},
        steps=steps, buffers=buffers, arena_bytes=arena, weights=blob,
        target=target.to_json(), meta=meta, loops=loops)
    program.objects[RUNNER_OBJECT] = runner_object(program, target)  # the native entry
    return program, comp.report


def compile_loop_bodies(comp: Compilation, options: CompileOptions
                        ) -> tuple[dict[str, tuple[LoopBody, bytes]], list[func.FuncOp]]:
    """Each `onnx.Loop` of the model split off (`loop_bodies`) and its body compiled through
    the module stages: loop step name -> (its body, the body's weights blob), and the body
    kernels (named apart from the model's, one per distinct kernel of all bodies)."""
    bodies: dict[str, tuple[LoopBody, bytes]] = {}
    kernels: list[func.FuncOp] = []
    seen: dict[str, str] = {}  # one kernel function per distinct kernel of all bodies
    loops = split_loops(comp.module)
    main = find_main(comp.module)
    assert main is not None
    calls = {op.callee.string_value(): op for op in main.body.block.ops
             if isinstance(op, func.CallOp)}
    for index, loop in enumerate(loops):
        name = loop_symbol(index)
        module = body_module(loop)
        run_stages(module, comp.ctx, [s for s in STAGES[1:] if s.scope == "module"], options,
                   comp.report)
        rename_kernels(module, f"{name}_")
        kernels += share_kernels(module, seen)
        ins, outs, steps, buffers, arena, blob = assemble(module, comp.weights,
                                                          len(loop.body.block.args))
        body = LoopBody(loop.trips, len(loop.initial), ins, outs, steps, buffers, arena,
                        trip_arg=loop.trip_input is not None)
        calls[name].attributes[ir_names.LOOP_SCRATCH] = IntegerAttr(body.scratch_bytes, i64)
        bodies[name] = (body, blob)
    return bodies, kernels


def append_weights(body: LoopBody, blob: bytes, body_blob: bytes) -> tuple[LoopBody, bytes]:
    """`body` with its weights moved to the end of `blob` (one weights blob per program)."""
    start = align_up(len(blob))
    buffers = [replace(b, offset=b.offset + start) if b.kind == "weight" else b
               for b in body.buffers]
    return replace(body, buffers=buffers), blob + b"\0" * (start - len(blob)) + body_blob


def schedule_metadata(kernels: list[func.FuncOp]) -> dict[str, Any]:
    """Per kernel function: its schedule, where it came from, the predicted time (if any)."""
    from tcompiler.costmodel.schedules import schedule_of
    from tcompiler.dialects.kernel import KernelOp

    found: dict[str, Any] = {}
    for fn in kernels:
        op = next((o for o in fn.body.walk() if isinstance(o, KernelOp)), None)
        if op is None:
            continue
        schedule = schedule_of(op)
        source = fn.attributes.get(ir_names.SCHEDULE_SOURCE)
        predicted = fn.attributes.get(ir_names.PREDICTED_US)
        found[fn.sym_name.data] = {
            "schedule": {"family": schedule.FAMILY, **schedule.knobs()},
            "source": source.data if isinstance(source, StringAttr)
            else "ir" if op.schedule is not None else "heuristic",
            "predicted_us": round(predicted.value.data, 3)
            if isinstance(predicted, FloatAttr) else None}
    return found


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


# --- kernel-scope stages: one module per kernel, cached, in parallel -------------------------


def compile_kernels(texts: list[str], names: list[str], target: Any, options: CompileOptions,
                    notify: Progress) -> tuple[dict[str, bytes], int]:
    """Object code per kernel module text, from the cache or compiled (in parallel if jobs > 1)."""
    from tcompiler.codegen import ObjectCache

    cache = ObjectCache(Path(options.cache_dir)) if options.cache_dir else None
    objects: dict[str, bytes] = {}
    misses: list[tuple[str, str, str]] = []
    for name, text in zip(names, texts):
        key = kernel_cache_key(text, target, options)
        hit = cache.get(key) if cache else None
        if hit is not None:
            objects[name] = hit
        else:
            misses.append((name, text, key))
    hits = len(objects)
    total = len(names)
    notify("codegen", hits, total)

    def done(name: str, key: str, obj: bytes) -> None:
        objects[name] = obj
        if cache:
            cache.put(key, obj)
        notify("codegen", len(objects), total)

    if options.jobs > 1 and len(misses) > 4:
        # workers ignore Ctrl-C and are killed on the way out, so an interrupt ends the
        # compile at once, with no worker tracebacks
        with WorkerPool(jobs=options.jobs, ignore_sigint=True) as pool:
            futures = [(name, key, pool.submit(compile_kernel, text, target.to_json(), options))
                       for name, text, key in misses]
            for name, key, future in futures:
                done(name, key, future.result())
    else:
        for name, text, key in misses:
            done(name, key, compile_kernel(text, target.to_json(), options))
    return {name: objects[name] for name in names}, hits


def compile_kernel(text: str, target_json: dict[str, str], options: CompileOptions) -> bytes:
    """One kernel's module text -> object bytes: the kernel-scope stages, then LLVM (runs in
    worker processes too, which load the plug-ins of the extra passes from `options`)."""
    from tcompiler.codegen import Target, compile_to_object

    ctx = make_context()
    if options.passes:  # the extra passes' dialects, before parsing
        discover(options.plugins).register_dialects(ctx)
    module = parse_module(text, ctx)
    run_stages(module, ctx, [s for s in STAGES if s.scope == "kernel"], options, source=text)
    return compile_to_object(module, Target.from_json(target_json), opt_level=options.opt_level)


@functools.cache
def codegen_fingerprint() -> str:
    """SHA-256 of the code that turns kernel-level IR into objects, so that a changed lowering
    never reuses objects the old one cached (the compiler version alone is not enough)."""
    root = Path(__file__).parent
    files = sorted([*(root / "codegen").rglob("*.py"), *(root / "passes").glob("lower_*.py"),
                    *(root / "passes").glob("convert_*_to_llvm.py"),
                    root / "passes" / "expand_math.py", root / "dialects" / "kernel.py"])
    h = hashlib.sha256()
    for path in files:
        h.update(path.name.encode())
        h.update(path.read_bytes())
    return h.hexdigest()


def kernel_cache_key(text: str, target: Any, options: CompileOptions) -> str:
    """The object cache key of one kernel's module text (`tcompiler.codegen.cache_key`): the
    lowering is the compiler version, the lowering code, the kernel-scope built-in pipelines
    and the extra kernel-scope passes."""
    from tcompiler.codegen import cache_key

    kernel_stages = {s.name for s in STAGES if s.scope == "kernel"}
    extra = [r for r in extra_passes_record(options) if r["stage"] in kernel_stages]
    builtin = [s.builtin_pipeline(options) for s in STAGES if s.scope == "kernel"]
    lowering = json.dumps([tcompiler.__version__, codegen_fingerprint(), extra, *builtin])
    return cache_key(text, target, options.opt_level, lowering)


# --- extra passes -----------------------------------------------------------------------------


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
