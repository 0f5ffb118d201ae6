"""Entry points: interpret a model at a stage, or any module's function, on numpy arrays.

    outputs = run(model, {"x": x}, stage="kernels")          # compile to the stage, interpret
    outputs = interpret(module, {"x": x}, weights)           # a module in hand

`run` compiles with `tcompiler.pipeline.compile_to_stage` and interprets `@main`. For the
loops stage it compiles to the schedule stage and lowers the kernel functions with
`lower-kernels-to-loops`, keeping `@main` (which `compile_to_stage` strips below the schedule
stage), so the graph still calls the lowered kernels in the planned arena. The llvm stage is
native code: run it with `tcompiler.pipeline.compile_model` and `tcompiler.runtime` (or
`tcc run`); it has no interpretation here. Nor have the stages from kernels on of a model with
a real loop (`onnx.Loop`): there the loop is a call of its body compiled apart.

Calling conventions of the entry function (found by name, else the `tcc.graph` function, else
`@main`, else the module's only function):
- tensors (onnx, graph): its arguments are the inputs, its results the outputs;
- memrefs with `tcc.input_names` (kernels, schedule, loops `@main`): the named inputs, then
  one argument per output, which the interpreter allocates and returns;
- other memref functions (a lone kernel): every argument is an input named `arg<i>` (copied,
  never the caller's array) and is returned under that name after the call, since kernels
  write their outputs in place.
Inputs and outputs are named by `tcc.input_names` / `tcc.output_names`, else `arg<i>` /
`result<i>`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
from xdsl.dialects import func
from xdsl.dialects.builtin import (
    ArrayAttr,
    IndexType,
    IntegerAttr,
    MemRefType,
    ModuleOp,
    StringAttr,
    TensorType,
    VectorType,
)
from xdsl.interpreter import Interpreter
from xdsl.interpreters.cf import CfFunctions
from xdsl.interpreters.func import FuncFunctions
from xdsl.interpreters.scf import ScfFunctions
from xdsl.ir import Attribute

from tcompiler import ir_names
from tcompiler.errors import InputError, OptionError
from tcompiler.interp.compiled import CompiledFuncFunctions
from tcompiler.interp.core import InterpretError, element_type, numpy_dtype
from tcompiler.interp.kernel import KernelFunctions
from tcompiler.interp.memref import MemRefFunctions, garbage
from tcompiler.interp.onnx import DEFAULT_OPSET, OnnxFunctions
from tcompiler.interp.scalar import ArithFunctions, MathFunctions
from tcompiler.interp.storage import Storage, StorageFunctions
from tcompiler.interp.vector import VectorFunctions

STAGES = ("onnx", "graph", "kernels", "schedule", "loops")
"""The stages whose IR the interpreter runs (every stage but the native `llvm`)."""


def run(model: Any, inputs: Mapping[str, np.ndarray], stage: str = "kernels",
        options: Any = None, *, compiled: bool = True) -> dict[str, np.ndarray]:
    """Compile `model` (ModelProto, path or bytes) to `stage` and interpret `@main` on
    `inputs` (numpy arrays by input name); the outputs by output name."""
    comp = compile_for(model, stage, options)
    opset = getattr(comp, "opset", DEFAULT_OPSET)  # the model's opset after the frontend
    return interpret(comp.module, inputs, comp.weights.arrays, opset=opset, compiled=compiled)


def compile_for(model: Any, stage: str, options: Any = None) -> Any:
    """The `Compilation` whose module `run` interprets at `stage` (see the module doc)."""
    from tcompiler.passes.lower_kernels_to_loops import LowerKernelsToLoopsPass
    from tcompiler.pipeline import CompileOptions, compile_to_stage

    if stage == "llvm":
        raise OptionError("the llvm stage is native code and is not interpreted: run it with "
                          "tcompiler.pipeline.compile_model and tcompiler.runtime (tcc run)")
    if stage not in STAGES:
        raise OptionError(f"unknown stage {stage!r} (choose from {', '.join(STAGES)})")
    below = "schedule" if stage == "loops" else stage
    comp = compile_to_stage(model, below, options or CompileOptions())
    loops = [op.sym_name.data for op in comp.module.body.block.ops
             if isinstance(op, func.FuncOp) and ir_names.LOOP in op.attributes]
    if loops:
        raise InterpretError(f"stage {stage}: the model's loop @{loops[0]} is a call of its "
                             "compiled body from the kernels stage on, which is not "
                             "interpreted: interpret the onnx or graph stage, or run the "
                             "compiled model")
    if stage == "loops":
        LowerKernelsToLoopsPass().apply(comp.ctx, comp.module)
    return comp


def make_interpreter(module: ModuleOp, *, compiled: bool = True,
                     listeners: Iterable[Interpreter.Listener] = ()) -> Interpreter:
    """An xDSL interpreter for every stage's ops: xDSL's func, scf and cf implementations, tcc's
    for arith, math, memref, vector, kernel and onnx (`compiled`: loops-level functions run
    as compiled closures, see `compiled.py`)."""
    interpreter = Interpreter(module, listeners=tuple(listeners))
    functions = (CompiledFuncFunctions() if compiled else FuncFunctions(), ScfFunctions(),
                 CfFunctions(), ArithFunctions(), MathFunctions(), MemRefFunctions(),
                 VectorFunctions(), KernelFunctions(), StorageFunctions(), OnnxFunctions())
    for f in functions:
        interpreter.register_implementations(f)
    return interpreter


def interpret(module: ModuleOp, inputs: Mapping[str, np.ndarray],
              weights: Mapping[str, np.ndarray] | None = None, *, entry: str | None = None,
              opset: int = DEFAULT_OPSET, compiled: bool = True,
              listeners: Iterable[Interpreter.Listener] = ()) -> dict[str, np.ndarray]:
    """Run `module`'s entry function (see the module doc) on `inputs`; outputs by name."""
    fn = entry_function(module, entry)
    interpreter = make_interpreter(module, compiled=compiled, listeners=listeners)
    interpreter.set_data(StorageFunctions, "storage", Storage.for_graph(fn, weights or {}))
    interpreter.set_data(OnnxFunctions, "opset", opset)
    args, outputs = _arguments(fn, inputs)
    with np.errstate(all="ignore"):
        results = interpreter.call_op(fn, tuple(args))
    named = {name: _shaped(args[i], fn.function_type.inputs.data[i]) for name, i in outputs}
    names = names_of(fn, ir_names.OUTPUT_NAMES)
    for k, (value, ty) in enumerate(zip(results, fn.function_type.outputs.data)):
        named[names[k] if k < len(names) else f"result{k}"] = _shaped(value, ty)
    return named


