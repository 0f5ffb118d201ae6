"""Where the time goes, tcc beside onnxruntime: per-kernel profiles of both, summed by kind.

    python benchmarks/profile_vs_onnxruntime.py [--models resnet50 squeezenet] [--threads 1 2]
        [--runs 30]

Per model (as `vs_onnxruntime.py` builds them: random weights) and thread count: tcc's
per-step times (`CompiledModel.profile`, the timed entry of the native runner) and
onnxruntime's per-node times (its profiler: `SessionOptions.enable_profiling`, the
"<node>_kernel_time" events), each the median over `runs` runs, summed by KIND:

    conv         tcc: conv kernels and what the conv algorithms rewrite them into (Winograd
                 transforms and their batched matmul, im2col/im2win, int8 packing and GEMM);
                 onnxruntime: Conv, FusedConv, QLinearConv, NCHWc convs
    gemm         Gemm, MatMul (and fused forms); tcc's gemm/matmul/qgemm kernels
    pool, concat, softmax, norm (LayerNorm, BatchNorm, LRN, RMSNorm), data (copies,
    transposes, gathers, reorders between layouts), elementwise (maps and every other
    pointwise op), other

The difference per kind, largest first, says where a model's gap to onnxruntime is; the five
slowest steps of each runtime name the layers. The sums leave out each runtime's own
per-run overhead (tcc: the whole-run time is reported beside its step sum). Output: one
JSON object on stdout, a table per model and thread count on stderr.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import statistics
import sys
import tempfile
from typing import Any

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))

from vs_onnxruntime import benchmark_model  # noqa: E402

ORT_KINDS = {
    "conv": ("Conv", "FusedConv", "QLinearConv", "ConvInteger", "NchwcConv"),
    "gemm": ("Gemm", "MatMul", "FusedGemm", "FusedMatMul", "QLinearMatMul", "MatMulInteger",
             "MatMulNBits", "DynamicQuantizeMatMul"),
    "pool": ("MaxPool", "AveragePool", "GlobalAveragePool", "GlobalMaxPool", "NchwcMaxPool",
             "NchwcAveragePool", "NchwcGlobalAveragePool", "NchwcGlobalMaxPool"),
    "concat": ("Concat",),
    "softmax": ("Softmax", "LogSoftmax"),
    "norm": ("LayerNormalization", "SkipLayerNormalization", "BatchNormalization", "LRN",
             "SimplifiedLayerNormalization", "RMSNormalization", "InstanceNormalization"),
    "data": ("Reshape", "Transpose", "Gather", "ReorderInput", "ReorderOutput", "Slice",
             "Split", "Flatten", "Squeeze", "Unsqueeze", "Identity", "Expand", "Tile"),
}
TCC_KINDS = {
    "conv": ("conv", "winograd_input", "winograd_output", "im2col", "im2win", "im2win_nhwc",
             "window_gemm", "to_nchw", "qpack_im2col", "conv_transpose"),
    "gemm": ("gemm", "matmul", "qgemm", "qpack_rows"),
    "pool": ("pool",),
    "concat": ("concat",),
    "softmax": ("softmax",),
    "norm": ("normalize", "lrn"),
    "data": ("copy", "transpose", "gather", "gather_elements", "gather_nd", "remap"),
}
CONV_INTERNAL = ("products", "tiles", "cols", "windows")
"""Buffer names the conv rewrites give their intermediates: a matmul writing one is a
Winograd conv's batched GEMM, counted as conv."""


def kind_of(name: str, table: dict[str, tuple[str, ...]], fallback: str) -> str:
    return next((k for k, names in table.items() if name in names), fallback)


def tcc_profile(model: Any, threads: int, runs: int) -> dict[str, Any]:
    from tcompiler.fuzz.oracles import onnx_feeds
    from tcompiler.pipeline import CompileOptions, compile_model
    from tcompiler.runtime import CompiledModel

    data = model.SerializeToString()
    with tempfile.TemporaryDirectory() as cache:
        program, _ = compile_model(data, CompileOptions(cache_dir=cache, jobs=2))
    feeds = onnx_feeds(data)
    compiled = CompiledModel(program, threads=threads)
    profile = compiled.profile(feeds, runs=runs, warmup=3)
    medians = np.median(profile.durations(), axis=0) / 1e6
    steps = []
    for info, ms in zip(profile.steps, medians.tolist()):
        kind = kind_of(info.op, TCC_KINDS, "elementwise" if info.op == "map" else "other")
        if info.op == "matmul" and info.output in CONV_INTERNAL:
            kind = "conv"
        steps.append((info.kernel, info.op, kind, ms, info.shapes))
    return {"run_ms": float(np.median(profile.run_ns()) / 1e6), "steps": steps}


