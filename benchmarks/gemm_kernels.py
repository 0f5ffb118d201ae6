"""The GEMM kernels of the transformer and fully-connected models against numpy, one thread.

    python benchmarks/gemm_kernels.py [--repeats 20]

- BERT-base's FFN matmul [128, 768] x [768, 3072] (and QKV / output / FFN-down shapes) under
  the default (heuristic) schedule, B as given (row-major [K, N], `pack_b` off) and B packed
  in column panels as `pack-weights` stores a constant B (`pack_b` on): GFLOP/s of each,
  beside numpy's `a @ b` (OpenBLAS, one thread) on the same arrays.
- A linear layer of 128 rows, Gemm [128, 768] x [768, 768]^T (trans_b = 1, PyTorch's export
  of Linear): the `loops` schedule tcc gave it before `pack-weights`, and the heuristic (its
  transposed B packed in panels, tiled), beside numpy's `x @ w.T`.
- VGG-19's first fully-connected layer, batch 1: Gemm [1, 25088] x [4096, 25088]^T under the
  default `dot` schedule: bytes of weights streamed per second, beside numpy's `W @ x`.

Kernels run through `costmodel.measure.Compiled` (every parallel unit on the calling thread);
the runs alternate (tcc's layouts and numpy), medians of `repeats`, each timed as the CPU time
of the calling thread (numpy runs OpenBLAS on it too), so time spent descheduled on a shared
machine is not counted. Output: one JSON
object on stdout.
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # before numpy is imported
os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse  # noqa: E402
import functools  # noqa: E402
import json  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402

import numpy as np  # noqa: E402

MATMULS = ((128, 768, 3072), (128, 768, 2304), (128, 768, 768), (128, 3072, 768))
FC = (25088, 4096)
LINEAR = (128, 768, 768)


def matmul_text(m: int, k: int, n: int) -> str:
    return (f"builtin.module {{\n  func.func @kernel(%a: memref<{m}x{k}xf32>, %b: memref<{k}x"
            f"{n}xf32>, %y: memref<{m}x{n}xf32>) attributes {{tcc.kernel}} {{\n    kernel.matmul"
            f" %a, %b -> %y : memref<{m}x{k}xf32>, memref<{k}x{n}xf32> -> memref<{m}x{n}xf32>\n"
            "    func.return\n  }\n}\n")


def fc_text(k: int, n: int, m: int = 1) -> str:
    """A fully-connected layer: Gemm [M, K] x [N, K]^T (trans_b = 1, PyTorch's Linear)."""
    return (f"builtin.module {{\n  func.func @kernel(%a: memref<{m}x{k}xf32>, %w: memref<{n}x{k}"
            f"xf32>, %y: memref<{m}x{n}xf32>) attributes {{tcc.kernel}} {{\n    kernel.gemm %a, "
            "%w -> %y {trans_a = 0 : i64, trans_b = 1 : i64, alpha = 1.0 : f32, beta = 0.0 : "
            f"f32}} : memref<{m}x{k}xf32>, memref<{n}x{k}xf32> -> memref<{m}x{n}xf32>\n"
            "    func.return\n  }\n}\n")


def alternate(runs: list[Callable[[], object]], repeats: int) -> list[float]:
    """Median seconds of each callable, run in turn `repeats` times (after one warm-up)."""
    for run in runs:
        run()
    times: list[list[float]] = [[] for _ in runs]
    for _ in range(repeats):
        for run, spent in zip(runs, times):
            t0 = time.thread_time()
            run()
            spent.append(time.thread_time() - t0)
    return [statistics.median(spent) for spent in times]


def compiled(text: str, arrays: list[np.ndarray], pack_b: bool | None = None
             ) -> tuple[object, str]:
    """The kernel under its heuristic schedule (`pack_b` overrides that knob)."""
    import dataclasses

    from tcompiler.codegen import Target
    from tcompiler.costmodel.kernel import KernelSpec
    from tcompiler.costmodel.measure import Compiled
    from tcompiler.costmodel.schedules import heuristic

    spec = KernelSpec(text)
    schedule = heuristic(spec.op)
    if pack_b is not None:
        schedule = dataclasses.replace(schedule, pack_b=pack_b)
    return Compiled(spec, schedule, Target.host(), 3, arrays), str(schedule.knobs())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args(argv)
    from tcompiler.codegen import Target
    from tcompiler.costmodel.kernel import KernelSpec
    from tcompiler.costmodel.measure import Compiled
    from tcompiler.costmodel.schedules import GemmSchedule

    rng = np.random.default_rng(0)
    results: dict[str, list[dict[str, object]]] = {"matmul": [], "fully_connected": []}
    for m, k, n in MATMULS:
        a, b = rng.standard_normal((m, k), np.float32), rng.standard_normal((k, n), np.float32)
        arrays = [a, b, np.zeros((m, n), np.float32)]
        kernel, knobs = compiled(matmul_text(m, k, n), arrays, pack_b=False)
        packed_arrays = [a, b, np.zeros((m, n), np.float32)]
        packed, packed_knobs = compiled(matmul_text(m, k, n), packed_arrays, pack_b=True)
        kernel.run(arrays)  # type: ignore[attr-defined]
        packed.run(packed_arrays)  # type: ignore[attr-defined]
        error = float(max(np.abs(y - a @ b).max() for y in (arrays[2], packed_arrays[2])))
        ours, ours_packed, numpy_s = alternate([
            functools.partial(kernel.run, arrays),  # type: ignore[attr-defined]
            functools.partial(packed.run, packed_arrays),  # type: ignore[attr-defined]
            functools.partial(np.matmul, a, b)], args.repeats)
        flop = 2 * m * k * n
        results["matmul"].append({
            "m": m, "k": k, "n": n, "schedule": knobs, "packed_schedule": packed_knobs,
            "max_abs_error": error,
            "tcc_gflops": round(flop / ours / 1e9, 1),
            "tcc_packed_gflops": round(flop / ours_packed / 1e9, 1),
            "numpy_gflops": round(flop / numpy_s / 1e9, 1),
            "ratio_tcc_over_numpy_time": round(ours / numpy_s, 3),
            "ratio_tcc_packed_over_numpy_time": round(ours_packed / numpy_s, 3)})
        print(f"[gemm] {results['matmul'][-1]}", file=sys.stderr, flush=True)
    m, k, n = LINEAR
    x, w = rng.standard_normal((m, k), np.float32), rng.standard_normal((n, k), np.float32)
    loops_arrays = [x, w, np.zeros((m, n), np.float32)]
    packed_arrays = [x, w, np.zeros((m, n), np.float32)]
    loops = Compiled(KernelSpec(fc_text(k, n, m)), GemmSchedule("loops"), Target.host(), 3,
                     loops_arrays)
    packed, packed_knobs = compiled(fc_text(k, n, m), packed_arrays)
    ours_loops, ours_packed, numpy_s = alternate([
        functools.partial(loops.run, loops_arrays),
        functools.partial(packed.run, packed_arrays),  # type: ignore[attr-defined]
        lambda: x @ w.T], args.repeats)
    flop = 2 * m * k * n
    results["linear"] = [{
        "m": m, "k": k, "n": n, "packed_schedule": packed_knobs, "max_abs_error": float(max(
            np.abs(y - x @ w.T).max() for y in (loops_arrays[2], packed_arrays[2]))),
        "tcc_loops_gflops": round(flop / ours_loops / 1e9, 1),
        "tcc_packed_gflops": round(flop / ours_packed / 1e9, 1),
        "numpy_gflops": round(flop / numpy_s / 1e9, 1)}]
    print(f"[gemm] {results['linear'][-1]}", file=sys.stderr, flush=True)
    k, n = FC
    x, w = rng.standard_normal((1, k), np.float32), rng.standard_normal((n, k), np.float32)
    arrays = [x, w, np.zeros((1, n), np.float32)]
    kernel, knobs = compiled(fc_text(k, n), arrays)
    kernel.run(arrays)  # type: ignore[attr-defined]
    error = float(np.abs(arrays[2] - x @ w.T).max())
    xv = x[0]
    ours, numpy_s = alternate([lambda: kernel.run(arrays), lambda: w @ xv],  # type: ignore
                              args.repeats)
    results["fully_connected"].append({
        "k": k, "n": n, "schedule": knobs, "max_abs_error": error,
        "tcc_weight_gbytes_per_s": round(w.nbytes / ours / 1e9, 2),
        "numpy_weight_gbytes_per_s": round(w.nbytes / numpy_s / 1e9, 2),
        "ratio_tcc_over_numpy_time": round(ours / numpy_s, 3)})
    print(f"[gemm] {results['fully_connected'][-1]}", file=sys.stderr, flush=True)
    json.dump({"threads": 1, "results": results}, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
