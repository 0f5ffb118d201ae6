"""Invalid models `tcc fuzz` produced that crashed the kernels stage: each is now a one-line
ModelError naming the node (and an empty Resize output is simply empty)."""

from __future__ import annotations

import numpy as np
import pytest
from onnx import TensorProto, helper, numpy_helper

from tcompiler.errors import ModelError
from tcompiler.pipeline import CompileOptions, compile_model, compile_to_stage
from tcompiler.runtime import CompiledModel


def _model(node, inputs, output, inits):  # type: ignore[no-untyped-def]
    graph = helper.make_graph([node], "g", inputs, [output], inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def test_prelu_slope_that_does_not_broadcast_is_a_model_error() -> None:
    values = np.random.default_rng(0).standard_normal((2, 3, 3, 1)).astype(np.float32)
    slope = numpy_helper.from_array(values, "slope")  # not uniform: a uniform one is one value
    model = _model(helper.make_node("PRelu", ["x", "slope"], ["y"], name="p"),
                   [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3, 5, 1])],
                   helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 3, 5, 1]), [slope])
    with pytest.raises(ModelError, match=r"PRelu \(p\): slope \[2, 3, 3, 1\] does not broadcast"):
        compile_to_stage(model, "kernels", CompileOptions(schedules="heuristic"))


def _resize(x_shape: list[int], sizes: list[int]):  # type: ignore[no-untyped-def]
    node = helper.make_node("Resize", ["x", "", "", "sizes"], ["y"], name="r", mode="linear")
    inits = [numpy_helper.from_array(np.array(sizes, np.int64), "sizes")]
    return _model(node, [helper.make_tensor_value_info("x", TensorProto.FLOAT, x_shape)],
                  helper.make_tensor_value_info("y", TensorProto.FLOAT, sizes), inits)


def test_resize_of_an_empty_input_to_a_nonempty_output_is_a_model_error() -> None:
    with pytest.raises(ModelError, match=r"Resize \(r\): cannot interpolate the empty input"):
        compile_to_stage(_resize([0, 7, 8, 5], [1, 7, 5, 1]), "kernels",
                         CompileOptions(schedules="heuristic"))


def test_resize_to_an_empty_output_is_empty(options: CompileOptions) -> None:
    program, _ = compile_model(_resize([0, 2, 4, 4], [0, 2, 8, 8]), options)
    (out,) = CompiledModel(program).run([np.zeros((0, 2, 4, 4), np.float32)])
    assert out.shape == (0, 2, 8, 8)
