"""tcc's reference interpreter: the IR of any stage, run on numpy arrays.

    from tcompiler import interp
    outputs = interp.run(model, {"x": x}, stage="kernels")      # dict by output name
    outputs = interp.interpret(module, inputs, weights)          # a module in hand
    tcc-opt model.mlir --interpret --inputs in.npz --outputs out.npz

Every stage but the native llvm one: onnx and graph (the onnx dialect, each op by
`onnx.reference`; pools and LRN in numpy), kernels (each kernel op in numpy, `kernel.map`
bodies vectorized), schedule (as kernels, in ONE arena laid out by the memory plan, so a
wrong plan gives wrong outputs), loops (scf/arith/math/memref/vector compiled to Python
closures). It is built on xDSL's interpreter framework: one `InterpreterFunctions` class
per dialect family (`@register_impls`/`@impl`), xDSL's own func and scf implementations
reused; tcc's replace xDSL's arith/math/memref ones, which compute floats in f64 on packed
buffers and lack most of the ops the loops stage emits.

Modules: `run` (entry points), `trace` (per-kernel record and replay), `onnx`, `kernel` and
`nn` (numpy kernels), `storage` (weights, buffers, the arena), `scalar` (arith, math),
`memref`, `vector`, `compiled` (the loops fast path), `core` (values and rules), `cli`
(tcc-opt's --interpret).

Floats are f32 as in the native code (numpy float32 scalars and arrays, never f64
intermediates); what still differs is summation order: onnx.reference and onnxruntime, numpy's
sgemm and pairwise sums (kernels), scalar loop order (loops), and the native code's own order
under `fastmath contract reassoc` (one fused rounding for a*b+c where this rounds twice).
Measured as max |a - b| / max |b| (`relative_error`): the nine light models against
onnxruntime at every interpreted stage <= 1.3e-6; 40 generated models, each stage against the
previous and against onnxruntime, <= 6e-7; schedule against kernels: bit-identical (a
correct memory plan changes nothing). `TOLERANCE` = 1e-5 is the oracle's bound.
"""

from __future__ import annotations

from tcompiler.interp.core import InterpretError
from tcompiler.interp.run import (
    STAGES,
    compile_for,
    entry_function,
    interpret,
    make_interpreter,
    run,
)
from tcompiler.interp.trace import (
    CallRecorder,
    KernelCall,
    kernel_module,
    record_calls,
    relative_error,
    replay,
)

TOLERANCE = 1e-5
"""Bound on `relative_error` between any two interpreted stages, or one and onnxruntime."""

__all__ = ["STAGES", "TOLERANCE", "CallRecorder", "InterpretError", "KernelCall", "compile_for",
           "entry_function", "interpret", "kernel_module", "make_interpreter",
           "record_calls", "relative_error", "replay", "run"]
