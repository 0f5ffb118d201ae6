"""The xDSL context every tcc tool parses and runs passes in, and the text form of modules.

    ctx = make_context(weights)          # tcc's dialects and the upstream ones its stages use
    module = parse_module(text, ctx)
    text = module_text(module)           # what `tcc compile --emit`, tcc-opt and reproducers print
"""

from __future__ import annotations

import io

from xdsl.dialects import arith, builtin, cf, func, llvm, math, memref, scf, vector
from xdsl.dialects.builtin import ModuleOp
from xdsl.parser import Parser
from xdsl.printer import Printer

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


def parse_module(text: str, ctx: TccContext | None = None, name: str = "<unknown>") -> ModuleOp:
    return Parser(ctx or make_context(), text, name).parse_module()


def module_text(module: ModuleOp, generic: bool = False) -> str:
    """`module` printed (in generic form if asked), ending in a newline."""
    stream = io.StringIO()
    Printer(stream=stream, print_generic_format=generic).print_op(module)
    return stream.getvalue() + "\n"
