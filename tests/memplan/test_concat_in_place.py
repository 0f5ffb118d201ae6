"""`concat-in-place`: concat inputs computed straight into their concat's bytes. Models with
Inception-style and DenseNet-style (nested) concats, a part read again after its concat, and
concats that must stay (a model input among the parts, misaligned places) match onnxruntime
at 1 and 2 threads, natively and in the reference interpreter on the planned arena."""

from __future__ import annotations

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from tcompiler import interp
from tcompiler.passes import concat_in_place
from tcompiler.pipeline import CompileOptions, compile_model
from tcompiler.runtime import CompiledModel

from .test_compiled import ort_run


class Builder:
    def __init__(self, seed: int) -> None:
        self.rng = np.random.default_rng(seed)
        self.nodes: list[onnx.NodeProto] = []
        self.inits: list[onnx.TensorProto] = []

    def op(self, kind: str, inputs: list[str], **attrs: object) -> str:
        out = f"t{len(self.nodes)}"
        self.nodes.append(helper.make_node(kind, inputs, [out], **attrs))
        return out

    def conv(self, x: str, cin: int, cout: int, k: int, relu: bool = True) -> str:
        w = f"w{len(self.inits)}"
        bound = np.sqrt(6.0 / (cin * k * k))
        self.inits.append(numpy_helper.from_array(
            self.rng.uniform(-bound, bound, (cout, cin, k, k)).astype(np.float32), w))
        y = self.op("Conv", [x, w], pads=[k // 2] * 4)
        return self.op("Relu", [y]) if relu else y

    def model(self, shape: list[int], out: str, out_shape: list[int]) -> onnx.ModelProto:
        graph = helper.make_graph(
            self.nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, shape)],
            [helper.make_tensor_value_info(out, TensorProto.FLOAT, out_shape)], self.inits)
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
        onnx.checker.check_model(model)
        return model


def inception_dense(size: int = 8) -> onnx.ModelProto:
    """An Inception block (four branches, one a pool), then two DenseNet layers (each concat
    takes the previous one), a part read again after its concat, and a ReLU over the last
    concat, which may run in place."""
    b = Builder(0)
    stem = b.conv("x", 3, 16, 3)
    branches = [b.conv(stem, 16, 16, 1), b.conv(b.conv(stem, 16, 8, 1), 8, 16, 3),
                b.conv(b.op("MaxPool", [stem], kernel_shape=[3, 3], pads=[1, 1, 1, 1]), 16, 8, 1),
                b.conv(stem, 16, 8, 3)]
    block = b.op("Concat", branches, axis=1)  # 48 channels
    grown = b.op("Concat", [block, b.conv(block, 48, 16, 3)], axis=1)  # 64
    last = b.conv(grown, 64, 16, 1)
    grown = b.op("Concat", [grown, last], axis=1)  # 80
    mixed = b.op("Add", [b.op("Relu", [grown]), b.op("Concat", [last] * 5, axis=1)])
    return b.model([1, 3, size, size], mixed, [1, 80, size, size])


def misaligned() -> onnx.ModelProto:
    """Parts of 3 channels of 5x5 (300 bytes: not 64-byte places) and a model input among a
    concat's parts: those concats stay."""
    b = Builder(1)
    a = b.conv("x", 3, 3, 3)
    c = b.op("Concat", [a, b.conv(a, 3, 3, 1)], axis=1)
    return b.model([1, 3, 5, 5], b.op("Concat", ["x", c], axis=1), [1, 9, 5, 5])


def concats(program: object) -> int:
    return sum(1 for s in program.steps if s.kernel.startswith("concat"))  # type: ignore[attr-defined]


@pytest.mark.parametrize("build,left", [(inception_dense, 1), (misaligned, 2)])
def test_matches_onnxruntime(build, left: int, options: CompileOptions) -> None:
    model = build()
    program, _ = compile_model(model, options)
    assert concats(program) == left  # inception_dense: only the concat of one tensor 5 times
    x = np.random.default_rng(2).standard_normal(program.inputs[0].shape).astype(np.float32)
    ref = ort_run(model, {"x": x})[0]
    for threads in (1, 2):
        out = CompiledModel(program, threads=threads).run([x])[0]
        np.testing.assert_allclose(out, ref, rtol=1e-4, atol=1e-4)


def test_places_save_the_copies_and_bytes(options: CompileOptions,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """Without the pass placing anything, the concats run and the arena holds the parts and
    the outputs apart."""
    model = inception_dense(16)
    program, _ = compile_model(model, options)
    monkeypatch.setattr(concat_in_place, "place_inputs", lambda main, symbols: 0)
    baseline, _ = compile_model(model, options)
    assert concats(baseline) == 4 and concats(program) == 1
    assert program.arena_bytes < baseline.arena_bytes


def test_interpreter_runs_the_placed_arena() -> None:
    """The reference interpreter runs the schedule stage on one arena, the views at their
    offsets in it: a wrong place would clobber a live tensor and show in the output."""
    model = inception_dense()
    x = np.random.default_rng(3).standard_normal((1, 3, 8, 8)).astype(np.float32)
    out = interp.run(model, {"x": x}, "schedule", CompileOptions())
    assert len(out) == 1
    np.testing.assert_allclose(next(iter(out.values())), ort_run(model, {"x": x})[0], rtol=1e-4, atol=1e-4)
