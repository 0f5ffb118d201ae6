"""Memory-plan tables for the note, as JSON on stdout.

    python benchmarks/memory_plans.py [--models ...] [--time-limit 30] [--scratchpad-models ...]
                                      [--level kernels|graph] [--check]

- arena: per model (kernel-level graph of `tcompiler.zoo` light models), the ILP arena bytes,
  greedy-by-size bytes, the lower bound, the gap, the solve time and the method;
- scratchpad: per model and budget M_R, M_H, M_P, the non-compulsory off-chip bytes of the ILP
  and of COSMA's four baselines, and the ILP's reduction against the best and the average
  baseline (COSMA reports 84% average reduction at M_R);
- --check: compile resnet50 and inception_v2 (random weights) with the ILP plan and compare the
  logits with onnxruntime (the slow test of tests/memplan/test_compiled.py).
Every plan is checked by the independent validator.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

from tcompiler import zoo
from tcompiler.memplan.graph import KernelGraph
from tcompiler.memplan.planner import plan_arena, plan_scratchpad, scratchpad_budgets
from tcompiler.memplan.plans import Limits
from tcompiler.memplan.validate import validate_arena, validate_scratchpad


def kernel_graph(name: str, level: str) -> KernelGraph:
    from xdsl.dialects import func

    from tcompiler.assemble import graph_function
    from tcompiler.pipeline import compile_to_stage

    comp = compile_to_stage(str(zoo.light_model_path(name)), level)
    if level == "kernels":
        return KernelGraph.from_main(graph_function(comp.module))[0]
    main = next(op for op in comp.module.body.block.ops if isinstance(op, func.FuncOp))
    return KernelGraph.from_graph_stage(main)


def arena_row(name: str, graph: KernelGraph, limits: Limits) -> dict:
    start = time.perf_counter()
    report = plan_arena(graph, limits)
    for plan in report.plans:
        assert not validate_arena(graph, plan), (name, plan.method)
    ilp = report.best
    greedy = next(p for p in report.plans if p.method == "greedy-by-size")
    return {"model": name, "ops": len(graph.ops), "method": ilp.method,
            "ilp_bytes": ilp.arena_bytes, "greedy_by_size_bytes": greedy.arena_bytes,
            "lower_bound": ilp.bound, "gap": round(ilp.gap, 4), "optimal": ilp.optimal,
            "solve_seconds": round(ilp.seconds, 2), "inplace": len(ilp.inplace),
            "saving_vs_greedy": round(1 - ilp.arena_bytes / greedy.arena_bytes, 4),
            "order_changed": list(ilp.order) != sorted(ilp.order),
            "total_seconds": round(time.perf_counter() - start, 2)}


def scratchpad_rows(name: str, graph: KernelGraph, limits: Limits) -> dict:
    budgets, whole = scratchpad_budgets(graph, limits)
    rows = {}
    for key in ("M_R", "M_H", "M_P"):
        report = plan_scratchpad(graph, budgets[key], limits, whole)
        for plan in report.plans:
            assert not validate_scratchpad(graph, plan), (name, key, plan.method)
        baselines = {p.method: p.offchip_bytes for p in report.plans[1:]}
        best_base, mean_base = min(baselines.values()), sum(baselines.values()) / len(baselines)
        ilp = report.best.offchip_bytes
        rows[key] = {"budget_bytes": budgets[key], "ilp": ilp, **baselines,
                     "ilp_order": report.best.info.get("order"),
                     "seconds": round(report.best.seconds, 2),
                     "reduction_vs_best_baseline":
                         round(1 - ilp / best_base, 4) if best_base else None,
                     "reduction_vs_mean_baseline":
                         round(1 - ilp / mean_base, 4) if mean_base else None}
    return {"model": name, "ops": len(graph.ops), "budgets": budgets, "rows": rows}


def check_onnxruntime(names: list[str]) -> list[dict]:
    import numpy as np
    import onnxruntime as ort

    from tcompiler.pipeline import CompileOptions, compile_model
    from tcompiler.runtime import CompiledModel

    out = []
    for name in names:
        model = zoo.randomized(name, seed=0)
        program, _ = compile_model(model, CompileOptions(memory_plan="ilp", plan_time_limit=5.0))
        x = zoo.test_input(program.inputs[0].shape)
        ours = CompiledModel(program).run([x])[-1]
        opts = ort.SessionOptions()
        opts.log_severity_level = 3
        sess = ort.InferenceSession(model.SerializeToString(), opts,
                                    providers=["CPUExecutionProvider"])
        ref = sess.run(None, {program.inputs[0].name: x})[-1]
        scale = float(np.abs(ref).max())
        ok = bool(np.allclose(ours, ref, rtol=1e-3, atol=1e-4 * scale))
        out.append({"model": name, "memory_plan": program.meta["memory_plan"], "matches": ok,
                    "max_abs_diff": float(np.abs(ours - ref).max())})
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="*", default=list(zoo.LIGHT_MODELS))
    parser.add_argument("--scratchpad-models", nargs="*",
                        default=["resnet50", "inception_v1", "densenet121"])
    parser.add_argument("--time-limit", type=float, default=30.0)
    parser.add_argument("--workers", type=int, default=0)
    parser.add_argument("--level", choices=("kernels", "graph"), default="kernels")
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    limits = Limits(time_limit=args.time_limit, workers=args.workers)
    result: dict = {"time_limit": args.time_limit, "level": args.level, "arena": [],
                    "scratchpad": []}
    for name in args.models:
        result["arena"].append(arena_row(name, kernel_graph(name, args.level), limits))
        print(json.dumps(result["arena"][-1]), file=sys.stderr, flush=True)
    for name in args.scratchpad_models:
        result["scratchpad"].append(scratchpad_rows(name, kernel_graph(name, args.level), limits))
        print(json.dumps(result["scratchpad"][-1]), file=sys.stderr, flush=True)
    if args.check:
        result["onnxruntime"] = check_onnxruntime(["resnet50", "inception_v2"])
    print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
