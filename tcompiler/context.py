"""The xDSL context every tcc tool parses and runs passes in."""

from __future__ import annotations

from xdsl.dialects import arith, builtin, cf, func, llvm, math, memref, scf, vector

from tcompiler.dialects.kernel import Kernel
from tcompiler.dialects.onnx import ONNX
from tcompiler.weights import TccContext, WeightStore

DIALECTS = (
    builtin.Builtin, func.Func, arith.Arith, math.Math, scf.Scf, memref.MemRef, cf.Cf,
    llvm.LLVM, vector.Vector, ONNX, Kernel,
)


def make_context(weights: WeightStore | None = None) -> TccContext:
    """A context with tcc's dialects and the upstream ones its stages use."""
    ctx = TccContext(weights=weights)
    for dialect in DIALECTS:
        ctx.load_dialect(dialect)
    return ctx
