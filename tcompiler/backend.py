"""The standard ONNX backend API (`onnx.backend.base.Backend`) over tcc.

    import tcompiler.backend as backend
    rep = backend.prepare(model)          # or backend.run_model(model, inputs)
    outputs = rep.run([x])

tcc compiles for static shapes and constant shape tensors. `prepare` checks the model up front
(unsupported ops raise `NotImplementedError` listing all of them) and compiles on the first
`run`, specialized to what it is given: symbolic dims take the shapes of the arrays passed, and
the inputs that are hyper-parameters (`PARAMETER_INPUTS`: shapes, axes, pads, Dropout ratios,
Resize scales, ...; and whatever computes them) are baked in as constants. Every other input,
float or not, is fed at run time, so the kernels compute on it. A later call with other shapes
or other constant values compiles (and caches) another specialization.

`rep.folded` tells whether the compiled program computes nothing from its run-time inputs (its
outputs were folded into constants at compile time): a model whose every input is a
hyper-parameter, or one whose outputs do not depend on its inputs.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import numpy as np
import onnx
from onnx import numpy_helper
from onnx.backend.base import Backend, BackendRep

from tcompiler.errors import ShapeError, TcError, UnsupportedModelError
from tcompiler.program import Program


class TcompilerRep(BackendRep):
    def __init__(self, model: onnx.ModelProto, options: dict[str, Any],
                 checked: onnx.ModelProto | None = None):
        """`checked`: `model` as `prepare` checked it (function ops expanded, large weights
        left out), to find its hyper-parameters without copying the weights again."""
        self.model = model
        self.options = options
        initializers = {i.name for i in model.graph.initializer}
        self.input_names = [i.name for i in model.graph.input if i.name not in initializers]
        self.parameters = parameter_inputs(model if checked is None else checked)
        self._compiled: dict[bytes, Any] = {}
        self._programs: list[Program] = []

    @property
    def specializations(self) -> int:
        """How many compiled versions this model has (one per distinct shapes/constants)."""
        return len(self._compiled)

    @property
    def programs(self) -> list[Program]:
        """The compiled program of every specialization, in compile order."""
        return list(self._programs)

    @property
    def folded(self) -> bool:
        """Compiled, and no specialization computes anything from its run-time inputs."""
        return bool(self._programs) and not any(map(reads_inputs, self._programs))

    def run(self, inputs: Any, **kwargs: Any) -> tuple[np.ndarray, ...]:
        arrays = self._bind(inputs)
        baked = {n: a for n, a in arrays.items() if n in self.parameters}
        key = _specialization_key(arrays, baked)
        compiled = self._compiled.get(key)
        if compiled is None:
            compiled = self._compile(arrays, baked)
            self._compiled[key] = compiled
        runtime_inputs = {n: a for n, a in arrays.items() if n not in baked}
        return tuple(compiled.run(runtime_inputs))

    def _bind(self, inputs: Any) -> dict[str, np.ndarray]:
        if isinstance(inputs, dict):
            arrays = {n: np.asarray(inputs[n]) for n in self.input_names if n in inputs}
        else:
            if isinstance(inputs, np.ndarray):
                inputs = [inputs]
            arrays = {n: np.asarray(a) for n, a in zip(self.input_names, inputs)}
        declared = _declared_types(self.model)
        for name, array in arrays.items():
            if name in declared:
                _check_declared(name, array, *declared[name])
        return arrays

    def _compile(self, arrays: dict[str, np.ndarray], baked: dict[str, np.ndarray]) -> Any:
        from tcompiler.pipeline import CompileOptions, compile_model
        from tcompiler.runtime import CompiledModel

        model = _bake_inputs(self.model, baked)
        declared = _declared_shapes(self.model)
        shapes = tuple((n, tuple(int(d) for d in a.shape)) for n, a in arrays.items()
                       if n not in baked and declared.get(n) != a.shape)
        options = CompileOptions(input_shapes=shapes, **self.options)
        try:
            program, _ = compile_model(model, options)
        except (UnsupportedModelError, ShapeError) as err:
            # the model's shapes cannot be made static (they depend on input data): a construct
            # tcc does not support, as the backend API says it
            raise NotImplementedError(str(err)) from err
        self._programs.append(program)
        return CompiledModel(program)


class TcompilerBackend(Backend):
    @classmethod
    def is_compatible(cls, model: onnx.ModelProto, device: str = "CPU", **kwargs: Any) -> bool:
        return cls.supports_device(device)

    @classmethod
    def supports_device(cls, device: str) -> bool:
        return device.upper().split(":")[0] == "CPU"

    @classmethod
    def prepare(cls, model: onnx.ModelProto | str | os.PathLike[str], device: str = "CPU",
                **kwargs: Any) -> TcompilerRep:
        """`model` is a ModelProto or the path of an .onnx file (as onnxruntime's backend
        accepts)."""
        if not cls.supports_device(device):
            raise NotImplementedError(f"tcc compiles for the CPU only, not {device!r}")
        if isinstance(model, (str, os.PathLike)):
            model = _load_path(model)
        try:
            checked = _check_support(model)
        except (UnsupportedModelError, ShapeError) as err:
            # the model's shapes cannot be made static (they depend on input data): a construct
            # tcc does not support, as the backend API says it
            raise NotImplementedError(str(err)) from err
        except TcError as err:
            raise ValueError(str(err)) from err
        return TcompilerRep(model, _options(kwargs), checked)

    @classmethod
    def run_model(cls, model: onnx.ModelProto | str | os.PathLike[str], inputs: Any,
                  device: str = "CPU", **kwargs: Any) -> tuple[np.ndarray, ...]:
        return cls.prepare(model, device, **kwargs).run(inputs)

    @classmethod
    def run_node(cls, node: onnx.NodeProto, inputs: Any, device: str = "CPU",
                 outputs_info: Sequence[tuple[Any, tuple[int, ...]]] | None = None,
                 **kwargs: Any) -> tuple[np.ndarray, ...]:
        """Run one node: a one-node model whose hyper-parameter inputs (shapes, axes, ...)
        are initializers, so that shape inference gives every output its type (the checker
        requires one)."""
        arrays = [np.asarray(a) for a in inputs]
        names = [n for n in node.input if n]
        graph_inputs = [
            onnx.helper.make_tensor_value_info(n, onnx.helper.np_dtype_to_tensor_dtype(a.dtype),
                                               a.shape) for n, a in zip(names, arrays)]
        graph_outputs = [onnx.helper.make_empty_tensor_value_info(n) for n in node.output if n]
        graph = onnx.helper.make_graph([node], "run_node", graph_inputs, graph_outputs)
        opset = kwargs.pop("opset_version", onnx.defs.onnx_opset_version())
        model = onnx.helper.make_model(graph, opset_imports=[onnx.helper.make_opsetid("", opset)])
        parameters = parameter_inputs(model)
        baked = {n: a for n, a in zip(names, arrays) if n in parameters}
        model = onnx.shape_inference.infer_shapes(_bake_inputs(model, baked))
        for i, info in enumerate(outputs_info or []):
            output = model.graph.output[i]
            if not output.type.tensor_type.HasField("shape"):
                output.CopyFrom(onnx.helper.make_tensor_value_info(
                    output.name, onnx.helper.np_dtype_to_tensor_dtype(np.dtype(info[0])), info[1]))
        runtime = [a for n, a in zip(names, arrays) if n not in baked]
        return cls.run_model(model, runtime, device, **kwargs)


def _check_support(model: onnx.ModelProto) -> onnx.ModelProto:
    """Every construct tcc cannot compile, all at once, before anything is compiled; else the
    model as checked (function ops expanded, without its large weights)."""
    from tcompiler.frontend.functions import inline_functions
    from tcompiler.frontend.load import load_model
    from tcompiler.frontend.support import unsupported_constructs

    loaded = load_model(model)
    proto = inline_functions(loaded.proto)
    constants = [t.name for t in loaded.payloads.tensors] + sorted(parameter_inputs(proto))
    problems = unsupported_constructs(proto, constants)  # parameters are baked in
    if problems:
        raise UnsupportedModelError(problems, model=loaded.name)
    return proto


def reads_inputs(program: Program) -> bool:
    """Whether some kernel call of `program` takes a run-time input (inputs are read-only):
    False when its outputs are constants computed at compile time."""
    kinds = {buf.id: buf.kind for buf in program.buffers}
    return any(kinds[arg] == "input" for step in program.steps for arg in step.args)


PARAMETER_INPUTS: dict[str, tuple[int, ...]] = {
    "ConstantOfShape": (0,), "Dropout": (1, 2), "Expand": (1,), "Loop": (0, 1), "Pad": (1, 2, 3),
    "Range": (0, 1, 2), "ReduceMax": (1,), "ReduceMean": (1,), "ReduceMin": (1,),
    "ReduceProd": (1,), "ReduceSum": (1,), "Reshape": (1,), "Resize": (1, 2, 3),
    "Slice": (1, 2, 3, 4), "Split": (1,), "Squeeze": (1,), "Tile": (1,), "Unsqueeze": (1,),
    "ReduceL1": (1,), "ReduceL2": (1,), "ReduceLogSum": (1,), "ReduceLogSumExp": (1,),
    "ReduceSumSquare": (1,), "CumSum": (1,), "CumProd": (1,), "TopK": (1,), "OneHot": (1,),
    "NonMaxSuppression": (2, 3, 4), "AffineGrid": (1,),
}
"""op type -> positions of its inputs that are hyper-parameters, not data (a shape, axes,
pads, repeats, split sizes, a Dropout ratio or training flag, Resize roi/scales/sizes, Range
bounds, a Pad value, a CumSum axis, TopK's K, OneHot's depth, NonMaxSuppression's limit and
thresholds, AffineGrid's size, a Loop's trip count and initial condition): tcc needs them
constant."""

SHAPE_ONLY = frozenset({"Shape", "Size"})
"""Ops that read only the shape of their input: what computes a hyper-parameter from them does
not need their input's values."""


