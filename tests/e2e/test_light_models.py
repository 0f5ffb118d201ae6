"""Smoke test: the nine light models the onnx package ships, compiled end to end as shipped.

Every weight of these models is the constant 0.02, so 8 of the 9 expected outputs are a uniform
softmax (0.001 in every position) and DenseNet's is a constant: any finite computation of the
right shape passes. This proves the architectures import, compile and run, not that they
compute the right thing. What scores them is the `light-random` suite
(tests/conformance/test_model_suites.py, `model_suites.check_random_light`): the same
architectures with seeded random weights, pre-softmax logits against onnxruntime.
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

# Quick runs keep the smallest architecture: the light-smoke suite
# (tests/conformance/test_model_suites.py) runs the same shipped models through the backend,
# and light-random scores them; the others take 15-45 s each here.
SLOW = set(zoo.LIGHT_MODELS) - {"shufflenet"}
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
def test_shipped_constant_weights_smoke(name: str, options: CompileOptions) -> None:
    """Compiles and runs; the (near-constant) output matches the shipped one and onnxruntime's."""
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
