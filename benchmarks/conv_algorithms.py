"""tcc's convolution algorithms against onnxruntime on the im2win paper's 12 conv layers.

    python benchmarks/conv_algorithms.py                      # all 12 layers, batch 1 and 8
    python benchmarks/conv_algorithms.py --layers conv12,conv9 --batches 1 --time-per-config 1

The layers are those of Lu, Chu, Liu, "im2win: Memory Efficient Convolution On SIMD
Architectures" (arXiv 2306.14320), unpadded. Per layer and batch, a single-Conv ONNX
model (seeded random weights, bias and input) runs in onnxruntime (1 intra-op thread, 1
inter-op thread, sequential) and in tcc compiled once per `--conv-algorithm` (direct, im2col,
im2win, winograd where valid (3x3 stride 1 ungrouped), auto = the schedule source's choice);
tcc's runtime is single-threaded (it has no thread option). All variants are measured
ALTERNATELY in one process: each round calls every variant in turn (the order rotates each
round), a sample is the median of `calls` calls, and the reported time is the median of the
rounds' samples. `calls` and the number of rounds adapt to the layer so that a configuration
takes about `--time-per-config` seconds (at least 3 rounds, at most `--repeats`), so large
layers at batch 8 stay within budget.

Per layer x batch x algorithm: median ms, GFLOP/s (2*N*Cout*OH*OW*Cin*KH*KW / time), the ratio
tcc / onnxruntime (below 1: tcc is faster), the algorithm that actually ran (from the kernels
of `report.info["schedules"]`: an `im2win_*` kernel means im2win ran; a forced algorithm that
is not valid for the conv leaves it direct), the extra bytes of the algorithm's buffers
measured from the memory plan (`compile_to_stage(model, "schedule")`: the `kernel.buffer` ops
of @main, which for a single-conv model are exactly the algorithm's intermediate tensors),
the arena size, the extra weight bytes (transformed filters: `weights_bytes` minus the direct
variant's), the max relative error vs onnxruntime (max|tcc - ort| / max|ort|) and the compile
seconds (a fresh object cache per compile unless `--cache-dir`).

Output: a table and a summary on stdout, progress on stderr, and a JSON file (machine,
versions, date, options, rows, summary) at `--out` (default
benchmarks/results/<date>-conv-algorithms.json).
"""

from __future__ import annotations

import argparse
import datetime
import json
import math
import os
import platform
import statistics
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

RESULTS = Path(__file__).resolve().parent / "results"
ALGORITHMS = ("direct", "im2col", "im2win", "winograd", "auto")
PAPER = {"im2win_memory_vs_im2col": 0.416, "im2win_speedup_vs_im2col": 3.6,
         "im2win_speedup_vs_direct": 5.3}
"""What the im2win paper reports (memory overhead relative to im2col, average speedups)."""


