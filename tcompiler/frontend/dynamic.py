"""Upper bounds for the values whose size depends on input data (`support.DATA_DEPENDENT`).

tcc compiles for static shapes: every buffer is planned at compile time. A NonZero,
Compress or NonMaxSuppression on run-time data gets the static shape of its upper bound, and
its kernel writes the run-time extent of its one dynamic axis to a length output beside it
(`dialects/onnx_detect.dynamic_axis`, `kernels/convert.py`); the runtime returns the valid
prefix (`program.py`). `support.py` admits such a value only as a model output, so nothing
downstream ever reads the unused tail. Constant inputs fold at import instead (`fold.py`).

`bound_dynamic_outputs(proto)` sets the type of each such graph output to its bound:
- NonZero: [rank, numel] (every element nonzero);
- Compress: the condition's length, at most the compressed axis' extent (the flattened
  input without `axis`);
- NonMaxSuppression: [B x C x min(max_output_boxes_per_class, N), 3] for boxes [B, N, 4] and
  scores [B, C, N] (max_output_boxes_per_class absent: 0 boxes).
"""

from __future__ import annotations

import numpy as np
import onnx

from tcompiler.frontend.convert import constant_array, tensor_array
from tcompiler.frontend.shapes import static_dims, value_types
from tcompiler.frontend.support import DATA_DEPENDENT


def bound_dynamic_outputs(proto: onnx.ModelProto) -> None:
    """Give each graph output a data-dependent op writes its upper-bound shape (in place);
    outputs whose bound is not known (an input of no static shape) are left as they are."""
    graph = proto.graph
    types = value_types(proto)
    constants = {init.name: tensor_array(init) for init in graph.initializer}
    for node in graph.node:
        if node.op_type == "Constant":
            value = constant_array(node)
            if value is not None:
                constants[node.output[0]] = value
    outputs = {value.name: value for value in graph.output}
    for node in graph.node:
        if node.op_type not in DATA_DEPENDENT or node.output[0] not in outputs:
            continue
        dims = [static_dims(types[n]) if n in types else None for n in node.input if n]
        if any(d is None for d in dims):
            continue
        bound = _bound(node, [d for d in dims if d is not None], constants)
        if bound is None:
            continue
        tensor = outputs[node.output[0]].type.tensor_type
        tensor.shape.ClearField("dim")
        for extent in bound:
            tensor.shape.dim.add().dim_value = extent


def _bound(node: onnx.NodeProto, dims: list[tuple[int, ...]],
           constants: dict[str, np.ndarray]) -> tuple[int, ...] | None:
    attrs = {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}
    if node.op_type == "NonZero":
        return (len(dims[0]), int(np.prod(dims[0], dtype=np.int64)))
    if node.op_type == "Compress":
        data, condition = dims[0], dims[1][0]
        if "axis" not in attrs:
            return (min(condition, int(np.prod(data, dtype=np.int64))),)
        axis = int(attrs["axis"]) % len(data)
        return (*data[:axis], min(condition, data[axis]), *data[axis + 1:])
    batches, boxes, _ = dims[0]
    classes = dims[1][1]
    names = list(node.input)
    limit = 0
    if len(names) > 2 and names[2]:
        if names[2] not in constants:
            return None
        limit = int(constants[names[2]].reshape(-1)[0])
    return (batches * classes * max(min(limit, boxes), 0), 3)
