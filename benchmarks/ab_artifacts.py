"""Two compiled artifacts of one model, A/B in one process, beside onnxruntime.

    python benchmarks/ab_artifacts.py before.tcc after.tcc model.onnx [--rounds 30]
        [--threads 1] [--profile]

A, B and onnxruntime (same thread count) run in turn `rounds` times on the model's seeded
inputs (`fuzz.oracles.onnx_feeds`); medians of the wall time and, at one thread, of the
calling thread's CPU time (tcc and onnxruntime both run on it then), which leaves out time
spent descheduled on a shared machine. With more threads each timed run follows a pause and
an untimed run of the same runtime (both runtimes' workers spin for a while after a run).
`--profile`: the per-step minimum over many profiled runs (`CompiledModel.profile`, robust to
preemption), summed per kernel, A beside B. The outputs of A and B are compared first.
Output: one JSON object on stdout.
"""

from __future__ import annotations

import argparse
import collections
import json
import statistics
import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from tcompiler.runtime import CompiledModel


def per_kernel_minimum(model: CompiledModel, feeds: dict[str, np.ndarray], rounds: int
                       ) -> dict[str, float]:
    """Microseconds per kernel: each step's minimum over `rounds` x 3 runs, summed by kernel."""
    profiles = [model.profile(feeds, runs=3) for _ in range(rounds)]
    minimum = np.concatenate([p.durations() for p in profiles]).min(axis=0)
    kernels: dict[str, float] = collections.defaultdict(float)
    for info, ns in zip(profiles[0].steps, minimum):
        kernels[info.kernel] += float(ns) / 1e3
    return dict(kernels)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("a")
    parser.add_argument("b")
    parser.add_argument("onnx")
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args(argv)

    import onnxruntime as ort

    import tcompiler
    from tcompiler.fuzz.oracles import onnx_feeds

    with open(args.onnx, "rb") as f:
        data = f.read()
    feeds = onnx_feeds(data)
    a = tcompiler.load(args.a, threads=args.threads)
    b = tcompiler.load(args.b, threads=args.threads)
    options = ort.SessionOptions()
    options.intra_op_num_threads, options.inter_op_num_threads = args.threads, 1
    session = ort.InferenceSession(data, options, providers=["CPUExecutionProvider"])
    ya, yb, ref = a.run(feeds)[-1], b.run(feeds)[-1], session.run(None, feeds)[-1]
    runs: dict[str, Callable[[], object]] = {
        "a": lambda: a.run(feeds), "b": lambda: b.run(feeds),
        "onnxruntime": lambda: session.run(None, feeds)}
    wall: dict[str, list[float]] = collections.defaultdict(list)
    cpu: dict[str, list[float]] = collections.defaultdict(list)
    for _ in range(args.rounds):
        for name, run in runs.items():
            if args.threads > 1:  # the other runtime's workers spin after its run: let them stop
                time.sleep(0.05)
                run()
            c0, t0 = time.thread_time(), time.perf_counter()
            run()
            wall[name].append((time.perf_counter() - t0) * 1e3)
            cpu[name].append((time.thread_time() - c0) * 1e3)
    result: dict[str, object] = {
        "a": args.a, "b": args.b, "threads": args.threads, "rounds": args.rounds,
        "max_abs_diff_a_b": float(np.abs(ya - yb).max()),
        "max_abs_diff_b_onnxruntime": float(np.abs(yb - ref).max())}
    clocks = {"wall": wall, "thread_cpu": cpu} if args.threads == 1 else {"wall": wall}
    for clock, times in clocks.items():
        median = {name: statistics.median(t) for name, t in times.items()}
        result[clock] = {"median_ms": {k: round(v, 3) for k, v in median.items()},
                         "a_over_onnxruntime": round(median["a"] / median["onnxruntime"], 3),
                         "b_over_onnxruntime": round(median["b"] / median["onnxruntime"], 3),
                         "b_over_a": round(median["b"] / median["a"], 3)}
    if args.profile:
        result["per_kernel_minimum_us"] = {
            label: {k: round(v, 1) for k, v in per_kernel_minimum(m, feeds, args.rounds).items()}
            for label, m in (("a", a), ("b", b))}
    json.dump(result, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
