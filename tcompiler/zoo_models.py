"""Small real architectures built with onnx.helper and seeded random weights, to test and
benchmark with (no network access needed).

- `mobilenet_v2()`: inverted residual blocks (1x1 expand, 3x3 depthwise conv, 1x1 project),
  ReLU6 as Clip(0, 6), residual Adds, global pool, classifier.
- `bert_layer(batch, seq, d, n_heads)`: a BERT-style encoder layer: QKV MatMul, Split,
  Reshape/Transpose to heads, scaled scores, Softmax, LayerNormalization, Gelu written with
  Erf, the exporter's Shape->Gather->Concat->Reshape chain (folded at compile time).
  `bert_layer(1, 128, 768, 12)` is BERT-base's.
- `gpt2_block(batch, seq, d, n_heads, vocab)`: a GPT-2-style causal block: token embedding
  by Gather of int64 ids (a run-time input), LayerNormalization, attention masked by Where on
  a constant causal mask, MLP with Gelu. `gpt2_block(1, 128, 768, 12)` is GPT-2 small's.

Every builder is deterministic (its own seed); the defaults are the tiny test sizes.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 17


class Graph:
    """A tiny builder: nodes, seeded initializers, unique names."""

    def __init__(self, seed: int):
        self.rng = np.random.default_rng(seed)
        self.nodes: list[onnx.NodeProto] = []
        self.inits: list[onnx.TensorProto] = []
        self.count = 0

    def name(self, stem: str) -> str:
        self.count += 1
        return f"{stem}_{self.count}"

    def weight(self, shape: tuple[int, ...], scale: float | None = None) -> str:
        fan_in = math.prod(shape[1:]) if len(shape) > 1 else math.prod(shape)
        bound = scale if scale is not None else 1.0 / math.sqrt(max(fan_in, 1))
        return self.const(self.rng.uniform(-bound, bound, shape).astype(np.float32))

    def const(self, array: np.ndarray) -> str:
        name = self.name("w")
        self.inits.append(numpy_helper.from_array(array, name))
        return name

    def op(self, op_type: str, inputs: list[str], **attrs: Any) -> str:
        return self.ops(op_type, inputs, 1, **attrs)[0]

    def ops(self, op_type: str, inputs: list[str], outputs: int, **attrs: Any) -> list[str]:
        names = [self.name(op_type.lower()) for _ in range(outputs)]
        node = helper.make_node(op_type, inputs, names, name=self.name(op_type), **attrs)
        self.nodes.append(node)
        return names

    def model(self, inputs: list[onnx.ValueInfoProto], output: str, shape: list[int]
              ) -> onnx.ModelProto:
        out = helper.make_tensor_value_info(output, TensorProto.FLOAT, shape)
        graph = helper.make_graph(self.nodes, "g", inputs, [out], self.inits)
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)])
        onnx.checker.check_model(model)
        return model


def relu6(g: Graph, x: str) -> str:
    return g.op("Clip", [x, g.const(np.array(0, np.float32)), g.const(np.array(6, np.float32))])


def conv(g: Graph, x: str, cin: int, cout: int, k: int, group: int = 1, stride: int = 1) -> str:
    w = g.weight((cout, cin // group, k, k))
    b = g.weight((cout,), 0.1)
    return g.op("Conv", [x, w, b], pads=[k // 2] * 4, group=group, strides=[stride, stride])


def mobilenet_v2() -> onnx.ModelProto:
    g = Graph(0)
    x = relu6(g, conv(g, "x", 3, 16, 3, stride=2))
    for cin, cout, stride in ((16, 16, 1), (16, 24, 2), (24, 24, 1)):
        hidden = cin * 4
        h = relu6(g, conv(g, x, cin, hidden, 1))
        h = relu6(g, conv(g, h, hidden, hidden, 3, group=hidden, stride=stride))
        h = conv(g, h, hidden, cout, 1)
        x = g.op("Add", [x, h]) if cin == cout and stride == 1 else h
    pooled = g.op("GlobalAveragePool", [x])
    flat = g.op("Flatten", [pooled])
    logits = g.op("Gemm", [flat, g.weight((10, 24)), g.weight((10,), 0.1)], transB=1)
    inp = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 32, 32])
    return g.model([inp], logits, [1, 10])


def gelu(g: Graph, x: str) -> str:
    scaled = g.op("Div", [x, g.const(np.array(np.sqrt(2.0), np.float32))])
    erf = g.op("Erf", [scaled])
    one = g.op("Add", [erf, g.const(np.array(1.0, np.float32))])
    return g.op("Mul", [g.op("Mul", [x, one]), g.const(np.array(0.5, np.float32))])


def layer_norm(g: Graph, x: str, d: int) -> str:
    return g.op("LayerNormalization", [x, g.weight((d,), 1.0), g.weight((d,), 0.1)],
                axis=-1, epsilon=1e-5)


def heads(g: Graph, x: str, source: str, n_heads: int, d: int) -> str:
    """[B, S, D] -> [B, H, S, D/H] with the exporter's Shape->Gather->Concat->Reshape chain."""
    shape = g.op("Shape", [source])
    batch = g.op("Unsqueeze", [g.op("Gather", [shape, g.const(np.array(0, np.int64))], axis=0),
                               g.const(np.array([0], np.int64))])
    seq = g.op("Unsqueeze", [g.op("Gather", [shape, g.const(np.array(1, np.int64))], axis=0),
                             g.const(np.array([0], np.int64))])
    target = g.op("Concat", [batch, seq, g.const(np.array([n_heads, d // n_heads], np.int64))],
                  axis=0)
    return g.op("Transpose", [g.op("Reshape", [x, target])], perm=[0, 2, 1, 3])


def attention(g: Graph, x: str, d: int, n_heads: int, mask: str | None) -> str:
    qkv = g.op("MatMul", [x, g.weight((d, 3 * d))])
    q, k, v = g.ops("Split", [qkv, g.const(np.array([d, d, d], np.int64))], 3, axis=-1)
    q, k, v = (heads(g, t, x, n_heads, d) for t in (q, k, v))
    kt = g.op("Transpose", [k], perm=[0, 1, 3, 2])
    scores = g.op("Div", [g.op("MatMul", [q, kt]),
                          g.const(np.array(np.sqrt(d // n_heads), np.float32))])
    if mask is not None:
        scores = g.op("Where", [mask, scores, g.const(np.array(-1e9, np.float32))])
    probs = g.op("Softmax", [scores], axis=-1)
    context = g.op("Transpose", [g.op("MatMul", [probs, v])], perm=[0, 2, 1, 3])
    merged = g.op("Reshape", [context, g.const(np.array([0, 0, d], np.int64))])
    return g.op("Add", [g.op("MatMul", [merged, g.weight((d, d))]), g.weight((d,), 0.1)])


def mlp(g: Graph, x: str, d: int) -> str:
    h = gelu(g, g.op("Add", [g.op("MatMul", [x, g.weight((d, 4 * d))]), g.weight((4 * d,), 0.1)]))
    return g.op("Add", [g.op("MatMul", [h, g.weight((4 * d, d))]), g.weight((d,), 0.1)])


def bert_layer(batch: int = 2, seq: int = 8, d: int = 32, n_heads: int = 4) -> onnx.ModelProto:
    g = Graph(1)
    a = layer_norm(g, g.op("Add", ["x", attention(g, "x", d, n_heads, None)]), d)
    y = layer_norm(g, g.op("Add", [a, mlp(g, a, d)]), d)
    inp = helper.make_tensor_value_info("x", TensorProto.FLOAT, [batch, seq, d])
    return g.model([inp], y, [batch, seq, d])


def gpt2_block(batch: int = 1, seq: int = 8, d: int = 32, n_heads: int = 4,
               vocab: int = 50) -> onnx.ModelProto:
    g = Graph(2)
    tokens = g.op("Gather", [g.weight((vocab, d), 1.0), "ids"], axis=0)
    x = g.op("Add", [tokens, g.weight((seq, d), 0.1)])
    causal = g.const(np.tril(np.ones((seq, seq), bool)).reshape(1, 1, seq, seq))
    h = g.op("Add", [x, attention(g, layer_norm(g, x, d), d, n_heads, causal)])
    y = g.op("Add", [h, mlp(g, layer_norm(g, h, d), d)])
    logits = g.op("MatMul", [layer_norm(g, y, d), g.weight((d, vocab))])
    inp = helper.make_tensor_value_info("ids", TensorProto.INT64, [batch, seq])
    return g.model([inp], logits, [batch, seq, vocab])


BENCHMARK_MODELS: dict[str, Callable[[], onnx.ModelProto]] = {
    "bert_layer": lambda: bert_layer(1, 128, 768, 12),  # BERT-base: hidden 768, 12 heads
    "gpt2_block": lambda: gpt2_block(1, 128, 768, 12, 2048),  # GPT-2 small, vocabulary 2048
    "mobilenet_v2": mobilenet_v2,
}
"""The test architectures at realistic sizes (sequence 128), by name, for the benchmarks."""
