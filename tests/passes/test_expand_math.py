"""`expand-math`: measured accuracy over the whole f32 range, special values, vectors.

Each function runs as a compiled loop kernel through `lower-to-llvm` (so the expansion, the
fast-math flags of the arith lowering and LLVM's vectorizer are all in the path) over every
2^16-th f32 bit pattern, dense sweeps and the special values, and is compared with numpy in
float64 (scipy's erf) in ulps of the exact result rounded to f32. The bounds are the measured
maxima (benchmarks/math_ulps.py) rounded up a little.
"""

from __future__ import annotations

import ctypes
from collections.abc import Callable

import numpy as np
import pytest
from xdsl.dialects.builtin import ModuleOp
from xdsl.parser import Parser

from tcompiler.context import make_context
from tcompiler.passes.expand_math import ExpandMathPass
from tcompiler.passes.lower_to_llvm import LowerToLLVMPass

pytest.importorskip("tcompiler.codegen")

# function: (max ulps where the exact result is a normal f32, where it is denormal)
BOUNDS = {"exp": (1.0, 1.0), "exp2": (1.0, 1.0), "log": (2.0, 0.0), "log2": (2.0, 0.0),
          "tanh": (1.5, 0.5), "erf": (1.5, 1.0)}

F32 = np.finfo(np.float32)
SPECIALS = np.array([
    0.0, -0.0, np.inf, -np.inf, np.nan, -np.nan, 1.0, -1.0, F32.tiny, -F32.tiny,
    F32.smallest_subnormal, -F32.smallest_subnormal, 1e-40, -1e-40, F32.max, -F32.max,
    88.72283, 88.72284, 88.8, 89.0, 100.0, -87.3, -103.27893, -103.972, -104.0, -150.0,
    127.99999, 128.0, -149.0, -149.5, -150.0, -151.0, 0.625, -0.625, 8.9, 9.1, 3.9, 3.95,
    4.0, -4.0, 1e-30, -1e-30, 0.5, 2.0, 1.4142135, 0.70710677], dtype=np.float32)

KERNEL = """func.func @kernel(%a: memref<{n}xf32>, %b: memref<{n}xf32>) attributes {{tcc.kernel}} {{
  %c0 = arith.constant 0 : index
  %cn = arith.constant {n} : index
  %cs = arith.constant {step} : index
  scf.for %i = %c0 to %cn step %cs {{
    %x = {load}
    %y = math.{fn} %x : {t}
    {store}
  }}
  func.return
}}"""


def kernel_text(fn: str, n: int, lanes: int | None) -> str:
    """y[i] = fn(x[i]) over memref<n x f32>, scalar or `lanes` at a time."""
    memref = f"memref<{n}xf32>"
    if lanes is None:
        return KERNEL.format(n=n, step=1, fn=fn, t="f32", load=f"memref.load %a[%i] : {memref}",
                             store=f"memref.store %y, %b[%i] : {memref}")
    t = f"vector<{lanes}xf32>"
    return KERNEL.format(n=n, step=lanes, fn=fn, t=t, load=f"vector.load %a[%i] : {memref}, {t}",
                         store=f"vector.store %y, %b[%i] : {memref}, {t}")


def parse(text: str) -> ModuleOp:
    module = Parser(make_context(), text).parse_module()
    module.verify()
    return module


def compiled(fn: str, n: int, lanes: int | None = None) -> Callable[[np.ndarray], np.ndarray]:
    from tcompiler.codegen import Target, compile_to_object, load_objects

    module = parse(kernel_text(fn, n, lanes))
    LowerToLLVMPass().apply(make_context(), module)
    module.verify()
    library = load_objects([compile_to_object(module, Target.host())])
    kernel = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_void_p)(library.address("kernel"))

    def run(x: np.ndarray) -> np.ndarray:
        y = np.empty_like(x)
        kernel(x.ctypes.data, y.ctypes.data)
        _ = library  # the code lives as long as `run`
        return y

    return run


