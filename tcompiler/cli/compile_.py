"""`tcc compile`: ONNX model -> .tcc artifact (or the IR of one stage with --emit)."""

from __future__ import annotations

import argparse
import os
import sys
import time

from tcompiler.errors import OptionError, ShapeError
from tcompiler.stages import MAX_WEIGHT_GROWTH, STAGE_NAMES


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    c = sub.add_parser("compile", help="compile an ONNX model into a .tcc artifact")
    c.add_argument("model", help="the .onnx file")
    c.add_argument("-o", "--output", help="artifact path (default: MODEL with .tcc suffix); "
                   "with --emit, the file the IR goes to (default: stdout)")
    c.add_argument("--emit", choices=STAGE_NAMES,
                   help="print the IR after this stage instead of writing an artifact")
    c.add_argument("--weights-out", metavar="FILE.npz",
                   help="with --emit: also write the weights the IR names, for tcc-opt --weights")
    c.add_argument("--report", help="write a compile report here (with kernel times measured "
                   "on zero inputs): a page if the name ends in .html, else JSON")
    c.add_argument("--input-shape", action="append", default=[], metavar="NAME=DIMS",
                   help="fix a symbolic input shape, e.g. data=1x3x224x224 (repeatable)")
    c.add_argument("--memory-plan", default="ilp",
                   help="ilp (default: CP-SAT order + offsets + in-place, never worse than "
                   "greedy) | greedy (TFLite greedy-by-size) | naive")
    c.add_argument("--plan-time-limit", type=float, default=2.0, metavar="SECONDS",
                   help="time limit of the ilp memory planner (default 2)")
    c.add_argument("--opt-level", type=int, default=3, help="LLVM optimization level 0..3")
    c.add_argument("--target-opset", type=int, default=17, help="upgrade older models to this")
    c.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 1,
                   help="processes compiling kernels in parallel")
    c.add_argument("--no-cache", action="store_true", help="do not use the kernel object cache")
    c.add_argument("--schedules", default="costmodel",
                   help="where kernel schedules come from: costmodel (the learned model; the "
                   "tuning db first) | heuristic (fixed rules) | random")
    c.add_argument("--cost-model", metavar="FILE", help="cost model file (default: shipped)")
    c.add_argument("--tuning-db", metavar="FILE",
                   help="take the best measured schedule of every kernel this db knows")
    c.add_argument("--conv-algorithm", default="auto",
                   help="auto (the schedule source chooses per conv) | direct | im2col | im2win "
                   "| winograd: use that convolution algorithm for every conv it is valid for")
    c.add_argument("--max-weight-growth", type=float, default=MAX_WEIGHT_GROWTH,
                   metavar="FRACTION",
                   help="filters laid out anew (Winograd's grow 4x) may add this fraction of the "
                   "model's weights, or 16 MiB if more (default %(default)s; inf: no limit); "
                   "past it, the convs that gain least per byte fall back to F(2x2) or direct")
    c.add_argument("--no-expand-math", action="store_true",
                   help="keep f32 exp/log/tanh/erf as LLVM intrinsics and libm calls (scalar) "
                   "instead of the inline, vectorizable expansions of expand-math")
    c.add_argument("--passes", action="append", default=[], metavar="STAGE:PIPELINE",
                   help="extra passes after a stage, e.g. 'graph:my-pass,loops:other{x=2}' "
                   "(a pass without STAGE: runs after the previous one's stage; repeatable)")


def parse_input_shape(text: str) -> tuple[str, tuple[int, ...]]:
    """'name=1x3x224x224' -> ('name', (1, 3, 224, 224))."""
    name, sep, dims = text.rpartition("=")
    try:
        shape = tuple(int(d) for d in dims.lower().split("x"))
    except ValueError:
        shape = ()
    if not sep or not name or not shape or any(d <= 0 for d in shape):
        raise ShapeError(f"--input-shape {text!r}: expected NAME=D1xD2x..., e.g. data=1x3x224x224")
    return name, shape


def parse_input_shapes(texts: list[str]) -> tuple[tuple[str, tuple[int, ...]], ...]:
    """Every --input-shape, each input named at most once."""
    shapes = [parse_input_shape(text) for text in texts]
    names = [name for name, _ in shapes]
    twice = sorted({name for name in names if names.count(name) > 1})
    if twice:
        raise ShapeError(f"--input-shape gives input {', '.join(map(repr, twice))} more than "
                         "once; give each input one shape")
    return tuple(shapes)


