"""LSTM, GRU and RNN end to end (rewritten at import by `frontend/recurrent.py`): every
attribute and optional input, compiled by tcc and compared with onnxruntime on random inputs.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper

from tcompiler.errors import UnsupportedModelError
from tcompiler.frontend import import_model
from tcompiler.frontend.loops import UNROLL_AT_MOST
from tcompiler.pipeline import CompileOptions, compile_model
from tcompiler.runtime import CompiledModel

GATES = {"RNN": 1, "GRU": 3, "LSTM": 4}
SEQ, BATCH, INPUT, HIDDEN = 5, 3, 4, 6


@pytest.fixture(scope="module")
def opts(cache_dir: str) -> CompileOptions:
    return CompileOptions(cache_dir=cache_dir, memory_plan="greedy")


def rand(rng: np.random.Generator, *shape: int) -> np.ndarray:
    return rng.uniform(-1.0, 1.0, shape).astype(np.float32)


def recurrent_model(kind: str, attrs: dict[str, Any], optional: set[str], opset: int = 22,
                    steps: int = SEQ) -> tuple[onnx.ModelProto, dict[str, np.ndarray]]:
    """A one-node model of `kind` with the `optional` inputs (B, sequence_lens, initial_h,
    initial_c, P) and all of its outputs; W, R and B are initializers, the rest inputs."""
    rng = np.random.default_rng(0)
    dirs = 2 if attrs.get("direction") == "bidirectional" else 1
    g = GATES[kind] * HIDDEN
    state = (dirs, BATCH, HIDDEN)
    feeds = {"X": rand(rng, steps, BATCH, INPUT)}
    weights = {"W": rand(rng, dirs, g, INPUT), "R": rand(rng, dirs, g, HIDDEN)}
    names = ["X", "W", "R", "B", "sequence_lens", "initial_h", "initial_c", "P"]
    if "B" in optional:
        weights["B"] = rand(rng, dirs, 2 * g)
    if "sequence_lens" in optional:
        feeds["sequence_lens"] = np.array([SEQ, 2, 4][:BATCH], np.int32)
    for name in ("initial_h", "initial_c"):
        if name in optional:
            feeds[name] = rand(rng, *state)
    if "P" in optional:
        weights["P"] = rand(rng, dirs, 3 * HIDDEN)
    inputs = [n if n in feeds or n in weights else "" for n in names[:8 if kind == "LSTM"
                                                                        else 6]]
    while not inputs[-1]:
        inputs.pop()
    outputs = ["Y", "Y_h", "Y_c"] if kind == "LSTM" else ["Y", "Y_h"]
    node = helper.make_node(kind, inputs, outputs, hidden_size=HIDDEN, **attrs)
    types = {np.dtype(np.float32): TensorProto.FLOAT, np.dtype(np.int32): TensorProto.INT32}
    graph = helper.make_graph(
        [node], "rnn",
        [helper.make_tensor_value_info(n, types[a.dtype], a.shape) for n, a in feeds.items()],
        [helper.make_empty_tensor_value_info(n) for n in outputs],
        [onnx.numpy_helper.from_array(a, n) for n, a in weights.items()])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    return onnx.shape_inference.infer_shapes(model, strict_mode=True), feeds


def reference(model: onnx.ModelProto, feeds: dict[str, np.ndarray]) -> list[np.ndarray]:
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    return [np.asarray(a) for a in session.run(None, feeds)]


def batchwise(model: onnx.ModelProto, feeds: dict[str, np.ndarray]
              ) -> tuple[onnx.ModelProto, dict[str, np.ndarray], list[np.ndarray]]:
    """The layout-1 form of a layout-0 `model`, its feeds, and its outputs by onnxruntime
    (which runs layout 0 only: its outputs transposed)."""
    want = reference(model, feeds)
    swaps = {"X": (1, 0, 2), "initial_h": (1, 0, 2), "initial_c": (1, 0, 2)}
    feeds = {n: a.transpose(swaps[n]) if n in swaps else a for n, a in feeds.items()}
    batch = onnx.ModelProto()
    batch.CopyFrom(model)
    batch.graph.node[0].attribute.append(helper.make_attribute("layout", 1))
    for value in batch.graph.input:
        dims = value.type.tensor_type.shape.dim
        for dim, size in zip(dims, feeds[value.name].shape, strict=True):
            dim.dim_value = size
    for value in batch.graph.output:
        value.type.tensor_type.ClearField("shape")
    del batch.graph.value_info[:]
    want = [w.transpose((2, 0, 1, 3)) if w.ndim == 4 else w.transpose(1, 0, 2) for w in want]
    return onnx.shape_inference.infer_shapes(batch, strict_mode=True), feeds, want


def check(model: onnx.ModelProto, feeds: dict[str, np.ndarray], opts: CompileOptions,
          want: list[np.ndarray] | None = None) -> None:
    program, _ = compile_model(model, opts)
    got = CompiledModel(program).run(feeds)
    want = reference(model, feeds) if want is None else want
    for g, w in zip(got, want, strict=True):
        assert g.shape == w.shape
        np.testing.assert_allclose(g, w, rtol=1e-4, atol=1e-5)


CASES = [
    ("RNN", {}, set()),
    ("RNN", {"direction": "reverse"}, {"B", "initial_h"}),
    ("RNN", {"direction": "bidirectional", "activations": ["Relu", "Affine"],
             "activation_alpha": [0.5], "activation_beta": [0.25]}, {"B", "sequence_lens"}),
    ("RNN", {"activations": ["ScaledTanh"], "activation_alpha": [1.5],
             "activation_beta": [0.7], "clip": 0.8}, {"B"}),
    ("GRU", {}, {"B"}),
    ("GRU", {"linear_before_reset": 1}, {"B", "initial_h"}),
    ("GRU", {"direction": "bidirectional", "linear_before_reset": 1},
     {"B", "sequence_lens", "initial_h"}),
    ("GRU", {"direction": "reverse", "activations": ["HardSigmoid", "Softsign"],
             "activation_alpha": [0.3], "activation_beta": [0.6]}, {"sequence_lens"}),
    ("GRU", {"activations": ["LeakyRelu", "Elu"], "activation_alpha": [0.2, 0.9],
             "clip": 1.5}, {"B"}),
    ("LSTM", {}, {"B"}),
    ("LSTM", {"direction": "reverse"}, {"B", "initial_h", "initial_c", "P"}),
    ("LSTM", {"direction": "bidirectional"}, {"B", "sequence_lens", "initial_h", "initial_c"}),
    ("LSTM", {"input_forget": 1, "clip": 0.5}, {"B", "P"}),
    ("LSTM", {"activations": ["HardSigmoid", "Softplus", "ThresholdedRelu"],
              "activation_alpha": [0.25, 0.1], "activation_beta": [0.4]}, {"B", "P"}),
    ("LSTM", {"direction": "reverse"}, {"sequence_lens", "initial_h"}),
]


@pytest.mark.parametrize("kind, attrs, optional", CASES)
def test_matches_onnxruntime(kind: str, attrs: dict[str, Any], optional: set[str],
                             opts: CompileOptions) -> None:
    check(*recurrent_model(kind, attrs, optional), opts)


@pytest.mark.parametrize("kind, attrs, optional", [CASES[2], CASES[6], CASES[11]])
def test_batchwise_layout(kind: str, attrs: dict[str, Any], optional: set[str],
                          opts: CompileOptions) -> None:
    model, feeds, want = batchwise(*recurrent_model(kind, attrs, optional))
    check(model, feeds, opts, want)


@pytest.mark.parametrize("kind, opset", [("LSTM", 7), ("LSTM", 14), ("GRU", 7), ("GRU", 14),
                                         ("RNN", 7), ("RNN", 14)])
def test_older_opsets(kind: str, opset: int, opts: CompileOptions) -> None:
    model, feeds = recurrent_model(kind, {}, {"B", "initial_h"}, opset=opset)
    check(model, feeds, opts)


def test_unrolled_into_one_input_projection() -> None:
    """The input projection of all steps is one Gemm; only the recurrent one is per step
    (short sequences are unrolled)."""
    model, _ = recurrent_model("LSTM", {}, {"B"}, steps=UNROLL_AT_MOST)
    text = str(import_model(model).module)
    assert text.count("onnx.Gemm") == 1 + UNROLL_AT_MOST
    assert "onnx.LSTM" not in text


@pytest.mark.parametrize("kind, attrs, optional", [
    ("RNN", {}, set()),
    ("GRU", {"direction": "reverse"}, {"B", "initial_h"}),
    ("LSTM", {"direction": "bidirectional", "clip": 0.5}, {"B", "initial_h", "initial_c", "P"})])
def test_long_sequences_are_real_loops(kind: str, attrs: dict[str, Any], optional: set[str],
                                       opts: CompileOptions) -> None:
    """Beyond `UNROLL_AT_MOST` steps (without sequence_lens) the time loop is a real loop:
    one recurrent Gemm in its body however long the sequence."""
    model, feeds = recurrent_model(kind, attrs, optional, steps=1000)
    text = str(import_model(model).module)
    directions = 2 if "direction" in attrs and attrs["direction"] == "bidirectional" else 1
    assert text.count('"onnx.Loop"') == directions
    check(model, feeds, opts)


def test_long_masked_sequence_declines() -> None:
    model, _ = recurrent_model("RNN", {}, {"sequence_lens"}, steps=10_000)
    with pytest.raises(UnsupportedModelError, match="RNN .*10000 steps with sequence_lens"):
        import_model(model)


def test_full_constant_lengths_need_no_masks(opts: CompileOptions) -> None:
    """sequence_lens that are constants equal to the sequence length change nothing."""
    model, feeds = recurrent_model("GRU", {"direction": "bidirectional"}, {"B", "sequence_lens"})
    lengths = np.full(BATCH, SEQ, np.int32)
    model.graph.initializer.append(onnx.numpy_helper.from_array(lengths, "sequence_lens"))
    model.graph.input.remove(next(i for i in model.graph.input if i.name == "sequence_lens"))
    del feeds["sequence_lens"]
    assert "onnx.Where" not in str(import_model(model).module)
    check(model, feeds, opts)
