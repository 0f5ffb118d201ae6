"""The ONNX backend API over tcc (`tcompiler.backend`) on small models."""

from __future__ import annotations

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

import tcompiler.backend as backend

RNG = np.random.default_rng(0)


def _model(nodes: list[onnx.NodeProto], inputs: list[onnx.ValueInfoProto],
           outputs: list[onnx.ValueInfoProto],
           initializers: list[onnx.TensorProto] | None = None) -> onnx.ModelProto:
    graph = helper.make_graph(nodes, "g", inputs, outputs, initializer=initializers or [])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def _f32(name: str, shape: list[int | str] | None) -> onnx.ValueInfoProto:
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, shape)


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> str:
    return str(tmp_path_factory.mktemp("backend_api_kernels"))


def relu_add_model() -> onnx.ModelProto:
    """y = relu(a) + b."""
    nodes = [helper.make_node("Relu", ["a"], ["r"]), helper.make_node("Add", ["r", "b"], ["y"])]
    return _model(nodes, [_f32("a", [2, 3]), _f32("b", [2, 3])], [_f32("y", [2, 3])])


def test_supports_device() -> None:
    assert backend.supports_device("CPU")
    assert backend.supports_device("cpu")
    assert not backend.supports_device("CUDA")
    assert not backend.supports_device("CUDA:0")


def test_prepare_for_cuda_is_not_implemented() -> None:
    with pytest.raises(NotImplementedError, match="CPU only"):
        backend.prepare(relu_add_model(), "CUDA")
    with pytest.raises(NotImplementedError):
        backend.run_model(relu_add_model(), [np.zeros((2, 3), np.float32)] * 2, "CUDA")


def test_unsupported_op_is_not_implemented_and_named() -> None:
    model = _model([helper.make_node("Atan", ["a"], ["y"], name="the_atan")],
                   [_f32("a", [4])], [_f32("y", [4])])
    with pytest.raises(NotImplementedError, match="Atan.*the_atan"):
        backend.prepare(model)
    with pytest.raises(NotImplementedError, match="Atan"):
        backend.run_node(helper.make_node("Atan", ["a"], ["y"]), [np.zeros(4, np.float32)])


def test_run_by_list_and_by_dict(cache: str) -> None:
    a = RNG.standard_normal((2, 3), dtype=np.float32)
    b = RNG.standard_normal((2, 3), dtype=np.float32)
    want = np.maximum(a, 0) + b
    rep = backend.prepare(relu_add_model(), cache_dir=cache)
    (by_list,) = rep.run([a, b])
    (by_dict,) = rep.run({"b": b, "a": a})
    np.testing.assert_allclose(by_list, want, rtol=1e-6)
    np.testing.assert_allclose(by_dict, want, rtol=1e-6)
    assert by_list.dtype == np.float32
    assert rep.specializations == 1  # same shapes: compiled once


def test_run_model(cache: str) -> None:
    a = RNG.standard_normal((2, 3), dtype=np.float32)
    (y,) = backend.run_model(relu_add_model(), [a, a], cache_dir=cache)
    np.testing.assert_allclose(y, np.maximum(a, 0) + a, rtol=1e-6)


def test_run_node(cache: str) -> None:
    x = RNG.standard_normal((2, 3, 4), dtype=np.float32)
    node = helper.make_node("Transpose", ["x"], ["y"], perm=[2, 0, 1])
    (y,) = backend.run_node(node, [x], cache_dir=cache)
    np.testing.assert_array_equal(y, x.transpose(2, 0, 1))
    node = helper.make_node("Softmax", ["x"], ["y"], axis=1)
    (y,) = backend.run_node(node, [x], cache_dir=cache)
    e = np.exp(x - x.max(axis=1, keepdims=True))
    np.testing.assert_allclose(y, e / e.sum(axis=1, keepdims=True), rtol=1e-5)


