"""tcc against onnxruntime, side by side in one process, on the light architectures.

    python benchmarks/vs_onnxruntime.py [--models squeezenet resnet50] [--runs 30] [--threads 1 2]

Each model is the `onnx` package's light architecture with seeded random weights and its
logits exposed (`tcompiler.zoo.randomized`), or a test architecture at realistic size
(`tcompiler.zoo_models.BENCHMARK_MODELS`: the BERT-base layer and GPT-2 small block at sequence
128, MobileNetV2, a Llama-style block's prefill and decode step with a KV cache, Swin-T's
first shifted-window block). Per model: tcc compile seconds (no object cache),
then, for each thread count, tcc and onnxruntime with that many threads run ALTERNATELY on the
same input after a warm-up, in turns (`timed`), so machine noise hits both alike. The ratio
(tcc / onnxruntime: below 1 means tcc is faster) is the median over turn pairs of each pair's
ratio of medians: a pair's two turns run a few milliseconds apart, so noise that drifts over
seconds (a neighbour of this virtual machine busy on the host, the `steal` share of
/proc/stat, reported) cancels within a pair; a burst that hits some turns of one runtime but
not the other's can swing a plain ratio of the two medians over few turns by 30% on a shared
host, which is reported too (`ratio_of_medians`). Also both medians, the max output
difference, and per thread count the geomean ratio over the models. With `--rss`, each
runtime also loads and runs the model alone in a fresh process, and we report the resident
memory it adds there.
Output: one JSON object on stdout; progress on stderr.
"""

from __future__ import annotations

import argparse
import functools
import json
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable

import numpy as np

BLOCK = 3
"""Timed runs per turn: the runtimes alternate in turns of a pause, one untimed run, then BLOCK
timed ones. Both runtimes' idle worker threads spin a while after a run (tcc about a
millisecond, onnxruntime's pool too), so a turn's first run pays for the other runtime's
turn; the timed runs are back to back, as a server's would be."""
SETTLE_SECONDS = 0.05


def timed(run: Callable[[], object]) -> list[float]:
    """One turn: BLOCK timed runs (ms) after a pause and an untimed run."""
    time.sleep(SETTLE_SECONDS)
    run()
    times = []
    for _ in range(BLOCK):
        t0 = time.perf_counter()
        run()
        times.append((time.perf_counter() - t0) * 1e3)
    return times


