"""`tcc-opt`: parse MLIR text, run a textual pass pipeline, print the result (xdsl-opt style).

    tcc-opt in.mlir -p "onnx-canonicalize,lower-kernels-to-loops"

The module is verified after parsing and after every pass. The output is always re-printed
from the parsed IR, never an echo of the input.
"""

from __future__ import annotations

import argparse
import sys

import numpy as np
from xdsl.dialects.builtin import ModuleOp
from xdsl.parser import Parser
from xdsl.passes import ModulePass, PassPipeline
from xdsl.printer import Printer
from xdsl.transforms import get_all_passes
from xdsl.utils.exceptions import ParseError, VerifyException

from tcompiler.context import make_context
from tcompiler.errors import PipelineError, TcError
from tcompiler.passes import PASSES
from tcompiler.weights import WeightStore


def available_passes() -> dict:
    passes = dict(get_all_passes())
    passes.update(PASSES)
    return passes


def build_pipeline(spec: str, callback=None) -> PassPipeline:
    try:
        return PassPipeline.parse_spec(available_passes(), spec, callback)
    except (ValueError, ParseError, TypeError) as err:
        raise PipelineError(f"bad pass pipeline {spec!r}: {err}") from None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="tcc-opt", description=__doc__.splitlines()[0])
    parser.add_argument("input", nargs="?", default="-", help="MLIR file ('-' for stdin)")
    parser.add_argument("-p", "--passes", default="", help="pass pipeline, e.g. 'a,b{opt=1}'")
    parser.add_argument("-o", "--output", default="-")
    parser.add_argument("--weights", help=".npz file with the weights the IR names")
    parser.add_argument("--print-op-generic", action="store_true")
    parser.add_argument("--debug", action="store_true", help="show tracebacks")
    args = parser.parse_args(argv)
    try:
        text = sys.stdin.read() if args.input == "-" else open(args.input).read()
        weights = None
        if args.weights:
            with np.load(args.weights) as data:
                weights = WeightStore({k: data[k] for k in data.files})
        ctx = make_context(weights)
        module = Parser(ctx, text, args.input).parse_module()
        module.verify()

        def verify_after(prev: ModulePass | None, op: ModuleOp, _next: ModulePass | None) -> None:
            if prev is None:
                return
            try:
                op.verify()
            except VerifyException as err:
                raise TcError(f"IR is invalid after pass '{prev.name}': {err}") from None

        build_pipeline(args.passes, verify_after).apply(ctx, module)
        out = sys.stdout if args.output == "-" else open(args.output, "w")
        Printer(stream=out, print_generic_format=args.print_op_generic).print_op(module)
        out.write("\n")
        return 0
    except (TcError, ParseError, VerifyException, OSError) as err:
        if args.debug:
            raise
        print(f"tcc-opt: error: {err}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
