"""Quantization ops (`rules/quant.py`) compiled by tcc and compared exactly with onnxruntime
(onnx.reference where onnxruntime lacks the type): rounding ties, saturation, per-axis and
blocked scales, zero points per channel, and integer products near the largest exact sum."""

from __future__ import annotations

from typing import cast

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import helper, numpy_helper
from onnx.reference import ReferenceEvaluator

from tcompiler.errors import UnsupportedModelError
from tcompiler.pipeline import CompileOptions, compile_model
from tcompiler.runtime import CompiledModel


@pytest.fixture(scope="module")
def opts(cache_dir: str) -> CompileOptions:
    return CompileOptions(cache_dir=cache_dir, memory_plan="greedy")


def model(node: onnx.NodeProto, inputs: dict[str, np.ndarray],
          constants: dict[str, np.ndarray], opset: int = 21) -> onnx.ModelProto:
    graph = helper.make_graph(
        [node], "g",
        [helper.make_tensor_value_info(n, helper.np_dtype_to_tensor_dtype(a.dtype), a.shape)
         for n, a in inputs.items()],
        [helper.make_empty_tensor_value_info(node.output[0])],
        [numpy_helper.from_array(a, n) for n, a in constants.items()])
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    return onnx.shape_inference.infer_shapes(m, strict_mode=True)


def check(m: onnx.ModelProto, inputs: dict[str, np.ndarray], opts: CompileOptions) -> None:
    try:
        session = ort.InferenceSession(m.SerializeToString(), providers=["CPUExecutionProvider"])
        want = np.asarray(session.run(None, inputs)[0])
    except Exception:  # noqa: BLE001 - types onnxruntime lacks (int2, int16 ...)
        want = np.asarray(cast(list[np.ndarray], ReferenceEvaluator(m).run(None, inputs))[0])
    program, _ = compile_model(m, opts)
    (got,) = CompiledModel(program).run(inputs)
    assert got.dtype == want.dtype and got.shape == want.shape
    np.testing.assert_array_equal(got, want)


TIES = np.array([0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 1e6, -1e6, 0.0, 3.49, -3.51, 127.5],
                np.float32)


@pytest.mark.parametrize("dtype", [np.uint8, np.int8, np.uint16, np.int16])
def test_quantize_rounds_half_to_even_and_saturates(dtype: type, opts: CompileOptions) -> None:
    x = np.concatenate([TIES, TIES * 2]).reshape(2, 12)
    zero = np.array(3, dtype)
    node = helper.make_node("QuantizeLinear", ["x", "s", "z"], ["y"])
    check(model(node, {"x": x}, {"s": np.array(0.5, np.float32), "z": zero}), {"x": x}, opts)


def test_quantize_per_axis_and_blocked(opts: CompileOptions) -> None:
    rng = np.random.default_rng(0)
    x = (rng.standard_normal((2, 6, 5)) * 40).astype(np.float32)
    scale = rng.uniform(0.1, 1.0, 6).astype(np.float32)
    zero = rng.integers(-20, 20, 6).astype(np.int8)
    node = helper.make_node("QuantizeLinear", ["x", "s", "z"], ["y"], axis=1)
    check(model(node, {"x": x}, {"s": scale, "z": zero}), {"x": x}, opts)
    blocked_scale = rng.uniform(0.1, 1.0, (2, 3, 5)).astype(np.float32)
    blocked = helper.make_node("QuantizeLinear", ["x", "s"], ["y"], axis=1, block_size=2)
    check(model(blocked, {"x": x, "s": blocked_scale}, {}), {"x": x, "s": blocked_scale}, opts)


@pytest.mark.parametrize("dtype", [np.uint8, np.int8, np.int32])
def test_dequantize_per_axis(dtype: type, opts: CompileOptions) -> None:
    info = np.iinfo(dtype)
    x = np.array([[info.min, info.max, 0, 1], [7, -1 if info.min else 2, 100, info.max]], dtype)
    node = helper.make_node("DequantizeLinear", ["x", "s", "z"], ["y"], axis=0)
    consts = {"s": np.array([0.25, 3.0], np.float32), "z": np.array([5, 9], dtype)}
    check(model(node, {"x": x}, consts), {"x": x}, opts)


def test_matmul_integer_with_per_column_zero_points(opts: CompileOptions) -> None:
    rng = np.random.default_rng(1)
    a = rng.integers(0, 256, (3, 64), dtype=np.uint8)
    a[0] = 255
    b = rng.integers(-128, 128, (64, 5), dtype=np.int8)
    b[:, 0] = -128
    node = helper.make_node("MatMulInteger", ["a", "b", "za", "zb"], ["y"])
    consts = {"za": np.array(0, np.uint8), "zb": rng.integers(-5, 5, 5).astype(np.int8)}
    check(model(node, {"a": a, "b": b}, consts), {"a": a, "b": b}, opts)


def test_qlinear_conv_per_channel_with_bias(opts: CompileOptions) -> None:
    rng = np.random.default_rng(2)
    x = rng.integers(0, 256, (1, 4, 7, 7), dtype=np.uint8)
    w = rng.integers(-128, 128, (6, 4, 3, 3), dtype=np.int8)
    consts = {"xs": np.array(0.02, np.float32), "xz": np.array(128, np.uint8), "w": w,
              "ws": rng.uniform(0.001, 0.01, 6).astype(np.float32),
              "wz": np.zeros(6, np.int8), "ys": np.array(0.05, np.float32),
              "yz": np.array(100, np.uint8), "b": rng.integers(-500, 500, 6).astype(np.int32)}
    node = helper.make_node("QLinearConv", ["x", "xs", "xz", "w", "ws", "wz", "ys", "yz", "b"],
                            ["y"], pads=[1, 1, 1, 1], strides=[2, 1])
    check(model(node, {"x": x}, consts, opset=10), {"x": x}, opts)


def test_qlinear_matmul_batched(opts: CompileOptions) -> None:
    rng = np.random.default_rng(3)
    a = rng.integers(-128, 128, (2, 3, 16), dtype=np.int8)
    b = rng.integers(-128, 128, (2, 16, 4), dtype=np.int8)
    consts = {"as": np.array(0.1, np.float32), "az": np.array(-3, np.int8),
              "bs": np.array(0.05, np.float32), "bz": np.array(2, np.int8),
              "ys": np.array(2.0, np.float32), "yz": np.array(-10, np.int8)}
    node = helper.make_node("QLinearMatMul", ["a", "as", "az", "b", "bs", "bz", "ys", "yz"],
                            ["y"])
    check(model(node, {"a": a, "b": b}, consts), {"a": a, "b": b}, opts)


def test_integer_sums_that_could_leave_f32_are_declined(opts: CompileOptions) -> None:
    a = np.zeros((1, 300), np.uint8)
    node = helper.make_node("MatMulInteger", ["a", "b"], ["y"])
    b = np.zeros((300, 2), np.uint8)
    with pytest.raises(UnsupportedModelError, match="2\\^24"):
        compile_model(model(node, {"a": a, "b": b}, {}), opts)
