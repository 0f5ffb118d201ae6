"""Hand-written loop kernels compiled to native code and compared with numpy."""

from __future__ import annotations

import math

import numpy as np
import pytest

UNARY_F32 = """
builtin.module {
  func.func @k(%x: memref<1000xf32>, %y: memref<1000xf32>) attributes {tcc.kernel} {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %n = arith.constant 1000 : index
    scf.for %i = %c0 to %n step %c1 {
      %v = memref.load %x[%i] : memref<1000xf32>
      %r = OP %v : f32
      memref.store %r, %y[%i] : memref<1000xf32>
    }
    func.return
  }
}
"""

erf = np.vectorize(math.erf)
UNARY_CASES = {
    "math.exp": (np.exp, 1), "math.tanh": (np.tanh, 1), "math.erf": (erf, 1),
    "math.sqrt": (np.sqrt, 0), "math.rsqrt": (lambda v: 1 / np.sqrt(v), 0),
    "math.log": (np.log, 0), "math.absf": (np.abs, 1), "math.floor": (np.floor, 1),
    "math.ceil": (np.ceil, 1), "math.exp2": (np.exp2, 1), "math.log2": (np.log2, 0),
    "math.log1p": (np.log1p, 0), "math.sin": (np.sin, 1), "math.cos": (np.cos, 1),
    "math.atan": (np.arctan, 1),
    "math.round": (lambda v: np.sign(v) * np.floor(np.abs(v) + 0.5), 1),
    "arith.negf": (np.negative, 1),
}


@pytest.mark.parametrize("op", sorted(UNARY_CASES))
def test_unary_math(run, op):
    ref, signed = UNARY_CASES[op]
    x = np.random.default_rng(0).uniform(-3 if signed else 0.01, 3, 1000).astype(np.float32)
    y = np.zeros_like(x)
    run(UNARY_F32.replace("OP", op), "k", x, y)
    np.testing.assert_allclose(y, ref(x.astype(np.float64)), rtol=2e-6, atol=2e-6)


ELEMENTWISE = """
builtin.module {
  func.func @k(%a: memref<8x300xf32>, %b: memref<8x300xf32>, %y: memref<8x300xf32>)
      attributes {tcc.kernel} {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %m = arith.constant 8 : index
    %n = arith.constant 300 : index
    %half = arith.constant 0.5 : f32
    scf.for %i = %c0 to %m step %c1 {
      scf.for %j = %c0 to %n step %c1 {
        %u = memref.load %a[%i, %j] : memref<8x300xf32>
        %v = memref.load %b[%i, %j] : memref<8x300xf32>
        %p = math.powf %u, %half : f32
        %f = math.fma %p, %v, %u : f32
        %d = arith.divf %f, %v : f32
        %s = arith.subf %d, %u : f32
        memref.store %s, %y[%i, %j] : memref<8x300xf32>
      }
    }
    func.return
  }
}
"""


def test_binary_float(run):
    rng = np.random.default_rng(1)
    a = rng.uniform(0.1, 4, (8, 300)).astype(np.float32)
    b = rng.uniform(0.5, 2, (8, 300)).astype(np.float32)
    y = np.zeros_like(a)
    run(ELEMENTWISE, "k", a, b, y)
    a64, b64 = a.astype(np.float64), b.astype(np.float64)
    np.testing.assert_allclose(y, (np.sqrt(a64) * b64 + a64) / b64 - a64, rtol=1e-5, atol=1e-5)


MATMUL_IKJ = """
builtin.module {
  func.func @mm(%A: memref<MxKxf32>, %B: memref<KxNxf32>, %C: memref<MxNxf32>)
      attributes {tcc.kernel} {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %m = arith.constant M : index
    %n = arith.constant N : index
    %k = arith.constant K : index
    scf.for %i = %c0 to %m step %c1 {
      scf.for %p = %c0 to %k step %c1 {
        %a = memref.load %A[%i, %p] : memref<MxKxf32>
        scf.for %j = %c0 to %n step %c1 {
          %b = memref.load %B[%p, %j] : memref<KxNxf32>
          %c = memref.load %C[%i, %j] : memref<MxNxf32>
          %ab = arith.mulf %a, %b : f32
          %s = arith.addf %c, %ab : f32
          memref.store %s, %C[%i, %j] : memref<MxNxf32>
        }
      }
    }
    func.return
  }
}
"""


def matmul_text(m: int, k: int, n: int) -> str:
    return MATMUL_IKJ.replace("M", str(m)).replace("K", str(k)).replace("N", str(n))


def test_matmul_ikj(run):
    rng = np.random.default_rng(2)
    a = rng.standard_normal((37, 29)).astype(np.float32)
    b = rng.standard_normal((29, 45)).astype(np.float32)
    c = np.zeros((37, 45), np.float32)
    run(matmul_text(37, 29, 45), "mm", a, b, c)
    np.testing.assert_allclose(c, a.astype(np.float64) @ b, rtol=1e-4, atol=1e-4)


