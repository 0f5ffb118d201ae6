"""Neural-network ops end to end: small models built with onnx.helper, compiled by tcc, run
natively on seeded random inputs and compared with onnxruntime (onnx.reference where
onnxruntime lacks the op or mode, e.g. BatchNormalization in training mode).
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper
from onnx.reference import ReferenceEvaluator

from tcompiler.errors import ModelError, UnsupportedModelError
from tcompiler.pipeline import CompileOptions, compile_model
from tcompiler.runtime import CompiledModel

TYPES = {np.float32: TensorProto.FLOAT, np.int64: TensorProto.INT64,
         np.int32: TensorProto.INT32, np.bool_: TensorProto.BOOL}


@pytest.fixture(scope="module")
def opts(cache_dir: str) -> CompileOptions:
    return CompileOptions(cache_dir=cache_dir, memory_plan="greedy")


def make(nodes: list[onnx.NodeProto], inputs: dict[str, np.ndarray], outputs: list[str],
         opset: int = 17, initializers: dict[str, np.ndarray] | None = None) -> onnx.ModelProto:
    graph = helper.make_graph(
        nodes, "g",
        [helper.make_tensor_value_info(n, TYPES[a.dtype.type], a.shape) for n, a in inputs.items()],
        [helper.make_empty_tensor_value_info(n) for n in outputs],
        [onnx.numpy_helper.from_array(a, n) for n, a in (initializers or {}).items()])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    return onnx.shape_inference.infer_shapes(model, strict_mode=True)


def reference(model: onnx.ModelProto, inputs: dict[str, np.ndarray],
              use_ort: bool = True) -> list[np.ndarray]:
    if use_ort:
        try:
            session = ort.InferenceSession(model.SerializeToString(),
                                           providers=["CPUExecutionProvider"])
            return session.run(None, inputs)
        except Exception:  # noqa: BLE001 - modes onnxruntime's CPU build lacks
            pass
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return [np.asarray(r) for r in ReferenceEvaluator(model).run(None, inputs)]


def check(model: onnx.ModelProto, inputs: dict[str, np.ndarray], opts: CompileOptions,
          rtol: float = 1e-4, atol: float = 1e-5, use_ort: bool = True) -> list[np.ndarray]:
    program, _ = compile_model(model, opts)
    got = CompiledModel(program).run(inputs)
    want = reference(model, inputs, use_ort)
    for g, w in zip(got, want, strict=True):
        assert g.dtype == w.dtype and g.shape == w.shape, (g.dtype, w.dtype, g.shape, w.shape)
        np.testing.assert_allclose(g, w, rtol=rtol, atol=atol)
    return got


def rand(*shape: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).uniform(-2.0, 2.0, shape).astype(np.float32)


def node(op: str, inputs: list[str], outputs: list[str], **attrs: Any) -> onnx.NodeProto:
    return helper.make_node(op, inputs, outputs, **attrs)


# ----------------------------------------------------------------------------- Conv


@pytest.mark.parametrize("x_shape, w_shape, attrs", [
    ((1, 2, 9), (3, 2, 3), {"strides": [2], "pads": [1, 2]}),
    ((2, 4, 7, 6), (6, 2, 3, 3), {"group": 2, "dilations": [2, 1], "auto_pad": "SAME_LOWER"}),
    ((1, 3, 8, 7), (4, 3, 2, 3), {"auto_pad": "SAME_UPPER", "strides": [2, 2]}),
    ((1, 2, 5, 6, 4), (3, 2, 3, 2, 2), {"pads": [1, 0, 1, 1, 1, 0], "kernel_shape": [3, 2, 2]}),
    ((1, 3, 6, 6), (3, 1, 3, 3), {"group": 3, "auto_pad": "VALID"}),
    # an empty batch (tcc fuzz: the direct convs' unit split divided by zero)
    ((0, 3, 32, 7), (16, 3, 3, 3), {"pads": [1, 1, 1, 1]}),
    ((0, 64, 7, 7), (64, 64, 3, 3), {"pads": [1, 1, 1, 1]}),
])
def test_conv_variants(x_shape, w_shape, attrs, opts) -> None:
    bias = rand(w_shape[0], seed=2)
    model = make([node("Conv", ["x", "w", "b"], ["y"], **attrs)], {"x": rand(*x_shape)}, ["y"],
                 initializers={"w": rand(*w_shape, seed=1), "b": bias})
    check(model, {"x": rand(*x_shape)}, opts)


def test_conv_bias_residual_relu_fused(opts) -> None:
    nodes = [node("Conv", ["x", "w", "b"], ["c"], pads=[1, 1, 1, 1]),
             node("Add", ["c", "x"], ["s"]), node("Relu", ["s"], ["y"])]
    model = make(nodes, {"x": rand(1, 4, 6, 6)}, ["y"],
                 initializers={"w": rand(4, 4, 3, 3, seed=1), "b": rand(4, seed=2)})
    check(model, {"x": rand(1, 4, 6, 6)}, opts)


# ----------------------------------------------------------------------------- ConvTranspose


@pytest.mark.parametrize("x_shape, w_shape, attrs", [
    ((1, 2, 4, 5), (2, 3, 3, 3), {}),
    ((1, 2, 4, 5), (2, 3, 3, 2), {"strides": [2, 3], "pads": [1, 0, 0, 1],
                                  "output_padding": [1, 1]}),
    ((2, 4, 3, 3), (4, 2, 3, 3), {"group": 2, "dilations": [2, 1], "strides": [1, 2]}),
    ((1, 1, 5), (1, 2, 4), {"strides": [3], "output_shape": [17]}),
    ((1, 2, 3, 3), (2, 2, 3, 3), {"strides": [2, 2], "auto_pad": "SAME_UPPER"}),
    ((1, 2, 3, 3), (2, 2, 4, 4), {"strides": [2, 2], "auto_pad": "SAME_LOWER"}),
    ((1, 1, 2, 3, 2), (1, 2, 2, 2, 2), {"strides": [2, 1, 2]}),
])
def test_conv_transpose(x_shape, w_shape, attrs, opts) -> None:
    x = rand(*x_shape)
    model = make([node("ConvTranspose", ["x", "w", "b"], ["y"], **attrs)], {"x": x}, ["y"],
                 initializers={"w": rand(*w_shape, seed=1),
                               "b": rand(w_shape[1] * attrs.get("group", 1), seed=2)})
    check(model, {"x": x}, opts, use_ort="auto_pad" not in attrs)


# ----------------------------------------------------------------------------- pools


@pytest.mark.parametrize("storage_order", [0, 1])
def test_maxpool_indices(storage_order, opts) -> None:
    x = rand(2, 3, 7, 6)
    model = make([node("MaxPool", ["x"], ["y", "i"], kernel_shape=[3, 2], strides=[2, 2],
                       pads=[1, 0, 1, 1], storage_order=storage_order)], {"x": x}, ["y", "i"])
    check(model, {"x": x}, opts)


def test_maxpool_indices_only_1d_and_3d(opts) -> None:
    x1, x3 = rand(1, 2, 9), rand(1, 2, 4, 5, 3, seed=1)
    model = make([node("MaxPool", ["a"], ["p", "i"], kernel_shape=[3], strides=[2]),
                  node("MaxPool", ["b"], ["q", "j"], kernel_shape=[2, 2, 2])],
                 {"a": x1, "b": x3}, ["i", "q", "j"])
    check(model, {"a": x1, "b": x3}, opts)


def test_global_pools(opts) -> None:
    x = rand(2, 3, 5, 4)
    model = make([node("GlobalMaxPool", ["x"], ["m"]), node("GlobalAveragePool", ["x"], ["a"])],
                 {"x": x}, ["m", "a"])
    check(model, {"x": x}, opts)


# ----------------------------------------------------------------------------- normalizations


def test_batchnorm_training_mode(opts) -> None:
    x = rand(3, 4, 2, 5)
    params = {"s": rand(4, seed=1), "b": rand(4, seed=2), "m": rand(4, seed=3),
              "v": np.abs(rand(4, seed=4)) + 0.5}
    model = make([node("BatchNormalization", ["x", "s", "b", "m", "v"], ["y", "rm", "rv"],
                       training_mode=1, momentum=0.8, epsilon=1e-3)],
                 {"x": x}, ["y", "rm", "rv"], opset=15, initializers=params)
    check(model, {"x": x}, opts, use_ort=False)


def test_batchnorm_training_mode_y_only(opts) -> None:
    x = rand(2, 3, 4)
    params = {"s": rand(3, seed=1), "b": rand(3, seed=2), "m": rand(3, seed=3),
              "v": np.abs(rand(3, seed=4)) + 0.5}
    model = make([node("BatchNormalization", ["x", "s", "b", "m", "v"], ["y", "rm", "rv"],
                       training_mode=1)],
                 {"x": x}, ["y"], opset=15, initializers=params)
    check(model, {"x": x}, opts, use_ort=False)


def test_batchnorm_inference_runtime_params(opts) -> None:
    x, s, b, m = rand(2, 3, 4, 4), rand(3, seed=1), rand(3, seed=2), rand(3, seed=3)
    v = np.abs(rand(3, seed=4)) + 0.5
    model = make([node("BatchNormalization", ["x", "s", "b", "m", "v"], ["y"])],
                 {"x": x, "s": s, "b": b, "m": m, "v": v}, ["y"])
    check(model, {"x": x, "s": s, "b": b, "m": m, "v": v}, opts)


@pytest.mark.parametrize("order", ["conv_bn_mul_add", "scalar_mul_first", "add_only"])
def test_conv_folds_per_channel_mul_and_add(order: str, opts) -> None:
    """Conv, BatchNormalization, Mul and Add by per-channel constants (Inception-v2's
    exported BN), folded into the conv (`fold-batchnorm`): the same values as onnxruntime."""
    x = rand(1, 3, 6, 6)
    inits = {"w": rand(4, 3, 3, 3, seed=1), "cb": rand(4, seed=2), "s": rand(4, seed=3),
             "t": rand(4, seed=4), "m": rand(4, seed=5), "v": np.abs(rand(4, seed=6)) + 0.5,
             "k": rand(4, 1, 1, seed=7), "u": rand(1, 4, 1, 1, seed=8),
             "one": np.array(1.5, np.float32)}
    nodes = [node("Conv", ["x", "w", "cb"], ["c"], pads=[1, 1, 1, 1])]
    if order == "conv_bn_mul_add":
        nodes += [node("BatchNormalization", ["c", "s", "t", "m", "v"], ["n"]),
                  node("Mul", ["n", "k"], ["p"]), node("Add", ["u", "p"], ["y"])]
    elif order == "scalar_mul_first":
        nodes += [node("Mul", ["one", "c"], ["p"]), node("Add", ["p", "u"], ["y"])]
    else:
        nodes += [node("Add", ["c", "k"], ["y"])]
    model = make(nodes, {"x": x}, ["y"], initializers=inits)
    program, _ = compile_model(model, opts)
    assert all(program.meta["kernels"][s.kernel]["op"] != "map" for s in program.steps)
    check(model, {"x": x}, opts)


def test_instance_normalization(opts) -> None:
    x = rand(2, 3, 4, 5)
    model = make([node("InstanceNormalization", ["x", "s", "b"], ["y"], epsilon=1e-3)],
                 {"x": x}, ["y"], initializers={"s": rand(3, seed=1), "b": rand(3, seed=2)})
    check(model, {"x": x}, opts)


@pytest.mark.parametrize("axis", [-1, 1, 0, -2])
def test_layer_normalization_with_stats(axis, opts) -> None:
    x = rand(2, 3, 4)
    normalized = x.shape[axis:]
    model = make([node("LayerNormalization", ["x", "s", "b"], ["y", "mean", "inv"], axis=axis,
                       epsilon=1e-4)],
                 {"x": x}, ["y", "mean", "inv"],
                 initializers={"s": rand(*normalized, seed=1), "b": rand(*normalized, seed=2)})
    check(model, {"x": x}, opts)


def test_layer_normalization_no_bias_broadcast_scale(opts) -> None:
    x = rand(2, 5, 8)
    model = make([node("LayerNormalization", ["x", "s"], ["y"])], {"x": x}, ["y"],
                 initializers={"s": rand(8, seed=1)})
    check(model, {"x": x}, opts)


def test_layer_normalization_scale_not_broadcasting_is_invalid(opts) -> None:
    """Found by `tcc fuzz` (onnx-input-shape): onnx shape inference accepts a scale that
    does not broadcast to X.shape[axis:]; the importer must reject it, not a later pass."""
    x = rand(7, 3)
    model = make([node("LayerNormalization", ["x", "s"], ["y"], axis=0)], {"x": x}, ["y"],
                 initializers={"s": rand(8, 3, seed=1)})
    with pytest.raises(ModelError, match="does not broadcast to the normalized dims"):
        compile_model(model, opts)


def test_prelu_slope_not_broadcasting_to_x_is_invalid(opts) -> None:
    """Found by `tcc fuzz` (onnx-rewire): onnx shape inference gives PRelu the shape of X
    without checking that the slope broadcasts to it; tcc computed a wrong shape."""
    x = np.array(0.5, dtype=np.float32)
    model = make([node("PRelu", ["x", "s"], ["y"])], {"x": x}, ["y"],
                 initializers={"s": rand(1, 1, seed=1)})
    with pytest.raises(ModelError, match="slope .* has a higher rank than X"):
        compile_model(model, opts)


def test_lrn(opts) -> None:
    x = rand(1, 5, 3, 3)
    model = make([node("LRN", ["x"], ["y"], size=3, alpha=0.01, beta=0.5, bias=2.0)],
                 {"x": x}, ["y"])
    check(model, {"x": x}, opts)


# ----------------------------------------------------------------------------- softmax


@pytest.mark.parametrize("op", ["Softmax", "LogSoftmax"])
@pytest.mark.parametrize("axis", [0, 1, -1])
def test_softmax_axes(op, axis, opts) -> None:
    x = rand(3, 4, 5) * 20
    model = make([node(op, ["x"], ["y"], axis=axis)], {"x": x}, ["y"])
    check(model, {"x": x}, opts)


@pytest.mark.parametrize("op", ["Softmax", "LogSoftmax"])
def test_softmax_opset11_coerces_to_2d(op, opts) -> None:
    x = rand(2, 3, 4)
    model = make([node(op, ["x"], ["y"], axis=1)], {"x": x}, ["y"], opset=11)
    check(model, {"x": x}, opts)


# ----------------------------------------------------------------------------- gemm, matmul


@pytest.mark.parametrize("a_shape, b_shape", [
    ((4,), (4,)), ((4,), (2, 4, 3)), ((2, 3, 4), (4,)), ((3, 4), (4, 5)),
    ((2, 1, 3, 4), (5, 4, 2)), ((1, 3, 4), (2, 4, 6)), ((5, 4), (3, 4, 2)),
])
def test_matmul(a_shape, b_shape, opts) -> None:
    a, b = rand(*a_shape), rand(*b_shape, seed=1)
    model = make([node("MatMul", ["a", "b"], ["y"])], {"a": a, "b": b}, ["y"])
    check(model, {"a": a, "b": b}, opts)


def test_matmul_add_relu(opts) -> None:
    a = rand(3, 8)
    model = make([node("MatMul", ["a", "w"], ["m"]), node("Add", ["m", "b"], ["s"]),
                  node("Relu", ["s"], ["y"])], {"a": a}, ["y"],
                 initializers={"w": rand(8, 6, seed=1), "b": rand(6, seed=2)})
    check(model, {"a": a}, opts)


@pytest.mark.parametrize("attrs, c_shape", [
    ({}, None), ({"transA": 1, "alpha": 0.5}, (5,)), ({"transB": 1, "beta": 2.0}, (3, 5)),
    ({"transA": 1, "transB": 1}, (1,)),
])
def test_gemm(attrs, c_shape, opts) -> None:
    a = rand(4, 3) if attrs.get("transA") else rand(3, 4)
    b = rand(5, 4, seed=1) if attrs.get("transB") else rand(4, 5, seed=1)
    inputs = {"a": a, "b": b}
    names = ["a", "b"]
    if c_shape is not None:
        inputs["c"] = rand(*c_shape, seed=2)
        names.append("c")
    model = make([node("Gemm", names, ["y"], **attrs)], inputs, ["y"])
    check(model, inputs, opts)


@pytest.mark.parametrize("trans_b", [0, 1])
@pytest.mark.parametrize("constant", [True, False])
def test_gemm_packed_weights(trans_b: int, constant: bool, opts) -> None:
    """A B big enough to pack: a constant one is packed in panels at compile time (a
    transposed one as the matrix it means), one given at run time keeps its layout."""
    a, b, c = rand(9, 64), rand(*((200, 64) if trans_b else (64, 200)), seed=1), rand(200, seed=2)
    inputs = {"a": a, **({} if constant else {"b": b})}
    model = make([node("Gemm", ["a", "b", "c"], ["y"], transB=trans_b, alpha=0.5)], inputs,
                 ["y"], initializers={"c": c, **({"b": b} if constant else {})})
    check(model, inputs, opts)


def test_matmul_int_declined(opts) -> None:
    a = np.ones((2, 3), np.int64)
    model = make([node("MatMul", ["a", "a2"], ["y"])], {"a": a, "a2": np.ones((3, 2), np.int64)},
                 ["y"])
    with pytest.raises(UnsupportedModelError, match="float32 only"):
        compile_model(model, opts)