def parameter_inputs(model: onnx.ModelProto) -> set[str]:
    """Values that are hyper-parameters (`PARAMETER_INPUTS`) or whose values one is computed
    from (not through `SHAPE_ONLY` ops, nor CastLike's target), in the graph with function ops
    expanded (`frontend/functions.py`): the graph inputs among them are baked in."""
    from tcompiler.frontend.functions import inline_functions
    from tcompiler.frontend.support import values_read

    graph = inline_functions(model).graph  # a function op's parameters are its body's
    producers = {out: node for node in graph.node for out in node.output}
    pending = [name for node in graph.node
               for i, name in enumerate(node.input) if i in PARAMETER_INPUTS.get(node.op_type, ())]
    parameters: set[str] = set()
    while pending:
        name = pending.pop()
        if not name or name in parameters:
            continue
        parameters.add(name)
        node = producers.get(name)
        if node is not None:
            pending.extend(values_read(node))
    return parameters


def _load_path(path: str | os.PathLike[str]) -> onnx.ModelProto:
    try:
        return onnx.load(os.fspath(path))
    except FileNotFoundError as err:
        raise ValueError(f"{os.fspath(path)}: no such file") from err
    except Exception as err:  # protobuf's DecodeError, OSError, ValidationError
        raise ValueError(f"{os.fspath(path)}: not an ONNX model ({err})") from None


