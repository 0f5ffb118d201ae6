"""Each supported op and attribute form imports to its `onnx` dialect op with the right
operands, result types and properties; weights and constants land where they should."""

from __future__ import annotations

import numpy as np
import pytest
from onnx import TensorProto, helper, numpy_helper
from xdsl.dialects.builtin import DenseArrayBase, FloatAttr, IntegerAttr, StringAttr, f32, i64
from xdsl.ir import Operation

from tcompiler.dialects.onnx import NODE_NAME, InitializerOp, dense_value, shape_of
from tcompiler.frontend import import_model

node = helper.make_node
W = np.arange(4 * 3 * 3 * 3, dtype=np.float32).reshape(4, 3, 3, 3) / 100


def main_ops(imported) -> list[Operation]:
    return [op for op in imported.module.walk() if op.name.startswith("onnx.")]


def the(imported, name: str) -> Operation:
    ops = [op for op in main_ops(imported) if op.name == f"onnx.{name}"]
    assert len(ops) == 1, [op.name for op in main_ops(imported)]
    return ops[0]


def ints(*values: int) -> DenseArrayBase:
    return DenseArrayBase.from_list(i64, list(values))


def test_conv_with_all_attributes(model) -> None:
    conv = node("Conv", ["x", "w", "b"], ["y"], name="conv1", pads=[1, 1, 1, 1], strides=[2, 2],
                dilations=[1, 1], group=1, kernel_shape=[3, 3])
    m = model([conv], {"x": [1, 3, 8, 8]}, {"y": [1, 4, 4, 4]},
              {"w": W, "b": np.ones(4, np.float32)})
    imported = import_model(m)
    op = the(imported, "Conv")
    assert op.properties["pads"] == ints(1, 1, 1, 1)
    assert op.properties["group"] == IntegerAttr(1, i64)
    assert op.attributes[NODE_NAME] == StringAttr("conv1")
    assert shape_of(op.results[0]) == (1, 4, 4, 4)
    assert isinstance(op.operands[1].owner, InitializerOp)
    np.testing.assert_array_equal(imported.weights["w"], W)
    assert op.operands[2].owner.name == "onnx.Constant"  # 4 elements: inline


def test_conv_without_bias_and_auto_pad(model) -> None:
    conv = node("Conv", ["x", "w", ""], ["y"], auto_pad="SAME_UPPER")
    m = model([conv], {"x": [1, 3, 8, 8]}, {"y": [1, 4, 8, 8]}, {"w": W})
    op = the(import_model(m), "Conv")
    assert len(op.operands) == 2 and op.B is None
    assert op.properties["auto_pad"] == StringAttr("SAME_UPPER")


def test_batchnorm(model) -> None:
    c = np.ones(3, np.float32)
    bn = node("BatchNormalization", ["x", "s", "b", "m", "v"], ["y"], epsilon=1e-3, momentum=0.8)
    m = model([bn], {"x": [1, 3, 4, 4]}, {"y": [1, 3, 4, 4]},
              {"s": c, "b": c, "m": c, "v": c})
    op = the(import_model(m), "BatchNormalization")
    assert op.properties["epsilon"] == FloatAttr(1e-3, f32)
    assert len(op.results) == 1


def as_property(value: object) -> object:
    """The property the importer should make of an ONNX attribute value."""
    if isinstance(value, list):
        return ints(*value)
    if isinstance(value, float):
        return FloatAttr(value, f32)
    assert isinstance(value, int)
    return IntegerAttr(value, i64)


# Attribute values differ from the ONNX defaults, so an importer that drops or defaults one fails.
@pytest.mark.parametrize("op_type,attrs,out", [
    ("MaxPool", {"kernel_shape": [3, 3], "strides": [2, 2], "pads": [0, 0, 0, 0],
                 "ceil_mode": 1, "dilations": [1, 1], "storage_order": 1}, [1, 3, 4, 4]),
    ("AveragePool", {"kernel_shape": [3, 3], "pads": [1, 1, 1, 1], "count_include_pad": 1},
     [1, 3, 8, 8]),
    ("GlobalAveragePool", {}, [1, 3, 1, 1]),
    ("LRN", {"size": 5, "alpha": 2e-4, "beta": 0.5, "bias": 2.0}, [1, 3, 8, 8]),
    ("Relu", {}, [1, 3, 8, 8]),
    ("Softmax", {"axis": 1}, [1, 3, 8, 8]),
    ("Flatten", {"axis": 2}, [3, 64]),
    ("Transpose", {"perm": [0, 2, 3, 1]}, [1, 8, 8, 3]),
    ("Identity", {}, [1, 3, 8, 8]),
])
def test_unary_ops(model, op_type: str, attrs: dict, out: list[int]) -> None:
    m = model([node(op_type, ["x"], ["y"], **attrs)], {"x": [1, 3, 8, 8]}, {"y": out})
    op = the(import_model(m), op_type)
    assert shape_of(op.results[0]) == tuple(out)
    assert {name: op.properties.get(name) for name in attrs} == \
        {name: as_property(value) for name, value in attrs.items()}


