"""`tcc plan`: the memory plans of a model, the ILP's and every baseline's, side by side.

    tcc plan model.onnx                         arena mode (what `tcc compile` uses)
    tcc plan model.onnx --budget M_R            scratchpad mode at a COSMA budget (M_R|M_H|M_P)
    tcc plan model.onnx --scratchpad 4MiB       scratchpad mode at a given size
    tcc plan model.onnx --json --svg plan.svg   one JSON object; a picture of the ILP plan
    tcc plan model.onnx --level graph --element-bytes 1 --budget M_R   COSMA's setting

JSON: {"model", "mode": "arena" | "scratchpad", "budget_bytes": int | null, "plans": [{"method",
"bytes", "bound", "gap", "seconds", "optimal"}, ...]}, the ILP first; `bytes` is the arena size
(arena mode) or the non-compulsory off-chip bytes (scratchpad mode). Scratchpad mode: the
joint ILP (order, addresses and replacement together) first, then the fixed-order ILP and
COSMA's four baselines; "budgets": {"M_R", "M_H", "M_P", "peak_bound"}; "plan": the joint
plan's "order" and "transfers" [{"kind": "spill" | "reload", "step", "tensor", "name",
"bytes"}]. The scratchpad picture marks every spill and reload.
"""

from __future__ import annotations

import argparse
import json
import re

from tcompiler.errors import OptionError

BUDGETS = ("M_R", "M_H", "M_P")
_UNITS = {"": 1, "b": 1, "k": 1024, "kib": 1024, "kb": 1000, "m": 1 << 20, "mib": 1 << 20,
          "mb": 1000 ** 2, "g": 1 << 30, "gib": 1 << 30, "gb": 1000 ** 3}


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("plan", help="memory plans (ILP and baselines) of a model")
    p.add_argument("model", help="the .onnx file")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--scratchpad", metavar="SIZE", help="scratchpad mode with this budget "
                      "(bytes; K/KiB/M/MiB suffixes)")
    mode.add_argument("--budget", choices=BUDGETS, help="scratchpad mode at a COSMA budget")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--svg", metavar="FILE", help="draw the ILP plan (time x address) here")
    p.add_argument("--level", choices=("kernels", "graph"), default="kernels",
                   help="plan the fused kernel calls (default) or the unfused operator graph")
    p.add_argument("--element-bytes", type=int, default=0, metavar="N",
                   help="size every tensor at N bytes per element (COSMA's setting: 1, 8-bit "
                   "tensors; default: the element type's width)")
    p.add_argument("--time-limit", type=float, default=10.0, metavar="SECONDS",
                   help="solver time limit (default 10)")
    p.add_argument("--seed", type=int, default=0, help="solver random seed")
    p.add_argument("--workers", type=int, default=0, help="solver threads (0: all cores)")
    p.add_argument("--input-shape", action="append", default=[], metavar="NAME=DIMS",
                   help="fix a symbolic input shape, e.g. data=1x3x224x224 (repeatable)")
    p.add_argument("--conv-algorithm", default="auto",
                   help="the convolution algorithm to plan for, as in tcc compile "
                   "(its buffers appear in the plan)")


def parse_size(text: str) -> int:
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*", text)
    unit = match.group(2).lower() if match else None
    if not match or unit not in _UNITS:
        raise OptionError(f"--scratchpad {text!r}: expected a size such as 1048576, 512K or 4MiB")
    return int(float(match.group(1)) * _UNITS[unit])


def load_graph(model: str, level: str, input_shapes: list[str],  # type: ignore[no-untyped-def]
               conv_algorithm: str = "auto", element_bytes: int = 0):
    from xdsl.dialects import func

    from tcompiler.assemble import graph_function
    from tcompiler.cli.compile_ import parse_input_shapes
    from tcompiler.memplan.graph import KernelGraph
    from tcompiler.pipeline import CompileOptions, compile_to_stage

    options = CompileOptions(input_shapes=parse_input_shapes(input_shapes),
                             conv_algorithm=conv_algorithm)
    comp = compile_to_stage(model, level, options)
    if level == "kernels":
        return (KernelGraph.from_main(graph_function(comp.module), element_bytes)[0],
                comp.model_name)
    main = next(op for op in comp.module.body.block.ops if isinstance(op, func.FuncOp))
    return KernelGraph.from_graph_stage(main, element_bytes), comp.model_name


def run(args: argparse.Namespace) -> int:
    from tcompiler.cli.paths import input_file, output_file, write_text
    from tcompiler.memplan import svg
    from tcompiler.memplan.planner import plan_arena, plan_scratchpad, scratchpad_budgets
    from tcompiler.memplan.plans import Limits
    from tcompiler.memplan.validate import validate_arena, validate_scratchpad

    model = input_file(args.model)
    if args.svg:
        output_file(args.svg, "--svg", refuse=(model,))
    if args.time_limit <= 0:
        raise OptionError(f"--time-limit must be > 0, got {args.time_limit}")
    if args.element_bytes < 0:
        raise OptionError(f"--element-bytes must be >= 0, got {args.element_bytes}")
    limits = Limits(time_limit=args.time_limit, seed=args.seed, workers=args.workers)
    graph, name = load_graph(args.model, args.level, args.input_shape, args.conv_algorithm,
                             args.element_bytes)
    budgets: dict[str, int] = {}
    if args.scratchpad or args.budget:
        budgets, whole = scratchpad_budgets(graph, limits)
        budget = parse_size(args.scratchpad) if args.scratchpad else budgets[args.budget]
        if budget < budgets["M_R"]:
            raise OptionError(f"scratchpad of {budget} bytes is below M_R = {budgets['M_R']} "
                              f"bytes (the largest operator's tensors)")
        report = plan_scratchpad(graph, budget, limits, whole)
        problems = [p for plan in report.plans for p in validate_scratchpad(graph, plan)]
        picture = svg.scratchpad_svg(
            graph, report.best, f"{name}: {report.best.method}, budget {budget} B, "
            f"{report.best.bytes} off-chip B")
        data = {"model": name, **report.to_json(graph), "budgets": budgets}
    else:
        arena = plan_arena(graph, limits)
        problems = [p for plan in arena.plans for p in validate_arena(graph, plan)]
        picture = svg.arena_svg(graph, arena.best, f"{name}: {arena.best.method}, arena "
                                f"{arena.best.arena_bytes} B (bound {arena.best.bound} B)")
        data = {"model": name, **arena.to_json()}
        data.pop("lower_bound", None)
    if problems:
        raise AssertionError(f"invalid plan: {problems[:3]}")
    if args.svg:
        write_text(args.svg, picture + "\n")
    if args.json:
        print(json.dumps(data))
        return 0
    mode = data["mode"]
    head = f"{name}: {mode} mode" + (f", budget {data['budget_bytes']} bytes" if mode ==
                                     "scratchpad" else "")
    if budgets:
        head += " (" + ", ".join(f"{k} {v}" for k, v in budgets.items()) + ")"
    print(head)
    what = "arena bytes" if mode == "arena" else "off-chip bytes"
    print(f"  {'method':<32} {what:>16} {'bound':>12} {'gap':>7} {'seconds':>8}  optimal")
    for plan in data["plans"]:
        print(f"  {plan['method']:<32} {plan['bytes']:>16} {plan['bound']:>12} "
              f"{plan['gap']:>7.1%} {plan['seconds']:>8.2f}  {'yes' if plan['optimal'] else 'no'}")
    return 0
