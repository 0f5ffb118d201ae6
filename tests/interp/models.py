"""ONNX models for the interpreter tests: one-node graphs, and light models at small sizes."""

from __future__ import annotations

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

from tcompiler import zoo

OPSET = 17
Feeds = dict[str, np.ndarray]


def model(nodes: list[onnx.NodeProto], inputs: Feeds, outputs: list[str],
          weights: dict[str, np.ndarray] | None = None) -> onnx.ModelProto:
    """A model of `nodes` with graph inputs shaped like `inputs`, `weights` as initializers
    and `outputs` left for shape inference to type."""
    graph = helper.make_graph(
        nodes, "g",
        [helper.make_tensor_value_info(n, helper.np_dtype_to_tensor_dtype(a.dtype), a.shape)
         for n, a in inputs.items()],
        [helper.make_tensor_value_info(n, TensorProto.UNDEFINED, None) for n in outputs],
        [numpy_helper.from_array(a, n) for n, a in (weights or {}).items()])
    proto = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)])
    inferred = onnx.shape_inference.infer_shapes(proto, strict_mode=True)
    typed = {v.name: v for v in inferred.graph.output}
    for out in proto.graph.output:
        out.CopyFrom(typed[out.name])
    onnx.checker.check_model(proto)
    return proto


def ort_run(proto: onnx.ModelProto, feeds: Feeds) -> Feeds:
    options = ort.SessionOptions()
    options.log_severity_level = 3
    session = ort.InferenceSession(proto.SerializeToString(), options,
                                   providers=["CPUExecutionProvider"])
    names = [o.name for o in session.get_outputs()]
    return dict(zip(names, session.run(None, feeds)))


def rand(rng: np.random.Generator, *shape: int, scale: float = 1.0) -> np.ndarray:
    return (rng.standard_normal(shape) * scale).astype(np.float32)


SMALL_INPUT = {"densenet121": 32, "squeezenet": 32}
"""Light models that stay valid at a smaller input (the others have fixed 7x7 pools, fixed
Reshapes to their fully connected layers, or Concats that only line up at 224)."""


def light_model(name: str) -> tuple[onnx.ModelProto, Feeds]:
    """The light architecture with random weights and logits exposed, at its smallest valid
    input size, and its input (zoo.test_input)."""
    proto = zoo.randomized(name, seed=0)
    if name in SMALL_INPUT:
        proto = _resized(proto, SMALL_INPUT[name])
    initializers = {i.name for i in proto.graph.initializer}
    graph_input = next(i for i in proto.graph.input if i.name not in initializers)
    shape = tuple(d.dim_value for d in graph_input.type.tensor_type.shape.dim)
    return proto, {graph_input.name: zoo.test_input(shape)}


def _resized(proto: onnx.ModelProto, size: int) -> onnx.ModelProto:
    """`proto` with a size x size input and the recorded shapes of other values dropped."""
    proto = onnx.ModelProto.FromString(proto.SerializeToString())
    del proto.graph.value_info[:]
    for out in proto.graph.output:
        for i, dim in enumerate(out.type.tensor_type.shape.dim):
            dim.dim_param = f"d{i}"
    initializers = {i.name for i in proto.graph.initializer}
    graph_input = next(i for i in proto.graph.input if i.name not in initializers)
    dims = graph_input.type.tensor_type.shape.dim
    dims[2].dim_value = dims[3].dim_value = size
    return proto
