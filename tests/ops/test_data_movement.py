"""Data movement ops on run-time tensors of every supported element type, vs onnx.reference.

The ONNX backend feeds non-float data at run time too (it bakes in only hyper-parameters:
shapes, axes, pads...), but the conformance cases cover few element types per op; these
one-node models feed int64/int32/bool data and indices of every op at run time
(`compile_model` keeps every graph input a run-time input).
"""

from __future__ import annotations

import numpy as np
import onnx
import pytest
from onnx import helper, numpy_helper
from onnx.reference import ReferenceEvaluator

from tcompiler.pipeline import CompileOptions, compile_model
from tcompiler.runtime import CompiledModel

RNG = np.random.default_rng(0)


def data(shape: tuple[int, ...], dtype: str) -> np.ndarray:
    if dtype == "bool":
        return RNG.random(shape) > 0.5
    if dtype == "float32":
        return RNG.standard_normal(shape).astype(np.float32)
    return RNG.integers(-1000, 1000, shape).astype(dtype)


def one_node(op: str, inputs: dict[str, np.ndarray], consts: dict[str, np.ndarray],
             order: list[str], n_out: int = 1, **attrs: object) -> onnx.ModelProto:
    node = helper.make_node(op, order, [f"y{i}" for i in range(n_out)], **attrs)
    ins = [helper.make_tensor_value_info(n, helper.np_dtype_to_tensor_dtype(a.dtype), a.shape)
           for n, a in inputs.items()]
    outs = [helper.make_empty_tensor_value_info(f"y{i}") for i in range(n_out)]
    inits = [numpy_helper.from_array(a, n) for n, a in consts.items()]
    graph = helper.make_graph([node], op, ins, outs, inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)])
    return onnx.shape_inference.infer_shapes(model, strict_mode=True)


def check(model: onnx.ModelProto, inputs: dict[str, np.ndarray], options: CompileOptions) -> None:
    program, _ = compile_model(model, options)
    ours = CompiledModel(program).run(inputs)
    expected = ReferenceEvaluator(model).run(None, inputs)
    assert len(ours) == len(expected)
    for a, b in zip(ours, expected):
        assert a.dtype == b.dtype and a.shape == b.shape
        np.testing.assert_array_equal(a, b)


TYPES = ["float32", "int64", "int32", "bool"]


@pytest.mark.parametrize("dtype", TYPES)
def test_gather_runtime_indices(dtype: str, options: CompileOptions) -> None:
    x = data((5, 4, 3), dtype)
    for index_type in (np.int64, np.int32):
        idx = np.array([[0, -1], [3, -5]], index_type)
        model = one_node("Gather", {"x": x, "i": idx}, {}, ["x", "i"], axis=0)
        check(model, {"x": x, "i": idx}, options)
    idx = np.array([2, -1, 0], np.int64)
    check(one_node("Gather", {"x": x, "i": idx}, {}, ["x", "i"], axis=-1), {"x": x, "i": idx},
          options)


@pytest.mark.parametrize("dtype", TYPES)
def test_gather_elements_and_nd_runtime(dtype: str, options: CompileOptions) -> None:
    x = data((3, 4), dtype)
    idx = np.array([[0, -1], [3, 3], [-4, 2]], np.int64)
    check(one_node("GatherElements", {"x": x, "i": idx}, {}, ["x", "i"], axis=1),
          {"x": x, "i": idx}, options)
    x3 = data((2, 3, 4), dtype)
    nd = np.array([[[1], [-1]], [[0], [2]]], np.int32)
    check(one_node("GatherND", {"x": x3, "i": nd}, {}, ["x", "i"], batch_dims=1),
          {"x": x3, "i": nd}, options)
    nd2 = np.array([[0, 1], [1, -1]], np.int64)
    check(one_node("GatherND", {"x": x3, "i": nd2}, {}, ["x", "i"]), {"x": x3, "i": nd2}, options)


@pytest.mark.parametrize("dtype", TYPES)
def test_slice_concat_transpose_reshape(dtype: str, options: CompileOptions) -> None:
    x, z = data((4, 6, 5), dtype), data((4, 2, 5), dtype)
    consts = {"s": np.array([3, -1], np.int64), "e": np.array([-10, 0], np.int64),
              "a": np.array([0, 1], np.int64), "st": np.array([-2, -2], np.int64)}
    check(one_node("Slice", {"x": x}, consts, ["x", "s", "e", "a", "st"]), {"x": x}, options)
    check(one_node("Concat", {"x": x, "z": z}, {}, ["x", "z", "x"], axis=1), {"x": x, "z": z},
          options)
    check(one_node("Transpose", {"x": x}, {}, ["x"], perm=[2, 0, 1]), {"x": x}, options)
    shape = {"shape": np.array([0, -1], np.int64)}
    check(one_node("Reshape", {"x": x}, shape, ["x", "shape"]), {"x": x}, options)


