"""A Llama-style decoder block at opset 23 (`tcompiler.zoo_models.llama_block`: RMSNormalization,
Q/K/V projections, RotaryEmbedding on Q and K by position_ids, Attention with a KV cache,
causal, grouped-query (8 query heads, 2 KV heads), output projection, residual, RMSNorm,
SwiGLU MLP, residual), compiled by tcc and compared with onnxruntime: a prefill of 4 tokens
after 16 cached ones, then a decode step of 1 token on the cache the prefill returned.
"""

from __future__ import annotations

import numpy as np
import onnx
import onnxruntime as ort

from tcompiler.pipeline import CompileOptions, compile_model
from tcompiler.runtime import CompiledModel
from tcompiler.zoo_models import llama_block

D, KV_HEADS, HEAD_DIM = 256, 2, 32


def run_both(model: onnx.ModelProto, feeds: dict[str, np.ndarray], options: CompileOptions
             ) -> tuple[list[np.ndarray], list[np.ndarray]]:
    program, _ = compile_model(model, options)
    ours = CompiledModel(program).run(feeds)
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    return ours, [np.asarray(a) for a in session.run(None, feeds)]


def assert_close(ours: list[np.ndarray], ref: list[np.ndarray]) -> None:
    for got, want in zip(ours, ref, strict=True):
        assert got.shape == want.shape
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4 * float(np.abs(want).max()))


def test_prefill_then_decode_match_onnxruntime(options: CompileOptions) -> None:
    rng = np.random.default_rng(11)
    past, new = 16, 4
    cache = (1, KV_HEADS, past, HEAD_DIM)
    feeds = {"x": rng.standard_normal((1, new, D), np.float32),
             "position_ids": np.arange(past, past + new, dtype=np.int64)[None],
             "past_key": rng.standard_normal(cache, np.float32),
             "past_value": rng.standard_normal(cache, np.float32)}
    ours, ref = run_both(llama_block(new=new, past=past), feeds, options)
    assert_close(ours, ref)

    _, key, value = ref  # the cache after the prefill
    step = {"x": rng.standard_normal((1, 1, D), np.float32),
            "position_ids": np.array([[past + new]], np.int64),
            "past_key": key, "past_value": value}
    ours, ref = run_both(llama_block(new=1, past=past + new), step, options)
    assert_close(ours, ref)
