"""Model tests: small real architectures (`tcompiler.zoo_models`: onnx.helper and seeded random
weights), compiled by tcc and compared with onnxruntime.

- MobileNetV2-style: inverted residual blocks (1x1 expand, 3x3 depthwise conv, 1x1 project),
  ReLU6 as Clip(0, 6), residual Adds, global pool, classifier.
- BERT-style encoder layer: QKV MatMul, Split, Reshape/Transpose to heads, scaled scores,
  Softmax, LayerNormalization, Gelu written with Erf, the exporter's Shape->Gather->Concat->
  Reshape chain (folded at compile time).
- GPT-2-style causal block: token embedding by Gather of int64 ids (a run-time input),
  LayerNormalization, attention masked by Where on a constant causal mask, MLP with Gelu.
"""

from __future__ import annotations

import numpy as np
import onnx
import onnxruntime as ort
import pytest

from tcompiler.pipeline import CompileOptions, compile_model
from tcompiler.runtime import CompiledModel
from tcompiler.zoo_models import bert_layer, gpt2_block, mobilenet_v2


def ort_run(model: onnx.ModelProto, feeds: dict[str, np.ndarray]) -> np.ndarray:
    opts = ort.SessionOptions()
    opts.log_severity_level = 3
    session = ort.InferenceSession(model.SerializeToString(), opts,
                                   providers=["CPUExecutionProvider"])
    return session.run(None, feeds)[0]


CASES = {
    "mobilenet_v2": (mobilenet_v2, lambda rng: {"x": rng.standard_normal((1, 3, 32, 32), np.float32)}),
    "bert_layer": (bert_layer, lambda rng: {"x": rng.standard_normal((2, 8, 32), np.float32)}),
    "gpt2_block": (gpt2_block, lambda rng: {"ids": rng.integers(-50, 50, (1, 8)).astype(np.int64)}),
}


@pytest.mark.parametrize("name", list(CASES))
def test_matches_onnxruntime(name: str, options: CompileOptions) -> None:
    build, feeds_of = CASES[name]
    model = build()
    feeds = feeds_of(np.random.default_rng(3))
    program, _ = compile_model(model, options)
    (ours,) = CompiledModel(program).run(feeds)
    ref = ort_run(model, feeds)
    assert ours.shape == ref.shape and np.isfinite(ours).all()
    np.testing.assert_allclose(ours, ref, rtol=1e-3, atol=1e-4 * float(np.abs(ref).max()))


def test_exporter_shape_chain_folds(options: CompileOptions) -> None:
    """Shape -> Gather -> Unsqueeze -> Concat -> Reshape on a computed tensor is gone by the
    `graph` stage: only the Reshape (a view) remains of it."""
    from tcompiler.frontend import import_model

    imported = import_model(bert_layer())
    names = {op.name for op in imported.module.walk()}
    assert not names & {"onnx.Shape", "onnx.Gather", "onnx.Concat", "onnx.Unsqueeze"}, names


@pytest.mark.parametrize("name", ["bert_layer", "gpt2_block"])
def test_threads_give_identical_outputs(name: str, options: CompileOptions) -> None:
    """The parallel kernels split output units only, never a reduction: 1 and 2 threads give
    the same bits."""
    build, feeds_of = CASES[name]
    feeds = feeds_of(np.random.default_rng(4))
    program, _ = compile_model(build(), options)
    (one,) = CompiledModel(program, threads=1).run(feeds)
    (two,) = CompiledModel(program, threads=2).run(feeds)
    assert np.array_equal(one, two)
