"""Small real architectures built with onnx.helper and seeded random weights, to test and
benchmark with (no network access needed).

- `mobilenet_v2(resolution, stages, stem, head, classes)`: inverted residual blocks (1x1
  expand, 3x3 depthwise conv, 1x1 project), ReLU6 as Clip(0, 6), residual Adds, global pool,
  classifier; the default is a 32x32 test model, `BENCHMARK_MODELS["mobilenet_v2"]` the real
  MobileNetV2 1.0 at 224x224.
- `bert_layer(batch, seq, d, n_heads)`: a BERT-style encoder layer: QKV MatMul, Split,
  Reshape/Transpose to heads, scaled scores, Softmax, LayerNormalization, Gelu written with
  Erf, the exporter's Shape->Gather->Concat->Reshape chain (folded at compile time).
  `bert_layer(1, 128, 768, 12)` is BERT-base's.
- `gpt2_block(batch, seq, d, n_heads, vocab)`: a GPT-2-style causal block: token embedding
  by Gather of int64 ids (a run-time input), LayerNormalization, attention masked by Where on
  a constant causal mask, MLP with Gelu. `gpt2_block(1, 128, 768, 12)` is GPT-2 small's.

- `llama_block(batch, new, past, d, q_heads, kv_heads, ffn)`: a Llama-style decoder block at
  opset 23 with a KV cache: RMSNormalization, Q/K/V MatMuls, RotaryEmbedding on Q and K by
  `position_ids`, Attention (causal, grouped-query) on `past_key`/`past_value` returning the
  present cache, output projection, residual, RMSNormalization, SwiGLU MLP (Sigmoid, Mul),
  residual.
- `swin_block(batch, res, d, n_heads, window, shift)`: a Swin-style shifted-window block at
  opset 20: cyclic shift as Slice + Concat, window partition and reverse by Reshape/Transpose,
  a relative position bias gathered from a table by an index computed from constants (Range,
  Div, Mod), the shifted-window mask built from constants (ScatterND, CumSum, Equal, Where),
  LayerNormalization, MLP with Gelu.

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
        return self.model_of(inputs, {output: shape})

    def model_of(self, inputs: list[onnx.ValueInfoProto], outputs: dict[str, list[int]],
                 opset: int = OPSET) -> onnx.ModelProto:
        """The model of these nodes: float outputs by name and shape, in this order."""
        outs = [helper.make_tensor_value_info(name, TensorProto.FLOAT, shape)
                for name, shape in outputs.items()]
        graph = helper.make_graph(self.nodes, "g", inputs, outs, self.inits)
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
        onnx.checker.check_model(model)
        return model


def relu6(g: Graph, x: str) -> str:
    return g.op("Clip", [x, g.const(np.array(0, np.float32)), g.const(np.array(6, np.float32))])


def conv(g: Graph, x: str, cin: int, cout: int, k: int, group: int = 1, stride: int = 1) -> str:
    w = g.weight((cout, cin // group, k, k))
    b = g.weight((cout,), 0.1)
    return g.op("Conv", [x, w, b], pads=[k // 2] * 4, group=group, strides=[stride, stride])


TINY_MOBILENET = ((4, 16, 1, 1), (4, 24, 1, 2), (4, 24, 1, 1))
MOBILENET_V2 = ((1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1),
                (6, 160, 3, 2), (6, 320, 1, 1))
"""Inverted residual stages as (expansion, channels, repeats, first stride): the test model's,
and MobileNetV2 1.0's (Sandler et al. 2018, table 2)."""


def mobilenet_v2(resolution: int = 32, stages: tuple[tuple[int, int, int, int], ...] =
                 TINY_MOBILENET, stem: int = 16, head: int = 0, classes: int = 10
                 ) -> onnx.ModelProto:
    """A 3x3 stem of stride 2, the inverted residual `stages` (no 1x1 expansion where the
    expansion is 1), a 1x1 conv to `head` channels (none if 0), global pool, classifier.
    `mobilenet_v2(224, MOBILENET_V2, 32, 1280, 1000)` is MobileNetV2 1.0 at 224x224."""
    g = Graph(0)
    x, cin = relu6(g, conv(g, "x", 3, stem, 3, stride=2)), stem
    for expansion, cout, repeats, first_stride in stages:
        for i in range(repeats):
            stride, hidden = first_stride if i == 0 else 1, cin * expansion
            h = relu6(g, conv(g, x, cin, hidden, 1)) if expansion != 1 else x
            h = relu6(g, conv(g, h, hidden, hidden, 3, group=hidden, stride=stride))
            h = conv(g, h, hidden, cout, 1)
            x, cin = (g.op("Add", [x, h]) if cin == cout and stride == 1 else h), cout
    if head:
        x, cin = relu6(g, conv(g, x, cin, head, 1)), head
    pooled = g.op("GlobalAveragePool", [x])
    flat = g.op("Flatten", [pooled])
    logits = g.op("Gemm", [flat, g.weight((classes, cin)), g.weight((classes,), 0.1)],
                  transB=1)
    inp = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, resolution, resolution])
    return g.model([inp], logits, [1, classes])


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


