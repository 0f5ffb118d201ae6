"""The standard ONNX backend API (`onnx.backend.base.Backend`) over tcc.

    import tcompiler.backend as backend
    rep = backend.prepare(model)          # or backend.run_model(model, inputs)
    outputs = rep.run([x])

tcc compiles for static shapes and constant shape tensors. `prepare` checks the model up front
(unsupported ops raise `NotImplementedError` listing all of them) and compiles on the first
`run`, specialized to what it is given: symbolic dims take the shapes of the arrays passed,
and non-float inputs (shapes, axes, flags) and Dropout ratios are baked in as constants. A
later call with other shapes or other constant values compiles (and caches) another
specialization.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import onnx
from onnx import numpy_helper
from onnx.backend.base import Backend, BackendRep

from tcompiler.errors import TcError, UnsupportedModelError

_FLOAT = (np.float32,)


class TcompilerRep(BackendRep):
    def __init__(self, model: onnx.ModelProto, options: dict[str, Any]):
        self.model = model
        self.options = options
        initializers = {i.name for i in model.graph.initializer}
        self.input_names = [i.name for i in model.graph.input if i.name not in initializers]
        self.parameters = _parameter_inputs(model)
        self._compiled: dict[bytes, Any] = {}

    @property
    def specializations(self) -> int:
        """How many compiled versions this model has (one per distinct shapes/constants)."""
        return len(self._compiled)

    def run(self, inputs: Any, **kwargs: Any) -> tuple[np.ndarray, ...]:
        arrays = self._bind(inputs)
        baked = {n: a for n, a in arrays.items()
                 if a.dtype.type not in _FLOAT or n in self.parameters}
        key = _specialization_key(arrays, baked)
        compiled = self._compiled.get(key)
        if compiled is None:
            compiled = self._compile(arrays, baked)
            self._compiled[key] = compiled
        runtime_inputs = {n: a for n, a in arrays.items() if n not in baked}
        return tuple(compiled.run(runtime_inputs))

    def _bind(self, inputs: Any) -> dict[str, np.ndarray]:
        if isinstance(inputs, dict):
            return {n: np.asarray(inputs[n]) for n in self.input_names if n in inputs}
        if isinstance(inputs, np.ndarray):
            inputs = [inputs]
        return {n: np.asarray(a) for n, a in zip(self.input_names, inputs)}

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
        except UnsupportedModelError as err:
            raise NotImplementedError(str(err)) from err
        return CompiledModel(program)


class TcompilerBackend(Backend):
    @classmethod
    def is_compatible(cls, model: onnx.ModelProto, device: str = "CPU", **kwargs: Any) -> bool:
        return cls.supports_device(device)

    @classmethod
    def supports_device(cls, device: str) -> bool:
        return device.upper().split(":")[0] == "CPU"

    @classmethod
    def prepare(cls, model: onnx.ModelProto, device: str = "CPU", **kwargs: Any) -> TcompilerRep:
        if not cls.supports_device(device):
            raise NotImplementedError(f"tcc compiles for the CPU only, not {device!r}")
        try:
            _check_support(model)
        except UnsupportedModelError as err:
            raise NotImplementedError(str(err)) from err
        except TcError as err:
            raise ValueError(str(err)) from err
        return TcompilerRep(model, _options(kwargs))

    @classmethod
    def run_model(cls, model: onnx.ModelProto, inputs: Any, device: str = "CPU",
                  **kwargs: Any) -> tuple[np.ndarray, ...]:
        return cls.prepare(model, device, **kwargs).run(inputs)

    @classmethod
    def run_node(cls, node: onnx.NodeProto, inputs: Any, device: str = "CPU",
                 outputs_info: Sequence[tuple[Any, tuple[int, ...]]] | None = None,
                 **kwargs: Any) -> tuple[np.ndarray, ...]:
        """Run one node: a one-node model whose shape/axes/flag inputs are initializers, so
        that shape inference gives every output its type (the checker requires one)."""
        arrays = [np.asarray(a) for a in inputs]
        names = [n for n in node.input if n]
        graph_inputs = [
            onnx.helper.make_tensor_value_info(n, onnx.helper.np_dtype_to_tensor_dtype(a.dtype),
                                               a.shape) for n, a in zip(names, arrays)]
        graph_outputs = [onnx.helper.make_empty_tensor_value_info(n) for n in node.output if n]
        graph = onnx.helper.make_graph([node], "run_node", graph_inputs, graph_outputs)
        opset = kwargs.pop("opset_version", onnx.defs.onnx_opset_version())
        model = onnx.helper.make_model(graph, opset_imports=[onnx.helper.make_opsetid("", opset)])
        parameters = _parameter_inputs(model)
        baked = {n: a for n, a in zip(names, arrays)
                 if a.dtype.type not in _FLOAT or n in parameters}
        model = onnx.shape_inference.infer_shapes(_bake_inputs(model, baked))
        for i, info in enumerate(outputs_info or []):
            output = model.graph.output[i]
            if not output.type.tensor_type.HasField("shape"):
                output.CopyFrom(onnx.helper.make_tensor_value_info(
                    output.name, onnx.helper.np_dtype_to_tensor_dtype(np.dtype(info[0])), info[1]))
        runtime = [a for n, a in zip(names, arrays) if n not in baked]
        return cls.run_model(model, runtime, device, **kwargs)


def _check_support(model: onnx.ModelProto) -> None:
    """Every construct tcc cannot compile, all at once, before anything is compiled."""
    from tcompiler.frontend.load import load_model
    from tcompiler.frontend.support import unsupported_constructs

    loaded = load_model(model)
    problems = unsupported_constructs(loaded.proto)
    if problems:
        raise UnsupportedModelError(problems, model=loaded.name)


PARAMETER_INPUTS = {"Dropout": (1,), "Resize": (1, 2), "Range": (0, 1, 2), "Pad": (2,)}
"""op type -> positions of its float inputs that are hyper-parameters (a Dropout ratio,
Resize roi/scales, Range bounds, a Pad value), not data: tcc needs them constant."""


def _parameter_inputs(model: onnx.ModelProto) -> set[str]:
    """Graph inputs used only as hyper-parameters (`PARAMETER_INPUTS`): baked in too."""
    parameters: set[str] = set()
    data: set[str] = set()
    for node in model.graph.node:
        positions = PARAMETER_INPUTS.get(node.op_type, ())
        for i, name in enumerate(node.input):
            (parameters if i in positions else data).add(name)
    return parameters - data - {""}


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
