"""Accuracy and speed of `expand-math` (inline f32 exp/exp2/log/log2/tanh/erf) against libm.

    python benchmarks/math_ulps.py [--speed-n 1048576] [--repeats 20] \
        > benchmarks/results/2026-12-01-math-ulps.json

Accuracy: each function runs as a compiled loop kernel (`lower-to-llvm`, so `expand-math` and
LLVM's vectorizer) over every 2^12-th f32 bit pattern (2^20 values over all exponents, both
signs, denormals, inf and NaN), 2^20 uniform values in [-12, 12] and 2^18 in [0.5, 2]. The
error of a result is |result - exact| in ulps of the exact result rounded to f32 (exact: numpy
in float64, scipy.special.erf); a correctly rounded result is within 0.5. `max`/`mean` are over
the finite inputs whose exact result is a normal f32; `denormal_max` over those where it is
denormal (in units of the denormal spacing 2^-149); `specials_wrong` counts the results that
are not bit-identical to the float64 reference rounded to f32 where that is inf, 0 or NaN.

Speed: the same kernels over `--speed-n` floats in [-10, 10] (log: (0, 100]) with expand-math
on and off (off: `llvm.exp`/`llvm.log` intrinsics and `tanhf`/`erff`/... libm calls), and
ONNX Softmax over [16, 12, 128, 128] (last axis), Sigmoid and erf-Gelu over 2^20 floats
compiled with `CompileOptions(expand_math=...)`; best of `--repeats`, one thread.
Output: one JSON object on stdout (a table on stderr).
"""

from __future__ import annotations

import argparse
import ctypes
import json
import platform
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np

FUNCTIONS = ("exp", "exp2", "log", "log2", "tanh", "erf")

KERNEL = """func.func @kernel(%a: memref<{n}xf32>, %b: memref<{n}xf32>) attributes {{tcc.kernel}} {{
  %c0 = arith.constant 0 : index
  %cn = arith.constant {n} : index
  %c1 = arith.constant 1 : index
  scf.for %i = %c0 to %cn step %c1 {{
    %x = memref.load %a[%i] : memref<{n}xf32>
    %y = math.{fn} %x : f32
    memref.store %y, %b[%i] : memref<{n}xf32>
  }}
  func.return
}}"""


def compile_unary(fn: str, n: int, expand: bool) -> Callable[[np.ndarray], np.ndarray]:
    """y = fn(x) elementwise on `n` floats, through lower-to-llvm{expand-math=expand}."""
    from xdsl.parser import Parser

    from tcompiler.codegen import Target, compile_to_object, load_objects
    from tcompiler.context import make_context
    from tcompiler.passes.lower_to_llvm import LowerToLLVMPass

    module = Parser(make_context(), KERNEL.format(n=n, fn=fn)).parse_module()
    LowerToLLVMPass(expand_math=expand).apply(make_context(), module)
    library = load_objects([compile_to_object(module, Target.host())])
    kernel = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_void_p)(library.address("kernel"))

    def run(x: np.ndarray) -> np.ndarray:
        assert x.dtype == np.float32 and x.size == n and x.flags.c_contiguous
        y = np.empty_like(x)
        kernel(x.ctypes.data, y.ctypes.data)
        _ = library  # the code lives as long as `run`
        return y

    return run


def reference(fn: str, x: np.ndarray) -> np.ndarray:
    """fn(x) in float64 (exact enough: its f32 rounding is the correctly rounded result)."""
    from scipy.special import erf

    table: dict[str, Callable[[np.ndarray], np.ndarray]] = {
        "exp": np.exp, "exp2": np.exp2, "log": np.log, "log2": np.log2, "tanh": np.tanh,
        "erf": erf}
    with np.errstate(all="ignore"):
        return table[fn](x.astype(np.float64))


def accuracy_inputs() -> np.ndarray:
    patterns = np.arange(0, 2**32, 2**12, dtype=np.uint64).astype(np.uint32).view(np.float32)
    rng = np.random.default_rng(0)
    return np.concatenate([patterns, rng.uniform(-12, 12, 1 << 20).astype(np.float32),
                           rng.uniform(0.5, 2, 1 << 18).astype(np.float32)])