def rms_norm(g: Graph, x: str, d: int) -> str:
    return g.op("RMSNormalization", [x, g.weight((d,), 1.0)], axis=-1, epsilon=1e-6)


def rope_caches(g: Graph, positions: int, dim: int) -> tuple[str, str]:
    """RoPE's cos and sin tables, [positions, dim / 2], base 10000 (Llama's)."""
    inv_freq = 1.0 / 10000.0 ** (np.arange(0, dim, 2) / dim)
    angles = np.outer(np.arange(positions), inv_freq)
    return g.const(np.cos(angles).astype(np.float32)), g.const(np.sin(angles).astype(np.float32))


def split_heads(g: Graph, x: str, n_heads: int, head_dim: int) -> str:
    """[B, S, H * Dh] -> [B, H, S, Dh]."""
    shape = g.const(np.array([0, 0, n_heads, head_dim], np.int64))
    return g.op("Transpose", [g.op("Reshape", [x, shape])], perm=[0, 2, 1, 3])


def llama_block(batch: int = 1, new: int = 4, past: int = 16, d: int = 256, q_heads: int = 8,
                kv_heads: int = 2, ffn: int = 688, max_positions: int = 256) -> onnx.ModelProto:
    """A Llama-style decoder block at opset 23 with a KV cache: inputs `x` [batch, new, d],
    `position_ids` [batch, new] (int64), `past_key`/`past_value` [batch, kv_heads, past,
    head_dim]; outputs `y` (same shape as `x`) and `present_key`/`present_value` (the cache
    with the new tokens appended)."""
    g = Graph(3)
    head_dim = d // q_heads
    cos, sin = rope_caches(g, max_positions, head_dim)
    h = rms_norm(g, "x", d)
    q = split_heads(g, g.op("MatMul", [h, g.weight((d, q_heads * head_dim))]), q_heads, head_dim)
    k = split_heads(g, g.op("MatMul", [h, g.weight((d, kv_heads * head_dim))]), kv_heads,
                    head_dim)
    v = split_heads(g, g.op("MatMul", [h, g.weight((d, kv_heads * head_dim))]), kv_heads,
                    head_dim)
    q, k = (g.op("RotaryEmbedding", [t, cos, sin, "position_ids"]) for t in (q, k))
    g.nodes.append(helper.make_node(
        "Attention", [q, k, v, "", "past_key", "past_value"],
        ["context", "present_key", "present_value"], name="attention", is_causal=1))
    merged = g.op("Reshape", [g.op("Transpose", ["context"], perm=[0, 2, 1, 3]),
                              g.const(np.array([0, 0, d], np.int64))])
    x = g.op("Add", ["x", g.op("MatMul", [merged, g.weight((d, d))])])
    h = rms_norm(g, x, d)
    gate = g.op("MatMul", [h, g.weight((d, ffn))])
    up = g.op("MatMul", [h, g.weight((d, ffn))])
    swiglu = g.op("Mul", [g.op("Mul", [gate, g.op("Sigmoid", [gate])]), up])
    g.nodes.append(helper.make_node(
        "Add", [x, g.op("MatMul", [swiglu, g.weight((ffn, d))])], ["y"], name="residual"))
    cache = [batch, kv_heads, past, head_dim]
    inputs = [helper.make_tensor_value_info("x", TensorProto.FLOAT, [batch, new, d]),
              helper.make_tensor_value_info("position_ids", TensorProto.INT64, [batch, new]),
              helper.make_tensor_value_info("past_key", TensorProto.FLOAT, cache),
              helper.make_tensor_value_info("past_value", TensorProto.FLOAT, cache)]
    present = [batch, kv_heads, past + new, head_dim]
    return g.model_of(inputs, {"y": [batch, new, d], "present_key": present,
                               "present_value": present}, opset=23)


