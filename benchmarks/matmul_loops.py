"""GFLOP/s of a plain (i,k,j) loop matmul through the codegen stage, beside numpy's sgemm.

    python benchmarks/matmul_loops.py [--sizes 128 256 512] [--repeats 10] > matmul.json

Confirms LLVM vectorises the plain `scf` loops the loop stage emits (the spike measured about
40-55 GFLOP/s with noalias on a znver5 core; a register-tiled microkernel reaches ~250). Per
size N: the compile+load seconds of the N^3 kernel (no object cache), its best-of-`repeats`
GFLOP/s, numpy's (`a @ b`, OpenBLAS) on the same arrays, and the max abs difference from a
float64 product (the kernel is checked before it is timed). Output: one JSON object on stdout.
Correctness of the same loops at odd sizes is tests/codegen/test_kernels.py::test_matmul_ikj.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from collections.abc import Callable

import numpy as np

MATMUL_IKJ = """
builtin.module {{
  func.func @mm(%A: memref<{n}x{n}xf32>, %B: memref<{n}x{n}xf32>, %C: memref<{n}x{n}xf32>) {{
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %n = arith.constant {n} : index
    scf.for %i = %c0 to %n step %c1 {{
      scf.for %p = %c0 to %n step %c1 {{
        %a = memref.load %A[%i, %p] : memref<{n}x{n}xf32>
        scf.for %j = %c0 to %n step %c1 {{
          %b = memref.load %B[%p, %j] : memref<{n}x{n}xf32>
          %c = memref.load %C[%i, %j] : memref<{n}x{n}xf32>
          %ab = arith.mulf %a, %b : f32
          %s = arith.addf %c, %ab : f32
          memref.store %s, %C[%i, %j] : memref<{n}x{n}xf32>
        }}
      }}
    }}
    func.return
  }}
}}
"""


def best_seconds(call: Callable[[], object], repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        call()
        best = min(best, time.perf_counter() - t0)
    return best


def bench_size(n: int, repeats: int) -> dict:
    from xdsl.parser import Parser

    from tcompiler.codegen import Target, compile_to_object, load_objects
    from tcompiler.context import make_context

    t0 = time.perf_counter()
    module = Parser(make_context(), MATMUL_IKJ.format(n=n)).parse_module()
    lib = load_objects([compile_to_object(module, Target.host())])
    compile_seconds = time.perf_counter() - t0
    fn = lib.function("mm", 3)
    rng = np.random.default_rng(0)
    a = rng.standard_normal((n, n)).astype(np.float32)
    b = rng.standard_normal((n, n)).astype(np.float32)
    c = np.zeros((n, n), np.float32)
    fn(a.ctypes.data, b.ctypes.data, c.ctypes.data)  # C += A @ B on zeros: the check
    error = float(np.abs(c - a.astype(np.float64) @ b).max())
    if error > 1e-3 * n:
        raise AssertionError(f"{n}^3 loop matmul is wrong: max abs error {error}")
    flops = 2 * n**3
    loops = best_seconds(lambda: fn(a.ctypes.data, b.ctypes.data, c.ctypes.data), repeats)
    numpy = best_seconds(lambda: a @ b, repeats)
    return {"n": n, "compile_seconds": round(compile_seconds, 3),
            "loops_gflops": round(flops / loops / 1e9, 2),
            "numpy_gflops": round(flops / numpy / 1e9, 2),
            "max_abs_error": error, "repeats": repeats}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[256])
    parser.add_argument("--repeats", type=int, default=10, help="timed calls; the best counts")
    args = parser.parse_args(argv)
    import tcompiler

    results = []
    for n in args.sizes:
        results.append(bench_size(n, args.repeats))
        print(f"[bench] {json.dumps(results[-1])}", file=sys.stderr, flush=True)
    out = {
        "machine": {"cpu": platform.processor() or platform.machine(),
                    "python": platform.python_version()},
        "versions": {"tcompiler": tcompiler.__version__, "numpy": np.__version__},
        "results": results,
    }
    json.dump(out, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