def ort_profile(model: Any, threads: int, runs: int) -> dict[str, Any]:
    import onnxruntime as ort

    from tcompiler.fuzz.oracles import onnx_feeds

    data = model.SerializeToString()
    with tempfile.TemporaryDirectory() as tmp:
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
        opts.log_severity_level = 3
        opts.enable_profiling = True
        opts.profile_file_prefix = os.path.join(tmp, "ort")
        sess = ort.InferenceSession(data, opts, providers=["CPUExecutionProvider"])
        feeds = onnx_feeds(data)
        for _ in range(3):
            sess.run(None, feeds)
        for _ in range(runs):
            sess.run(None, feeds)
        with open(sess.end_profiling()) as f:
            events = json.load(f)
    per_node: dict[str, list[float]] = collections.defaultdict(list)
    op_of: dict[str, str] = {}
    runs_ms: list[float] = []
    for event in events:
        if event.get("cat") == "Session" and event.get("name") == "model_run":
            runs_ms.append(event["dur"] / 1e3)
        if event.get("cat") != "Node" or not event.get("name", "").endswith("_kernel_time"):
            continue
        node = event["name"].removesuffix("_kernel_time")
        per_node[node].append(event["dur"] / 1e3)
        op_of[node] = event.get("args", {}).get("op_name", node)
    steps = []
    for node, times in per_node.items():
        steps.append((node, op_of[node], kind_of(op_of[node], ORT_KINDS, "elementwise"),
                      statistics.median(times[-runs:]), None))  # the warm-up's come first
    return {"run_ms": statistics.median(runs_ms[-runs:]) if runs_ms else None, "steps": steps}


def compare(name: str, threads: int, runs: int) -> dict[str, Any]:
    model = benchmark_model(name)
    ours, theirs = tcc_profile(model, threads, runs), ort_profile(model, threads, runs)
    kinds: dict[str, dict[str, float]] = collections.defaultdict(
        lambda: {"tcc_ms": 0.0, "onnxruntime_ms": 0.0})
    for _, _, kind, ms, _ in ours["steps"]:
        kinds[kind]["tcc_ms"] += ms
    for _, _, kind, ms, _ in theirs["steps"]:
        kinds[kind]["onnxruntime_ms"] += ms
    rows = {k: {"tcc_ms": round(v["tcc_ms"], 3), "onnxruntime_ms": round(v["onnxruntime_ms"], 3),
                "difference_ms": round(v["tcc_ms"] - v["onnxruntime_ms"], 3)}
            for k, v in sorted(kinds.items(), key=lambda kv: kv[1]["onnxruntime_ms"]
                               - kv[1]["tcc_ms"])}

    def top(steps: list[tuple[Any, ...]]) -> list[dict[str, Any]]:
        return [{"step": s[0], "op": s[1], "kind": s[2], "ms": round(s[3], 3),
                 **({"shapes": s[4]} if s[4] else {})}
                for s in sorted(steps, key=lambda s: -s[3])[:5]]

    return {"model": name, "threads": threads, "runs": runs,
            "tcc_run_ms": round(ours["run_ms"], 3),
            "tcc_steps_ms": round(sum(s[3] for s in ours["steps"]), 3),
            "onnxruntime_run_ms": theirs["run_ms"] and round(theirs["run_ms"], 3),
            "onnxruntime_nodes_ms": round(sum(s[3] for s in theirs["steps"]), 3),
            "kinds": rows, "tcc_slowest": top(ours["steps"]),
            "onnxruntime_slowest": top(theirs["steps"])}


def table(result: dict[str, Any]) -> str:
    lines = [f"{result['model']} at {result['threads']} thread(s): tcc steps "
             f"{result['tcc_steps_ms']} ms (run {result['tcc_run_ms']}), onnxruntime nodes "
             f"{result['onnxruntime_nodes_ms']} ms (run {result['onnxruntime_run_ms']})",
             f"  {'kind':12s} {'tcc':>9s} {'ort':>9s} {'tcc-ort':>9s}"]
    for kind, row in result["kinds"].items():
        lines.append(f"  {kind:12s} {row['tcc_ms']:9.3f} {row['onnxruntime_ms']:9.3f} "
                     f"{row['difference_ms']:+9.3f}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", nargs="+", default=["resnet50", "squeezenet",
                                                         "inception_v2"])
    parser.add_argument("--threads", nargs="+", type=int, default=[1, 2])
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args(argv)
    results = []
    for name in args.models:
        for threads in args.threads:
            print(f"[profile] {name} at {threads} thread(s) ...", file=sys.stderr, flush=True)
            results.append(compare(name, threads, args.runs))
            print(table(results[-1]), file=sys.stderr, flush=True)
    json.dump({"results": results}, sys.stdout, indent=1)
    print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