def roll(g: Graph, x: str, shift: int, axis: int, size: int) -> str:
    """torch.roll along one axis as exports write it: two Slices and a Concat."""
    k = -shift % size
    head = g.op("Slice", [x, g.const(np.array([k], np.int64)), g.const(np.array([size], np.int64)),
                          g.const(np.array([axis], np.int64))])
    tail = g.op("Slice", [x, g.const(np.array([0], np.int64)), g.const(np.array([k], np.int64)),
                          g.const(np.array([axis], np.int64))])
    return g.op("Concat", [head, tail], axis=axis)


def windows(g: Graph, x: str, res: int, window: int, d: int) -> str:
    """[B, res, res, d] -> [B * windows, window * window, d] (Swin's window partition)."""
    n = res // window
    split = g.op("Reshape", [x, g.const(np.array([-1, n, window, n, window, d], np.int64))])
    tiles = g.op("Transpose", [split], perm=[0, 1, 3, 2, 4, 5])
    return g.op("Reshape", [tiles, g.const(np.array([-1, window * window, d], np.int64))])


def unwindows(g: Graph, x: str, res: int, window: int, d: int) -> str:
    """[B * windows, window * window, d] -> [B, res, res, d] (Swin's window reverse)."""
    n = res // window
    split = g.op("Reshape", [x, g.const(np.array([-1, n, n, window, window, d], np.int64))])
    rows = g.op("Transpose", [split], perm=[0, 1, 3, 2, 4, 5])
    return g.op("Reshape", [rows, g.const(np.array([-1, res, res, d], np.int64))])


def i64(g: Graph, *values: int) -> str:
    return g.const(np.array(values, np.int64))


def relative_position_bias(g: Graph, window: int, n_heads: int) -> str:
    """[1, heads, N, N] bias gathered from a learned [(2w-1)^2, heads] table by the relative
    position index of two window positions, computed from constants (Range, Div, Mod)."""
    n = window * window
    pos = g.op("Range", [g.const(np.array(0, np.int64)), g.const(np.array(n, np.int64)),
                         g.const(np.array(1, np.int64))])
    w = g.const(np.array(window, np.int64))
    index = None
    for coord, stride in ((g.op("Div", [pos, w]), 2 * window - 1), (g.op("Mod", [pos, w]), 1)):
        diff = g.op("Sub", [g.op("Unsqueeze", [coord, i64(g, 1)]),
                            g.op("Unsqueeze", [coord, i64(g, 0)])])
        term = g.op("Mul", [g.op("Add", [diff, g.const(np.array(window - 1, np.int64))]),
                            g.const(np.array(stride, np.int64))])
        index = term if index is None else g.op("Add", [index, term])
    assert index is not None
    table = g.weight(((2 * window - 1) ** 2, n_heads), 0.5)
    bias = g.op("Gather", [table, g.op("Reshape", [index, i64(g, -1)])], axis=0)
    bias = g.op("Reshape", [bias, i64(g, n, n, n_heads)])
    return g.op("Unsqueeze", [g.op("Transpose", [bias], perm=[2, 0, 1]), i64(g, 0)])


def shifted_window_mask(g: Graph, res: int, window: int, shift: int) -> str:
    """[1, windows, 1, N, N]: 0 where two positions of a window come from the same region of
    the shifted image, -100 elsewhere. The region ids are built as exports build them: the
    region boundaries written into zeros (ScatterND), a CumSum over them, row * 3 + column."""
    marks = g.op("ScatterND", [g.const(np.zeros(res, np.int64)),
                               g.const(np.array([[res - window], [res - shift]], np.int64)),
                               i64(g, 1, 1)])
    band = g.op("CumSum", [marks, g.const(np.array(0, np.int64))])
    rows = g.op("Mul", [g.op("Unsqueeze", [band, i64(g, 1)]), g.const(np.array(3, np.int64))])
    region = g.op("Add", [rows, g.op("Unsqueeze", [band, i64(g, 0)])])
    n = res // window
    tiles = g.op("Transpose", [g.op("Reshape", [region, i64(g, n, window, n, window)])],
                 perm=[0, 2, 1, 3])
    ids = g.op("Reshape", [tiles, i64(g, n * n, window * window)])
    diff = g.op("Sub", [g.op("Unsqueeze", [ids, i64(g, 1)]), g.op("Unsqueeze", [ids, i64(g, 2)])])
    same = g.op("Equal", [diff, g.const(np.array(0, np.int64))])
    mask = g.op("Where", [same, g.const(np.array(0.0, np.float32)),
                          g.const(np.array(-100.0, np.float32))])
    return g.op("Unsqueeze", [mask, i64(g, 0, 2)])


