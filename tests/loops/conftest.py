"""Fixtures for the loops-stage tests: build a one-kernel module, lower it, run it on numpy.

`run_kernel(op_text, args)` wraps `op_text` (one kernel op on `%a0..%aN`; `$i` stands for
the memref type of argument i) in a `tcc.kernel` function whose arguments are shaped like
`args` (the last is the output), runs
`lower-kernels-to-loops`, checks the output is in the lowering contract, executes it and
returns the output array.

Every test runs twice: natively through `tcompiler.codegen` (compile_to_object + MCJIT, the
real path; skipped if that package is missing) and with `evaluate`, a small reference
evaluator that turns the loop IR into Python source (a rule per op, float64 scalars, f32
storage), fine for tiny shapes and independent of the LLVM lowering.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pytest
from xdsl.dialects import func
from xdsl.dialects.builtin import DenseIntOrFPElementsAttr, FloatAttr, IntegerAttr, ModuleOp
from xdsl.ir import Operation, SSAValue
from xdsl.parser import Parser

from tcompiler import contracts
from tcompiler.context import make_context
from tcompiler.passes.lower_kernels_to_loops import LowerKernelsToLoopsPass
from tcompiler.passes.lower_to_llvm import LowerToLLVMPass


def memref(shape: tuple[int, ...]) -> str:
    return "memref<" + "".join(f"{d}x" for d in shape) + "f32>"


def build(op_text: str, shapes: list[tuple[int, ...]]) -> ModuleOp:
    for i in reversed(range(len(shapes))):
        op_text = op_text.replace(f"${i}", memref(shapes[i]))
    args = ", ".join(f"%a{i}: {memref(s)}" for i, s in enumerate(shapes))
    text = (f"func.func @kernel({args}) attributes {{tcc.kernel}} {{\n{op_text}\n"
            "func.return\n}")
    module = Parser(make_context(), text).parse_module()
    module.verify()
    LowerKernelsToLoopsPass().apply(make_context(), module)
    module.verify()
    bad = {op.name for op in contracts.LOOPS.violations(module)}
    assert not bad, f"ops outside the lowering contract: {bad}"
    return module


# ----------------------------------------------------------------------------- evaluator


def _maximum(a: float, b: float) -> float:
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return np.maximum(a, b)  # vectors; propagates NaN like arith.maximumf
    return math.nan if math.isnan(a) or math.isnan(b) else max(a, b)


def _minimum(a: float, b: float) -> float:
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return np.minimum(a, b)
    return math.nan if math.isnan(a) or math.isnan(b) else min(a, b)


def _maxnum(a: float, b: float) -> float:
    return b if math.isnan(a) else a if math.isnan(b) else max(a, b)


def _exp(a: float) -> float:
    return math.inf if a > 700 else math.exp(a)


def _ceildiv(a: int, b: int) -> int:
    return -(-a // b)


def _flat(array: np.ndarray, indices: tuple[int, ...]) -> int:
    """Row-major element offset of `indices`; an index may run past its dimension into the
    next row, as the kernels' contiguous-plane addressing does (same address in LLVM)."""
    offset = 0
    for index, extent in zip(indices, array.shape):
        offset = offset * extent + index
    return offset


def _vload(array: np.ndarray, indices: tuple[int, ...], lanes: int) -> np.ndarray:
    start = _flat(array, indices)
    return array.reshape(-1)[start:start + lanes].astype(np.float64)


def _vstore(value: np.ndarray, array: np.ndarray, indices: tuple[int, ...]) -> None:
    start = _flat(array, indices)
    array.reshape(-1)[start:start + len(value)] = value


RULES: dict[str, str] = {
    "arith.addi": "{0} + {1}", "arith.subi": "{0} - {1}", "arith.muli": "{0} * {1}",
    "arith.floordivsi": "{0} // {1}", "arith.ceildivsi": "_ceildiv({0}, {1})",
    "arith.divsi": "int({0} / {1})", "arith.remsi": "int(math.fmod({0}, {1}))",
    "arith.minsi": "min({0}, {1})", "arith.maxsi": "max({0}, {1})",
    "arith.addf": "{0} + {1}", "arith.subf": "{0} - {1}", "arith.mulf": "{0} * {1}",
    "arith.divf": "{0} / {1}", "arith.negf": "-{0}", "arith.maximumf": "_maximum({0}, {1})",
    "arith.minimumf": "_minimum({0}, {1})",
    "arith.maxnumf": "_maxnum({0}, {1})", "arith.index_cast": "{0}", "arith.sitofp": "float({0})",
    "arith.select": "({1} if {0} else {2})", "math.exp": "_exp({0})", "math.sqrt": "math.sqrt({0})",
    "math.powf": "math.pow({0}, {1})", "math.tanh": "math.tanh({0})", "math.log": "math.log({0})",
}
GLOBALS = {"math": math, "np": np, "_maximum": _maximum, "_minimum": _minimum, "_maxnum": _maxnum, "_exp": _exp,
           "_ceildiv": _ceildiv, "_flat": _flat, "_vload": _vload, "_vstore": _vstore}


