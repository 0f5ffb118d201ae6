"""Helpers for frontend tests: tiny ONNX models built with `onnx.helper`."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

Shape = Sequence[int | str] | None


def make_model(
    nodes: list[onnx.NodeProto],
    inputs: dict[str, Shape],
    outputs: dict[str, Shape],
    initializers: dict[str, np.ndarray] | None = None,
    opset: int = 17,
    dtype: int = TensorProto.FLOAT,
) -> onnx.ModelProto:
    """A float model over `nodes`; `inputs`/`outputs` map names to shapes."""
    graph = helper.make_graph(
        nodes,
        "test_graph",
        [helper.make_tensor_value_info(n, dtype, s) for n, s in inputs.items()],
        [helper.make_tensor_value_info(n, dtype, s) for n, s in outputs.items()],
        initializer=[numpy_helper.from_array(v, n) for n, v in (initializers or {}).items()],
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])


@pytest.fixture
def model() -> Callable[..., onnx.ModelProto]:
    """`make_model` as a fixture (test modules cannot import conftest under importlib mode)."""
    return make_model