def test_maxpool_indices_result(model) -> None:
    pool = node("MaxPool", ["x"], ["y", "idx"], kernel_shape=[2, 2], strides=[2, 2])
    m = model([pool], {"x": [1, 3, 8, 8]}, {"y": [1, 3, 4, 4]})
    results = the(import_model(m), "MaxPool").results
    assert [str(r.type) for r in results] == ["tensor<1x3x4x4xf32>", "tensor<1x3x4x4xi64>"]


def test_gemm_forms(model) -> None:
    b = np.ones((5, 4), np.float32)
    gemm = node("Gemm", ["a", "b", "c"], ["y"], alpha=2.0, beta=0.5, transA=0, transB=1)
    m = model([gemm], {"a": [2, 4]}, {"y": [2, 5]}, {"b": b, "c": np.ones(5, np.float32)})
    op = the(import_model(m), "Gemm")
    assert op.properties["transB"] == IntegerAttr(1, i64)
    assert op.properties["alpha"] == FloatAttr(2.0, f32)
    no_c = model([node("Gemm", ["a", "b"], ["y"], transB=1)], {"a": [2, 4]}, {"y": [2, 5]},
                 {"b": b})
    assert the(import_model(no_c), "Gemm").C is None


@pytest.mark.parametrize("op_type", ["Add", "Mul", "Sum"])
def test_elementwise_broadcast(model, op_type: str) -> None:
    m = model([node(op_type, ["x", "z"], ["y"])], {"x": [2, 3, 4], "z": [3, 1]}, {"y": [2, 3, 4]})
    op = the(import_model(m), op_type)
    assert [shape_of(v) for v in op.operands] == [(2, 3, 4), (3, 1)]


def test_sum_and_concat_variadic(model) -> None:
    nodes = [node("Sum", ["a", "b", "c"], ["s"]), node("Concat", ["a", "s"], ["y"], axis=1)]
    shapes = {"a": [2, 3], "b": [2, 3], "c": [2, 3]}
    imported = import_model(model(nodes, shapes, {"y": [2, 6]}))
    assert len(the(imported, "Sum").operands) == 3
    assert the(imported, "Concat").properties["axis"] == IntegerAttr(1, i64)


def test_reshape_allowzero_and_unsqueeze(model) -> None:
    nodes = [node("Reshape", ["x", "shape"], ["r"], allowzero=0),
             node("Unsqueeze", ["r", "axes"], ["y"])]
    inits = {"shape": np.array([0, -1], np.int64), "axes": np.array([0], np.int64)}
    imported = import_model(model(nodes, {"x": [2, 3, 4]}, {"y": [1, 2, 12]}, inits))
    reshape = the(imported, "Reshape")
    assert reshape.properties["allowzero"] == IntegerAttr(0, i64)
    np.testing.assert_array_equal(dense_value(reshape.shape.owner.value), [0, -1])
    assert shape_of(the(imported, "Unsqueeze").results[0]) == (1, 2, 12)


def test_dropout_ratio_and_mask(model) -> None:
    drop = node("Dropout", ["x", "ratio"], ["y", "mask"], seed=3)
    m = model([drop], {"x": [2, 3]}, {"y": [2, 3]}, {"ratio": np.array(0.2, np.float32)})
    op = the(import_model(m), "Dropout")
    assert op.ratio is not None and op.training_mode is None
    assert op.mask is not None and str(op.mask.type) == "tensor<2x3xi1>"
    assert op.properties["seed"] == IntegerAttr(3, i64)


def test_constant_forms(model) -> None:
    big = np.arange(100, dtype=np.float32).reshape(50, 2)
    nodes = [
        node("Constant", [], ["k1"], value=numpy_helper.from_array(np.float32(2.0))),
        node("Constant", [], ["k2"], value_floats=[1.0, 2.0]),
        node("Constant", [], ["k3"], value_int=7),
        node("Constant", [], ["k4"], value=numpy_helper.from_array(big), name="bigconst"),
        node("Mul", ["x", "k1"], ["a"]), node("Add", ["a", "k2"], ["b"]),
        node("Add", ["b", "k4"], ["y"]),
        node("Unsqueeze", ["k3", "ax"], ["u"]),
    ]
    m = model(nodes, {"x": [50, 2]}, {"y": [50, 2]}, {"ax": np.array([0], np.int64)})
    m.graph.output.append(helper.make_tensor_value_info("u", TensorProto.INT64, [1]))
    imported = import_model(m)
    consts = [op for op in main_ops(imported) if op.name == "onnx.Constant"]
    assert any(str(op.results[0].type) == "tensor<2xf32>" for op in consts)
    weight = [op for op in main_ops(imported) if isinstance(op, InitializerOp)]
    assert len(weight) == 1 and weight[0].attributes[NODE_NAME] == StringAttr("bigconst")
    np.testing.assert_array_equal(imported.weights["k4"], big)
    assert imported.outputs[1].dtype == "int64"


