"""The semantics of single arith, math, memref and vector ops, run both ways: compiled into
closures and op by op through xDSL's interpreter (every case runs under both)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from xdsl.parser import Parser

from tcompiler import interp
from tcompiler.context import make_context

NAN = float("nan")


@pytest.fixture(params=[True, False], ids=["compiled", "op-by-op"])
def run(request: pytest.FixtureRequest):
    def execute(text: str, *args: object) -> list[object]:
        module = Parser(make_context(), text).parse_module()
        module.verify()
        outputs = interp.interpret(module, {f"arg{i}": np.asarray(a) for i, a in enumerate(args)},
                                   compiled=request.param)
        results = [v for name, v in outputs.items() if name.startswith("result")]
        return [v[()] if v.ndim == 0 else v for v in results]

    return execute


def test_f32_arithmetic_rounds_to_f32(run) -> None:
    text = """func.func @f(%a: f32, %b: f32) -> (f32, f32) {
      %s = arith.addf %a, %b : f32
      %d = arith.divf %a, %b : f32
      func.return %s, %d : f32, f32
    }"""
    total, quotient = run(text, np.float32(16777216.0), np.float32(1.0))
    assert total == np.float32(16777216.0)  # 2^24 + 1 is not an f32 (in f64 it would be)
    assert isinstance(total, np.float32)
    assert quotient == np.float32(16777216.0)


def test_min_max_and_nan(run) -> None:
    text = """func.func @f(%a: f32, %b: f32) -> (f32, f32, f32, f32) {
      %1 = arith.maximumf %a, %b : f32
      %2 = arith.minimumf %a, %b : f32
      %3 = arith.maxnumf %a, %b : f32
      %4 = arith.minnumf %a, %b : f32
      func.return %1, %2, %3, %4 : f32, f32, f32, f32
    }"""
    assert run(text, np.float32(1), np.float32(2)) == [2, 1, 2, 1]
    maximum, minimum, maxnum, minnum = run(text, np.float32(NAN), np.float32(2))
    assert math.isnan(maximum) and math.isnan(minimum) and maxnum == 2 and minnum == 2
    assert run(text, np.float32(3), np.float32(NAN))[2:] == [3, 3]


PREDICATES = ["oeq", "ogt", "oge", "olt", "ole", "one", "ord", "ueq", "ugt", "uge", "ult", "ule",
              "une", "uno"]


def expected_cmpf(predicate: str, a: float, b: float) -> bool:
    unordered = math.isnan(a) or math.isnan(b)
    relation = {"eq": a == b, "gt": a > b, "ge": a >= b, "lt": a < b, "le": a <= b,
                "ne": a != b and not unordered, "rd": not unordered, "no": unordered}
    if predicate == "ord":
        return not unordered
    if predicate == "uno":
        return unordered
    base = relation[predicate[1:]] if predicate[1:] != "ne" else (a < b or a > b)
    return (base and not unordered) if predicate[0] == "o" else (base or unordered)


@pytest.mark.parametrize("pair", [(1.0, 2.0), (2.0, 2.0), (3.0, 2.0), (NAN, 1.0)])
def test_cmpf_predicates(run, pair: tuple[float, float]) -> None:
    lines = "\n".join(f"%r{i} = arith.cmpf {p}, %a, %b : f32" for i, p in enumerate(PREDICATES))
    text = (f"func.func @f(%a: f32, %b: f32) -> ({', '.join(['i1'] * len(PREDICATES))}) {{\n"
            f"{lines}\nfunc.return {', '.join(f'%r{i}' for i in range(len(PREDICATES)))} : "
            f"{', '.join(['i1'] * len(PREDICATES))}\n}}")
    got = run(text, np.float32(pair[0]), np.float32(pair[1]))
    assert [bool(g) for g in got] == [expected_cmpf(p, *pair) for p in PREDICATES]


def test_signed_i1_comparisons_read_true_as_minus_one(run) -> None:
    """i1 is signed like any integer: true is -1, so true < false (found by `tcc fuzz`: a
    mutated predicate made the interpreter and the native code disagree)."""
    text = """func.func @f(%a: i1, %b: i1) -> (i1, i1, i1, i1, i1) {
      %1 = arith.cmpi slt, %a, %b : i1
      %2 = arith.cmpi sle, %a, %b : i1
      %3 = arith.cmpi sgt, %a, %b : i1
      %4 = arith.cmpi sge, %a, %b : i1
      %5 = arith.cmpi ult, %a, %b : i1
      func.return %1, %2, %3, %4, %5 : i1, i1, i1, i1, i1
    }"""
    assert run(text, np.bool_(True), np.bool_(False)) == [True, True, False, False, False]
    assert run(text, np.bool_(False), np.bool_(True)) == [False, False, True, True, True]
    assert run(text, np.bool_(True), np.bool_(True)) == [False, True, False, True, False]


def test_integer_division_rounding(run) -> None:
    text = """func.func @f(%a: i64, %b: i64) -> (i64, i64, i64, i64, i1) {
      %d = arith.divsi %a, %b : i64
      %r = arith.remsi %a, %b : i64
      %f = arith.floordivsi %a, %b : i64
      %c = arith.ceildivsi %a, %b : i64
      %t = arith.trunci %a : i64 to i1
      func.return %d, %r, %f, %c, %t : i64, i64, i64, i64, i1
    }"""
    assert run(text, np.int64(-7), np.int64(2)) == [-3, -1, -4, -3, True]
    assert run(text, np.int64(7), np.int64(-2)) == [-3, 1, -4, -3, True]
    assert run(text, np.int64(6), np.int64(4)) == [1, 2, 1, 2, False]


def test_conversions(run) -> None:
    text = """func.func @f(%x: f32, %flag: i1, %i: index) -> (i64, i64, f32, i32) {
      %t = arith.fptosi %x : f32 to i64
      %e = arith.extsi %flag : i1 to i64
      %w = arith.index_cast %i : index to i64
      %f = arith.sitofp %w : i64 to f32
      %n = arith.trunci %w : i64 to i32
      func.return %t, %e, %f, %n : i64, i64, f32, i32
    }"""
    assert run(text, np.float32(-2.7), np.bool_(True), 5_000_000_001) == [-2, -1, 5e9, 705032705]


def test_math(run) -> None:
    text = """func.func @f(%x: f32) -> (f32, f32, f32, f32, f32) {
      %e = math.exp %x : f32
      %t = math.tanh %x : f32
      %r = math.erf %x : f32
      %s = math.rsqrt %x : f32
      %p = math.powf %x, %x : f32
      func.return %e, %t, %r, %s, %p : f32, f32, f32, f32, f32
    }"""
    got = run(text, np.float32(0.5))
    expected = [math.exp(0.5), math.tanh(0.5), math.erf(0.5), 1 / math.sqrt(0.5), 0.5 ** 0.5]
    assert all(isinstance(g, np.float32) for g in got)
    np.testing.assert_allclose(got, expected, rtol=2e-7)


def test_loops_with_iter_args_and_if(run) -> None:
    text = """func.func @f(%n: index) -> (index, index) {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c2 = arith.constant 2 : index
      %sum, %odd = scf.for %i = %c0 to %n step %c1 iter_args(%s = %c0, %o = %c0) -> (index, index) {
        %s2 = arith.addi %s, %i : index
        %r = arith.remsi %i, %c2 : index
        %is_odd = arith.cmpi eq, %r, %c1 : index
        %o2 = scf.if %is_odd -> (index) {
          %o3 = arith.addi %o, %c1 : index
          scf.yield %o3 : index
        } else {
          scf.yield %o : index
        }
        scf.yield %s2, %o2 : index, index
      }
      func.return %sum, %odd : index, index
    }"""
    assert run(text, 10) == [45, 5]
    assert run(text, 0) == [0, 0]


def test_memref_rows_run_on_and_bounds(run) -> None:
    text = """func.func @f(%m: memref<2x3xf32>, %i: index, %j: index) -> f32 {
      %v = memref.load %m[%i, %j] : memref<2x3xf32>
      func.return %v : f32
    }"""
    m = np.arange(6, dtype=np.float32).reshape(2, 3)
    assert run(text, m, 0, 4) == [4.0]  # column 4 of row 0 is row 1, column 1
    with pytest.raises(IndexError):
        run(text, m, 0, -1)
    with pytest.raises(IndexError):
        run(text, m, 1, 3)


def test_vector_ops(run) -> None:
    text = """func.func @f(%m: memref<8xf32>, %s: f32, %k: index)
                    -> (vector<4xf32>, f32, f32, f32) {
      %c0 = arith.constant 0 : index
      %c4 = arith.constant 4 : index
      %a = vector.load %m[%c0] : memref<8xf32>, vector<4xf32>
      %b = vector.load %m[%c4] : memref<8xf32>, vector<4xf32>
      %x = vector.broadcast %s : f32 to vector<4xf32>
      %f = vector.fma %a, %x, %b : vector<4xf32>
      %sh = vector.shuffle %a, %f [7, 0, 5, 2] : vector<4xf32>, vector<4xf32>
      %in = vector.insert %s, %sh [1] : f32 into vector<4xf32>
      vector.store %in, %m[%c4] : memref<8xf32>, vector<4xf32>
      %e = vector.extract %f[%k] : f32 from vector<4xf32>
      %sum = vector.reduction <add>, %a, %s : vector<4xf32> into f32
      %top = vector.reduction <maxnumf>, %f : vector<4xf32> into f32
      func.return %in, %e, %sum, %top : vector<4xf32>, f32, f32, f32
    }"""
    m = np.arange(8, dtype=np.float32)
    inserted, extracted, total, top = run(text, m, np.float32(10), 2)
    fma = m[:4] * 10 + m[4:]
    assert inserted.tolist() == [fma[3], 10, fma[1], m[2]]
    assert extracted == fma[2] and total == 16 and top == fma.max()


def test_vector_load_past_the_end_is_an_error(run) -> None:
    text = """func.func @f(%m: memref<6xf32>) -> vector<4xf32> {
      %c4 = arith.constant 4 : index
      %a = vector.load %m[%c4] : memref<6xf32>, vector<4xf32>
      func.return %a : vector<4xf32>
    }"""
    with pytest.raises(IndexError):
        run(text, np.zeros(6, np.float32))
