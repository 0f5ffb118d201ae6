"""Measures (prints, does not assert) the GFLOP/s of a 256^3 (i,k,j) loop matmul.

Confirms LLVM vectorises the plain loops emitted by the loop stage (the spike measured about
40-55 GFLOP/s with noalias on a znver5 core). Run `pytest -s tests/codegen/test_matmul_speed.py`
or `python tests/codegen/test_matmul_speed.py` to see the number.
"""

from __future__ import annotations

import time

import numpy as np
from xdsl.parser import Parser

from tcompiler.codegen import Target, compile_to_object, load_objects
from tcompiler.context import make_context
from tcompiler.passes.lower_to_llvm import LowerToLLVMPass

N = 256
MATMUL_IKJ = f"""
builtin.module {{
  func.func @mm(%A: memref<{N}x{N}xf32>, %B: memref<{N}x{N}xf32>, %C: memref<{N}x{N}xf32>) {{
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %n = arith.constant {N} : index
    scf.for %i = %c0 to %n step %c1 {{
      scf.for %p = %c0 to %n step %c1 {{
        %a = memref.load %A[%i, %p] : memref<{N}x{N}xf32>
        scf.for %j = %c0 to %n step %c1 {{
          %b = memref.load %B[%p, %j] : memref<{N}x{N}xf32>
          %c = memref.load %C[%i, %j] : memref<{N}x{N}xf32>
          %ab = arith.mulf %a, %b : f32
          %s = arith.addf %c, %ab : f32
          memref.store %s, %C[%i, %j] : memref<{N}x{N}xf32>
        }}
      }}
    }}
    func.return
  }}
}}
"""


def measure(repeats: int = 10) -> tuple[float, float]:
    """(best GFLOP/s, compile seconds) of the kernel; checks the result against numpy."""
    start = time.perf_counter()
    module = Parser(make_context(), MATMUL_IKJ).parse_module()
    LowerToLLVMPass().apply(make_context(), module)
    lib = load_objects([compile_to_object(module, Target.host())])
    compile_s = time.perf_counter() - start
    fn = lib.function("mm", 3)
    rng = np.random.default_rng(0)
    a = rng.standard_normal((N, N)).astype(np.float32)
    b = rng.standard_normal((N, N)).astype(np.float32)
    c = np.zeros((N, N), np.float32)
    fn(a.ctypes.data, b.ctypes.data, c.ctypes.data)
    np.testing.assert_allclose(c, a.astype(np.float64) @ b, rtol=1e-3, atol=1e-3)
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn(a.ctypes.data, b.ctypes.data, c.ctypes.data)
        best = min(best, time.perf_counter() - t0)
    return 2 * N**3 / best / 1e9, compile_s


def test_matmul_256_gflops():
    gflops, compile_s = measure()
    print(f"\n(i,k,j) matmul {N}^3: {gflops:.1f} GFLOP/s (best of 10), compile+load {compile_s * 1e3:.0f} ms")


if __name__ == "__main__":
    test_matmul_256_gflops()