def ulp_errors(x: np.ndarray, got: np.ndarray, exact: np.ndarray) -> dict[str, Any]:
    """The error table of `got` = fn(`x`) (f32) against `exact` (f64); see the module doc."""
    with np.errstate(over="ignore"):
        rounded = exact.astype(np.float32)
    finite = np.isfinite(rounded)
    spacing = np.spacing(np.abs(rounded[finite])).astype(np.float64)
    with np.errstate(invalid="ignore"):
        error = np.abs(got[finite].astype(np.float64) - exact[finite]) / spacing
    normal = np.abs(rounded[finite]) >= np.finfo(np.float32).tiny
    special = ~finite | (rounded == 0)
    want, have = rounded[special], got[special]
    same = (have == want) & (np.signbit(have) == np.signbit(want))
    same |= np.isnan(have) & np.isnan(want)
    worst = int(np.argmax(np.where(normal, error, -1)))
    return {"max": float(error[normal].max()), "mean": float(error[normal].mean()),
            "worst_input": float(x[finite][worst]),
            "denormal_max": float(error[~normal].max()) if (~normal).any() else None,
            "normal_results": int(normal.sum()), "specials_wrong": int((~same).sum())}


def accuracy() -> dict[str, Any]:
    x = accuracy_inputs()
    table = {}
    for fn in FUNCTIONS:
        got = compile_unary(fn, x.size, expand=True)(x)
        table[fn] = ulp_errors(x, got, reference(fn, x))
    return {"inputs": int(x.size), "functions": table}


def best_seconds(call: Callable[[], object], repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        call()
        best = min(best, time.perf_counter() - t0)
    return best


def speed_kernels(n: int, repeats: int) -> dict[str, Any]:
    rng = np.random.default_rng(1)
    found = {}
    for fn in FUNCTIONS:
        x = (rng.uniform(1e-3, 100, n) if fn.startswith("log") else rng.uniform(-10, 10, n))
        x = x.astype(np.float32)
        row = {}
        for label, expand in (("expand", True), ("libm", False)):
            run = compile_unary(fn, n, expand)
            row[f"{label}_ms"] = best_seconds(lambda run=run, x=x: run(x), repeats) * 1e3
        row["speedup"] = row["libm_ms"] / row["expand_ms"]
        found[fn] = row
    return found


def onnx_model(op: str, shape: tuple[int, ...]) -> bytes:
    import onnx
    from onnx import TensorProto, helper

    attrs: dict[str, Any] = {"axis": -1} if op == "Softmax" else {}
    node = helper.make_node(op, ["x"], ["y"], **attrs)
    graph = helper.make_graph(
        [node], op.lower(), [helper.make_tensor_value_info("x", TensorProto.FLOAT, shape)],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, shape)])
    opset = 20 if op == "Gelu" else 17
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    return model.SerializeToString() if onnx.checker.check_model(model) is None else b""


def speed_models(repeats: int) -> dict[str, Any]:
    from tcompiler.pipeline import CompileOptions, compile_model
    from tcompiler.runtime import CompiledModel

    cases = {"Softmax": (16, 12, 128, 128), "Sigmoid": (1 << 20,), "Gelu": (1 << 20,)}
    found = {}
    rng = np.random.default_rng(2)
    for op, shape in cases.items():
        x = rng.normal(0, 3, shape).astype(np.float32)
        row: dict[str, Any] = {"shape": list(shape)}
        outputs = []
        for label, expand in (("expand", True), ("libm", False)):
            program, _ = compile_model(onnx_model(op, shape), CompileOptions(expand_math=expand))
            model = CompiledModel(program)
            outputs.append(model.run([x])[0])
            row[f"{label}_ms"] = best_seconds(lambda model=model, x=x: model.run([x]),
                                              repeats) * 1e3
        row["speedup"] = row["libm_ms"] / row["expand_ms"]
        row["max_abs_diff"] = float(np.abs(outputs[0] - outputs[1]).max())
        found[op] = row
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--speed-n", type=int, default=1 << 20)
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()
    result = {"machine": platform.machine(), "processor": platform.processor(),
              "accuracy": accuracy(), "kernels": speed_kernels(args.speed_n, args.repeats),
              "kernel_n": args.speed_n, "models": speed_models(args.repeats)}
    for fn, row in result["accuracy"]["functions"].items():
        print(f"{fn:5s} max {row['max']:.3f} ulp  mean {row['mean']:.4f}  "
              f"denormal max {row['denormal_max']}  specials wrong {row['specials_wrong']}",
              file=sys.stderr)
    for name, row in {**result["kernels"], **result["models"]}.items():
        print(f"{name:8s} expand {row['expand_ms']:8.3f} ms  libm {row['libm_ms']:8.3f} ms  "
              f"x{row['speedup']:.1f}", file=sys.stderr)
    json.dump(result, sys.stdout, indent=2)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