def parse_stage_passes(text: str) -> tuple[tuple[str, str], ...]:
    """'graph:a,b{x=1,2},loops:c' -> (('graph', 'a,b{x=1,2}'), ('loops', 'c')).

    Commas inside `{...}` belong to options; a pass without `STAGE:` joins the stage before it.
    """
    items, depth, current = [], 0, ""
    for char in text:
        depth += {"{": 1, "}": -1}.get(char, 0)
        if char == "," and depth == 0:
            items.append(current)
            current = ""
        else:
            current += char
    items.append(current)
    result: list[tuple[str, str]] = []
    for item in (i.strip() for i in items):
        stage, sep, spec = item.partition(":")
        if sep and "{" not in stage:
            if not spec.strip():
                raise OptionError(f"--passes {text!r}: no pass after '{stage}:'")
            result.append((stage.strip(), spec.strip()))
        elif not item or not result:
            raise OptionError(f"--passes {text!r}: expected STAGE:PASS[,PASS...], "
                              "e.g. graph:my-pass,loops:other{x=2}")
        else:
            result[-1] = (result[-1][0], f"{result[-1][1]},{item}")
    return tuple(result)


def run(args: argparse.Namespace) -> int:
    from tcompiler.artifact import write_artifact
    from tcompiler.cli.environment import kernel_cache_dir
    from tcompiler.cli.paths import input_file, output_file, write_text
    from tcompiler.cli.values import plural
    from tcompiler.pipeline import CompileOptions, compile_model, compile_to_stage, stage_text
    from tcompiler.plugins import PluginSettings
    from tcompiler.progress import ProgressBar

    model = input_file(args.model)
    target = args.output or (None if args.emit else str(model.with_suffix(".tcc")))
    output = output_file(target, "-o", refuse=(model,)) if target else None
    if args.report:
        output_file(args.report, "--report", refuse=(model, output or model))
    if args.weights_out and not args.emit:
        raise OptionError("--weights-out goes with --emit=STAGE (an artifact holds its weights)")
    weights_out = (output_file(args.weights_out, "--weights-out", refuse=(model, output or model))
                   if args.weights_out else None)
    options = CompileOptions(
        input_shapes=parse_input_shapes(args.input_shape),
        target_opset=args.target_opset, memory_plan=args.memory_plan, opt_level=args.opt_level,
        plan_time_limit=args.plan_time_limit,
        cache_dir=None if args.emit else kernel_cache_dir(args.no_cache),
        jobs=args.jobs,
        passes=tuple(p for text in args.passes for p in parse_stage_passes(text)),
        plugins=getattr(args, "plugins", None) or PluginSettings(),
        schedules=args.schedules, cost_model=args.cost_model, tuning_db=args.tuning_db,
        conv_algorithm=args.conv_algorithm, expand_math=not args.no_expand_math,
        max_weight_growth=args.max_weight_growth)
    if args.emit:
        comp = compile_to_stage(args.model, args.emit, options)
        if weights_out is not None:
            from tcompiler.weights_npz import referenced, write_npz

            names = referenced(comp.module) + (referenced(comp.graph) if comp.graph else [])
            write_npz(weights_out, comp.weights, list(dict.fromkeys(names)))
        text = stage_text(comp)
        if output is None:
            sys.stdout.write(text)
            return 0
        write_text(output, text)
        print(f"{output}: the IR after stage {args.emit}")
        return 0
    assert output is not None
    bar = ProgressBar()
    start = time.perf_counter()
    try:
        program, report = compile_model(args.model, options, progress=bar)
        t0 = time.perf_counter()
        write_artifact(output, program)
        report.stages["artifact"] = time.perf_counter() - t0
    finally:
        bar.close()
    seconds = time.perf_counter() - start
    if args.report:
        from tcompiler.report import write_report

        write_report(args.report, report, program, output)
    plan = report.info["memory_plan"]
    print(f"{output}: {plural(report.kernels, 'kernel')} "
          f"({plural(report.kernel_calls, 'call')}, {report.cache_hits} cached), "
          f"arena {plan['arena_bytes'] / 1024:.0f} KiB, "
          f"weights {report.info['weights_bytes'] / 1024:.0f} KiB, compiled in {seconds:.1f}s")
    return 0
