"""ReduceSum/Mean/Max/Min end to end against onnxruntime: axes as attribute (opset 11, 13 for
the non-Sum ops) and as input (ReduceSum from 13, all from 18), keepdims, negative axes,
absent or empty axes (all axes, or the identity with noop_with_empty_axes), int64/int32 for
Sum/Max/Min and bool for Max/Min (opset 20), a zero-sized reduced dim.
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

from tcompiler.errors import UnsupportedModelError
from tcompiler.pipeline import CompileOptions, compile_model
from tcompiler.runtime import CompiledModel

TYPES = {np.float32: TensorProto.FLOAT, np.int64: TensorProto.INT64,
         np.int32: TensorProto.INT32, np.bool_: TensorProto.BOOL}
OPS = ["ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin"]


@pytest.fixture(scope="module")
def opts(cache_dir: str) -> CompileOptions:
    return CompileOptions(cache_dir=cache_dir, memory_plan="greedy")


def reduce_model(op: str, x: np.ndarray, axes: list[int] | None, opset: int,
                 **attrs: Any) -> onnx.ModelProto:
    """One Reduce node; `axes` go as input when the opset takes them so, else as attribute."""
    as_input = opset >= 18 or (op == "ReduceSum" and opset >= 13)
    inputs, inits = ["x"], []
    if axes is not None and as_input:
        inputs.append("axes")
        inits.append(onnx.numpy_helper.from_array(np.array(axes, np.int64), "axes"))
    elif axes is not None:
        attrs["axes"] = axes
    graph = helper.make_graph(
        [helper.make_node(op, inputs, ["y"], **attrs)], "g",
        [helper.make_tensor_value_info("x", TYPES[x.dtype.type], x.shape)],
        [helper.make_empty_tensor_value_info("y")], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    return onnx.shape_inference.infer_shapes(model, strict_mode=True)


def check(model: onnx.ModelProto, x: np.ndarray, opts: CompileOptions) -> None:
    program, _ = compile_model(model, opts)
    got = CompiledModel(program).run({"x": x})[0]
    try:
        session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
        want = session.run(None, {"x": x})[0]
    except Exception:  # noqa: BLE001 - opsets or types onnxruntime lacks
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            want = np.asarray(ReferenceEvaluator(model).run(None, {"x": x})[0])
    assert got.dtype == want.dtype and got.shape == want.shape, (got.dtype, want.dtype,
                                                                 got.shape, want.shape)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


def rand(*shape: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).uniform(-3.0, 3.0, shape).astype(np.float32)


@pytest.mark.parametrize("op", OPS)
@pytest.mark.parametrize("axes", [[1], [0, 2], [-1], [-3, -1], [2, 3], None])
@pytest.mark.parametrize("keepdims", [0, 1])
def test_reduce_f32_axes_input(op, axes, keepdims, opts) -> None:
    x = rand(2, 3, 4, 5)
    check(reduce_model(op, x, axes, 18, keepdims=keepdims), x, opts)


@pytest.mark.parametrize("op", OPS)
@pytest.mark.parametrize("opset", [11, 13])
def test_reduce_axes_attribute(op, opset, opts) -> None:
    x = rand(3, 4, 5, seed=1)
    if op == "ReduceSum" and opset == 13:
        opset = 11
    check(reduce_model(op, x, [0, -1], opset, keepdims=0), x, opts)
    check(reduce_model(op, x, None, opset), x, opts)


@pytest.mark.parametrize("op", OPS)
def test_reduce_noop_with_empty_axes(op, opts) -> None:
    x = rand(2, 3)
    check(reduce_model(op, x, [], 18, noop_with_empty_axes=1), x, opts)
    check(reduce_model(op, x, None, 18, noop_with_empty_axes=1), x, opts)
    check(reduce_model(op, x, [], 18), x, opts)


@pytest.mark.parametrize("op", ["ReduceSum", "ReduceMax", "ReduceMin"])
@pytest.mark.parametrize("dtype", [np.int64, np.int32])
def test_reduce_ints(op, dtype, opts) -> None:
    x = np.random.default_rng(3).integers(-100, 100, (3, 4, 5)).astype(dtype)
    check(reduce_model(op, x, [1], 18, keepdims=1), x, opts)
    check(reduce_model(op, x, [0, 2], 18, keepdims=0), x, opts)


@pytest.mark.parametrize("op", ["ReduceMax", "ReduceMin"])
def test_reduce_bool(op, opts) -> None:
    x = np.random.default_rng(4).integers(0, 2, (3, 4)).astype(np.bool_)
    check(reduce_model(op, x, [1], 20, keepdims=0), x, opts)
    check(reduce_model(op, x, [0], 20), x, opts)


@pytest.mark.parametrize("op", ["ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin"])
def test_reduce_empty_reduced_dim(op, opts) -> None:
    """The mean of nothing is 0 as in onnxruntime (ONNX leaves it undefined; tcc gave NaN,
    found by `tcc fuzz`)."""
    x = np.zeros((2, 0, 3), np.float32)
    check(reduce_model(op, x, [1], 18), x, opts)


def test_reduce_nan_propagates(opts) -> None:
    x = rand(2, 5)
    x[1, 3] = np.nan
    got = CompiledModel(compile_model(reduce_model("ReduceMax", x, [1], 18), opts)[0]).run(
        {"x": x})[0]
    assert np.isnan(got[1, 0]) and not np.isnan(got[0, 0])


def test_reduce_axes_at_run_time_declined(opts) -> None:
    graph = helper.make_graph(
        [helper.make_node("ReduceSum", ["x", "axes"], ["y"])], "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3]),
         helper.make_tensor_value_info("axes", TensorProto.INT64, [1])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 3])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)])
    with pytest.raises(UnsupportedModelError, match="axes computed at run time"):
        compile_model(model, opts)