REDUCE_IF = """
builtin.module {
  func.func @k(%x: memref<16x100xf32>, %sums: memref<16xf32>, %relu: memref<16x100xf32>)
      attributes {tcc.kernel} {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %m = arith.constant 16 : index
    %n = arith.constant 100 : index
    %zero = arith.constant 0.0 : f32
    scf.for %i = %c0 to %m step %c1 {
      %total = scf.for %j = %c0 to %n step %c1 iter_args(%acc = %zero) -> (f32) {
        %v = memref.load %x[%i, %j] : memref<16x100xf32>
        %pos = arith.cmpf ogt, %v, %zero : f32
        %r = scf.if %pos -> (f32) {
          scf.yield %v : f32
        } else {
          scf.yield %zero : f32
        }
        memref.store %r, %relu[%i, %j] : memref<16x100xf32>
        %next = arith.addf %acc, %v : f32
        scf.yield %next : f32
      }
      %neg = arith.cmpf olt, %total, %zero : f32
      scf.if %neg {
        %t = arith.negf %total : f32
        memref.store %t, %sums[%i] : memref<16xf32>
      } else {
        memref.store %total, %sums[%i] : memref<16xf32>
      }
    }
    func.return
  }
}
"""


def test_iter_args_reduction_and_if(run):
    x = np.random.default_rng(3).standard_normal((16, 100)).astype(np.float32)
    sums = np.zeros(16, np.float32)
    relu = np.full_like(x, 7.0)
    run(REDUCE_IF, "k", x, sums, relu)
    np.testing.assert_allclose(sums, np.abs(x.astype(np.float64).sum(1)), rtol=1e-4, atol=1e-4)
    np.testing.assert_array_equal(relu, np.maximum(x, 0))


NAN_MAX = """
builtin.module {
  func.func @k(%a: memref<6xf32>, %b: memref<6xf32>, %y: memref<4x6xf32>) attributes {tcc.kernel} {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c2 = arith.constant 2 : index
    %c3 = arith.constant 3 : index
    %n = arith.constant 6 : index
    scf.for %i = %c0 to %n step %c1 {
      %u = memref.load %a[%i] : memref<6xf32>
      %v = memref.load %b[%i] : memref<6xf32>
      %r0 = arith.maximumf %u, %v : f32
      %r1 = arith.maxnumf %u, %v : f32
      %r2 = arith.minimumf %u, %v : f32
      %r3 = arith.minnumf %u, %v : f32
      memref.store %r0, %y[%c0, %i] : memref<4x6xf32>
      memref.store %r1, %y[%c1, %i] : memref<4x6xf32>
      memref.store %r2, %y[%c2, %i] : memref<4x6xf32>
      memref.store %r3, %y[%c3, %i] : memref<4x6xf32>
    }
    func.return
  }
}
"""


def test_nan_semantics_of_max_min(run):
    nan = np.nan
    a = np.array([1, nan, 3, nan, -0.0, 2], np.float32)
    b = np.array([nan, 2, 1, nan, 0.0, 5], np.float32)
    y = np.zeros((4, 6), np.float32)
    run(NAN_MAX, "k", a, b, y)
    np.testing.assert_array_equal(y[0], np.maximum(a, b))  # NaN propagates
    np.testing.assert_array_equal(y[1], np.fmax(a, b))  # NaN ignored
    np.testing.assert_array_equal(y[2], np.minimum(a, b))
    np.testing.assert_array_equal(y[3], np.fmin(a, b))
    assert np.signbit(y[2][4]) and not np.signbit(y[0][4])  # -0 < +0 for maximum/minimum


CMPF = """
builtin.module {
  func.func @k(%a: memref<5xf32>, %b: memref<5xf32>, %y: memref<16x5xi8>) attributes {tcc.kernel} {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %n = arith.constant 5 : index
    scf.for %i = %c0 to %n step %c1 {
      %u = memref.load %a[%i] : memref<5xf32>
      %v = memref.load %b[%i] : memref<5xf32>
BODY
    }
    func.return
  }
}
"""
PREDICATES = ["false", "oeq", "ogt", "oge", "olt", "ole", "one", "ord",
              "ueq", "ugt", "uge", "ult", "ule", "une", "uno", "true"]


def test_cmpf_all_predicates(run):
    body = []
    for row, pred in enumerate(PREDICATES):
        body.append(f"""
      %p{row} = arith.cmpf {pred}, %u, %v : f32
      %e{row} = arith.extui %p{row} : i1 to i8
      %r{row} = arith.constant {row} : index
      memref.store %e{row}, %y[%r{row}, %i] : memref<16x5xi8>""")
    a = np.array([1, 2, np.nan, 1, np.nan], np.float32)
    b = np.array([1, 1, 1, 2, np.nan], np.float32)
    y = np.full((16, 5), 9, np.int8)
    run(CMPF.replace("BODY", "".join(body)), "k", a, b, y)
    with np.errstate(invalid="ignore"):
        unordered = np.isnan(a) | np.isnan(b)
        ordered = {"eq": a == b, "gt": a > b, "ge": a >= b, "lt": a < b, "le": a <= b,
                   "ne": (a != b) & ~unordered}
    expected = {"false": np.zeros(5, bool), "true": np.ones(5, bool),
                "ord": ~unordered, "uno": unordered}
    for key, value in ordered.items():
        expected["o" + key] = value & ~unordered
        expected["u" + key] = value | unordered
    for row, pred in enumerate(PREDICATES):
        np.testing.assert_array_equal(y[row], expected[pred].astype(np.int8), err_msg=pred)
