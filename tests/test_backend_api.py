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
    model = _model([helper.make_node("Det", ["a"], ["y"], name="the_det")],
                   [_f32("a", [2, 3, 3])], [_f32("y", [2])])
    with pytest.raises(NotImplementedError, match="Det.*the_det"):
        backend.prepare(model)
    with pytest.raises(NotImplementedError, match="Det"):
        backend.run_node(helper.make_node("Det", ["a"], ["y"]), [np.zeros((2, 3, 3), np.float32)])


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


def test_int_data_inputs_run_natively(cache: str) -> None:
    """Non-float data inputs are fed at run time: the kernels compute on them (the program is
    not a folded constant) and other values reuse the one compiled specialization."""
    ints = [helper.make_tensor_value_info(n, TensorProto.INT32, [3, 4]) for n in ("a", "b")]
    model = _model([helper.make_node("Max", ["a", "b"], ["m"]),
                    helper.make_node("Equal", ["m", "a"], ["y"])],
                   ints, [helper.make_tensor_value_info("y", TensorProto.BOOL, [3, 4])])
    rep = backend.prepare(model, cache_dir=cache)
    for seed in range(3):
        a, b = np.random.default_rng(seed).integers(-9, 9, (2, 3, 4), dtype=np.int32)
        (y,) = rep.run([a, b])
        np.testing.assert_array_equal(y, np.maximum(a, b) == a)
    assert rep.specializations == 1 and not rep.folded
    assert backend.reads_inputs(rep.programs[0])


def test_a_model_of_hyper_parameters_only_is_folded(cache: str) -> None:
    """Range's bounds are hyper-parameters, baked in: the program computes nothing at run time."""
    bounds = [helper.make_tensor_value_info(n, TensorProto.INT64, []) for n in ("lo", "hi", "d")]
    model = _model([helper.make_node("Range", ["lo", "hi", "d"], ["y"])], bounds,
                   [helper.make_tensor_value_info("y", TensorProto.INT64, [None])])
    assert backend.parameter_inputs(model) == {"lo", "hi", "d"}
    rep = backend.prepare(model, cache_dir=cache)
    (y,) = rep.run([np.array(v, np.int64) for v in (2, 11, 3)])
    np.testing.assert_array_equal(y, [2, 5, 8])
    assert rep.folded and not backend.reads_inputs(rep.programs[0])


def test_values_a_hyper_parameter_is_computed_from_are_baked_in() -> None:
    """The shape of Reshape computed from an int64 input (by Concat) bakes that input in; an
    input read only through Shape does not need to be."""
    nodes = [helper.make_node("Shape", ["x"], ["s"]),
             helper.make_node("Concat", ["n", "s"], ["shape"], axis=0),
             helper.make_node("Reshape", ["x", "shape"], ["y"]),
             helper.make_node("Add", ["y", "y"], ["z"])]
    model = _model(nodes, [_f32("x", [2, 3]), helper.make_tensor_value_info("n", TensorProto.INT64, [1])],
                   [_f32("z", None)])
    assert backend.parameter_inputs(model) & {"x", "n"} == {"n"}


def test_inputs_must_fit_the_declared_types(cache: str) -> None:
    """A float64 array or another size of a fixed dim is an input error naming the input
    (never a re-specialization that fails somewhere inside the compiler)."""
    rep = backend.prepare(relu_add_model(), cache_dir=cache)
    a = np.zeros((2, 3), np.float32)
    with pytest.raises(ValueError, match=r"^input 'a' must be float32: the model declares "
                       r"float32\[2,3\], got float64\[2,3\]$"):
        rep.run([a.astype(np.float64), a])
    with pytest.raises(ValueError, match=r"^input 'b' has a shape the model does not allow: "
                       r"the model declares float32\[2,3\], got float32\[4,3\]$"):
        rep.run({"a": a, "b": np.zeros((4, 3), np.float32)})
    assert rep.specializations == 0
    symbolic = _model([helper.make_node("Relu", ["x"], ["y"])], [_f32("x", ["N", 3])],
                      [_f32("y", ["N", 3])])
    rep = backend.prepare(symbolic, cache_dir=cache)
    assert rep.run([np.ones((5, 3), np.float32)])[0].shape == (5, 3)
    with pytest.raises(ValueError, match=r"declares float32\[N,3\], got float32\[5,4\]$"):
        rep.run([np.ones((5, 4), np.float32)])


def test_prepare_takes_a_path(cache: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "relu_add.onnx"
    onnx.save(relu_add_model(), path)
    a = np.ones((2, 3), np.float32)
    (y,) = backend.prepare(str(path), cache_dir=cache).run([a, a])
    np.testing.assert_array_equal(y, 2 * a)
    (y,) = backend.run_model(path, [a, -a], cache_dir=cache)
    np.testing.assert_array_equal(y, 0 * a)
    with pytest.raises(ValueError, match="no such file"):
        backend.prepare(tmp_path / "missing.onnx")
    (tmp_path / "junk.onnx").write_bytes(b"not a model")
    with pytest.raises(ValueError, match="not an ONNX model"):
        backend.prepare(tmp_path / "junk.onnx")
