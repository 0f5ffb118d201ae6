"""Static shapes for every value of a model.

- `graph_inputs(proto)`: the real inputs (initializer-backed inputs of old IR-v3 models are
  weights, not inputs).
- `apply_input_shapes(proto, overrides, label, weights)`: set the dims of named inputs
  (`--input-shape`); an unknown name (a weight is no input: `weights` names those whose
  initializers are set aside, `payloads.py`), a wrong rank or a non-positive dim is a
  `ShapeError`; so is an input left with a symbolic or unknown dim (the hint has its rank).
- `infer_shapes(proto, label)`: `onnx.shape_inference` in strict mode with data propagation;
  its failures are `ModelError`s.
- `value_types(proto)`: name -> TypeProto of every value that has one.
- `require_static(proto, imported_outputs, label)`: `ShapeError` naming the first node whose
  output has no static shape.
"""

from __future__ import annotations

from collections.abc import Iterable

import onnx

from tcompiler.errors import ModelError, ShapeError
from tcompiler.frontend.load import one_line
from tcompiler.frontend.support import node_label


def graph_inputs(proto: onnx.ModelProto, weights: Iterable[str] = ()
                 ) -> list[onnx.ValueInfoProto]:
    """The graph inputs that are not initializers (nor in `weights`)."""
    excluded = {init.name for init in proto.graph.initializer} | set(weights)
    return [value for value in proto.graph.input if value.name not in excluded]


def static_dims(info: onnx.TypeProto) -> tuple[int, ...] | None:
    """The tensor type's shape if every dim is a known positive-or-zero int, else None."""
    tensor = info.tensor_type
    if not tensor.HasField("shape"):
        return None
    dims = tuple(d.dim_value if d.HasField("dim_value") else -1 for d in tensor.shape.dim)
    return None if any(d < 0 for d in dims) else dims


def _dims_text(info: onnx.TypeProto) -> str:
    tensor = info.tensor_type
    if not tensor.HasField("shape"):
        return "unknown rank"
    parts = [
        str(d.dim_value) if d.HasField("dim_value") else (d.dim_param or "?")
        for d in tensor.shape.dim
    ]
    return "x".join(parts) or "scalar"


def _hint(info: onnx.TypeProto) -> str:
    """An --input-shape value of the input's rank: its known dims, 1 for the others."""
    tensor = info.tensor_type
    if not tensor.HasField("shape"):
        return "D1xD2x..."
    return "x".join(str(d.dim_value) if d.HasField("dim_value") else "1"
                    for d in tensor.shape.dim)


def apply_input_shapes(
    proto: onnx.ModelProto, overrides: dict[str, tuple[int, ...]], label: str,
    weights: Iterable[str] = (),
) -> None:
    """Set input dims from `overrides` (in place), then require every input to be static."""
    weights = {init.name for init in proto.graph.initializer} | set(weights)
    inputs = {value.name: value for value in graph_inputs(proto, weights)}
    for name, dims in overrides.items():
        value = inputs.get(name)
        if value is None:
            what = "a weight (an initializer), not an input" if name in weights else "no input"
            known = ", ".join(inputs) or "none"
            raise ShapeError(
                f"{label}: --input-shape names '{name}', {what}; the model's inputs are {known}"
            )
        _override(value, tuple(dims), label)
    for value in inputs.values():
        if static_dims(value.type) is None:
            raise ShapeError(
                f"{label}: input '{value.name}' has shape {_dims_text(value.type)}; give a static "
                f"shape with --input-shape {value.name}={_hint(value.type)} (your dims)"
            )


def _override(value: onnx.ValueInfoProto, dims: tuple[int, ...], label: str) -> None:
    tensor = value.type.tensor_type
    text = "x".join(map(str, dims))
    if any(not isinstance(d, int) or d <= 0 for d in dims):
        raise ShapeError(f"{label}: --input-shape {value.name}={text}: dims must be positive ints")
    if tensor.HasField("shape") and len(tensor.shape.dim) != len(dims):
        raise ShapeError(
            f"{label}: --input-shape {value.name}={text} has rank {len(dims)}, but the input has "
            f"rank {len(tensor.shape.dim)} ({_dims_text(value.type)})"
        )
    tensor.shape.ClearField("dim")
    for d in dims:
        tensor.shape.dim.add().dim_value = d


def drop_weight_inputs(proto: onnx.ModelProto) -> None:
    """For IR >= 4, stop listing initializers as inputs so inference treats them as constants."""
    if proto.ir_version < 4:
        return
    kept = graph_inputs(proto)
    proto.graph.ClearField("input")
    proto.graph.input.extend(kept)


def infer_shapes(proto: onnx.ModelProto, label: str) -> onnx.ModelProto:
    try:
        return onnx.shape_inference.infer_shapes(proto, strict_mode=True, data_prop=True)
    except (onnx.shape_inference.InferenceError, RuntimeError, ValueError) as err:
        raise ModelError(f"{label}: shape inference failed: {one_line(err)}") from None


def value_types(proto: onnx.ModelProto) -> dict[str, onnx.TypeProto]:
    graph = proto.graph
    types = {v.name: v.type for v in (*graph.value_info, *graph.input, *graph.output)}
    for init in graph.initializer:
        tensor = onnx.helper.make_tensor_type_proto(init.data_type, list(init.dims))
        types[init.name] = tensor
    return types


def require_static(
    proto: onnx.ModelProto, imported: Iterable[tuple[int, onnx.NodeProto, str]], label: str
) -> None:
    """Raise `ShapeError` for the first (index, node, output) whose output is not static."""
    types = value_types(proto)
    for index, node, output in imported:
        ty = types.get(output)
        if ty is not None and static_dims(ty) is not None:
            continue
        shape = _dims_text(ty) if ty is not None else "unknown"
        raise ShapeError(
            f"{label}: node {node_label(node, index)} ({node.op_type}) output '{output}' has no "
            f"static shape ({shape}); tcc needs shapes known at compile time (shapes that depend "
            "on input data are not supported)"
        )
