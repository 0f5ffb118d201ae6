"""Every way a model can be refused: one-line TcError messages that say what and where."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from onnx import TensorProto, helper, numpy_helper

from tcompiler.errors import ModelError, OptionError, ShapeError, UnsupportedModelError
from tcompiler.frontend import import_model

node = helper.make_node


def one_line(err: pytest.ExceptionInfo) -> str:
    text = str(err.value)
    assert "Traceback" not in text
    return text


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ModelError) as err:
        import_model(tmp_path / "nope.onnx")
    assert one_line(err) == f"{tmp_path / 'nope.onnx'}: no such file"


def test_garbage_bytes(tmp_path: Path) -> None:
    path = tmp_path / "garbage.onnx"
    path.write_bytes(b"\x12\x34 this is not a protobuf \xff\xff")
    with pytest.raises(ModelError, match=r"garbage\.onnx: not an ONNX model") as err:
        import_model(path)
    assert "\n" not in one_line(err)
    with pytest.raises(ModelError, match="<bytes>: not an ONNX model"):
        import_model(b"hello")


def test_checker_failure(model) -> None:
    m = model([node("Relu", ["undefined"], ["y"])], {"x": [1, 2]}, {"y": [1, 2]})
    with pytest.raises(ModelError, match="not a valid ONNX model") as err:
        import_model(m)
    assert "\n" not in one_line(err)


def test_unsupported_listed_all_at_once(model) -> None:
    nodes = [node("Relu", ["x"], ["a"], name="r"), node("Det", ["a"], ["b"], name="det_1"),
             node("Det", ["b"], ["c"], name="det_2"), node("DFT", ["c"], ["d"], name="dft"),
             node("Add", ["d", "h"], ["y"], name="add")]
    m = model(nodes, {"x": [2, 3]}, {"y": [2, 3]})
    m.graph.initializer.append(numpy_helper.from_array(np.full((2, 3), "s", object), "h"))
    with pytest.raises(UnsupportedModelError) as err:
        import_model(m)
    assert err.value.exit_code == 2
    problems = err.value.problems
    assert "Det (opset 17): nodes det_1, det_2" in problems
    assert "DFT (opset 17): nodes dft" in problems
    assert any(p.startswith("element type string") and p.endswith(": h") for p in problems)
    assert len(problems) == 3


def test_foreign_domain_sequences_and_training(model) -> None:
    nodes = [node("FusedConv", ["x"], ["a"], domain="com.microsoft", name="fc"),
             node("BatchNormalization", ["a", "s", "s", "s", "s"], ["b", "rm", "rv"],
                  training_mode=1, name="bn"),
             node("Dropout", ["b", "", "t"], ["y"], name="drop")]
    m = model(nodes, {"x": [1, 2, 3, 3]}, {"y": [1, 2, 3, 3]},
              {"s": np.ones(2, np.float32), "t": np.array(True)})
    m.opset_import.append(helper.make_opsetid("com.microsoft", 1))
    m.graph.input.append(helper.make_tensor_sequence_value_info("seq", TensorProto.FLOAT, None))
    with pytest.raises(UnsupportedModelError) as err:
        import_model(m)
    text = one_line(err)
    assert "non-default domain 'com.microsoft'" in text
    assert "BatchNormalization" not in text  # training mode is supported (issue 4)
    assert "Dropout in training mode" in text
    assert "sequence values: seq" in text


def test_used_maxpool_indices_import(model) -> None:
    pool = node("MaxPool", ["x"], ["y", "idx"], kernel_shape=[2, 2], name="pool")
    m = model([pool], {"x": [1, 1, 4, 4]}, {"y": [1, 1, 3, 3]})
    m.graph.output.append(helper.make_tensor_value_info("idx", TensorProto.INT64, [1, 1, 3, 3]))
    assert len(import_model(m).outputs) == 2


def test_symbolic_input_needs_input_shape(model) -> None:
    m = model([node("Relu", ["x"], ["y"])], {"x": ["N", 3, 8, 8]}, {"y": ["N", 3, 8, 8]})
    with pytest.raises(ShapeError) as err:
        import_model(m)
    assert "input 'x' has shape Nx3x8x8" in one_line(err)
    assert "--input-shape x=1x3x8x8" in one_line(err)  # the hint has the input's rank


@pytest.mark.parametrize("override,message", [
    ({"q": (1, 3, 8, 8)}, "--input-shape names 'q', no input; the model's inputs are x"),
    ({"x": (1, 3, 8)}, "has rank 3, but the input has rank 4"),
    ({"x": (1, 0, 8, 8)}, "dims must be positive ints"),
])
def test_bad_override(model, override: dict, message: str) -> None:
    m = model([node("Relu", ["x"], ["y"])], {"x": ["N", 3, 8, 8]}, {"y": ["N", 3, 8, 8]})
    with pytest.raises(ShapeError, match=message):
        import_model(m, input_shapes=override)


def test_data_dependent_shape(model) -> None:
    reshape = node("Reshape", ["x", "s"], ["y"], name="reshape_1")
    m = model([reshape], {"x": [2, 6]}, {"y": ["a", "b"]})
    m.graph.input.append(helper.make_tensor_value_info("s", TensorProto.INT64, [2]))
    with pytest.raises(ShapeError, match="node reshape_1 \\(Reshape\\) output 'y' has no static"):
        import_model(m)


def test_unknown_attribute(model) -> None:
    m = model([node("Relu", ["x"], ["y"], name="r", bogus=1)], {"x": [2]}, {"y": [2]})
    with pytest.raises(ModelError, match="Unrecognized attribute: bogus for operator Relu"):
        import_model(m)


def test_bad_target_opset(model) -> None:
    with pytest.raises(OptionError, match="target opset 9"):
        import_model(model([], {"x": [1]}, {"x": [1]}), target_opset=9)


def test_window_larger_than_the_padded_input(model) -> None:
    """ONNX's shape inference gives such a Conv one output row no input feeds (found by
    `tcc fuzz`: tcc computed it from out-of-bounds reads); onnxruntime refuses it too. (For
    pools, ONNX's inference already fails; the dialect verifier checks them the same way.)"""
    conv = node("Conv", ["x", "w"], ["y"], name="win", auto_pad="VALID", strides=[3, 1])
    m = model([conv], {"x": [1, 1, 1, 4]}, {"y": [1, 4, 1, 2]},
              {"w": np.ones((4, 1, 3, 3), np.float32)})
    with pytest.raises(ModelError, match="node win .* the window \\(3\\) is larger than the "
                                          "padded input \\(1\\) along spatial dim 0"):
        import_model(m)


def test_gather_elements_indices_larger_than_data_off_axis(model) -> None:
    """Found by `tcc fuzz` (an input-shape mutation): the kernel verifier refused it after
    convert-onnx-to-kernel; the import names the node instead."""
    gather = node("GatherElements", ["x", "i"], ["y"], name="ge", axis=1)
    m = model([gather], {"x": [2, 5, 1, 4]}, {"y": [2, 3, 4, 3]},
              {"i": np.zeros((2, 3, 4, 3), np.int64)})
    with pytest.raises(ModelError, match="node ge .* indices \\(2, 3, 4, 3\\) are larger than "
                                          "data \\(2, 5, 1, 4\\) off axis 1"):
        import_model(m)
