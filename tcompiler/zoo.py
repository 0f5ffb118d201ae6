"""Real architectures to test and benchmark with, without network access.

The `onnx` package ships nine "light" models (`onnx/backend/test/data/light/*.onnx`) whose
every weight is the constant 0.02: their logits are all equal and the expected output is a
uniform softmax, which proves little. `randomized(name, seed)` rebuilds the same architecture
with seeded random weights (He-uniform for conv and fully connected weights, small biases,
positive BatchNormalization variances), and `with_logits` exposes the pre-softmax logits as a
second output so results can be compared where they are not saturated.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
from onnx import helper, numpy_helper

LIGHT_MODELS = ("bvlc_alexnet", "densenet121", "inception_v1", "inception_v2", "resnet50",
                "shufflenet", "squeezenet", "vgg19", "zfnet512")


def light_dir() -> Path:
    return Path(onnx.__file__).parent / "backend" / "test" / "data" / "light"


def light_model_path(name: str) -> Path:
    if name not in LIGHT_MODELS:
        raise KeyError(f"unknown light model {name!r}; known: {', '.join(LIGHT_MODELS)}")
    return light_dir() / f"light_{name}.onnx"


def light_expected_output(name: str) -> np.ndarray:
    tensor = onnx.TensorProto()
    tensor.ParseFromString((light_dir() / f"light_{name}_output_0.pb").read_bytes())
    return numpy_helper.to_array(tensor)


def test_input(shape: tuple[int, ...], dtype: type = np.float32) -> np.ndarray:
    """The input onnx's own test runner builds for the light models: arange(n) / n."""
    n = int(np.prod(shape))
    return (np.arange(n, dtype=np.float64) / n).astype(dtype).reshape(shape)


def _roles(graph: onnx.GraphProto) -> dict[str, tuple[str, int]]:
    roles: dict[str, tuple[str, int]] = {}
    for node in graph.node:
        for index, name in enumerate(node.input):
            roles.setdefault(name, (node.op_type, index))
    return roles


def _random_weight(shape: tuple[int, ...], role: tuple[str, int], rng: np.random.Generator
                   ) -> np.ndarray:
    op, index = role
    if op in ("Conv", "Gemm", "MatMul") and index == 1 and len(shape) >= 2:
        fan_in = (int(np.prod(shape[1:])) if op == "Conv"
                  else shape[1] if op == "Gemm" else shape[0])
        bound = np.sqrt(6.0 / max(fan_in, 1))
        return rng.uniform(-bound, bound, shape)
    if op == "BatchNormalization":
        ranges = {1: (0.5, 1.5), 2: (-0.2, 0.2), 3: (-0.2, 0.2), 4: (0.5, 1.5)}
        low, high = ranges.get(index, (-0.1, 0.1))
        return rng.uniform(low, high, shape)
    return rng.uniform(-0.05, 0.05, shape)


def randomize(model: onnx.ModelProto, seed: int = 0) -> onnx.ModelProto:
    """`model` with every ConstantOfShape weight and float initializer replaced by random values."""
    model = onnx.ModelProto.FromString(model.SerializeToString())
    graph = model.graph
    rng = np.random.default_rng(seed)
    roles = _roles(graph)
    constants = {i.name: numpy_helper.to_array(i) for i in graph.initializer}
    for node in graph.node:
        if node.op_type == "Constant":
            for attr in node.attribute:
                if attr.name == "value":
                    constants[node.output[0]] = numpy_helper.to_array(attr.t)
    keep = []
    new_inits = []
    for node in graph.node:
        if node.op_type == "ConstantOfShape" and node.input[0] in constants:
            shape = tuple(int(d) for d in constants[node.input[0]])
            role = roles.get(node.output[0], ("", 0))
            value = _random_weight(shape, role, rng).astype(np.float32)
            new_inits.append(numpy_helper.from_array(value, node.output[0]))
            continue
        keep.append(node)
    del graph.node[:]
    graph.node.extend(keep)
    for i, init in enumerate(graph.initializer):
        array = numpy_helper.to_array(init)
        if array.dtype == np.float32 and array.size > 1:
            role = roles.get(init.name, ("", 0))
            graph.initializer[i].CopyFrom(numpy_helper.from_array(
                _random_weight(array.shape, role, rng).astype(np.float32), init.name))
    graph.initializer.extend(new_inits)
    used = {name for node in graph.node for name in node.input}
    unused = [i for i in graph.initializer if i.name not in used]
    for init in unused:
        graph.initializer.remove(init)
    dropped = {i.name for i in unused}
    for info in [i for i in graph.input if i.name in dropped]:
        graph.input.remove(info)
    if model.ir_version < 4:
        names = {i.name for i in graph.input}
        for init in new_inits:
            if init.name not in names:
                graph.input.append(helper.make_tensor_value_info(
                    init.name, onnx.TensorProto.FLOAT, list(init.dims)))
    return model


def with_logits(model: onnx.ModelProto) -> onnx.ModelProto:
    """`model` with the input of its final Softmax added as a second output named 'logits'.

    A model without a final Softmax (DenseNet-121 ends in a 1x1 Conv) already outputs logits
    and is returned unchanged.
    """
    model = onnx.ModelProto.FromString(model.SerializeToString())
    graph = model.graph
    outputs = {o.name for o in graph.output}
    for node in reversed(graph.node):
        if node.op_type == "Softmax" and node.output[0] in outputs:
            logits = node.input[0]
            inferred = onnx.shape_inference.infer_shapes(model).graph
            info = next(v for v in [*inferred.value_info, *inferred.output] if v.name == logits)
            graph.node.append(helper.make_node("Identity", [logits], ["logits"], name="logits"))
            out = graph.output.add()
            out.CopyFrom(info)
            out.name = "logits"
            return model
    return model


def randomized(name: str, seed: int = 0, logits: bool = True) -> onnx.ModelProto:
    """The light architecture `name` with seeded random weights (and logits exposed)."""
    model = randomize(onnx.load(str(light_model_path(name))), seed)
    return with_logits(model) if logits else model
