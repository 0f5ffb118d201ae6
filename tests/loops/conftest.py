"""Fixtures for the loops-stage tests: build a one-kernel module, lower it, run it on numpy.

`run_kernel(op_text, args)` wraps `op_text` (one kernel op on `%a0..%aN`; `$i` stands for
the memref type of argument i) in a `tcc.kernel` function whose arguments are shaped like
`args` (the last is the output), runs
`lower-kernels-to-loops`, checks the output is in the lowering contract, executes it and
returns the output array.

Every test runs twice: natively through `tcompiler.codegen` (compile_to_object +
load_objects, the real path; skipped if that package is missing) and through `tcompiler.interp`, the reference
interpreter (f32 numpy scalars and vectors, loops compiled to Python closures), fine for tiny
shapes and independent of the LLVM lowering.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from xdsl.dialects.builtin import ModuleOp
from xdsl.parser import Parser

from tcompiler import contracts
from tcompiler.context import make_context
from tcompiler.interp import interpret
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


# ----------------------------------------------------------------------------- execution


def run_native(module: ModuleOp, arrays: list[np.ndarray]) -> None:
    import ctypes

    from tcompiler.codegen import Target, compile_to_object, load_objects

    units = parallel_units(module)
    LowerToLLVMPass().apply(make_context(), module)
    module.verify()  # LLVM may take what the llvm dialect refuses (`tcc fuzz` checks both)
    library = load_objects([compile_to_object(module, Target.host())])  # owns the code
    pointers: list[int] = [a.ctypes.data for a in arrays]
    if units is None:
        ctypes.CFUNCTYPE(None, *([ctypes.c_void_p] * len(arrays)))(
            library.address("kernel"))(*pointers)
        return
    # a parallel kernel: its unit range, split in two calls as two threads would run it
    signature = ctypes.CFUNCTYPE(None, *([ctypes.c_void_p] * len(arrays)), ctypes.c_int64,
                                 ctypes.c_int64)
    entry = signature(library.address("kernel"))
    entry(*pointers, 0, units // 2)
    entry(*pointers, units // 2, units)


def parallel_units(module: ModuleOp) -> int | None:
    """The parallel extent of the module's kernel function (None: not a parallel kernel)."""
    from xdsl.dialects import func
    from xdsl.dialects.builtin import IntegerAttr

    from tcompiler import ir_names

    for op in module.walk():
        if isinstance(op, func.FuncOp) and ir_names.PARALLEL in op.attributes:
            extent = op.attributes[ir_names.PARALLEL]
            assert isinstance(extent, IntegerAttr)
            return extent.value.data
    return None


def run_interpreter(module: ModuleOp, arrays: list[np.ndarray]) -> None:
    """The kernel through `tcompiler.interp` (its arguments are updated in place)."""
    inputs: dict[str, np.ndarray] = {f"arg{i}": a for i, a in enumerate(arrays)}
    units = parallel_units(module)
    if units is not None:  # a parallel kernel: all of its units
        inputs[f"arg{len(arrays)}"], inputs[f"arg{len(arrays) + 1}"] = np.array(0), np.array(units)
    outputs = interpret(module, inputs)
    for i, array in enumerate(arrays):
        array[...] = outputs[f"arg{i}"]


def _native_available() -> bool:
    try:
        from tcompiler.codegen import compile_to_object, load_objects  # noqa: F401
    except ImportError:
        return False
    return True


@pytest.fixture(params=["native", "interpreter"])
def run_kernel(request: pytest.FixtureRequest) -> Callable[..., np.ndarray]:
    """Both execution paths: native (the real one) and the reference interpreter."""
    if request.param == "native" and not _native_available():
        pytest.skip("tcompiler.codegen native path not available")
    execute = run_native if request.param == "native" else run_interpreter

    def run(op_text: str, args: list[np.ndarray]) -> np.ndarray:
        arrays = [np.ascontiguousarray(a, dtype=np.float32).copy() for a in args]
        execute(build(op_text, [a.shape for a in arrays]), arrays)
        return arrays[-1]

    return run
