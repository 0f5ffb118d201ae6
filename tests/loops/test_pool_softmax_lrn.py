"""kernel.pool (max/avg, pads, ceil-mode output sizes, count_include_pad, dilations),
kernel.softmax (every axis) and kernel.lrn, against onnxruntime / numpy."""

from __future__ import annotations

import numpy as np
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper

RNG = np.random.default_rng(2)


def rand(*shape: int) -> np.ndarray:
    return RNG.standard_normal(shape).astype(np.float32)


def ints(values) -> str:
    return "array<i64: " + ", ".join(str(v) for v in values) + ">"


def onnxruntime_node(op_type: str, x: np.ndarray, **attrs) -> np.ndarray:
    node = helper.make_node(op_type, ["x"], ["y"], **attrs)
    graph = helper.make_graph(
        [node], "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, x.shape)],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 19)])
    model.ir_version = 9
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    return session.run(None, {"x": x})[0]


POOL_CASES = {
    # name: (kind, x shape, kernel, strides, pads, dilations, ceil_mode, count_include_pad)
    "max_pad": ("max", (1, 2, 7, 7), [3, 3], [2, 2], [1, 1, 1, 1], [1, 1], 0, 0),
    "max_ceil_asym": ("max", (2, 2, 6, 7), [3, 2], [2, 2], [0, 1, 1, 0], [1, 1], 1, 0),
    "max_dilation": ("max", (1, 1, 8, 8), [2, 2], [1, 1], [1, 1, 1, 1], [2, 2], 0, 0),
    "max_1d": ("max", (1, 3, 9), [3], [2], [1, 1], [1], 1, 0),
    "avg_excl_pad": ("avg", (1, 2, 7, 7), [3, 3], [2, 2], [1, 1, 1, 1], [1, 1], 0, 0),
    "avg_incl_pad": ("avg", (1, 2, 7, 7), [3, 3], [2, 2], [1, 1, 1, 1], [1, 1], 0, 1),
    "avg_ceil_incl": ("avg", (1, 2, 6, 6), [3, 3], [2, 2], [1, 1, 1, 1], [1, 1], 1, 1),
    "avg_ceil_excl": ("avg", (1, 1, 6, 7), [3, 3], [2, 3], [0, 1, 1, 0], [1, 1], 1, 0),
    "avg_dil_incl": ("avg", (1, 1, 8, 8), [2, 2], [2, 2], [1, 1, 1, 1], [2, 2], 1, 1),
    "avg_3d": ("avg", (1, 2, 4, 5, 5), [2, 3, 3], [1, 2, 2], [0, 1, 1, 1, 1, 1], [1, 1, 1], 0, 1),
    "global_avg": ("avg", (2, 3, 4, 5), [4, 5], [1, 1], [0, 0, 0, 0], [1, 1], 0, 0),
    # rows with at least 4 interior outputs run on vectors (16, 8 or 4 lanes, the last one
    # shifted; strides 2 and 3 by shuffles), the edges a window at a time
    "max_s2_ceil_wide": ("max", (1, 3, 5, 112), [3, 3], [2, 2], [0, 0, 0, 0], [1, 1], 1, 0),
    "max_pad_wide": ("max", (1, 2, 6, 112), [3, 3], [2, 2], [1, 1, 1, 1], [1, 1], 0, 0),
    "max_dilated_wide": ("max", (1, 1, 6, 50), [2, 3], [1, 1], [0, 0, 0, 0], [1, 2], 0, 0),
    "max_s3_wide": ("max", (1, 2, 4, 70), [3, 3], [3, 3], [0, 1, 0, 1], [1, 1], 0, 0),
    "avg_s5_wide": ("avg", (1, 2, 4, 90), [2, 5], [1, 5], [0, 0, 0, 0], [1, 1], 0, 0),
    "max_8_lanes": ("max", (2, 2, 13, 27), [3, 3], [2, 2], [0, 0, 0, 0], [1, 1], 0, 0),
    "max_1d_wide": ("max", (1, 3, 40), [3], [2], [1, 1], [1], 0, 0),
    "avg_incl_pad_wide": ("avg", (1, 2, 6, 40), [3, 3], [1, 1], [1, 1, 1, 1], [1, 1], 0, 1),
    "avg_excl_s2_wide": ("avg", (1, 2, 7, 47), [2, 3], [1, 2], [0, 1, 1, 1], [1, 1], 1, 0),
    "avg_4_lanes": ("avg", (1, 2, 7, 11), [3, 3], [2, 2], [1, 1, 1, 1], [1, 1], 0, 0),
    "avg_3d_wide": ("avg", (1, 2, 3, 4, 36), [2, 2, 3], [1, 1, 2], [0, 1, 1, 1, 0, 1],
                    [1, 1, 1], 1, 1),
    # more taps along the row than pool.ROW_TAPS: window at a time, not by rows
    "max_wide_window": ("max", (1, 2, 4, 40), [2, 20], [1, 4], [0, 2, 0, 2], [1, 1], 0, 0),
    "avg_wide_window": ("avg", (1, 2, 4, 40), [2, 20], [1, 4], [0, 2, 0, 2], [1, 1], 0, 1),
}


@pytest.mark.parametrize("case", POOL_CASES, ids=list(POOL_CASES))
def test_pool_matches_onnxruntime(run_kernel, case):
    kind, shape, kernel, strides, pads, dilations, ceil_mode, include = POOL_CASES[case]
    op_type = "MaxPool" if kind == "max" else "AveragePool"
    x = rand(*shape)
    attrs = dict(kernel_shape=kernel, strides=strides, pads=pads, ceil_mode=ceil_mode)
    if op_type == "AveragePool":
        attrs["count_include_pad"] = include
    if dilations != [1] * len(kernel):
        attrs["dilations"] = dilations
    ref = onnxruntime_node(op_type, x, **attrs)
    op = (f'kernel.pool "{kind}" %a0 -> %a1 {{kernel_shape = {ints(kernel)}, '
          f"strides = {ints(strides)}, pads = {ints(pads)}, dilations = {ints(dilations)}, "
          f"count_include_pad = {include} : i64}}"
          " : $0 -> $1")
    out = run_kernel(op, [x, np.zeros(ref.shape, np.float32)])
    np.testing.assert_allclose(out, ref, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("shape,axis", [((3, 5), 1), ((3, 5), 0), ((2, 3, 4), 0), ((2, 3, 4), 1),
                                        ((2, 3, 4), 2), ((2, 4, 1), 1), ((6,), 0)])
def test_softmax_each_axis(run_kernel, shape, axis):
    x = rand(*shape) * 4
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    ref = e / e.sum(axis=axis, keepdims=True)
    op = f"kernel.softmax %a0 -> %a1 {{axis = {axis} : i64}} : $0 -> $1"
    out = run_kernel(op, [x, np.zeros(shape, np.float32)])
    np.testing.assert_allclose(out, ref, rtol=1e-5, atol=1e-7)


def lrn_reference(x, size, alpha, beta, bias):
    """The ONNX LRN formula, written out (onnx.reference's LRN loops over the batch dim)."""
    channels = x.shape[1]
    before, after = (size - 1) // 2, size - 1 - (size - 1) // 2
    square_sum = np.zeros(x.shape, np.float64)
    for c in range(channels):
        lo, hi = max(0, c - before), min(channels, c + after + 1)
        square_sum[:, c] = (x[:, lo:hi].astype(np.float64) ** 2).sum(axis=1)
    return x / (bias + alpha / size * square_sum) ** beta


@pytest.mark.parametrize("size", [1, 2, 3, 4, 5])
def test_lrn(run_kernel, size):
    """Against onnxruntime for odd sizes (it rejects even ones) and the formula for all."""
    x = rand(2, 6, 3, 4)
    alpha, beta, bias = 1e-1, 0.75, 2.0
    ref = lrn_reference(x, size, alpha, beta, bias)
    if size % 2:
        ort_ref = onnxruntime_node("LRN", x, size=size, alpha=alpha, beta=beta, bias=bias)
        np.testing.assert_allclose(ref, ort_ref, rtol=1e-5, atol=1e-6)
    op = (f"kernel.lrn %a0 -> %a1 {{size = {size} : i64, alpha = {alpha} : f32, "
          f"beta = {beta} : f32, bias = {bias} : f32}} : $0 -> $1")
    out = run_kernel(op, [x, np.zeros(x.shape, np.float32)])
    np.testing.assert_allclose(out, ref, rtol=1e-5, atol=1e-6)