# ----------------------------------------------------------------------------- entry


def entry_function(module: ModuleOp, name: str | None = None) -> func.FuncOp:
    """The function to run: `name`, else the graph function, else @main, else the only one."""
    functions = [op for op in module.body.block.ops if isinstance(op, func.FuncOp)]
    by_name = {f.sym_name.data: f for f in functions}
    if name is not None:
        if name not in by_name:
            raise InterpretError(f"no function @{name} (the module has "
                                 f"{', '.join('@' + n for n in by_name) or 'none'})")
        return by_name[name]
    graphs = [f for f in functions if ir_names.GRAPH in f.attributes]
    if graphs:
        return graphs[0]
    if "main" in by_name:
        return by_name["main"]
    if len(functions) == 1:
        return functions[0]
    raise InterpretError(f"which function? the module has {len(functions)} and no @main: "
                         f"{', '.join('@' + n for n in by_name)}")


def names_of(fn: func.FuncOp, attribute: str) -> list[str]:
    """The names in `fn`'s string-array `attribute` (tcc.input_names, tcc.output_names)."""
    attr = fn.attributes.get(attribute)
    if isinstance(attr, ArrayAttr):
        return [a.data for a in attr.data if isinstance(a, StringAttr)]
    return []


def _arguments(fn: func.FuncOp, inputs: Mapping[str, np.ndarray]
               ) -> tuple[list[Any], list[tuple[str, int]]]:
    """The argument values, and (name, argument position) of the outputs written in place."""
    types = fn.function_type.inputs.data
    names = names_of(fn, ir_names.INPUT_NAMES)
    destination = any(isinstance(t, MemRefType) for t in types)
    if not names or not destination:
        names = names if names else [f"arg{i}" for i in range(len(types))]
        units = fn.attributes.get(ir_names.PARALLEL)
        if isinstance(units, IntegerAttr):  # a parallel kernel: all its units unless given
            inputs = {names[-2]: np.array(0), names[-1]: np.array(units.value.data), **inputs}
        args = [_input(name, inputs, ty) for name, ty in zip(names, types)]
        in_place = [(name, i) for i, name in enumerate(names)] if destination else []
        return args, in_place
    args = [_input(name, inputs, ty) for name, ty in zip(names, types)]
    out_names = names_of(fn, ir_names.OUTPUT_NAMES)
    outputs = []
    for k, ty in enumerate(types[len(names):]):
        args.append(_fresh(ty))
        outputs.append((out_names[k] if k < len(out_names) else f"result{k}", len(names) + k))
    return args, outputs


def _input(name: str, inputs: Mapping[str, np.ndarray], ty: Attribute) -> Any:
    if name not in inputs:
        raise InputError(f"missing input '{name}' (given: {', '.join(inputs) or 'none'})")
    shape = _shape(ty)
    array = np.asarray(inputs[name])
    if array.shape != shape:
        raise InputError(f"input '{name}' has shape {array.shape}, the IR expects {shape}")
    if not isinstance(ty, MemRefType | TensorType):
        return int(array) if isinstance(ty, IndexType) else numpy_dtype(ty).type(array[()])
    value = np.array(array, dtype=numpy_dtype(element_type(ty)), copy=True)
    return value.reshape(-1) if isinstance(ty, MemRefType) else value


def _shape(ty: Attribute) -> tuple[int, ...]:
    if isinstance(ty, MemRefType | TensorType | VectorType):
        return tuple(ty.get_shape())
    return ()


def _fresh(ty: Attribute) -> np.ndarray:
    return garbage(numpy_dtype(element_type(ty)), int(np.prod(_shape(ty))))


def _shaped(value: Any, ty: Attribute) -> np.ndarray:
    return np.asarray(value).reshape(_shape(ty))