def reference(fn: str, x: np.ndarray) -> np.ndarray:
    with np.errstate(all="ignore"):  # signalling NaN patterns among the inputs
        x64 = x.astype(np.float64)
        if fn == "erf":
            scipy_special = pytest.importorskip("scipy.special")
            return scipy_special.erf(x64)
        return {"exp": np.exp, "exp2": np.exp2, "log": np.log, "log2": np.log2,
                "tanh": np.tanh}[fn](x64)


def inputs() -> np.ndarray:
    patterns = np.arange(0, 2**32, 2**16, dtype=np.uint64).astype(np.uint32).view(np.float32)
    rng = np.random.default_rng(0)
    sweeps = [rng.uniform(-12, 12, 1 << 16), rng.uniform(0.5, 2, 1 << 14),
              rng.uniform(-1e-3, 1e-3, 1 << 12)]
    return np.concatenate([patterns, SPECIALS, *(s.astype(np.float32) for s in sweeps)])


@pytest.mark.parametrize("fn", sorted(BOUNDS))
def test_accuracy_and_special_values(fn: str) -> None:
    x = inputs()
    got = compiled(fn, x.size)(x)
    exact = reference(fn, x)
    with np.errstate(over="ignore"):
        rounded = exact.astype(np.float32)
    finite = np.isfinite(rounded) & (rounded != 0)
    error = np.abs(got[finite].astype(np.float64) - exact[finite]) / np.spacing(
        np.abs(rounded[finite])).astype(np.float64)
    normal = np.abs(rounded[finite]) >= F32.tiny
    normal_bound, denormal_bound = BOUNDS[fn]
    assert error[normal].max() <= normal_bound, x[finite][normal][np.argmax(error[normal])]
    if (~normal).any():
        assert error[~normal].max() <= denormal_bound
    # inf, 0 and NaN results exactly as libm gives them (sign included)
    special = ~finite
    want, have = rounded[special], got[special]
    nan = np.isnan(want)
    assert np.isnan(have[nan]).all(), x[special][nan & ~np.isnan(have)]
    same = (have[~nan] == want[~nan]) & (np.signbit(have[~nan]) == np.signbit(want[~nan]))
    assert same.all(), (x[special][~nan][~same], have[~nan][~same], want[~nan][~same])


@pytest.mark.parametrize("fn", sorted(BOUNDS))
def test_vector_expansion_matches_scalar(fn: str) -> None:
    x = np.concatenate([SPECIALS, np.linspace(-20, 20, 1024 - SPECIALS.size,
                                              dtype=np.float32)])
    scalar = compiled(fn, x.size)(x)
    vector = compiled(fn, x.size, lanes=16)(x)
    np.testing.assert_array_equal(vector, scalar)


@pytest.mark.parametrize("lanes", [None, 8])
def test_no_calls_and_only_f32_expands(lanes: int | None) -> None:
    module = parse(kernel_text("erf", 64, lanes))
    ExpandMathPass().apply(make_context(), module)
    module.verify()
    names = {op.name for op in module.walk()}
    assert "math.erf" not in names and "math.exp" not in names
    assert {"math.fma", "arith.bitcast", "arith.shli"} <= names
    LowerToLLVMPass().apply(make_context(), module)
    module.verify()
    assert not [op for op in module.walk() if op.name == "llvm.call"]
    f64 = parse("func.func @k(%x: f64) -> f64 {\n  %e = math.exp %x : f64\n"
                "  func.return %e : f64\n}")
    ExpandMathPass().apply(make_context(), f64)
    assert "math.exp" in {op.name for op in f64.walk()}


def test_expand_math_false_keeps_libm() -> None:
    module = parse(kernel_text("erf", 64, None))
    LowerToLLVMPass(expand_math=False).apply(make_context(), module)
    assert [op for op in module.walk() if op.name == "llvm.call"]