def test_constant_of_shape_large_stays_small_folds(model) -> None:
    value = numpy_helper.from_array(np.array([0.5], np.float32))
    nodes = [node("ConstantOfShape", ["big"], ["w"], value=value),
             node("ConstantOfShape", ["small"], ["c"], value=value),
             node("Add", ["x", "w"], ["a"]), node("Add", ["a", "c"], ["y"])]
    inits = {"big": np.array([8, 16], np.int64), "small": np.array([16], np.int64)}
    imported = import_model(model(nodes, {"x": [8, 16]}, {"y": [8, 16]}, inits))
    op = the(imported, "ConstantOfShape")
    assert shape_of(op.results[0]) == (8, 16)
    assert dense_value(op.properties["value"]).tolist() == [0.5]


def test_ir3_initializers_listed_as_inputs_are_weights(model) -> None:
    m = model([node("Conv", ["x", "w"], ["y"])], {"x": [1, 3, 8, 8], "w": [4, 3, 3, 3]},
              {"y": [1, 4, 6, 6]}, {"w": W})
    m.ir_version = 3
    imported = import_model(m)
    assert [spec.name for spec in imported.inputs] == ["x"]
    assert "w" in imported.weights


def test_old_opset_is_normalized(model) -> None:
    nodes = [node("Unsqueeze", ["x"], ["u"], axes=[0]),
             node("Dropout", ["u"], ["d"], ratio=0.3),
             node("Softmax", ["d"], ["y"], axis=1)]
    imported = import_model(model(nodes, {"x": [2, 3, 4]}, {"y": [1, 2, 3, 4]}, opset=9))
    assert imported.opset == 17
    names = [op.name for op in main_ops(imported)]
    assert "onnx.Unsqueeze" in names and "onnx.Softmax" in names
    assert the(imported, "Unsqueeze").axes.owner.name == "onnx.Constant"
    assert the(imported, "Dropout").ratio is not None
    for softmax in (op for op in main_ops(imported) if op.name == "onnx.Softmax"):
        assert softmax.properties.get("axis", IntegerAttr(-1, i64)).value.data in (-1, 1, 3)


def test_newer_opset_kept(model) -> None:
    pool = node("AveragePool", ["x"], ["y"], kernel_shape=[2, 2], dilations=[2, 2])
    imported = import_model(model([pool], {"x": [1, 3, 8, 8]}, {"y": [1, 3, 6, 6]}, opset=19))
    assert imported.opset == 19
    assert the(imported, "AveragePool").properties["dilations"] == ints(2, 2)


def test_shape_computation_folds(model) -> None:
    nodes = [node("Shape", ["x"], ["s"]), node("Gather", ["s", "i0"], ["n"], axis=0),
             node("Unsqueeze", ["n", "ax"], ["nu"]),
             node("Concat", ["nu", "m1"], ["shape"], axis=0),
             node("Reshape", ["x", "shape"], ["y"])]
    inits = {"i0": np.array(0, np.int64), "ax": np.array([0], np.int64),
             "m1": np.array([-1], np.int64)}
    imported = import_model(model(nodes, {"x": [2, 3, 4]}, {"y": ["a", "b"]}, inits))
    names = [op.name for op in main_ops(imported)]
    assert names == ["onnx.Constant", "onnx.Reshape"]
    assert imported.outputs[0].shape == (2, 12)


def test_input_shape_override(model) -> None:
    m = model([node("Relu", ["x"], ["y"])], {"x": ["N", 3]}, {"y": ["N", 3]})
    imported = import_model(m, input_shapes={"x": (5, 3)})
    assert imported.inputs[0].shape == (5, 3) and imported.outputs[0].shape == (5, 3)
    main = next(op for op in imported.module.walk() if op.name == "func.func")
    assert str(main.attributes["tcc.input_names"]) == '["x"]'


def test_ir4_initializer_listed_as_input_is_constant(model) -> None:
    reshape = node("Reshape", ["x", "shape"], ["y"])
    m = model([reshape], {"x": [2, 6], "shape": [2]}, {"y": ["a", "b"]},
              {"shape": np.array([3, 4], np.int64)})
    m.graph.input[1].type.tensor_type.elem_type = TensorProto.INT64
    imported = import_model(m)
    assert [spec.name for spec in imported.inputs] == ["x"]
    assert imported.outputs[0].shape == (3, 4)
