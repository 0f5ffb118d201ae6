"""The nine light models the onnx package ships, compiled end to end.

Two checks per architecture:
- the shipped model (every weight 0.02) against its shipped expected output, on the input onnx's
  own runner builds, at the tolerances of its `data.json`, and against onnxruntime;
- the same architecture with seeded random weights (`tcompiler.zoo.randomized`), comparing the
  pre-softmax logits with onnxruntime (a uniform softmax would hide errors).
"""

from __future__ import annotations

import json

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx.backend.test.runner import Runner

from tcompiler import zoo
from tcompiler.pipeline import CompileOptions, compile_model
from tcompiler.runtime import CompiledModel

SLOW = {"vgg19", "zfnet512", "bvlc_alexnet"}  # hundreds of MB of weights to import
MODELS = [pytest.param(m, marks=pytest.mark.slow) if m in SLOW else m for m in zoo.LIGHT_MODELS]


def tolerances(name: str) -> tuple[float, float]:
    data = json.loads((zoo.light_dir().parent / "real" / f"test_{name}" / "data.json").read_text())
    return float(data.get("rtol", 1e-3)), float(data.get("atol", 1e-7))


def ort_run(model: onnx.ModelProto, feeds: dict[str, np.ndarray]) -> list[np.ndarray]:
    opts = ort.SessionOptions()
    opts.log_severity_level = 3
    sess = ort.InferenceSession(model.SerializeToString(), opts, providers=["CPUExecutionProvider"])
    return sess.run(None, feeds)


@pytest.mark.parametrize("name", MODELS)
def test_shipped_weights_match_expected_output(name: str, options: CompileOptions) -> None:
    model = onnx.load(str(zoo.light_model_path(name)))
    program, _ = compile_model(model, options)
    initializers = {i.name for i in model.graph.initializer}
    graph_input = next(i for i in model.graph.input if i.name not in initializers)
    x = Runner.generate_dummy_data(graph_input, seed=0, name=name, random=False)
    (ours,) = CompiledModel(program).run([x])
    rtol, atol = tolerances(name)
    np.testing.assert_allclose(ours, zoo.light_expected_output(name), rtol=rtol, atol=atol)
    (ref,) = ort_run(model, {graph_input.name: x})
    np.testing.assert_allclose(ours, ref, rtol=rtol, atol=atol)


@pytest.mark.parametrize("name", MODELS)
def test_random_weights_logits_match_onnxruntime(name: str, options: CompileOptions) -> None:
    model = zoo.randomized(name, seed=0)
    program, _ = compile_model(model, options)
    x = zoo.test_input(program.inputs[0].shape)
    ours = CompiledModel(program).run([x])
    ref = ort_run(model, {program.inputs[0].name: x})
    logits, ref_logits = ours[-1], ref[-1]
    assert np.isfinite(logits).all()
    assert np.ptp(ref_logits) > 0, "random weights must give distinct logits"
    scale = float(np.abs(ref_logits).max())
    np.testing.assert_allclose(logits, ref_logits, rtol=1e-3, atol=1e-4 * scale)
    assert np.argmax(logits) == np.argmax(ref_logits)
