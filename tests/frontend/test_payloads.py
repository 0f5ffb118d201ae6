"""Large weights leave the proto during checking/inference and come back intact."""

from __future__ import annotations

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from tcompiler.frontend import import_model
from tcompiler.frontend.payloads import restore_payloads, strip_payloads


def model() -> onnx.ModelProto:
    w = numpy_helper.from_array(np.arange(4 * 100, dtype=np.float32).reshape(4, 100), "w")
    s = numpy_helper.from_array(np.array([2, 8], dtype=np.int64), "s")
    nodes = [helper.make_node("Gemm", ["x", "w"], ["y"], transB=1),
             helper.make_node("Reshape", ["y", "s"], ["z"])]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [4, 100])],
                              [helper.make_tensor_value_info("z", TensorProto.FLOAT, [2, 8])], [w, s])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def test_strip_and_restore_round_trip() -> None:
    proto = model()
    before = proto.SerializeToString()
    payloads = strip_payloads(proto)
    assert [t.name for t in proto.graph.initializer] == ["s"]
    assert "w" in [i.name for i in proto.graph.input]
    onnx.checker.check_model(proto)
    restore_payloads(proto, payloads)
    assert sorted(t.name for t in proto.graph.initializer) == ["s", "w"]
    assert [i.name for i in proto.graph.input] == ["x"]
    restored = {t.name: numpy_helper.to_array(t) for t in proto.graph.initializer}
    np.testing.assert_array_equal(restored["w"], numpy_helper.to_array(onnx.ModelProto.FromString(before).graph.initializer[0]))


def test_import_leaves_the_callers_model_alone() -> None:
    proto = model()
    before = proto.SerializeToString()
    imported = import_model(proto)
    assert proto.SerializeToString() == before
    assert [spec.name for spec in imported.inputs] == ["x"]
    np.testing.assert_array_equal(imported.weights["w"], np.arange(400, dtype=np.float32).reshape(4, 100))
