"""`tcc-opt FILE --interpret`: run the IR (after the pass pipeline, if any) on numpy inputs.

    tcc-opt model.mlir --interpret --inputs in.npz --outputs out.npz --weights w.npz
    tcc-opt kernel.mlir -p lower-kernels-to-loops --interpret --entry conv_0

Inputs come from `--inputs` (an .npz keyed by input name: `tcc.input_names`, or `arg<i>` for
a function without names), else are drawn from a seeded normal distribution (integers: 0..3,
`--seed`). With `--outputs` the outputs are saved there (an .npz keyed by output name);
without it each output's dtype, shape and first values are printed instead of the IR.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from pathlib import Path

import numpy as np
from xdsl.dialects.builtin import ModuleOp, ShapedType

from tcompiler import ir_names
from tcompiler.interp.core import element_type, numpy_dtype
from tcompiler.interp.onnx import DEFAULT_OPSET
from tcompiler.interp.run import entry_function, interpret, names_of
from tcompiler.runtime.npz import read_npz, write_npz

SHOWN = 8  # values printed per output


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("interpretation (tcompiler.interp)")
    group.add_argument("--interpret", action="store_true",
                       help="run the resulting IR on numpy inputs instead of printing it")
    group.add_argument("--inputs", metavar="NPZ", help="inputs by name (default: random)")
    group.add_argument("--outputs", metavar="NPZ", help="save the outputs here")
    group.add_argument("--entry", metavar="FUNC", help="the function to run (default: @main)")
    group.add_argument("--opset", type=int, default=DEFAULT_OPSET,
                       help="the ONNX opset of onnx-dialect IR")
    group.add_argument("--seed", type=int, default=0, help="seed of the random inputs")


def report(module: ModuleOp, args: argparse.Namespace, weights: Mapping[str, np.ndarray] | None
           ) -> str:
    """Interpret `module` as `args` say; the text tcc-opt prints."""
    fn = entry_function(module, args.entry)
    if args.inputs:
        inputs = read_npz(args.inputs)
        source = args.inputs
    else:
        inputs = random_inputs(module, args.entry, args.seed)
        source = f"random, seed {args.seed}"
    outputs = interpret(module, inputs, weights, entry=args.entry, opset=args.opset)
    header = f"// interpreted @{fn.sym_name.data} (inputs: {source})\n"
    if args.outputs:
        write_npz(args.outputs, outputs)
        return header + f"// wrote {len(outputs)} output(s) to {Path(args.outputs)}\n"
    return header + "".join(describe(name, value) for name, value in outputs.items())


def random_inputs(module: ModuleOp, entry: str | None, seed: int) -> dict[str, np.ndarray]:
    """Seeded inputs for the entry function's inputs (see the module doc)."""
    fn = entry_function(module, entry)
    types = fn.function_type.inputs.data
    names = names_of(fn, ir_names.INPUT_NAMES) or [f"arg{i}" for i in range(len(types))]
    rng = np.random.default_rng(seed)
    inputs = {}
    for name, ty in zip(names, types):
        assert isinstance(ty, ShapedType)
        dtype, shape = numpy_dtype(element_type(ty)), tuple(ty.get_shape())
        if dtype.kind == "f":
            inputs[name] = rng.standard_normal(shape).astype(dtype)
        else:
            inputs[name] = rng.integers(0, 4, shape).astype(dtype)
    return inputs


def describe(name: str, value: np.ndarray) -> str:
    flat = value.reshape(-1)
    shown = ", ".join(f"{v:.6g}" if value.dtype.kind == "f" else str(v) for v in flat[:SHOWN])
    more = ", ..." if flat.size > SHOWN else ""
    return f"{name}: {value.dtype}{list(value.shape)} = [{shown}{more}]\n"