def test_symbolic_dims_take_the_shapes_given(cache: str) -> None:
    model = _model([helper.make_node("Relu", ["x"], ["y"])], [_f32("x", ["n", 4])],
                   [_f32("y", ["n", 4])])
    rep = backend.prepare(model, cache_dir=cache)
    for n in (1, 3):
        x = RNG.standard_normal((n, 4), dtype=np.float32)
        (y,) = rep.run([x])
        np.testing.assert_array_equal(y, np.maximum(x, 0))
    assert rep.specializations == 2


def test_other_int64_shape_input_compiles_a_second_specialization(cache: str) -> None:
    shape = helper.make_tensor_value_info("shape", TensorProto.INT64, [2])
    model = _model([helper.make_node("Reshape", ["x", "shape"], ["y"])],
                   [_f32("x", [2, 6]), shape], [_f32("y", ["p", "q"])])
    rep = backend.prepare(model, cache_dir=cache)
    x = np.arange(12, dtype=np.float32).reshape(2, 6)
    (y,) = rep.run([x, np.array([3, 4], np.int64)])
    assert y.shape == (3, 4) and rep.specializations == 1
    (y,) = rep.run({"x": x, "shape": np.array([4, -1], np.int64)})
    assert y.shape == (4, 3) and rep.specializations == 2
    np.testing.assert_array_equal(y, x.reshape(4, 3))
    (y,) = rep.run([x, np.array([3, 4], np.int64)])  # the first one, not compiled again
    assert y.shape == (3, 4) and rep.specializations == 2


def test_concat_of_int64_shape_tensors(cache: str) -> None:
    """Reshape to concat(shape(x)[0:1], [-1]): shape arithmetic on int64 tensors folds away."""
    nodes = [helper.make_node("Shape", ["x"], ["s"]),
             helper.make_node("Slice", ["s", "zero", "one"], ["n"]),
             helper.make_node("Concat", ["n", "minus_one"], ["target"], axis=0),
             helper.make_node("Reshape", ["x", "target"], ["y"])]
    inits = [numpy_helper.from_array(np.array(v, np.int64), name)
             for name, v in (("zero", [0]), ("one", [1]), ("minus_one", [-1]))]
    model = _model(nodes, [_f32("x", [2, 3, 4])], [_f32("y", ["p", "q"])], inits)
    x = RNG.standard_normal((2, 3, 4), dtype=np.float32)
    (y,) = backend.run_model(model, [x], cache_dir=cache)
    np.testing.assert_array_equal(y, x.reshape(2, 12))


@pytest.mark.parametrize("dtype, value", [(np.int32, 7), (np.int64, 2**40 + 1), (np.float32, 0.5)])
def test_constant_of_shape_keeps_its_element_type(cache: str, dtype: type, value: float) -> None:
    fill = numpy_helper.from_array(np.array([value], dtype))
    node = helper.make_node("ConstantOfShape", ["shape"], ["y"], value=fill)
    (y,) = backend.run_node(node, [np.array([2, 3], np.int64)], cache_dir=cache)
    assert y.dtype == dtype
    np.testing.assert_array_equal(y, np.full((2, 3), value, dtype))


def test_dropout_inference_outputs_input_and_true_mask(cache: str) -> None:
    x = RNG.standard_normal((3, 4), dtype=np.float32)
    node = helper.make_node("Dropout", ["x", "ratio"], ["y", "mask"])
    y, mask = backend.run_node(node, [x, np.array(0.3, np.float32)], cache_dir=cache)
    np.testing.assert_array_equal(y, x)
    assert mask.dtype == np.bool_ and mask.all() and mask.shape == x.shape


def test_dropout_in_training_mode_is_declined() -> None:
    node = helper.make_node("Dropout", ["x", "ratio", "training"], ["y"])
    with pytest.raises(NotImplementedError, match="Dropout"):
        backend.run_node(node, [np.zeros((2, 2), np.float32), np.array(0.5, np.float32),
                                np.array(True)])