def cpu_ticks() -> tuple[int, int] | None:
    """(steal, busy) jiffies of every CPU so far, from /proc/stat (None where there is none):
    busy counts the time a CPU wanted to run (all but idle and iowait), steal included."""
    try:
        with open("/proc/stat") as f:
            fields = [int(x) for x in f.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    steal = fields[7] if len(fields) > 7 else 0
    return steal, sum(fields[:8]) - fields[3] - fields[4]


def steal_percent(before: tuple[int, int] | None, after: tuple[int, int] | None
                  ) -> float | None:
    """The share of the time this machine's CPUs wanted to run that the host gave to others,
    between two `cpu_ticks` readings."""
    if before is None or after is None or after[1] <= before[1]:
        return None
    return round(100 * (after[0] - before[0]) / (after[1] - before[1]), 2)


def benchmark_model(name: str):  # -> onnx.ModelProto
    """A light architecture (random weights, logits exposed) or a transformer test model."""
    from tcompiler import zoo

    if name in zoo.LIGHT_MODELS:
        return zoo.randomized(name, seed=0)
    from tcompiler import zoo_models

    return zoo_models.BENCHMARK_MODELS[name]()


def ort_session(data: bytes, threads: int):
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    opts.log_severity_level = 3
    return ort.InferenceSession(data, opts, providers=["CPUExecutionProvider"])


def bench_model(name: str, runs: int, thread_counts: list[int], max_seconds: float,
                schedules: str = "costmodel", tuning_db: str | None = None,
                rss: bool = False) -> dict:
    from tcompiler.artifact import write_artifact
    from tcompiler.fuzz.oracles import onnx_feeds
    from tcompiler.pipeline import CompileOptions, compile_model
    from tcompiler.runtime import CompiledModel

    model = benchmark_model(name)
    data = model.SerializeToString()
    with tempfile.TemporaryDirectory() as cache:
        t0 = time.perf_counter()
        program, report = compile_model(data, CompileOptions(
            cache_dir=cache, jobs=2, schedules=schedules, tuning_db=tuning_db))
        compile_seconds = time.perf_counter() - t0
    feeds = onnx_feeds(data)  # seeded per input name: floats standard normal, ints 0..2
    result: dict = {
        "model": name,
        "compile_seconds": round(compile_seconds, 2),
        "compile_stages_seconds": report.to_json()["stages_seconds"],
        "kernels": report.kernels,
        "arena_bytes": program.arena_bytes,
        "threads": {},
    }
    for threads in thread_counts:
        tcc = CompiledModel(program, threads=threads)
        sess = ort_session(data, threads)
        ours, ref = tcc.run(feeds), sess.run(None, feeds)  # warm-up, and the correctness check
        tcc_ms: list[float] = []
        ort_ms: list[float] = []
        pair_ratios: list[float] = []
        deadline = time.perf_counter() + max_seconds
        steal_before = cpu_ticks()
        while len(tcc_ms) < runs:
            ours_turn = timed(functools.partial(tcc.run, feeds))
            theirs_turn = timed(functools.partial(sess.run, None, feeds))
            tcc_ms += ours_turn
            ort_ms += theirs_turn
            pair_ratios.append(statistics.median(ours_turn) / statistics.median(theirs_turn))
            if time.perf_counter() > deadline:
                break
        steal_after = cpu_ticks()
        tcc_med, ort_med = statistics.median(tcc_ms), statistics.median(ort_ms)
        result["threads"][str(threads)] = {
            "runs": len(tcc_ms),
            "tcc_median_ms": round(tcc_med, 3),
            "onnxruntime_median_ms": round(ort_med, 3),
            "ratio_tcc_over_ort": round(statistics.median(pair_ratios), 3),
            "ratio_of_medians": round(tcc_med / ort_med, 3),
            "steal_percent": steal_percent(steal_before, steal_after),
            "output_max_abs_diff": float(np.abs(ours[-1] - ref[-1]).max()),
            "output_max_abs": float(np.abs(ref[-1]).max()),
        }
        del tcc, sess
    if rss:
        with tempfile.TemporaryDirectory() as tmp:
            artifact, onnx_path = f"{tmp}/m.tcc", f"{tmp}/m.onnx"
            write_artifact(artifact, program)
            with open(onnx_path, "wb") as f:
                f.write(data)
            np.savez(f"{tmp}/in.npz", **feeds)
            result["resident_mib"] = {
                runtime: round(resident_kib(runtime, artifact, onnx_path, f"{tmp}/in.npz") / 1024,
                               1) for runtime in ("tcc", "onnxruntime")}
    return result


RSS_CHILD = """
import sys
import numpy as np
runtime, artifact, onnx_path, inputs = sys.argv[1:]
import onnxruntime as ort
import tcompiler
feeds = dict(np.load(inputs))

def resident_kib():
    with open("/proc/self/status") as f:
        return int(next(line for line in f if line.startswith("VmRSS:")).split()[1])

base = resident_kib()
if runtime == "tcc":
    model = tcompiler.load(artifact)
    run = lambda: model.run(feeds)
elif runtime == "onnxruntime":
    opts = ort.SessionOptions()
    opts.log_severity_level = 3
    sess = ort.InferenceSession(onnx_path, opts, providers=["CPUExecutionProvider"])
    run = lambda: sess.run(None, feeds)
else:
    run = lambda: None
for _ in range(3):
    run()
print(resident_kib() - base)
"""


def resident_kib(runtime: str, artifact: str, onnx_path: str, inputs: str) -> int:
    """The resident memory (KiB) a fresh process gains by loading the model in `runtime` and
    running it three times, over the same process with both runtimes imported and the inputs
    read (VmRSS: the peak, VmHWM, is set by the imports for small models)."""
    import subprocess

    out = subprocess.run([sys.executable, "-c", RSS_CHILD, runtime, artifact, onnx_path, inputs],
                         check=True, capture_output=True, text=True, timeout=600)
    return int(out.stdout.strip().splitlines()[-1])


def geomeans(results: list[dict], thread_counts: list[int]) -> dict[str, float]:
    out = {}
    for threads in thread_counts:
        ratios = [r["threads"][str(threads)]["ratio_tcc_over_ort"] for r in results]
        out[str(threads)] = round(float(np.exp(np.mean(np.log(ratios)))), 3)
    return out


def main(argv: list[str] | None = None) -> int:
    from tcompiler import zoo, zoo_models

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+",
                        default=[*zoo.LIGHT_MODELS, *zoo_models.BENCHMARK_MODELS])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2],
                        help="thread counts to run both runtimes at")
    parser.add_argument("--rss", action="store_true",
                        help="also measure each runtime's resident memory in a fresh process")
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
                                   args.schedules, args.tuning_db, args.rss))
        print(f"[bench] {json.dumps(results[-1])}", file=sys.stderr, flush=True)
    out = {
        "machine": {"cpu": platform.processor() or platform.machine(),
                    "python": platform.python_version()},
        "versions": {"tcompiler": tcompiler.__version__, "onnxruntime": ort.__version__},
        "thread_counts": args.threads,
        "schedules": args.schedules, "tuning_db": args.tuning_db,
        "geomean_ratio_tcc_over_ort": geomeans(results, args.threads),
        "results": results,
    }
    json.dump(out, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
