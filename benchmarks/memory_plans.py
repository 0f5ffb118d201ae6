"""Memory-plan tables for the note, as JSON on stdout.

    python benchmarks/memory_plans.py [--models ...] [--time-limit 10] [--workers 1]
                                      [--scratchpad-models ...] [--scratchpad-level graph]
                                      [--element-bytes 1] [--level kernels|graph] [--check]

- arena (`--models`, kernel-level graphs of the `tcompiler.zoo` light models): the ILP arena
  bytes, greedy-by-size bytes, the lower bound, the gap, the solve time and the method;
- scratchpad, COSMA's setting (`--scratchpad-models`: the nine light models and the MobileNetV2
  test architecture, batch 1; unfused operator graphs, `--scratchpad-level graph`; 8-bit
  tensors, `--element-bytes 1`): per model and budget M_R, M_H, M_P (COSMA's: the largest
  operator's footprint, the least peak over all orders as the arena ILP finds it, their
  midpoint), the non-compulsory off-chip bytes of COSMA's four baselines (TFLite arena x
  {program, memory-aware order} x {Belady, greedy replacement}), the fixed-order ILP and the
  joint ILP, the joint ILP's reduction against the best and the mean baseline, its solve
  time, lower bound, gap and whether it is proven optimal; and the summary COSMA reports
  (84%: mean reduction at M_R over the models whose M_R differs from M_P);
- --check: compile resnet50 and inception_v2 (random weights) with the ILP plan and compare the
  logits with onnxruntime (the slow test of tests/memplan/test_compiled.py).
Every plan is checked by the independent validator.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

from tcompiler import zoo, zoo_models
from tcompiler.memplan.graph import KernelGraph
from tcompiler.memplan.planner import plan_arena, plan_scratchpad, scratchpad_budgets
from tcompiler.memplan.plans import Limits
from tcompiler.memplan.validate import validate_arena, validate_scratchpad

BASELINES = [f"tflite+{o}+{r}" for o in ("program", "memory-aware") for r in ("belady", "greedy")]


def kernel_graph(name: str, level: str, element_bytes: int = 0) -> KernelGraph:
    from xdsl.dialects import func

    from tcompiler.assemble import graph_function
    from tcompiler.pipeline import compile_to_stage

    model = (zoo_models.BENCHMARK_MODELS[name]() if name in zoo_models.BENCHMARK_MODELS
             else str(zoo.light_model_path(name)))
    comp = compile_to_stage(model, level)
    if level == "kernels":
        return KernelGraph.from_main(graph_function(comp.module), element_bytes)[0]
    main = next(op for op in comp.module.body.block.ops if isinstance(op, func.FuncOp))
    return KernelGraph.from_graph_stage(main, element_bytes)


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
    start = time.perf_counter()
    budgets, whole = scratchpad_budgets(graph, limits)
    rows = {}
    for key in ("M_R", "M_H", "M_P"):
        report = plan_scratchpad(graph, budgets[key], limits, whole)
        for plan in report.plans:
            assert not validate_scratchpad(graph, plan), (name, key, plan.method)
        by_method = {p.method: p.offchip_bytes for p in report.plans[1:]}
        baselines = [by_method[m] for m in BASELINES]
        best_base, mean_base = min(baselines), sum(baselines) / len(baselines)
        joint = report.best
        rows[key] = {"budget_bytes": budgets[key], **by_method, "joint_ilp": joint.offchip_bytes,
                     "joint_method": joint.method, "lower_bound": joint.bound,
                     "gap": round(joint.gap, 4), "optimal": joint.optimal,
                     "joint_seconds": round(joint.seconds, 2),
                     "plan_seconds": round(report.seconds, 2),
                     "order_changed": joint.order not in {p.order for p in report.plans[2:]},
                     "reduction_vs_best_baseline":
                         round(1 - joint.offchip_bytes / best_base, 4) if best_base else None,
                     "reduction_vs_mean_baseline":
                         round(1 - joint.offchip_bytes / mean_base, 4) if mean_base else None,
                     "reduction_vs_fixed_order_ilp":
                         round(1 - joint.offchip_bytes / by_method["ilp-fixed-order"], 4)
                         if by_method["ilp-fixed-order"] else None}
    return {"model": name, "ops": len(graph.ops), "tensors": len(graph.tensors),
            "budgets": budgets, "rows": rows, "seconds": round(time.perf_counter() - start, 2)}


def cosma_summary(models: list[dict]) -> dict:
    """COSMA's headline: the mean reduction at M_R over the models whose M_R differs from M_P
    (elsewhere every plan is free of traffic), next to the paper's 84%."""
    differ = [m for m in models if m["budgets"]["M_R"] != m["budgets"]["M_P"]]
    rows = [(m["model"], key, m["rows"][key]) for m in models for key in ("M_R", "M_H", "M_P")]

    def mean(values: list[float]) -> float | None:
        return round(sum(values) / len(values), 4) if values else None

    at_mr = [m["rows"]["M_R"] for m in differ]
    return {"models": len(models), "models_M_R_differs": [m["model"] for m in differ],
            "mean_reduction_at_M_R_vs_best_baseline":
                mean([r["reduction_vs_best_baseline"] for r in at_mr
                      if r["reduction_vs_best_baseline"] is not None]),
            "mean_reduction_at_M_R_vs_mean_baseline":
                mean([r["reduction_vs_mean_baseline"] for r in at_mr
                      if r["reduction_vs_mean_baseline"] is not None]),
            "cosma_reported_mean_reduction_at_M_R": 0.84,
            "rows": len(rows), "proven_optimal": sum(r["optimal"] for _, _, r in rows),
            "not_proven": [f"{n}@{k}" for n, k, r in rows if not r["optimal"]],
            "joint_never_worse": all(r["joint_ilp"] <= min(r[m] for m in
                                                           [*BASELINES, "ilp-fixed-order"])
                                     for _, _, r in rows),
            "mean_joint_seconds": mean([r["joint_seconds"] for _, _, r in rows])}


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
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--models", nargs="*", default=list(zoo.LIGHT_MODELS))
    parser.add_argument("--scratchpad-models", nargs="*",
                        default=[*zoo.LIGHT_MODELS, "mobilenet_v2"])
    parser.add_argument("--time-limit", type=float, default=10.0)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--level", choices=("kernels", "graph"), default="kernels")
    parser.add_argument("--scratchpad-level", choices=("kernels", "graph"), default="graph")
    parser.add_argument("--element-bytes", type=int, default=1,
                        help="scratchpad mode's bytes per element (COSMA: 1; 0: the types')")
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    limits = Limits(time_limit=args.time_limit, workers=args.workers)
    result: dict = {"time_limit": args.time_limit, "workers": args.workers, "level": args.level,
                    "scratchpad_level": args.scratchpad_level,
                    "element_bytes": args.element_bytes, "arena": [], "scratchpad": []}
    start = time.perf_counter()
    for name in args.models:
        result["arena"].append(arena_row(name, kernel_graph(name, args.level), limits))
        print(json.dumps(result["arena"][-1]), file=sys.stderr, flush=True)
    for name in args.scratchpad_models:
        graph = kernel_graph(name, args.scratchpad_level, args.element_bytes)
        result["scratchpad"].append(scratchpad_rows(name, graph, limits))
        print(json.dumps(result["scratchpad"][-1]), file=sys.stderr, flush=True)
    if result["scratchpad"]:
        result["cosma_summary"] = cosma_summary(result["scratchpad"])
    if args.check:
        result["onnxruntime"] = check_onnxruntime(["resnet50", "inception_v2"])
    result["seconds"] = round(time.perf_counter() - start, 1)
    print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
