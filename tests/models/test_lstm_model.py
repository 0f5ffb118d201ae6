"""An LSTM sequence tagger with random weights (issue 14's recurrent model), compiled by tcc and
compared with onnxruntime: token embedding (Gather of int64 ids), a bidirectional LSTM with
biases, its two directions concatenated per step (Transpose + Reshape), a forward LSTM over
them, and a per-step classifier; both the tag logits and the last layer's final state are
outputs.
"""

from __future__ import annotations

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper

from tcompiler.pipeline import CompileOptions, compile_model
from tcompiler.runtime import CompiledModel
from tcompiler.zoo_models import OPSET, Graph


def lstm(g: Graph, x: str, inputs: int, hidden: int, direction: str) -> tuple[str, str]:
    dirs = 2 if direction == "bidirectional" else 1
    w = g.weight((dirs, 4 * hidden, inputs))
    r = g.weight((dirs, 4 * hidden, hidden))
    b = g.weight((dirs, 8 * hidden), 0.1)
    y, y_h = g.ops("LSTM", [x, w, r, b], 2, hidden_size=hidden, direction=direction)
    return y, y_h


def lstm_tagger(batch: int = 2, seq: int = 16, d: int = 16, hidden: int = 24,
                vocab: int = 50, classes: int = 5) -> onnx.ModelProto:
    g = Graph(7)
    tokens = g.op("Gather", [g.weight((vocab, d), 1.0), "ids"], axis=0)  # [batch, seq, d]
    x = g.op("Transpose", [tokens], perm=[1, 0, 2])
    y, _ = lstm(g, x, d, hidden, "bidirectional")  # [seq, 2, batch, hidden]
    pairs = g.op("Transpose", [y], perm=[0, 2, 1, 3])
    both = g.op("Reshape", [pairs, g.const(np.array([seq, batch, 2 * hidden], np.int64))])
    y2, y2_h = lstm(g, both, 2 * hidden, hidden, "forward")
    steps = g.op("Squeeze", [y2, g.const(np.array([1], np.int64))])
    logits = g.op("Add", [g.op("MatMul", [steps, g.weight((hidden, classes))]),
                          g.weight((classes,), 0.1)])
    g.nodes.append(helper.make_node("Identity", [y2_h], ["state"]))
    graph = helper.make_graph(
        g.nodes, "lstm_tagger", [helper.make_tensor_value_info("ids", TensorProto.INT64,
                                                               [batch, seq])],
        [helper.make_tensor_value_info(logits, TensorProto.FLOAT, [seq, batch, classes]),
         helper.make_tensor_value_info("state", TensorProto.FLOAT, [1, batch, hidden])],
        g.inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)])
    onnx.checker.check_model(model)
    return model


def test_lstm_tagger_matches_onnxruntime(options: CompileOptions) -> None:
    model = lstm_tagger()
    feeds = {"ids": np.random.default_rng(5).integers(0, 50, (2, 16)).astype(np.int64)}
    program, _ = compile_model(model, options)
    ours = CompiledModel(program).run(feeds)
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    for got, want in zip(ours, [np.asarray(a) for a in session.run(None, feeds)], strict=True):
        assert got.shape == want.shape
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)