def window_attention(g: Graph, x: str, res: int, window: int, shift: int, d: int,
                     n_heads: int) -> str:
    """Multi-head attention within each window of [B * windows, N, d], with the relative
    position bias and, when shifted, the mask between regions."""
    n, head_dim, count = window * window, d // n_heads, (res // window) ** 2
    q, k, v = (split_heads(g, g.op("Add", [g.op("MatMul", [x, g.weight((d, d))]),
                                           g.weight((d,), 0.1)]), n_heads, head_dim)
               for _ in range(3))
    scores = g.op("Div", [g.op("MatMul", [q, g.op("Transpose", [k], perm=[0, 1, 3, 2])]),
                          g.const(np.array(np.sqrt(head_dim), np.float32))])
    scores = g.op("Add", [scores, relative_position_bias(g, window, n_heads)])
    if shift:
        per_window = g.op("Reshape", [scores, i64(g, -1, count, n_heads, n, n)])
        masked = g.op("Add", [per_window, shifted_window_mask(g, res, window, shift)])
        scores = g.op("Reshape", [masked, i64(g, -1, n_heads, n, n)])
    context = g.op("MatMul", [g.op("Softmax", [scores], axis=-1), v])
    merged = g.op("Reshape", [g.op("Transpose", [context], perm=[0, 2, 1, 3]), i64(g, 0, 0, d)])
    return g.op("Add", [g.op("MatMul", [merged, g.weight((d, d))]), g.weight((d,), 0.1)])


def swin_block(batch: int = 1, res: int = 8, d: int = 32, n_heads: int = 2, window: int = 4,
               shift: int = 2) -> onnx.ModelProto:
    """A Swin-style shifted-window block (opset 20): input `x` [batch, res * res, d]."""
    g = Graph(4)
    image = g.op("Reshape", [layer_norm(g, "x", d), i64(g, -1, res, res, d)])
    for axis in (1, 2):
        image = roll(g, image, -shift, axis, res)
    attended = window_attention(g, windows(g, image, res, window, d), res, window, shift, d,
                                n_heads)
    image = unwindows(g, attended, res, window, d)
    for axis in (1, 2):
        image = roll(g, image, shift, axis, res)
    x = g.op("Add", ["x", g.op("Reshape", [image, i64(g, -1, res * res, d)])])
    hidden = g.op("Gelu", [g.op("Add", [g.op("MatMul", [layer_norm(g, x, d),
                                                        g.weight((d, 4 * d))]),
                                        g.weight((4 * d,), 0.1)])])
    y = g.op("Add", [x, g.op("Add", [g.op("MatMul", [hidden, g.weight((4 * d, d))]),
                                     g.weight((d,), 0.1)])])
    inp = helper.make_tensor_value_info("x", TensorProto.FLOAT, [batch, res * res, d])
    return g.model_of([inp], {y: [batch, res * res, d]}, opset=20)


BENCHMARK_MODELS: dict[str, Callable[[], onnx.ModelProto]] = {
    "bert_layer": lambda: bert_layer(1, 128, 768, 12),  # BERT-base: hidden 768, 12 heads
    "gpt2_block": lambda: gpt2_block(1, 128, 768, 12, 2048),  # GPT-2 small, vocabulary 2048
    "mobilenet_v2": lambda: mobilenet_v2(224, MOBILENET_V2, 32, 1280, 1000),  # 1.0 at 224x224
    # a 1024-wide Llama-style block (16 query heads, 4 KV heads, MLP 2816): a prefill of 128
    # tokens after 128 cached ones, and a decode step of 1 token after 255
    "llama_prefill": lambda: llama_block(1, 128, 128, 1024, 16, 4, 2816),
    "llama_decode": lambda: llama_block(1, 1, 255, 1024, 16, 4, 2816),
    "swin_block": lambda: swin_block(1, 56, 96, 3, 7, 3),  # Swin-T's first stage, shifted
}
"""The test architectures at realistic sizes (sequence 128, Swin-T's first stage), by name, for
the benchmarks."""