@dataclass(frozen=True)
class Layer:
    name: str
    c_in: int
    h: int
    w: int
    c_out: int
    k: int
    stride: int

    @property
    def out_hw(self) -> tuple[int, int]:
        return ((self.h - self.k) // self.stride + 1, (self.w - self.k) // self.stride + 1)

    def flops(self, batch: int) -> int:
        oh, ow = self.out_hw
        return 2 * batch * self.c_out * oh * ow * self.c_in * self.k * self.k

    def winograd_valid(self) -> bool:
        return self.k == 3 and self.stride == 1

    def describe(self) -> str:
        oh, ow = self.out_hw
        return (f"{self.c_in}x{self.h}x{self.w} * {self.c_out}x{self.k}x{self.k}/s{self.stride}"
                f" -> {self.c_out}x{oh}x{ow}")


LAYERS = {layer.name: layer for layer in (
    Layer("conv1", 3, 227, 227, 96, 11, 4),
    Layer("conv2", 3, 231, 231, 96, 11, 4),
    Layer("conv3", 3, 227, 227, 64, 7, 2),
    Layer("conv4", 32, 224, 224, 64, 7, 2),
    Layer("conv5", 96, 24, 24, 256, 5, 1),
    Layer("conv6", 256, 12, 12, 512, 3, 1),
    Layer("conv7", 3, 224, 224, 64, 3, 1),
    Layer("conv8", 64, 112, 112, 128, 3, 1),
    Layer("conv9", 64, 56, 56, 64, 3, 1),
    Layer("conv10", 128, 28, 28, 128, 3, 1),
    Layer("conv11", 256, 14, 14, 256, 3, 1),
    Layer("conv12", 512, 7, 7, 512, 3, 1),
)}


def log(message: str) -> None:
    print(f"[conv-algorithms] {message}", file=sys.stderr, flush=True)


# ----------------------------------------------------------------------------- the model


def conv_model(layer: Layer, batch: int, seed: int) -> Any:
    """A single-Conv ONNX model with seeded random weights and bias (He-scaled)."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(seed)
    fan_in = layer.c_in * layer.k * layer.k
    w = (rng.standard_normal((layer.c_out, layer.c_in, layer.k, layer.k))
         * math.sqrt(2.0 / fan_in)).astype(np.float32)
    b = (0.1 * rng.standard_normal(layer.c_out)).astype(np.float32)
    oh, ow = layer.out_hw
    graph = helper.make_graph(
        [helper.make_node("Conv", ["x", "w", "b"], ["y"], kernel_shape=[layer.k, layer.k],
                          strides=[layer.stride] * 2, pads=[0, 0, 0, 0])],
        f"{layer.name}_n{batch}",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT,
                                       [batch, layer.c_in, layer.h, layer.w])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [batch, layer.c_out, oh, ow])],
        [numpy_helper.from_array(w, "w"), numpy_helper.from_array(b, "b")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)],
                              producer_name="benchmarks/conv_algorithms.py")
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


def ort_session(data: bytes) -> Any:
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    opts.inter_op_num_threads = 1
    opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    opts.log_severity_level = 3
    return ort.InferenceSession(data, opts, providers=["CPUExecutionProvider"])


# ----------------------------------------------------------------------------- tcc variants


def _memref_bytes(ty: Any) -> int:
    from xdsl.dialects.builtin import MemRefType

    assert isinstance(ty, MemRefType)
    width = getattr(ty.element_type, "bitwidth", 32)
    return math.prod(ty.get_shape()) * max(width // 8, 1)


def memory_plan_facts(data: bytes, options: Any) -> dict[str, Any]:
    """The algorithm's intermediate buffers and weights, read off @main after plan-memory."""
    from tcompiler.assemble import graph_function
    from tcompiler.dialects import kernel
    from tcompiler.pipeline import compile_to_stage

    comp = compile_to_stage(data, "schedule", options)
    main = graph_function(comp.module)
    buffers, weights = [], []
    for op in main.body.walk():
        if isinstance(op, kernel.BufferOp):
            buffers.append({"name": op.result.name_hint or "",
                            "shape": list(op.result.type.get_shape()),
                            "bytes": _memref_bytes(op.result.type),
                            "offset": op.offset.value.data if op.offset is not None else None})
        elif isinstance(op, kernel.WeightOp):
            weights.append({"name": op.weight_name.data,
                            "shape": list(op.result.type.get_shape()),
                            "bytes": _memref_bytes(op.result.type)})
    return {"buffers": buffers, "buffer_bytes": sum(b["bytes"] for b in buffers),
            "window_bytes": sum(b["bytes"] for b in buffers if b["name"] == "win"),
            "weights": weights}


def chosen_schedules(data: bytes, options: Any) -> dict[str, Any]:
    """The schedules `choose-schedules` gave the kernels before the conv-to-* passes expand
    them (the expanded kernels carry no source or prediction): for `auto`, the cost model's
    pick for the conv (algorithm, tile, predicted microseconds)."""
    from xdsl.dialects import func
    from xdsl.dialects.builtin import FloatAttr, StringAttr

    from tcompiler import ir_names
    from tcompiler.costmodel.schedules import schedule_of
    from tcompiler.dialects import kernel
    from tcompiler.pipeline import compile_to_stage
    from tcompiler.plugins import builtin_registry
    from tcompiler.stages import CONV_ALGORITHM_PIPELINE, kernels_pipeline

    comp = compile_to_stage(data, "graph", options)
    text = kernels_pipeline(options).removesuffix("," + CONV_ALGORITHM_PIPELINE)
    for p in builtin_registry().pipeline(text).passes:
        p.apply(comp.ctx, comp.module)
    found: dict[str, Any] = {}
    for fn in comp.module.body.block.ops:
        if not isinstance(fn, func.FuncOp) or ir_names.KERNEL not in fn.attributes:
            continue
        op = next((o for o in fn.body.walk() if isinstance(o, kernel.KernelOp)), None)
        if op is None:
            continue
        source = fn.attributes.get(ir_names.SCHEDULE_SOURCE)
        predicted = fn.attributes.get(ir_names.PREDICTED_US)
        schedule = schedule_of(op)
        found[fn.sym_name.data] = {
            "schedule": {"family": schedule.FAMILY, **schedule.knobs()},
            "source": source.data if isinstance(source, StringAttr) else None,
            "predicted_us": round(predicted.value.data, 3)
            if isinstance(predicted, FloatAttr) else None}
    return found


def algorithm_used(schedules: dict[str, Any], weights: list[dict[str, Any]]) -> str:
    """What ran, from the kernels: im2win / im2col / winograd2|4 / direct:<conv schedule>."""
    names = list(schedules)
    if any(n.startswith("im2win") for n in names):
        return "im2win"
    if any(n.startswith("im2col") for n in names):
        return "im2col"
    if any(n.startswith("winograd") for n in names):
        for w in weights:
            for m in ("2", "4"):
                if w["name"].endswith(f".winograd{m}"):
                    return f"winograd{m}"
        return "winograd"
    convs = [s["schedule"].get("algorithm", "?") for s in schedules.values()
             if s["schedule"].get("family") == "conv"]
    return "direct:" + "+".join(sorted(set(convs)) or ["?"])


def family(used: str | None) -> str | None:
    """im2win / im2col / winograd / direct: the --conv-algorithm an actual algorithm is of."""
    if used is None:
        return None
    return "winograd" if used.startswith("winograd") else used.split(":")[0]


def formula_buffer_bytes(data: bytes, used: str) -> int | None:
    """The im2col / im2win buffer by `tcompiler.kernels.conv_math` (a check on the plan)."""
    import onnx

    from tcompiler.kernels.conv_math import im2col_shape, im2win_shape

    if used not in ("im2col", "im2win"):
        return None
    model = onnx.load_from_string(data)
    x = [d.dim_value for d in model.graph.input[0].type.tensor_type.shape.dim]
    w = next(i for i in model.graph.initializer if i.name == "w").dims
    attrs = {a.name: list(a.ints) for a in model.graph.node[0].attribute}
    shape = (im2col_shape if used == "im2col" else im2win_shape)(
        x, w[2:], attrs["strides"], attrs["pads"], attrs.get("dilations", [1, 1]))
    return 4 * math.prod(shape)


@dataclass
class Variant:
    name: str  # "ort" or a --conv-algorithm
    run: Any  # () -> output array
    info: dict[str, Any]


def compile_variant(data: bytes, algorithm: str, args: argparse.Namespace
                    ) -> tuple[Any, dict[str, Any]]:
    from tcompiler.pipeline import CompileOptions, compile_model
    from tcompiler.runtime import CompiledModel

    with tempfile.TemporaryDirectory(prefix="tcc-conv-algos-") as fresh:
        options = CompileOptions(cache_dir=args.cache_dir or fresh, jobs=args.jobs,
                                 schedules=args.schedules, conv_algorithm=algorithm)
        t0 = time.perf_counter()
        program, report = compile_model(data, options)
        compile_seconds = time.perf_counter() - t0
    t0 = time.perf_counter()
    plan = memory_plan_facts(data, options)
    plan_seconds = time.perf_counter() - t0
    schedules = report.info["schedules"]
    used = algorithm_used(schedules, plan["weights"])
    try:
        chosen = chosen_schedules(data, options)
    except Exception as err:  # only a report detail: never fail the variant for it
        chosen = {"error": f"{type(err).__name__}: {err}"}
    conv_choice = next((c for c in chosen.values()
                        if isinstance(c, dict) and c.get("schedule", {}).get("family") == "conv"),
                       None)
    info = {
        "compile_seconds": round(compile_seconds, 3),
        "compile_stages_seconds": {k: round(v, 3) for k, v in report.stages.items()},
        "cache_hits": report.cache_hits,
        "kernels": sorted(schedules),
        "schedules": schedules,
        "chosen_conv_schedule": conv_choice,
        "predicted_us": conv_choice.get("predicted_us") if conv_choice else None,
        "used": used,
        "arena_bytes": report.info["memory_plan"]["arena_bytes"],
        "buffer_bytes": plan["buffer_bytes"],
        "window_bytes": plan["window_bytes"],
        "formula_buffer_bytes": formula_buffer_bytes(data, used),
        "buffers": plan["buffers"],
        "weights": plan["weights"],
        "weights_bytes": report.info["weights_bytes"],
        "memory_plan_stage_seconds": round(plan_seconds, 3),
    }
    return CompiledModel(program, name=f"conv-{algorithm}"), info


# ----------------------------------------------------------------------------- measurement


def time_call(fn: Any) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def measure(variants: list[Variant], args: argparse.Namespace) -> dict[str, Any]:
    """Round-robin over the variants; per variant the median of the rounds' samples."""
    # One more call each (after the warm-up) estimates the per-call time.
    estimate = {v.name: time_call(v.run) for v in variants}
    round_seconds = sum(estimate.values())
    budget = args.time_per_config
    calls = max(1, min(args.calls, int(budget / (max(args.repeats, 3) * round_seconds))))
    rounds = max(3, min(args.repeats, int(budget / (calls * round_seconds))))
    samples: dict[str, list[float]] = {v.name: [] for v in variants}
    deadline = time.perf_counter() + budget
    t_start = time.perf_counter()
    done = 0
    for r in range(rounds):
        order = variants[r % len(variants):] + variants[:r % len(variants)]
        for v in order:
            samples[v.name].append(statistics.median(time_call(v.run) for _ in range(calls)))
        done += 1
        if done >= 3 and time.perf_counter() > deadline:
            break
    return {"calls_per_sample": calls, "rounds": done, "planned_rounds": rounds,
            "seconds": round(time.perf_counter() - t_start, 2),
            "estimate_ms": {k: round(t * 1e3, 3) for k, t in estimate.items()},
            "samples_ms": {k: [round(t * 1e3, 4) for t in s] for k, s in samples.items()}}


def bench_config(layer: Layer, batch: int, algorithms: list[str], args: argparse.Namespace,
                 where: str) -> list[dict[str, Any]]:
    model = conv_model(layer, batch, seed=args.seed)
    data = model.SerializeToString()
    x = np.random.default_rng(args.seed + 1).standard_normal(
        (batch, layer.c_in, layer.h, layer.w)).astype(np.float32)
    flops = layer.flops(batch)
    oh, ow = layer.out_hw
    base = {"layer": layer.name, "batch": batch, "shape": layer.describe(), "c_in": layer.c_in,
            "h": layer.h, "w": layer.w, "c_out": layer.c_out, "k": layer.k,
            "stride": layer.stride, "oh": oh, "ow": ow, "gflop": round(flops / 1e9, 4)}

    sess = ort_session(data)
    feed = {sess.get_inputs()[0].name: x}
    variants = [Variant("ort", lambda: sess.run(None, feed)[0], {})]
    rows: dict[str, dict[str, Any]] = {"ort": {**base, "algorithm": "onnxruntime"}}
    for algorithm in algorithms:
        row = {**base, "algorithm": algorithm}
        rows[algorithm] = row
        if algorithm == "winograd" and not layer.winograd_valid():
            row["skipped"] = "winograd needs a 3x3 stride-1 conv"
            continue
        log(f"{where} {layer.name} N={batch}: compiling {algorithm} ...")
        try:
            model_, info = compile_variant(data, algorithm, args)
        except Exception as err:  # a failed compile is a result, not a crash
            row["error"] = f"compile: {type(err).__name__}: {err}"
            row["traceback"] = traceback.format_exc(limit=-4)
            log(f"{where} {layer.name} N={batch}: {algorithm} FAILED: {row['error']}")
            continue
        row.update(info)
        variants.append(Variant(algorithm, (lambda m: lambda: m.run([x])[0])(model_), info))

    # Warm-up and correctness: one call each.
    reference = variants[0].run()
    scale = float(np.abs(reference).max())
    for v in list(variants[1:]):
        try:
            out = v.run()
            rows[v.name]["max_rel_error"] = float(np.abs(out - reference).max()) / max(scale, 1e-30)
        except Exception as err:
            rows[v.name]["error"] = f"run: {type(err).__name__}: {err}"
            variants.remove(v)

    log(f"{where} {layer.name} N={batch}: measuring {len(variants)} variants "
        f"(~{args.time_per_config:g} s) ...")
    timing = measure(variants, args)
    ort_ms = statistics.median(timing["samples_ms"]["ort"])
    direct_weights = rows.get("direct", {}).get("weights_bytes")
    for name, row in rows.items():
        samples = timing["samples_ms"].get(name)
        if not samples:
            continue
        ms = statistics.median(samples)
        row.update({"median_ms": round(ms, 4), "min_ms": round(min(samples), 4),
                    "gflops": round(flops / (ms * 1e-3) / 1e9, 2), "samples_ms": samples,
                    "calls_per_sample": timing["calls_per_sample"], "rounds": timing["rounds"]})
        if name != "ort":
            row["ratio_vs_ort"] = round(ms / ort_ms, 3)
            if row.get("predicted_us"):  # the cost model's prediction for the conv kernel
                row["measured_over_predicted"] = round(ms * 1e3 / row["predicted_us"], 3)
            if direct_weights is not None and "weights_bytes" in row:
                row["extra_weight_bytes"] = row["weights_bytes"] - direct_weights
    log(f"{where} {layer.name} N={batch}: " + "  ".join(
        f"{n}={r['median_ms']:.3f}ms" + (f"[{r['used']}]" if "used" in r else "")
        for n, r in rows.items() if "median_ms" in r))
    return list(rows.values())


# ----------------------------------------------------------------------------- report


def geomean(values: list[float]) -> float | None:
    values = [v for v in values if v and v > 0]
    return round(math.exp(sum(map(math.log, values)) / len(values)), 3) if values else None


def by_config(rows: list[dict[str, Any]]) -> dict[tuple[str, int], dict[str, dict[str, Any]]]:
    configs: dict[tuple[str, int], dict[str, dict[str, Any]]] = {}
    for row in rows:
        configs.setdefault((row["layer"], row["batch"]), {})[row["algorithm"]] = row
    return configs


def config_facts(cfg: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Best algorithm, auto's pick and its time relative to the best, im2win/im2col buffers."""
    timed = {a: r["median_ms"] for a, r in cfg.items()
             if a not in ("onnxruntime", "auto") and "median_ms" in r}
    # an algorithm that fell back to direct is not that algorithm
    honest = {a: t for a, t in timed.items()
              if a == "direct" or family(cfg[a].get("used")) == a}
    best = min(honest, key=honest.__getitem__) if honest else None
    facts: dict[str, Any] = {"best": best, "best_ms": honest.get(best) if best else None}
    auto = cfg.get("auto", {})
    if "median_ms" in auto and best:
        facts["auto_pick"] = auto.get("used")
        facts["auto_over_best"] = round(auto["median_ms"] / honest[best], 3)
    ort = cfg.get("onnxruntime", {})
    if best and "median_ms" in ort:
        facts["best_over_ort"] = round(honest[best] / ort["median_ms"], 3)
    win, col = cfg.get("im2win", {}), cfg.get("im2col", {})
    if win.get("used") == "im2win" and col.get("used") == "im2col" and col.get("buffer_bytes"):
        facts["im2win_over_im2col_buffer"] = round(win["buffer_bytes"] / col["buffer_bytes"], 4)
        if win.get("window_bytes"):  # the window tensor alone (im2win_nhwc adds a GEMM output)
            facts["im2win_window_over_im2col_buffer"] = round(
                win["window_bytes"] / col["buffer_bytes"], 4)
    return facts


def summarize(rows: list[dict[str, Any]], layers: dict[str, Layer]) -> dict[str, Any]:
    configs = by_config(rows)
    batches = sorted({b for _, b in configs})
    summary: dict[str, Any] = {"paper": PAPER}
    for batch in batches:
        per = {layer: (cfg, config_facts(cfg)) for (layer, b), cfg in configs.items()
               if b == batch}
        s: dict[str, Any] = {"layers": len(per)}
        beat = [n for n, (_, f) in per.items() if f.get("best_over_ort") is not None
                and f["best_over_ort"] <= 1.0]
        s["best_tcc_at_least_as_fast_as_ort"] = len(beat)
        s["best_tcc_at_least_as_fast_as_ort_layers"] = beat
        s["im2win_gflops_3x3_5x5"] = {
            n: cfg["im2win"].get("gflops") for n, (cfg, _) in per.items()
            if layers[n].k in (3, 5) and cfg.get("im2win", {}).get("used") == "im2win"}
        ratios = [f["im2win_over_im2col_buffer"] for n, (_, f) in per.items()
                  if layers[n].k >= 3 and "im2win_over_im2col_buffer" in f]
        s["mean_im2win_over_im2col_buffer"] = (round(statistics.mean(ratios), 4)
                                               if ratios else None)
        windows = {n: f["im2win_window_over_im2col_buffer"] for n, (_, f) in per.items()
                   if layers[n].k >= 3 and "im2win_window_over_im2col_buffer" in f}
        s["im2win_window_over_im2col_buffer"] = windows
        s["im2win_window_at_most_half_of_im2col"] = sum(1 for r in windows.values() if r <= 0.5)
        within = [n for n, (_, f) in per.items() if f.get("auto_over_best") is not None
                  and f["auto_over_best"] <= 1.10]
        s["auto_within_10pct_of_best"] = len(within)
        s["auto_measured_layers"] = sum(1 for _, f in per.values() if "auto_over_best" in f)
        s["auto_within_10pct_layers"] = within

        def speedups(other: str, per: dict[str, Any] = per) -> list[float]:
            out = []
            for cfg, _ in per.values():
                win, oth = cfg.get("im2win", {}), cfg.get(other, {})
                if (win.get("used") == "im2win" and "median_ms" in win and "median_ms" in oth
                        and family(oth.get("used")) == other):
                    out.append(oth["median_ms"] / win["median_ms"])
            return out

        s["geomean_speedup_im2win_vs_im2col"] = geomean(speedups("im2col"))
        s["geomean_speedup_im2win_vs_direct"] = geomean(speedups("direct"))
        s["geomean_ratio_best_tcc_vs_ort"] = geomean(
            [f["best_over_ort"] for _, f in per.values() if "best_over_ort" in f])
        summary[f"batch{batch}"] = s
    return summary


def _fmt(value: Any, spec: str = ".1f") -> str:
    return "-" if value is None else format(value, spec)


def print_table(rows: list[dict[str, Any]], algorithms: list[str], summary: dict[str, Any],
                out: Any = sys.stdout) -> None:
    configs = by_config(rows)
    algs = [a for a in ALGORITHMS if a in algorithms]
    head = (f"{'layer':<7}{'N':>3} {'GFLOP':>7} {'ORT':>7}"
            + "".join(f"{a:>9}" for a in algs)
            + f"  {'best':<9}{'best/ORT':>8}  {'auto pick':<16}{'auto/best':>9}"
            + f"  {'win/col':>11}")
    print("GFLOP/s per algorithm (* = the forced algorithm was not valid and the conv ran "
          "direct; E = error)", file=out)
    print(head, file=out)
    print("-" * len(head), file=out)
    for (layer, batch), cfg in configs.items():
        f = config_facts(cfg)
        cells = []
        for a in algs:
            r = cfg.get(a, {})
            if "error" in r:
                cells.append(f"{'E':>9}")
            elif "gflops" in r:
                mark = "*" if a not in ("direct", "auto") and family(r.get("used")) != a else ""
                cells.append(f"{format(r['gflops'], '.1f') + mark:>9}")
            else:
                cells.append(f"{'-':>9}")
        ratio = f.get("im2win_window_over_im2col_buffer", f.get("im2win_over_im2col_buffer"))
        print(f"{layer:<7}{batch:>3} {cfg['onnxruntime']['gflop']:>7.3f} "
              f"{_fmt(cfg['onnxruntime'].get('gflops')):>7}" + "".join(cells)
              + f"  {f.get('best') or '-':<9}{_fmt(f.get('best_over_ort'), '.2f'):>8}"
              + f"  {f.get('auto_pick') or '-':<16}{_fmt(f.get('auto_over_best'), '.2f'):>9}"
              + f"  {'-' if ratio is None else format(100 * ratio, '.1f') + '%':>11}", file=out)
    print(file=out)
    print("summary (paper: im2win uses 41.6% of im2col's memory overhead, and is 3.6x faster "
          "than im2col, 5.3x than direct)", file=out)
    for key, s in summary.items():
        if not key.startswith("batch"):
            continue
        n = s["layers"]
        print(f"  batch {key[5:]} ({n} layers):", file=out)
        print(f"    best tcc algorithm at least as fast as onnxruntime: "
              f"{s['best_tcc_at_least_as_fast_as_ort']}/{n} "
              f"(geomean best-tcc/ORT time {_fmt(s['geomean_ratio_best_tcc_vs_ort'], '.2f')})",
              file=out)
        gf = s["im2win_gflops_3x3_5x5"]
        print("    im2win GFLOP/s on 3x3/5x5 layers: "
              + (", ".join(f"{k} {_fmt(v)}" for k, v in gf.items()) or "-"), file=out)
        mean = s["mean_im2win_over_im2col_buffer"]
        print(f"    mean im2win/im2col buffer (K_w >= 3): "
              f"{'-' if mean is None else format(100 * mean, '.1f') + '%'} (paper 41.6%)",
              file=out)
        windows = s["im2win_window_over_im2col_buffer"]
        print(f"    im2win window buffer <= 50% of im2col's: "
              f"{s['im2win_window_at_most_half_of_im2col']}/{len(windows)} (max "
              f"{'-' if not windows else format(100 * max(windows.values()), '.1f') + '%'})",
              file=out)
        print(f"    auto within 10% of the fastest: {s['auto_within_10pct_of_best']}/"
              f"{s['auto_measured_layers']}", file=out)
        print(f"    geomean speedup im2win vs im2col: "
              f"{_fmt(s['geomean_speedup_im2win_vs_im2col'], '.2f')}x (paper 3.6x), vs direct: "
              f"{_fmt(s['geomean_speedup_im2win_vs_direct'], '.2f')}x (paper 5.3x)", file=out)


def machine_info() -> dict[str, Any]:
    cpu, flags = platform.processor() or platform.machine(), []
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
            elif line.startswith("flags"):
                flags = [f for f in line.split(":", 1)[1].split()
                         if f.startswith(("avx", "fma", "sse4"))]
                break
    except OSError:
        pass
    return {"cpu": cpu, "simd_flags": flags, "cores": os.cpu_count(),
            "python": platform.python_version(), "platform": platform.platform()}


def git_commit() -> str | None:
    import subprocess

    try:
        return subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True,
                              cwd=Path(__file__).resolve().parent, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None


def _csv(text: str) -> list[str]:
    return [t.strip() for t in text.split(",") if t.strip()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--layers", default=",".join(LAYERS),
                        help="comma-separated layer names (default: all 12)")
    parser.add_argument("--batches", default="1,8", help="comma-separated batch sizes")
    parser.add_argument("--algorithms", default=",".join(ALGORITHMS),
                        help=f"comma-separated --conv-algorithm values ({', '.join(ALGORITHMS)})")
    parser.add_argument("--time-per-config", type=float, default=20.0,
                        help="seconds of alternating measurement per layer x batch (at least "
                             "3 rounds are always done)")
    parser.add_argument("--repeats", type=int, default=15,
                        help="at most this many rounds per layer x batch")
    parser.add_argument("--calls", type=int, default=5,
                        help="at most this many calls per sample (a sample is their median)")
    parser.add_argument("--schedules", default="costmodel",
                        choices=("costmodel", "heuristic", "random"),
                        help="tcc's schedule source (default: costmodel)")
    parser.add_argument("--jobs", type=int, default=1, help="tcc kernel compile processes")
    parser.add_argument("--cache-dir", help="reuse this tcc object cache (default: a fresh one "
                                            "per compile, so compile seconds are honest)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", action="store_true",
                        help="development: conv12,conv9 at batch 1, 1 s per config")
    parser.add_argument("--out", help="the JSON file (default: benchmarks/results/"
                                      "<date>-conv-algorithms.json)")
    args = parser.parse_args(argv)
    if args.quick:
        args.layers, args.batches, args.time_per_config = "conv12,conv9", "1", 1.0
    names = _csv(args.layers)
    unknown = [n for n in names if n not in LAYERS]
    algorithms = _csv(args.algorithms)
    bad = [a for a in algorithms if a not in ALGORITHMS]
    if unknown or bad:
        parser.error(f"unknown layer(s) {unknown} (choose from {', '.join(LAYERS)})" if unknown
                     else f"unknown algorithm(s) {bad} (choose from {', '.join(ALGORITHMS)})")
    try:
        batches = [int(b) for b in _csv(args.batches)]
    except ValueError:
        parser.error(f"--batches: not integers: {args.batches}")
    if args.time_per_config <= 0 or args.repeats < 3 or args.calls < 1:
        parser.error("--time-per-config must be > 0, --repeats >= 3, --calls >= 1")

    import onnxruntime as ort

    import tcompiler

    today = datetime.date.today().isoformat()
    out_path = Path(args.out) if args.out else RESULTS / f"{today}-conv-algorithms.json"
    started = time.perf_counter()
    rows: list[dict[str, Any]] = []
    configs = [(LAYERS[n], b) for b in batches for n in names]
    for i, (layer, batch) in enumerate(configs):
        t0 = time.perf_counter()
        rows.extend(bench_config(layer, batch, algorithms, args, f"[{i + 1}/{len(configs)}]"))
        log(f"[{i + 1}/{len(configs)}] {layer.name} N={batch} done in "
            f"{time.perf_counter() - t0:.1f} s (total {time.perf_counter() - started:.0f} s)")

    summary = summarize(rows, LAYERS)
    for row in rows:  # the facts per layer x batch go on its onnxruntime row too
        if row["algorithm"] == "onnxruntime":
            row["config"] = config_facts(by_config(rows)[(row["layer"], row["batch"])])
    result = {
        "benchmark": "conv_algorithms",
        "date": datetime.datetime.now().isoformat(timespec="seconds"),
        "machine": machine_info(),
        "versions": {"tcompiler": tcompiler.__version__, "tcompiler_commit": git_commit(),
                     "onnxruntime": ort.__version__, "numpy": np.__version__},
        "threads": {"onnxruntime_intra_op": 1, "onnxruntime_inter_op": 1,
                    "tcc": "1 (the runtime is single-threaded; it has no thread option)"},
        "options": {k: v for k, v in vars(args).items()},
        "layers": {n: LAYERS[n].describe() for n in names},
        "total_seconds": round(time.perf_counter() - started, 1),
        "rows": rows,
        "summary": summary,
    }
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_text(json.dumps(result, indent=1) + "\n")
    print_table(rows, algorithms, summary)
    sys.stdout.flush()
    log(f"wrote {out_path} ({result['total_seconds']:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
