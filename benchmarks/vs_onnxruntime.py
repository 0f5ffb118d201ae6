"""tcc against onnxruntime, side by side in one process, on the light architectures.

    python benchmarks/vs_onnxruntime.py [--models squeezenet resnet50] [--runs 20] [--threads 1]

Each model is the `onnx` package's light architecture with seeded random weights and its
logits exposed (`tcompiler.zoo.randomized`). Per model: tcc compile seconds (no object cache),
then tcc and onnxruntime run ALTERNATELY on the same input after a warm-up, so machine noise hits
both alike; we report both medians and their ratio (tcc / onnxruntime: below 1 means tcc is
faster), plus the max logit difference. Output: one JSON object on stdout; progress on stderr.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import tempfile
import time

import numpy as np


def bench_model(name: str, runs: int, threads: int, max_seconds: float,
                schedules: str = "costmodel", tuning_db: str | None = None) -> dict:
    import onnxruntime as ort

    from tcompiler import zoo
    from tcompiler.pipeline import CompileOptions, compile_model
    from tcompiler.runtime import CompiledModel

    model = zoo.randomized(name, seed=0)
    data = model.SerializeToString()
    with tempfile.TemporaryDirectory() as cache:
        t0 = time.perf_counter()
        program, report = compile_model(data, CompileOptions(
            cache_dir=cache, jobs=2, schedules=schedules, tuning_db=tuning_db))
        compile_seconds = time.perf_counter() - t0
    tcc = CompiledModel(program)
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    opts.log_severity_level = 3
    sess = ort.InferenceSession(data, opts, providers=["CPUExecutionProvider"])
    x = zoo.test_input(program.inputs[0].shape)
    feed = {sess.get_inputs()[0].name: x}

    ours, ref = tcc.run([x]), sess.run(None, feed)  # warm-up, and the correctness check
    logits_diff = float(np.abs(ours[-1] - ref[-1]).max())
    logits_scale = float(np.abs(ref[-1]).max())
    tcc_ms: list[float] = []
    ort_ms: list[float] = []
    deadline = time.perf_counter() + max_seconds
    for _ in range(runs):
        t0 = time.perf_counter()
        tcc.run([x])
        tcc_ms.append((time.perf_counter() - t0) * 1e3)
        t0 = time.perf_counter()
        sess.run(None, feed)
        ort_ms.append((time.perf_counter() - t0) * 1e3)
        if time.perf_counter() > deadline and len(tcc_ms) >= 3:
            break
    tcc_med, ort_med = statistics.median(tcc_ms), statistics.median(ort_ms)
    return {
        "model": name,
        "compile_seconds": round(compile_seconds, 2),
        "compile_stages_seconds": report.to_json()["stages_seconds"],
        "kernels": report.kernels,
        "runs": len(tcc_ms),
        "tcc_median_ms": round(tcc_med, 3),
        "onnxruntime_median_ms": round(ort_med, 3),
        "ratio_tcc_over_ort": round(tcc_med / ort_med, 3),
        "arena_bytes": program.arena_bytes,
        "logits_max_abs_diff": logits_diff,
        "logits_max_abs": logits_scale,
    }


def main(argv: list[str] | None = None) -> int:
    from tcompiler import zoo

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=list(zoo.LIGHT_MODELS))
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--threads", type=int, default=1, help="onnxruntime intra-op threads")
    parser.add_argument("--max-seconds", type=float, default=60.0,
                        help="stop timing a model after this long (at least 3 runs)")
    parser.add_argument("--schedules", default="costmodel",
                        help="where kernel schedules come from: costmodel | heuristic")
    parser.add_argument("--tuning-db", help="a tuning database for the costmodel schedules")
    args = parser.parse_args(argv)
    import onnxruntime as ort

    import tcompiler

    results = []
    for name in args.models:
        print(f"[bench] {name} ...", file=sys.stderr, flush=True)
        results.append(bench_model(name, args.runs, args.threads, args.max_seconds,
                                   args.schedules, args.tuning_db))
        print(f"[bench] {json.dumps(results[-1])}", file=sys.stderr, flush=True)
    out = {
        "machine": {"cpu": platform.processor() or platform.machine(),
                    "python": platform.python_version()},
        "versions": {"tcompiler": tcompiler.__version__, "onnxruntime": ort.__version__},
        "onnxruntime_threads": args.threads,
        "schedules": args.schedules, "tuning_db": args.tuning_db,
        "results": results,
    }
    json.dump(out, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
