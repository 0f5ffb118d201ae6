"""Issue 14's math family end to end against onnxruntime (onnx.reference where it lacks the
opset): unary math, activations (every attribute), the composite reductions (axes attribute
before opset 18, input from 18; keepdims; noop_with_empty_axes; an empty reduced dim),
ArgMax/ArgMin (keepdims, select_last_index, ties), Hardmax, LpNormalization, CumSum/CumProd,
LpPool, RMSNormalization, GroupNormalization, RotaryEmbedding.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from issue14_check import check, node_model, rand  # noqa: E402

UNARY = {"Sin": (-6, 6), "Cos": (-6, 6), "Tan": (-1.4, 1.4), "Asin": (-1, 1), "Acos": (-1, 1),
         "Atan": (-9, 9), "Sinh": (-5, 5), "Cosh": (-5, 5), "Asinh": (-9, 9), "Acosh": (1, 9),
         "Atanh": (-0.99, 0.99), "Sign": (-2, 2), "Softplus": (-30, 30), "Softsign": (-9, 9),
         "Mish": (-9, 9)}


@pytest.mark.parametrize("op", list(UNARY))
@pytest.mark.parametrize("opset", [13, 22])
def test_unary(op, opset, options) -> None:
    low, high = UNARY[op]
    x = rand(3, 17, low=low, high=high)
    x[0, :3] = [low, 0.0, high]
    opset = max(opset, 18) if op == "Mish" else opset
    check(node_model(op, {"x": x}, opset), {"x": x}, options, rtol=2e-5, atol=2e-6)


@pytest.mark.parametrize("dtype", [np.int64, np.int32])
def test_sign_integers(dtype, options) -> None:
    x = np.array([[-5, 0, 7], [3, -1, 0]], dtype)
    check(node_model("Sign", {"x": x}, 13), {"x": x}, options)


ACTIVATIONS = [
    ("Elu", {}), ("Elu", {"alpha": 0.5}), ("Selu", {}), ("Selu", {"alpha": 2.0, "gamma": 3.0}),
    ("Celu", {}), ("Celu", {"alpha": 2.0}), ("ThresholdedRelu", {}),
    ("ThresholdedRelu", {"alpha": 0.5}), ("Shrink", {}), ("Shrink", {"bias": 1.5, "lambd": 1.0}),
    ("HardSigmoid", {"alpha": 0.3, "beta": 0.4}), ("HardSwish", {}), ("Swish", {}),
    ("Swish", {"alpha": 1.7}), ("Gelu", {"approximate": "tanh"}),
]


@pytest.mark.parametrize(("op", "attrs"), ACTIVATIONS)
def test_activation(op, attrs, options) -> None:
    x = rand(4, 9)
    x[0, :3] = [0.0, -1.0, 1.0]
    opset = {"Swish": 24, "Gelu": 20}.get(op, 18)
    check(node_model(op, {"x": x}, opset, **attrs), {"x": x}, options, rtol=1e-5, atol=1e-6)


def test_shrink_integers(options) -> None:
    x = np.arange(-4, 5, dtype=np.int64)
    check(node_model("Shrink", {"x": x}, 18, bias=1.0, lambd=1.5), {"x": x}, options)


REDUCTIONS = ["ReduceL1", "ReduceL2", "ReduceLogSum", "ReduceLogSumExp", "ReduceProd",
              "ReduceSumSquare"]


def reduction(op: str, x: np.ndarray, axes: list[int] | None, opset: int, **attrs):
    if axes is None or opset < 18:
        if axes is not None:
            attrs["axes"] = axes
        return node_model(op, {"x": x}, opset, **attrs)
    return node_model(op, {"x": x}, opset, {"axes": np.array(axes, np.int64)}, **attrs)


@pytest.mark.parametrize("op", REDUCTIONS)
@pytest.mark.parametrize("opset", [13, 18])
@pytest.mark.parametrize(("axes", "keepdims"), [([1], 1), ([0, 2], 0), ([-1], 1), (None, 0)])
def test_reduction(op, opset, axes, keepdims, options) -> None:
    x = rand(2, 3, 4, low=0.1, high=2.0) if op == "ReduceLogSum" else rand(2, 3, 4, low=-2, high=2)
    check(reduction(op, x, axes, opset, keepdims=keepdims), {"x": x}, options, rtol=1e-5)


@pytest.mark.parametrize("op", REDUCTIONS)
def test_reduction_noop_with_empty_axes(op, options) -> None:
    x = rand(2, 3, low=0.5, high=2.0)
    check(reduction(op, x, None, 18, noop_with_empty_axes=1), {"x": x}, options)


@pytest.mark.parametrize("op", REDUCTIONS)
def test_reduction_of_nothing(op, options) -> None:
    x = np.zeros((2, 0, 3), np.float32)
    check(reduction(op, x, [1], 18, keepdims=1), {"x": x}, options)


def test_log_sum_exp_is_stable(options) -> None:
    x = np.array([[1000.0, 999.0, -np.inf], [-np.inf, -np.inf, -np.inf]], np.float32)
    check(reduction("ReduceLogSumExp", x, [1], 18, keepdims=0), {"x": x}, options)


@pytest.mark.parametrize("dtype", [np.int64, np.int32])
@pytest.mark.parametrize("op", ["ReduceL1", "ReduceProd", "ReduceSumSquare"])
def test_integer_reduction(op, dtype, options) -> None:
    x = np.random.default_rng(1).integers(-4, 5, (3, 4)).astype(dtype)
    check(reduction(op, x, [1], 18, keepdims=0), {"x": x}, options)


@pytest.mark.parametrize("op", ["ArgMax", "ArgMin"])
@pytest.mark.parametrize(("axis", "keepdims"), [(0, 1), (1, 0), (-1, 1)])
@pytest.mark.parametrize("last", [0, 1])
def test_arg_reduce(op, axis, keepdims, last, options) -> None:
    x = np.random.default_rng(2).integers(-2, 3, (3, 5, 4)).astype(np.float32)  # many ties
    model = node_model(op, {"x": x}, 13, axis=axis, keepdims=keepdims, select_last_index=last)
    check(model, {"x": x}, options)


def test_arg_max_integers(options) -> None:
    x = np.array([[3, 9, 9, -1], [-7, -7, -8, -9]], np.int64)
    check(node_model("ArgMax", {"x": x}, 13, axis=1), {"x": x}, options)


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_hardmax(axis, options) -> None:
    x = np.random.default_rng(3).integers(-2, 3, (3, 4, 5)).astype(np.float32)
    check(node_model("Hardmax", {"x": x}, 13, axis=axis), {"x": x}, options)


@pytest.mark.parametrize(("p", "axis"), [(1, 0), (2, -1), (2, 1)])
def test_lp_normalization(p, axis, options) -> None:
    x = rand(3, 4, 5)
    x[0, 1, :] = 0  # a zero norm along every axis somewhere: 0, not NaN
    x[:, 2, 3] = 0
    x[1, :, 4] = 0
    check(node_model("LpNormalization", {"x": x}, 22, p=p, axis=axis), {"x": x}, options)


@pytest.mark.parametrize("op", ["CumSum", "CumProd"])
@pytest.mark.parametrize(("exclusive", "reverse"), [(0, 0), (1, 0), (0, 1), (1, 1)])
@pytest.mark.parametrize("axis", [0, -1])
def test_cumulative(op, exclusive, reverse, axis, options) -> None:
    x = rand(3, 4, low=0.5, high=1.5)
    model = node_model(op, {"x": x}, 26, {"axis": np.array(axis, np.int64)},
                       exclusive=exclusive, reverse=reverse)
    check(model, {"x": x}, options)


def test_cumsum_int32(options) -> None:
    x = np.arange(1, 11, dtype=np.int32).reshape(2, 5)
    check(node_model("CumSum", {"x": x}, 14, {"axis": np.array([1], np.int32)}), {"x": x}, options)


@pytest.mark.parametrize("attrs", [
    {"kernel_shape": [3, 3], "p": 2}, {"kernel_shape": [2, 2], "strides": [2, 2], "p": 1},
    {"kernel_shape": [3, 3], "pads": [1, 1, 1, 1], "p": 3},
    {"kernel_shape": [3, 3], "auto_pad": "SAME_UPPER", "p": 2},
    {"kernel_shape": [3, 3], "strides": [2, 2], "ceil_mode": 1, "p": 2},
    {"kernel_shape": [2, 2], "dilations": [2, 2], "p": 2},
])
def test_lp_pool(attrs, options) -> None:
    x = rand(1, 2, 7, 7)
    check(node_model("LpPool", {"x": x}, 22, **attrs), {"x": x}, options, rtol=1e-4)


@pytest.mark.parametrize(("axis", "scale_shape"), [(-1, (8,)), (1, (3, 8)), (-1, (1,))])
def test_rms_normalization(axis, scale_shape, options) -> None:
    x = rand(2, 3, 8)
    scale = rand(*scale_shape, seed=1)
    model = node_model("RMSNormalization", {"x": x}, 23, {"scale": scale}, axis=axis,
                       epsilon=1e-3)
    check(model, {"x": x}, options, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("shape", [(2, 6, 5, 3), (2, 6)])
def test_group_normalization(shape, options) -> None:
    x = rand(*shape)
    weights = {"scale": rand(6, seed=1), "bias": rand(6, seed=2)}
    model = node_model("GroupNormalization", {"x": x}, 21, weights, declared=shape,
                       num_groups=3, epsilon=1e-2)
    check(model, {"x": x}, options, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("interleaved", [0, 1])
@pytest.mark.parametrize("rotary_dim", [0, 4])
@pytest.mark.parametrize("layout", ["4d", "3d", "no_positions"])
def test_rotary_embedding(interleaved, rotary_dim, layout, options) -> None:
    batch, heads, seq, head = 2, 3, 5, 8
    half = (rotary_dim or head) // 2
    theta = np.arange(16)[:, None] * (0.1 * np.arange(1, half + 1))[None, :]
    cos, sin = np.cos(theta).astype(np.float32), np.sin(theta).astype(np.float32)
    attrs = {"interleaved": interleaved, "rotary_embedding_dim": rotary_dim}
    positions = np.random.default_rng(4).integers(0, 16, (batch, seq)).astype(np.int64)
    if layout == "4d":
        x = rand(batch, heads, seq, head)
        weights = {"cos": cos, "sin": sin, "positions": positions}
    elif layout == "3d":
        x = rand(batch, seq, heads * head)
        weights = {"cos": cos, "sin": sin, "positions": positions}
        attrs["num_heads"] = heads
    else:
        x = rand(batch, heads, seq, head)
        weights = {"cos": cos[positions], "sin": sin[positions]}
    feeds = {"x": x}
    model = node_model("RotaryEmbedding", feeds, 23, weights, **attrs)
    check(model, feeds, options, rtol=1e-5, atol=1e-5)


def test_rotary_embedding_run_time_caches(options) -> None:
    x = rand(1, 2, 4, 6)
    cos, sin = rand(1, 4, 3, seed=1), rand(1, 4, 3, seed=2)
    feeds = {"x": x, "cos": cos, "sin": sin}
    check(node_model("RotaryEmbedding", feeds, 23), feeds, options)
