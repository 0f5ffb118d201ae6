"""Fixtures of the fuzzer's engine tests: the planted plug-in, a small ONNX model, an executor."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from onnx import TensorProto, helper, numpy_helper

from tcompiler.fuzz.worker import ExecConfig, Executor
from tcompiler.plugins import PluginSettings

PLANTED = f"{Path(__file__).with_name('planted.py').resolve()}:UNIVERSE"
"""The --load-plugin spec of the plug-in with planted bugs (tests/fuzzing/planted.py)."""


def chain_model() -> bytes:
    """x -> Conv(bias) -> a; Conv(a) -> c; Sigmoid(a) -> s; Mul(c, s) -> y: three kernels,
    two intermediate tensors alive together (a memory plan can get them wrong)."""
    rng = np.random.default_rng(0)
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 2, 5, 5])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 2, 5, 5])
    weights = [numpy_helper.from_array(rng.standard_normal((2, 2, 1, 1)).astype(np.float32),
                                       f"w{i}") for i in range(2)]
    bias = numpy_helper.from_array(np.arange(1, 3, dtype=np.float32), "b")
    nodes = [helper.make_node("Conv", ["x", "w0", "b"], ["a"]),
             helper.make_node("Conv", ["a", "w1"], ["c"]),
             helper.make_node("Sigmoid", ["a"], ["s"]),
             helper.make_node("Mul", ["c", "s"], ["y"])]
    graph = helper.make_graph(nodes, "chain", [x], [y], [*weights, bias])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]
                             ).SerializeToString()


def gemm_model(extra: int = 4) -> bytes:
    """A Gemm between `extra` Relu/Neg nodes on each side (something to reduce)."""
    rng = np.random.default_rng(1)
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 4])
    w = numpy_helper.from_array(rng.standard_normal((3, 4)).astype(np.float32), "w")
    nodes, last = [], "x"
    for k in range(extra):
        nodes.append(helper.make_node("Relu" if k % 2 else "Neg", [last], [f"p{k}"]))
        last = f"p{k}"
    nodes.append(helper.make_node("Gemm", [last, "w"], ["g"]))
    last = "g"
    for k in range(extra):
        nodes.append(helper.make_node("Relu" if k % 2 else "Neg", [last], [f"q{k}"]))
        last = f"q{k}"
    nodes[-1].output[0] = "y"
    graph = helper.make_graph(nodes, "gemm", [x], [y], [w])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]
                             ).SerializeToString()


@pytest.fixture(scope="module")
def executor() -> Iterator[Executor]:
    """An executor that sees the planted plug-in, with 2 s pass budgets and no random oracles
    (tests force the native and differential oracles where they need them)."""
    config = ExecConfig(plugins=PluginSettings(load=(PLANTED,), autoload=False), pass_seconds=2.0,
                        native_rate=0.0, differential_rate=0.0)
    with Executor(config) as ex:
        yield ex