class _Source:
    def __init__(self) -> None:
        self.lines: list[str] = []
        self.names: dict[SSAValue, str] = {}

    def name(self, value: SSAValue) -> str:
        return self.names.setdefault(value, f"v{len(self.names)}")

    def emit(self, depth: int, line: str) -> None:
        self.lines.append("    " * depth + line)

    def op(self, op: Operation, depth: int) -> None:
        args = [self.name(v) for v in op.operands]
        res = [self.name(r) for r in op.results]
        if op.name in RULES:
            self.emit(depth, f"{res[0]} = " + RULES[op.name].format(*args))
        elif op.name == "arith.constant" and isinstance(op.properties["value"], DenseIntOrFPElementsAttr):
            values = list(op.properties["value"].get_values())
            self.emit(depth, f"{res[0]} = np.array({values!r}, dtype=np.float64)")
        elif op.name == "arith.constant":
            value = op.properties["value"]
            assert isinstance(value, IntegerAttr | FloatAttr)
            self.emit(depth, f"{res[0]} = {value.value.data!r}".replace("inf", "math.inf"))
        elif op.name == "memref.load":
            self.emit(depth, f"{res[0]} = float({args[0]}.reshape(-1)[_flat({args[0]}, "
                             f"({', '.join(args[1:])},))])")
        elif op.name == "memref.store":
            self.emit(depth, f"{args[1]}.reshape(-1)[_flat({args[1]}, ({', '.join(args[2:])},))]"
                             f" = {args[0]}")
        elif op.name == "vector.load":
            lanes = op.results[0].type.get_shape()[0]
            self.emit(depth, f"{res[0]} = _vload({args[0]}, ({', '.join(args[1:])},), {lanes})")
        elif op.name == "vector.store":
            self.emit(depth, f"_vstore({args[0]}, {args[1]}, ({', '.join(args[2:])},))")
        elif op.name == "vector.broadcast":
            lanes = op.results[0].type.get_shape()[0]
            self.emit(depth, f"{res[0]} = np.full({lanes}, {args[0]})")
        elif op.name == "vector.shuffle":
            mask = [int(v) for v in op.properties["mask"].iter_values()]
            self.emit(depth, f"{res[0]} = np.concatenate([{args[0]}, {args[1]}])[{mask!r}]")
        elif op.name == "vector.insert":
            lane = int(next(iter(op.properties["static_position"].iter_values())))
            self.emit(depth, f"{res[0]} = {args[1]}.copy(); {res[0]}[{lane}] = {args[0]}")
        elif op.name == "vector.fma":
            self.emit(depth, f"{res[0]} = {args[0]} * {args[1]} + {args[2]}")
        elif op.name == "vector.reduction":  # kind add, the only one the loops stage emits
            start = f"{args[1]} + " if len(args) > 1 else ""
            self.emit(depth, f"{res[0]} = {start}float(np.sum({args[0]}))")
        elif op.name == "scf.for":
            self.loop(op, args, res, depth)
        elif op.name == "func.return":
            self.emit(depth, "return")
        else:
            raise NotImplementedError(op.name)

    def loop(self, op: Operation, args: list[str], res: list[str], depth: int) -> None:
        block = op.regions[0].block
        iv, carried = self.name(block.args[0]), [self.name(a) for a in block.args[1:]]
        for name, init in zip(carried, args[3:]):
            self.emit(depth, f"{name} = {init}")
        self.emit(depth, f"for {iv} in range({args[0]}, {args[1]}, {args[2]}):")
        self.emit(depth + 1, "pass")
        for inner in block.ops:
            if inner.name == "scf.yield":
                for name, value in zip(carried, inner.operands):
                    self.emit(depth + 1, f"{name} = {self.name(value)}")
                continue
            self.op(inner, depth + 1)
        for name, value in zip(res, carried):
            self.emit(depth, f"{name} = {value}")


def evaluate(function: func.FuncOp, arrays: list[np.ndarray]) -> None:
    """Run a lowered kernel function on `arrays` (in place) with the reference evaluator."""
    src = _Source()
    params = [src.name(a) for a in function.body.block.args]
    src.emit(0, f"def kernel({', '.join(params)}):")
    for op in function.body.block.ops:
        src.op(op, 1)
    scope = dict(GLOBALS)
    exec("\n".join(src.lines), scope)  # noqa: S102 - test-only evaluator of our own IR
    scope["kernel"](*arrays)


# ----------------------------------------------------------------------------- execution


def run_native(module: ModuleOp, arrays: list[np.ndarray]) -> None:
    import ctypes

    from tcompiler.codegen import Target, compile_to_object, load_objects

    LowerToLLVMPass().apply(make_context(), module)
    library = load_objects([compile_to_object(module, Target.host())])  # owns the code
    signature = ctypes.CFUNCTYPE(None, *([ctypes.c_void_p] * len(arrays)))
    signature(library.address("kernel"))(*[a.ctypes.data for a in arrays])


def run_evaluator(module: ModuleOp, arrays: list[np.ndarray]) -> None:
    evaluate(next(op for op in module.walk() if isinstance(op, func.FuncOp)), arrays)


def _native_available() -> bool:
    try:
        from tcompiler.codegen import compile_to_object, load_objects  # noqa: F401
    except ImportError:
        return False
    return True


@pytest.fixture(params=["native", "evaluator"])
def run_kernel(request: pytest.FixtureRequest) -> Callable[..., np.ndarray]:
    """Both execution paths: native (the real one) and the reference evaluator."""
    if request.param == "native" and not _native_available():
        pytest.skip("tcompiler.codegen native path not available")
    execute = run_native if request.param == "native" else run_evaluator

    def run(op_text: str, args: list[np.ndarray]) -> np.ndarray:
        arrays = [np.ascontiguousarray(a, dtype=np.float32).copy() for a in args]
        execute(build(op_text, [a.shape for a in arrays]), arrays)
        return arrays[-1]

    return run