@pytest.mark.parametrize("dtype", TYPES)
@pytest.mark.parametrize("mode", ["constant", "reflect", "edge", "wrap"])
def test_pad_modes(dtype: str, mode: str, options: CompileOptions) -> None:
    x = data((3, 4), dtype)
    consts = {"p": np.array([2, 0, 1, 3], np.int64)}
    order = ["x", "p"]
    if mode == "constant" and dtype != "bool":
        consts["v"] = np.array(7, dtype)
        order.append("v")
    check(one_node("Pad", {"x": x}, consts, order, mode=mode), {"x": x}, options)


@pytest.mark.parametrize("dtype", TYPES)
def test_expand_tile_split_squeeze(dtype: str, options: CompileOptions) -> None:
    x = data((3, 1, 2), dtype)
    check(one_node("Expand", {"x": x}, {"s": np.array([2, 1, 4, 1], np.int64)}, ["x", "s"]),
          {"x": x}, options)
    check(one_node("Tile", {"x": x}, {"r": np.array([2, 3, 1], np.int64)}, ["x", "r"]),
          {"x": x}, options)
    check(one_node("Split", {"x": x}, {}, ["x"], n_out=2, axis=2, num_outputs=2), {"x": x},
          options)
    check(one_node("Squeeze", {"x": x}, {"a": np.array([1], np.int64)}, ["x", "a"]), {"x": x},
          options)


@pytest.mark.parametrize("mode", ["nearest", "linear", "cubic"])
def test_resize_runtime_input(mode: str, options: CompileOptions) -> None:
    x = data((1, 2, 5, 7), "float32")
    consts = {"r": np.array([], np.float32), "s": np.array([1, 1, 1.6, 0.6], np.float32)}
    model = one_node("Resize", {"x": x}, consts, ["x", "r", "s"], mode=mode)
    program, _ = compile_model(model, options)
    (ours,) = CompiledModel(program).run({"x": x})
    (expected,) = ReferenceEvaluator(model).run(None, {"x": x})
    np.testing.assert_allclose(ours, expected, rtol=1e-4, atol=1e-5)


def ort_check(model: onnx.ModelProto, inputs: dict[str, np.ndarray],
              options: CompileOptions) -> None:
    """As `check`, against onnxruntime (where onnx.reference is the one that is wrong)."""
    import onnxruntime as ort

    program, _ = compile_model(model, options)
    ours = CompiledModel(program).run(inputs)
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    for a, b in zip(ours, session.run(None, inputs), strict=True):
        assert a.dtype == b.dtype and a.shape == b.shape
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("folded", [False, True])
def test_slice_negative_step_clamps_as_onnx(folded: bool, options: CompileOptions) -> None:
    """ONNX clamps a negative step's start to [0, dim - 1]: [-2::-2] of one element is that
    element, where numpy (and onnx.reference, which the folding used) gives nothing. Found by
    `tcc fuzz`; checked on run-time data and on a constant the frontend folds."""
    x = data((1, 3), "float32")
    consts = {"s": np.array([-2], np.int64), "e": np.array([-10], np.int64),
              "a": np.array([0], np.int64), "p": np.array([-2], np.int64)}
    if not folded:
        model = one_node("Slice", {"x": x}, consts, ["x", "s", "e", "a", "p"])
        ort_check(model, {"x": x}, options)
        return
    z = data((1, 3), "float32")
    graph = helper.make_graph(
        [helper.make_node("Slice", ["x", "s", "e", "a", "p"], ["c"]),
         helper.make_node("Add", ["c", "z"], ["y"])], "folded",
        [helper.make_tensor_value_info("z", onnx.TensorProto.FLOAT, z.shape)],
        [helper.make_tensor_value_info("y", onnx.TensorProto.FLOAT, (1, 3))],
        [numpy_helper.from_array(a, n) for n, a in {**consts, "x": x}.items()])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)])
    ort_check(model, {"z": z}, options)


def test_pad_of_an_empty_tensor_is_all_fill(options: CompileOptions) -> None:
    """Padding a zero-size tensor reads nothing: every output element is the fill (found by
    `tcc fuzz`: the remap kernel read the empty input)."""
    x = np.zeros((2, 0), np.float32)
    consts = {"pads": np.array([1, 1, 0, 2], np.int64), "v": np.array(1.5, np.float32)}
    ort_check(one_node("Pad", {"x": x}, consts, ["x", "pads", "v"]), {"x": x}, options)


@pytest.mark.parametrize("mode", ["reflect", "edge", "wrap"])
def test_pad_of_an_empty_dim_by_reflection_is_declined(mode: str,
                                                        options: CompileOptions) -> None:
    """Nothing to reflect or repeat: a clear decline naming the node (found by `tcc fuzz`:
    an AssertionError inside convert-onnx-to-kernel)."""
    from tcompiler.errors import UnsupportedModelError

    x = np.zeros((0, 1, 3), np.float32)
    model = one_node("Pad", {"x": x}, {"pads": np.array([0, 0, 0, 3, 0, 2], np.int64)},
                     ["x", "pads"], mode=mode, name="p")
    with pytest.raises(UnsupportedModelError, match=f"Pad \\(p\\): mode '{mode}' pads an empty"):
        compile_model(model, options)
