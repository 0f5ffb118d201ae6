"""What the issue-14 op tests share: a one-node model and its comparison with onnxruntime
(onnx.reference where onnxruntime lacks the opset or the op)."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper
from onnx.reference import ReferenceEvaluator

from tcompiler.pipeline import CompileOptions, compile_model
from tcompiler.runtime import CompiledModel

TYPES = {np.dtype(np.float32): TensorProto.FLOAT, np.dtype(np.int64): TensorProto.INT64,
         np.dtype(np.int32): TensorProto.INT32, np.dtype(np.bool_): TensorProto.BOOL}


def node_model(op: str, feeds: dict[str, np.ndarray], opset: int,
               weights: dict[str, np.ndarray] | None = None, inputs: list[str] | None = None,
               outputs: int = 1, declared: tuple[int, ...] | None = None, **attrs: Any
               ) -> onnx.ModelProto:
    """One `op` node reading `inputs` (default: the feeds, then the weights, in order; "" for
    an absent optional input) and writing `outputs` results y0, y1, ... (typed by shape
    inference, or float32 of shape `declared` for ops onnx infers nothing for)."""
    weights = weights or {}
    names = inputs if inputs is not None else [*feeds, *weights]
    out = [f"y{i}" for i in range(outputs)]
    graph = helper.make_graph(
        [helper.make_node(op, names, out, **attrs)], "g",
        [helper.make_tensor_value_info(n, TYPES[v.dtype], v.shape) for n, v in feeds.items()],
        [helper.make_empty_tensor_value_info(o) if declared is None
         else helper.make_tensor_value_info(o, TensorProto.FLOAT, declared) for o in out],
        [onnx.numpy_helper.from_array(v, n) for n, v in weights.items()])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    return onnx.shape_inference.infer_shapes(model, strict_mode=True)


def expected(model: onnx.ModelProto, feeds: dict[str, np.ndarray]) -> list[np.ndarray]:
    try:
        session = ort.InferenceSession(model.SerializeToString(),
                                       providers=["CPUExecutionProvider"])
        return session.run(None, feeds)
    except Exception:  # noqa: BLE001 - opsets or ops onnxruntime lacks
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return [np.asarray(v) for v in ReferenceEvaluator(model).run(None, feeds)]


def check(model: onnx.ModelProto, feeds: dict[str, np.ndarray], options: CompileOptions,
          rtol: float = 1e-5, atol: float = 1e-5) -> None:
    program, _ = compile_model(model, options)
    got = CompiledModel(program).run(feeds)
    for ours, theirs in zip(got, expected(model, feeds), strict=True):
        theirs = np.asarray(theirs)
        assert ours.dtype == theirs.dtype and ours.shape == theirs.shape, (
            ours.dtype, theirs.dtype, ours.shape, theirs.shape)
        np.testing.assert_allclose(ours, theirs, rtol=rtol, atol=atol)


def rand(*shape: int, seed: int = 0, low: float = -3.0, high: float = 3.0) -> np.ndarray:
    return np.random.default_rng(seed).uniform(low, high, shape).astype(np.float32)
