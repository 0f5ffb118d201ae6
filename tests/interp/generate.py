"""A small random generator of valid ONNX models for the stage-to-stage tests.

`random_model(seed)` starts from one NCHW input of a few channels and pixels and applies 3 to
8 random ops, each chosen among those that apply to the current value: on images Conv
(grouped, strided, padded), Relu, Sigmoid, Tanh, Add / Mul (with an earlier value of the
same shape or a per-channel constant), MaxPool, AveragePool, Concat (with a 1x1 conv
branch), Transpose (H <-> W), Softmax over channels, GlobalAveragePool, Flatten, Reshape; on
matrices Gemm, MatMul, Relu, Sigmoid, Add, Mul, Softmax, Transpose, Concat. Shapes are
tracked while building, so every model is valid by construction (and checked).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import onnx
from onnx import helper

from .models import Feeds, model

Shape = tuple[int, ...]
Value = tuple[str, Shape]


@dataclass
class Builder:
    rng: np.random.Generator
    nodes: list[onnx.NodeProto] = field(default_factory=list)
    weights: dict[str, np.ndarray] = field(default_factory=dict)
    values: list[Value] = field(default_factory=list)

    def fresh(self, stem: str) -> str:
        return f"{stem}{len(self.nodes) + len(self.weights)}"

    def weight(self, *shape: int) -> str:
        name = self.fresh("w")
        fan_in = int(np.prod(shape[1:])) if len(shape) > 1 else 1
        self.weights[name] = (self.rng.uniform(-1, 1, shape) / np.sqrt(fan_in)).astype(np.float32)
        return name

    def ints(self, values: list[int]) -> str:
        name = self.fresh("s")
        self.weights[name] = np.array(values, np.int64)
        return name

    def op(self, op_type: str, inputs: list[str], shape: Shape, **attrs: object) -> Value:
        name = self.fresh(op_type.lower())
        self.nodes.append(helper.make_node(op_type, inputs, [name], **attrs))
        self.values.append((name, shape))
        return name, shape

    def pick(self, options: list[int]) -> int:
        return int(self.rng.choice(options))


def _out(size: int, kernel: int, stride: int, pad: int) -> int:
    return (size + 2 * pad - kernel) // stride + 1


# ----------------------------------------------------------------------------- image ops


def conv(b: Builder, v: Value) -> Value | None:
    (name, (n, c, h, w)) = v
    k, stride = b.pick([1, 3]), b.pick([1, 1, 2])
    pad = k // 2 if b.rng.random() < 0.8 else 0
    if _out(h, k, stride, pad) < 1 or _out(w, k, stride, pad) < 1:
        return None
    group = c if c > 1 and b.rng.random() < 0.2 else 1
    out_c = c if group > 1 else b.pick([2, 3, 4, 6])
    inputs = [name, b.weight(out_c, c // group, k, k)]
    if b.rng.random() < 0.7:
        inputs.append(b.weight(out_c))
    shape = (n, out_c, _out(h, k, stride, pad), _out(w, k, stride, pad))
    return b.op("Conv", inputs, shape, pads=[pad] * 4, strides=[stride] * 2, group=group)


def pool(b: Builder, v: Value) -> Value | None:
    (name, (n, c, h, w)) = v
    k = b.pick([2, 3])
    stride, pad = b.pick([1, 2]), (1 if k == 3 else 0)
    if _out(h, k, stride, pad) < 1 or _out(w, k, stride, pad) < 1:
        return None
    kind = "MaxPool" if b.rng.random() < 0.6 else "AveragePool"
    shape = (n, c, _out(h, k, stride, pad), _out(w, k, stride, pad))
    return b.op(kind, [name], shape, kernel_shape=[k, k], strides=[stride] * 2, pads=[pad] * 4)


def concat_branch(b: Builder, v: Value) -> Value | None:
    (name, (n, c, h, w)) = v
    extra = b.pick([1, 2, 3])
    branch = b.op("Conv", [name, b.weight(extra, c, 1, 1)], (n, extra, h, w))
    return b.op("Concat", [name, branch[0]], (n, c + extra, h, w), axis=1)


def swap_hw(b: Builder, v: Value) -> Value | None:
    (name, (n, c, h, w)) = v
    return b.op("Transpose", [name], (n, c, w, h), perm=[0, 1, 3, 2])


def channel_softmax(b: Builder, v: Value) -> Value | None:
    return b.op("Softmax", [v[0]], v[1], axis=1)


def global_pool(b: Builder, v: Value) -> Value | None:
    (name, (n, c, _, _)) = v
    return b.op("GlobalAveragePool", [name], (n, c, 1, 1))


def flatten(b: Builder, v: Value) -> Value | None:
    (name, (n, c, h, w)) = v
    if b.rng.random() < 0.5:
        return b.op("Flatten", [name], (n, c * h * w))
    return b.op("Reshape", [name, b.ints([n, -1])], (n, c * h * w))


# ----------------------------------------------------------------------------- any rank


def unary(b: Builder, v: Value) -> Value | None:
    return b.op(str(b.rng.choice(["Relu", "Sigmoid", "Tanh"])), [v[0]], v[1])


def binary(b: Builder, v: Value) -> Value | None:
    (name, shape) = v
    same = [u for u in b.values if u[1] == shape and u[0] != name]
    if same and b.rng.random() < 0.6:
        other = same[int(b.rng.integers(len(same)))][0]
    else:
        other = b.weight(shape[1], *([1] * (len(shape) - 2)))  # per channel / per column
    return b.op(str(b.rng.choice(["Add", "Mul"])), [name, other], shape)


# ----------------------------------------------------------------------------- matrix ops


def dense(b: Builder, v: Value) -> Value | None:
    (name, (n, k)) = v
    m = b.pick([3, 5, 8])
    if b.rng.random() < 0.5:
        return b.op("MatMul", [name, b.weight(k, m)], (n, m))
    trans_b = int(b.rng.integers(2))
    w = b.weight(m, k) if trans_b else b.weight(k, m)
    return b.op("Gemm", [name, w, b.weight(m)], (n, m), transB=trans_b, alpha=0.75)


def row_softmax(b: Builder, v: Value) -> Value | None:
    return b.op("Softmax", [v[0]], v[1], axis=-1)


def matrix_transpose(b: Builder, v: Value) -> Value | None:
    (name, (n, k)) = v
    return b.op("Transpose", [name], (k, n))


def matrix_concat(b: Builder, v: Value) -> Value | None:
    (name, (n, k)) = v
    return b.op("Concat", [name, name], (n, 2 * k), axis=1)


Rule = Callable[[Builder, Value], Value | None]
IMAGE: list[Rule] = [conv, conv, pool, concat_branch, swap_hw, channel_softmax, global_pool,
                     flatten, unary, unary, binary, binary]
MATRIX: list[Rule] = [dense, dense, row_softmax, matrix_transpose, matrix_concat, unary, binary]


def random_model(seed: int) -> tuple[onnx.ModelProto, Feeds]:
    """A valid random model and a random input for it (see the module doc)."""
    rng = np.random.default_rng(seed)
    b = Builder(rng)
    shape = (1, int(rng.integers(1, 4)), int(rng.integers(4, 9)), int(rng.integers(4, 9)))
    current: Value = ("x", shape)
    b.values.append(current)
    for _ in range(int(rng.integers(3, 9))):
        rules = IMAGE if len(current[1]) == 4 else MATRIX
        step = rules[int(rng.integers(len(rules)))](b, current)
        current = step if step is not None else current
    if not b.nodes:
        current = unary(b, current)  # type: ignore[assignment]
    outputs = [current[0]]
    earlier = [v for v in b.values[1:-1]]
    if earlier and rng.random() < 0.5:
        outputs.append(earlier[int(rng.integers(len(earlier)))][0])
    x = rng.standard_normal(shape).astype(np.float32)
    return model(b.nodes, {"x": x}, outputs, b.weights), {"x": x}
