"""onnx-canonicalize and fold-batchnorm on imported models: structure, and numerics of the
folded Conv against `onnx.reference` running the original Conv + BatchNormalization."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import helper, numpy_helper
from onnx.reference import ReferenceEvaluator

from tcompiler.context import make_context
from tcompiler.dialects.onnx import ConstantOp, ConvOp, InitializerOp, dense_value
from tcompiler.frontend import import_model
from tcompiler.passes import PASSES
from tcompiler.plugins import build_pipeline

LIGHT = Path(onnx.__file__).parent / "backend" / "test" / "data" / "light"


def run(imported, pipeline: str, with_store: bool = True) -> Counter:
    ctx = make_context(imported.weights if with_store else None)
    build_pipeline(pipeline).apply(ctx, imported.module)
    imported.module.verify()
    return Counter(op.name.removeprefix("onnx.") for op in imported.module.walk())


@pytest.mark.parametrize("name", ["onnx-canonicalize", "fold-batchnorm"])
def test_registered(name: str) -> None:
    assert PASSES[name]().name == name


def test_canonicalize_light_alexnet() -> None:
    imported = import_model(LIGHT / "light_bvlc_alexnet.onnx")
    counts = run(imported, "onnx-canonicalize")
    assert counts["Dropout"] == 0 and counts["ConstantOfShape"] == 0
    assert counts["initializer"] == 16
    for op in imported.module.walk():
        if isinstance(op, InitializerOp):
            array = imported.weights[op.weight_name.data]
            assert array.shape == tuple(op.output.type.get_shape())
            assert np.all(array == np.float32(0.02))


def test_canonicalize_folds_unsqueeze_of_weights() -> None:
    imported = import_model(LIGHT / "light_densenet121.onnx")
    counts = run(imported, "onnx-canonicalize")
    assert counts["Unsqueeze"] == 0 and counts["ConstantOfShape"] == 0


def test_canonicalize_without_store_keeps_big_constants() -> None:
    imported = import_model(LIGHT / "light_bvlc_alexnet.onnx")
    counts = run(imported, "onnx-canonicalize", with_store=False)
    assert counts["ConstantOfShape"] == 16 and counts["Dropout"] == 0


def test_resnet_batchnorms_all_fold() -> None:
    imported = import_model(LIGHT / "light_resnet50.onnx")
    counts = run(imported, "onnx-canonicalize,fold-batchnorm")
    assert counts["BatchNormalization"] == 0 and counts["Conv"] == 53


def test_fold_batchnorm_without_store_is_a_no_op() -> None:
    imported = import_model(LIGHT / "light_resnet50.onnx")
    assert run(imported, "fold-batchnorm", with_store=False)["BatchNormalization"] == 53


def conv_bn_model(group: int, bias: bool, rng: np.random.Generator) -> onnx.ModelProto:
    c_in, c_out = 4, 8
    inits = {
        "w": rng.standard_normal((c_out, c_in // group, 3, 3)).astype(np.float32),
        "scale": rng.uniform(0.5, 2, c_out).astype(np.float32),
        "shift": rng.standard_normal(c_out).astype(np.float32),
        "mean": rng.standard_normal(c_out).astype(np.float32),
        "var": rng.uniform(0.1, 3, c_out).astype(np.float32),
    }
    conv_inputs = ["x", "w"]
    if bias:
        inits["b"] = rng.standard_normal(c_out).astype(np.float32)
        conv_inputs.append("b")
    nodes = [
        helper.make_node("Conv", conv_inputs, ["c"], pads=[1, 1, 1, 1], group=group),
        helper.make_node("BatchNormalization", ["c", "scale", "shift", "mean", "var"], ["y"],
                         epsilon=1e-3),
    ]
    graph = helper.make_graph(
        nodes, "conv_bn",
        [helper.make_tensor_value_info("x", onnx.TensorProto.FLOAT, [1, c_in, 6, 6])],
        [helper.make_tensor_value_info("y", onnx.TensorProto.FLOAT, [1, c_out, 6, 6])],
        initializer=[numpy_helper.from_array(v, k) for k, v in inits.items()],
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def operand_value(value, weights) -> np.ndarray:
    owner = value.owner
    if isinstance(owner, ConstantOp):
        return dense_value(owner.value)
    assert isinstance(owner, InitializerOp)
    return weights[owner.weight_name.data]


@pytest.mark.parametrize("group,bias", [(1, True), (1, False), (2, True), (4, False)])
def test_fold_batchnorm_numerics(group: int, bias: bool) -> None:
    rng = np.random.default_rng(group * 10 + bias)
    model = conv_bn_model(group, bias, rng)
    imported = import_model(model)
    counts = run(imported, "fold-batchnorm")
    assert counts["BatchNormalization"] == 0 and counts["Conv"] == 1
    conv = next(op for op in imported.module.walk() if isinstance(op, ConvOp))
    assert conv.B is not None
    weight = operand_value(conv.W, imported.weights)
    folded_bias = operand_value(conv.B, imported.weights)
    assert weight.dtype == np.float32 and folded_bias.dtype == np.float32

    folded = helper.make_model(helper.make_graph(
        [helper.make_node("Conv", ["x", "w2", "b2"], ["y"], pads=[1, 1, 1, 1], group=group)],
        "folded", list(model.graph.input), list(model.graph.output),
        initializer=[numpy_helper.from_array(weight, "w2"),
                     numpy_helper.from_array(folded_bias, "b2")],
    ), opset_imports=[helper.make_opsetid("", 17)])
    x = rng.standard_normal((1, 4, 6, 6)).astype(np.float32)
    expected = ReferenceEvaluator(model).run(None, {"x": x})[0]
    actual = ReferenceEvaluator(folded).run(None, {"x": x})[0]
    np.testing.assert_allclose(actual, expected, rtol=1e-5, atol=1e-5)
