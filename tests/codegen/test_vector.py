"""1-D vector ops through lower-to-llvm: loads/stores at element alignment, broadcast, fma,
elementwise arith on vectors, add-reductions."""

from __future__ import annotations

import numpy as np

from tcompiler.codegen import assembly_text

from .conftest import lowered  # noqa: TID252

AXPY = """
builtin.module {
  func.func @axpy(%x: memref<64xf32>, %y: memref<64xf32>, %s: memref<1xf32>)
      attributes {tcc.kernel} {
    %c0 = arith.constant 0 : index
    %c16 = arith.constant 16 : index
    %c64 = arith.constant 64 : index
    %a = memref.load %s[%c0] : memref<1xf32>
    %av = vector.broadcast %a : f32 to vector<16xf32>
    scf.for %i = %c0 to %c64 step %c16 {
      %xv = vector.load %x[%i] : memref<64xf32>, vector<16xf32>
      %yv = vector.load %y[%i] : memref<64xf32>, vector<16xf32>
      %r = vector.fma %av, %xv, %yv : vector<16xf32>
      %m = arith.maximumf %r, %xv : vector<16xf32>
      %n = arith.addf %m, %r : vector<16xf32>
      vector.store %n, %y[%i] : memref<64xf32>, vector<16xf32>
    }
    func.return
  }
}
"""

DOT = """
builtin.module {
  func.func @dot(%x: memref<4x32xf32>, %y: memref<4x32xf32>, %out: memref<4xf32>)
      attributes {tcc.kernel} {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c4 = arith.constant 4 : index
    %c16 = arith.constant 16 : index
    %c32 = arith.constant 32 : index
    %zero = arith.constant dense<0.0> : vector<16xf32>
    scf.for %r = %c0 to %c4 step %c1 {
      %acc = scf.for %i = %c0 to %c32 step %c16 iter_args(%a = %zero) -> (vector<16xf32>) {
        %xv = vector.load %x[%r, %i] : memref<4x32xf32>, vector<16xf32>
        %yv = vector.load %y[%r, %i] : memref<4x32xf32>, vector<16xf32>
        %f = vector.fma %xv, %yv, %a : vector<16xf32>
        scf.yield %f : vector<16xf32>
      }
      %s = vector.reduction <add>, %acc : vector<16xf32> into f32
      memref.store %s, %out[%r] : memref<4xf32>
    }
    func.return
  }
}
"""


def test_axpy_max_on_unaligned_buffers(run) -> None:
    rng = np.random.default_rng(0)
    backing = rng.standard_normal(200).astype(np.float32)
    x = backing[1:65]  # deliberately not 64-byte aligned
    y = rng.standard_normal(64).astype(np.float32)
    s = np.array([1.5], np.float32)
    expected = np.maximum(1.5 * x + y, x) + (1.5 * x + y)
    run(AXPY, "axpy", np.ascontiguousarray(x) if not x.flags.c_contiguous else x, y, s)
    np.testing.assert_allclose(y, expected, rtol=1e-6)


def test_dot_with_iter_args_and_reduction(run) -> None:
    rng = np.random.default_rng(1)
    x, y = rng.standard_normal((2, 4, 32)).astype(np.float32)
    out = np.zeros(4, np.float32)
    run(DOT, "dot", x, y, out)
    np.testing.assert_allclose(out, (x * y).sum(axis=1), rtol=1e-5)


def test_vector_fma_becomes_vector_instructions(host) -> None:
    asm = assembly_text(lowered(AXPY), host)
    assert "vfmadd" in asm
