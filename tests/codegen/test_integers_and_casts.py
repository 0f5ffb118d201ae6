"""Integer arithmetic on i64/i32 buffers, casts, i8/f64 memory and alloca scratch."""

from __future__ import annotations

import numpy as np

INT_OPS = ["addi", "subi", "muli", "divsi", "remsi", "floordivsi", "ceildivsi", "minsi", "maxsi",
           "minui", "maxui", "andi", "ori", "xori", "divui", "remui", "ceildivui"]
INT_KERNEL = """
builtin.module {
  func.func @k(%a: memref<NxT>, %b: memref<NxT>, %y: memref<RxNxT>) attributes {tcc.kernel} {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %n = arith.constant N : index
    scf.for %i = %c0 to %n step %c1 {
      %u = memref.load %a[%i] : memref<NxT>
      %v = memref.load %b[%i] : memref<NxT>
BODY
    }
    func.return
  }
}
"""


def reference(op: str, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    ua, ub = a.view(np.dtype(f"u{a.itemsize}")), b.view(np.dtype(f"u{a.itemsize}"))
    trunc_div = np.sign(a) * np.sign(b) * (np.abs(a) // np.abs(b))
    unsigned = {"minui": np.minimum(ua, ub), "maxui": np.maximum(ua, ub),
                "divui": ua // ub, "remui": ua % ub,
                "ceildivui": ua // ub + (ua % ub != 0)}
    if op in unsigned:
        return unsigned[op].view(a.dtype)
    return {"addi": a + b, "subi": a - b, "muli": a * b, "divsi": trunc_div,
            "remsi": a - trunc_div * b, "floordivsi": a // b, "ceildivsi": -(-a // b),
            "minsi": np.minimum(a, b), "maxsi": np.maximum(a, b), "andi": a & b, "ori": a | b,
            "xori": a ^ b}[op]


def run_int_ops(run, dtype: str) -> None:
    t = {"int64": "i64", "int32": "i32"}[dtype]
    a = np.array([7, -7, 7, -7, 0, 123456, -5, 9, 1, -1], dtype)
    b = np.array([2, 2, -2, -2, 3, 1000, -5, 3, -1, 7], dtype)
    n = len(a)
    body = "".join(f"""
      %r{i} = arith.{op} %u, %v : {t}
      %x{i} = arith.constant {i} : index
      memref.store %r{i}, %y[%x{i}, %i] : memref<{len(INT_OPS)}x{n}x{t}>"""
                   for i, op in enumerate(INT_OPS))
    text = (INT_KERNEL.replace("BODY", body).replace("RxN", f"{len(INT_OPS)}xN")
            .replace("N", str(n)).replace("T", t))
    y = np.zeros((len(INT_OPS), n), dtype)
    run(text, "k", a, b, y)
    with np.errstate(over="ignore"):
        for row, op in enumerate(INT_OPS):
            np.testing.assert_array_equal(y[row], reference(op, a, b), err_msg=op)


def test_int_ops_i64(run):
    run_int_ops(run, "int64")


def test_int_ops_i32(run):
    run_int_ops(run, "int32")


SHIFTS_AND_CMP = """
builtin.module {
  func.func @k(%a: memref<6xi32>, %y: memref<4x6xi64>) attributes {tcc.kernel} {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c2 = arith.constant 2 : index
    %c3 = arith.constant 3 : index
    %n = arith.constant 6 : index
    %s = arith.constant 3 : i32
    %lim = arith.constant 10 : i32
    scf.for %i = %c0 to %n step %c1 {
      %u = memref.load %a[%i] : memref<6xi32>
      %l = arith.shli %u, %s : i32
      %rs = arith.shrsi %u, %s : i32
      %ru = arith.shrui %u, %s : i32
      %lt = arith.cmpi slt, %u, %lim : i32
      %sel = arith.select %lt, %u, %lim : i32
      %l64 = arith.extsi %l : i32 to i64
      %rs64 = arith.extsi %rs : i32 to i64
      %ru64 = arith.extui %ru : i32 to i64
      %sel64 = arith.extsi %sel : i32 to i64
      memref.store %l64, %y[%c0, %i] : memref<4x6xi64>
      memref.store %rs64, %y[%c1, %i] : memref<4x6xi64>
      memref.store %ru64, %y[%c2, %i] : memref<4x6xi64>
      memref.store %sel64, %y[%c3, %i] : memref<4x6xi64>
    }
    func.return
  }
}
"""


def test_shifts_cmpi_select_ext(run):
    a = np.array([1, -1, 100, -100, 9, 12], np.int32)
    y = np.zeros((4, 6), np.int64)
    run(SHIFTS_AND_CMP, "k", a, y)
    np.testing.assert_array_equal(y[0], (a << 3).astype(np.int64))
    np.testing.assert_array_equal(y[1], (a >> 3).astype(np.int64))
    np.testing.assert_array_equal(y[2], (a.view(np.uint32) >> 3).astype(np.int64))
    np.testing.assert_array_equal(y[3], np.minimum(a, 10).astype(np.int64))


CASTS = """
builtin.module {
  func.func @k(%f: memref<8xf32>, %i: memref<8xi64>, %w: memref<8xi32>, %u: memref<8xi64>,
               %fi: memref<8xi32>, %if: memref<8xf32>, %wf: memref<8xf64>, %uf: memref<8xf32>,
               %ix: memref<8xi64>, %b: memref<8xi8>) attributes {tcc.kernel} {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %n = arith.constant 8 : index
    scf.for %k = %c0 to %n step %c1 {
      %x = memref.load %f[%k] : memref<8xf32>
      %y = memref.load %i[%k] : memref<8xi64>
      %z = memref.load %w[%k] : memref<8xi32>
      %q = memref.load %u[%k] : memref<8xi64>
      %a = arith.fptosi %x : f32 to i32
      memref.store %a, %fi[%k] : memref<8xi32>
      %c = arith.sitofp %y : i64 to f32
      memref.store %c, %if[%k] : memref<8xf32>
      %d = arith.uitofp %z : i32 to f64
      memref.store %d, %wf[%k] : memref<8xf64>
      %e = arith.uitofp %q : i64 to f32
      memref.store %e, %uf[%k] : memref<8xf32>
      %t = arith.index_cast %z : i32 to index
      %t2 = arith.addi %t, %k : index
      %t3 = arith.index_cast %t2 : index to i64
      memref.store %t3, %ix[%k] : memref<8xi64>
      %ext = arith.extf %x : f32 to f64
      %pos = arith.cmpf ogt, %ext, %d : f64
      %pb = arith.extui %pos : i1 to i8
      memref.store %pb, %b[%k] : memref<8xi8>
    }
    func.return
  }
}
"""


def test_casts(run):
    f = np.array([1.7, -1.7, 2.5, -3.5, 100.9, 0.0, 7.0, -0.2], np.float32)
    i = np.array([1, -1, 2**40, -(2**40), 3, 0, 7, 2**53 + 1], np.int64)
    w = np.array([1, -1, 5, 2**31 - 1, 0, 3, 4, -2], np.int32)
    u = np.array([1, -1, 5, -(2**62), 0, 2**63 - 1, 4, -3], np.int64)
    outs = [np.zeros(8, t) for t in ("i4", "f4", "f8", "f4", "i8", "i1")]
    run(CASTS, "k", f, i, w, u, *outs)
    fi, if_, wf, uf, ix, b = outs
    np.testing.assert_array_equal(fi, np.trunc(f).astype(np.int32))
    np.testing.assert_array_equal(if_, i.astype(np.float32))
    np.testing.assert_array_equal(wf, w.view(np.uint32).astype(np.float64))
    np.testing.assert_array_equal(uf, u.view(np.uint64).astype(np.float32))
    np.testing.assert_array_equal(ix, w.astype(np.int64) + np.arange(8))
    np.testing.assert_array_equal(b, (f.astype(np.float64) > wf).astype(np.int8))


ALLOCA_SCRATCH = """
builtin.module {
  func.func @k(%x: memref<4x3xf32>, %y: memref<4x3xf32>) attributes {tcc.kernel} {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c2 = arith.constant 2 : index
    %c3 = arith.constant 3 : index
    %c4 = arith.constant 4 : index
    scf.for %i = %c0 to %c4 step %c1 {
      %tmp = memref.alloca() : memref<3xf32>
      scf.for %j = %c0 to %c3 step %c1 {
        %v = memref.load %x[%i, %j] : memref<4x3xf32>
        memref.store %v, %tmp[%j] : memref<3xf32>
      }
      scf.for %j = %c0 to %c3 step %c1 {
        %r = arith.subi %c2, %j : index
        %v = memref.load %tmp[%r] : memref<3xf32>
        memref.store %v, %y[%i, %j] : memref<4x3xf32>
      }
    }
    func.return
  }
}
"""


def test_alloca_scratch(run):
    x = np.arange(12, dtype=np.float32).reshape(4, 3)
    y = np.zeros_like(x)
    run(ALLOCA_SCRATCH, "k", x, y)
    np.testing.assert_array_equal(y, x[:, ::-1])