def _declared_types(model: onnx.ModelProto) -> dict[str, tuple[np.dtype, tuple[int | str, ...]]]:
    """Graph input -> (element type, dims: an int, or the symbol's name / '?' when not fixed),
    for the inputs that declare a tensor type."""
    types: dict[str, tuple[np.dtype, tuple[int | str, ...]]] = {}
    for value in model.graph.input:
        tensor = value.type.tensor_type
        if not value.type.HasField("tensor_type") or not tensor.elem_type:
            continue
        try:
            dtype = np.dtype(onnx.helper.tensor_dtype_to_np_dtype(tensor.elem_type))
        except (KeyError, ValueError, TypeError):
            continue
        dims: tuple[int | str, ...] = ()
        if tensor.HasField("shape"):
            dims = tuple(d.dim_value if d.HasField("dim_value") else d.dim_param or "?"
                         for d in tensor.shape.dim)
        types[value.name] = (dtype, dims if tensor.HasField("shape") else ("...",))
    return types


def _check_declared(name: str, array: np.ndarray, dtype: np.dtype,
                    dims: tuple[int | str, ...]) -> None:
    """ValueError naming the input when `array` does not fit its declared type: tcc never
    re-specializes a model for another element type or a fixed dim's other size."""
    fits_shape = dims == ("...",) or (len(dims) == array.ndim and all(
        not isinstance(d, int) or d == n for d, n in zip(dims, array.shape)))
    if array.dtype == dtype and fits_shape:
        return
    declared = dtype.name + ("[...]" if dims == ("...",) else f"[{','.join(map(str, dims))}]")
    given = f"{array.dtype.name}[{','.join(map(str, array.shape))}]"
    what = (f"must be {dtype.name}" if array.dtype != dtype
            else "has a shape the model does not allow")
    raise ValueError(f"input '{name}' {what}: the model declares {declared}, got {given}")


def _declared_shapes(model: onnx.ModelProto) -> dict[str, tuple[int, ...]]:
    """Inputs whose declared shape is fully static: they need no `input_shapes` override."""
    shapes: dict[str, tuple[int, ...]] = {}
    for value in model.graph.input:
        tensor = value.type.tensor_type
        if not value.type.HasField("tensor_type") or not tensor.HasField("shape"):
            continue
        dims = tensor.shape.dim
        if all(d.HasField("dim_value") for d in dims):
            shapes[value.name] = tuple(d.dim_value for d in dims)
    return shapes


def _options(kwargs: dict[str, Any]) -> dict[str, Any]:
    allowed = {"memory_plan", "opt_level", "cache_dir", "jobs", "target_opset"}
    return {k: v for k, v in kwargs.items() if k in allowed}


def _specialization_key(arrays: dict[str, np.ndarray], baked: dict[str, np.ndarray]) -> bytes:
    parts = [f"{n}:{a.dtype}:{a.shape}".encode() for n, a in sorted(arrays.items())]
    parts += [baked[n].tobytes() for n in sorted(baked)]
    return b"|".join(parts)


def _bake_inputs(model: onnx.ModelProto, baked: dict[str, np.ndarray]) -> onnx.ModelProto:
    if not baked:
        return model
    model = onnx.ModelProto.FromString(model.SerializeToString())
    if model.ir_version >= 4:  # older IR lists every initializer among the inputs
        keep = [i for i in model.graph.input if i.name not in baked]
        del model.graph.input[:]
        model.graph.input.extend(keep)
    for name, array in baked.items():
        model.graph.initializer.append(numpy_helper.from_array(array, name))
    return model


prepare = TcompilerBackend.prepare
run_model = TcompilerBackend.run_model
run_node = TcompilerBackend.run_node
supports_device = TcompilerBackend.supports_device
is_compatible = TcompilerBackend.is_compatible
