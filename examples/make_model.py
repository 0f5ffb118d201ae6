"""Build a small residual CNN (Conv, BatchNormalization, Relu, MaxPool, Add, GlobalAveragePool,
Flatten, Gemm, Softmax) with seeded random weights, and an input for it.

    python examples/make_model.py tiny_resnet.onnx

writes tiny_resnet.onnx and tiny_resnet_inputs.npz (one array per model input name).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def build(seed: int = 0) -> onnx.ModelProto:
    rng = np.random.default_rng(seed)
    inits: list[onnx.TensorProto] = []

    def weight(name: str, *shape: int, scale: float | None = None) -> str:
        fan_in = int(np.prod(shape[1:])) if len(shape) > 1 else 1
        bound = scale if scale is not None else np.sqrt(6.0 / fan_in)
        values = rng.uniform(-bound, bound, shape).astype(np.float32)
        inits.append(numpy_helper.from_array(values, name))
        return name

    def bn(name: str, c: int) -> list[str]:
        ranges = (("s", (0.5, 1.5)), ("b", (-0.2, 0.2)), ("m", (-0.2, 0.2)), ("v", (0.5, 1.5)))
        for part, (lo, hi) in ranges:
            values = rng.uniform(lo, hi, c).astype(np.float32)
            inits.append(numpy_helper.from_array(values, f"{name}_{part}"))
        return [f"{name}_{p}" for p in "sbmv"]

    nodes = [
        helper.make_node("Conv", ["x", weight("c1_w", 16, 3, 3, 3)], ["c1"], pads=[1, 1, 1, 1],
                         name="conv1"),
        helper.make_node("BatchNormalization", ["c1", *bn("bn1", 16)], ["b1"], name="bn1"),
        helper.make_node("Relu", ["b1"], ["r1"], name="relu1"),
        helper.make_node("MaxPool", ["r1"], ["p1"], kernel_shape=[2, 2], strides=[2, 2],
                         name="pool1"),
        helper.make_node("Conv", ["p1", weight("c2_w", 16, 16, 3, 3)], ["c2"], pads=[1, 1, 1, 1],
                         name="conv2"),
        helper.make_node("BatchNormalization", ["c2", *bn("bn2", 16)], ["b2"], name="bn2"),
        helper.make_node("Relu", ["b2"], ["r2"], name="relu2"),
        helper.make_node("Conv", ["r2", weight("c3_w", 16, 16, 3, 3)], ["c3"], pads=[1, 1, 1, 1],
                         name="conv3"),
        helper.make_node("Add", ["c3", "p1"], ["a3"], name="residual"),
        helper.make_node("Relu", ["a3"], ["r3"], name="relu3"),
        helper.make_node("GlobalAveragePool", ["r3"], ["g"], name="gap"),
        helper.make_node("Flatten", ["g"], ["f"], name="flatten"),
        helper.make_node("Gemm", ["f", weight("fc_w", 10, 16), weight("fc_b", 10, scale=0.1)],
                         ["logits"], transB=1, name="fc"),
        helper.make_node("Softmax", ["logits"], ["probs"], axis=1, name="softmax"),
    ]
    graph = helper.make_graph(
        nodes, "tiny_resnet",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 32, 32])],
        [helper.make_tensor_value_info("probs", TensorProto.FLOAT, [1, 10]),
         helper.make_tensor_value_info("logits", TensorProto.FLOAT, [1, 10])],
        initializer=inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    onnx.checker.check_model(model)
    return model


def main(argv: list[str]) -> int:
    out = Path(argv[1] if len(argv) > 1 else "tiny_resnet.onnx")
    onnx.save(build(), str(out))
    x = np.random.default_rng(1).standard_normal((1, 3, 32, 32)).astype(np.float32)
    np.savez(out.with_name(out.stem + "_inputs.npz"), x=x)
    print(f"wrote {out} and {out.with_name(out.stem + '_inputs.npz')}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
