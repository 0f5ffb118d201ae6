"""Plain Attention nodes (`tcompiler.frontend.attention`) are written as MatMul/Softmax without
copying KV heads, and match the reference (`onnx.reference`: onnxruntime declines a cache
without present outputs); the others keep their function body."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper
from onnx.reference import ReferenceEvaluator

import tcompiler.backend as backend
from tcompiler.frontend import import_model
from tcompiler.frontend.attention import rewrite_attention

B, HQ, HKV, D = 2, 4, 2, 8


def attention(inputs: Mapping[str, Sequence[int | str]],
              outputs: Mapping[str, Sequence[int | str]],
              **attrs: Any) -> onnx.ModelProto:
    """One Attention node at opset 23 on float inputs ("" for an input left out)."""
    node = helper.make_node("Attention", list(inputs), list(outputs), **attrs)
    graph = helper.make_graph(
        [node], "g",
        [helper.make_tensor_value_info(n, TensorProto.FLOAT, s) for n, s in inputs.items() if n],
        [helper.make_tensor_value_info(n, TensorProto.FLOAT, s) for n, s in outputs.items() if n])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 23)])


CASES = {
    # 4-d, grouped-query, a cache of 5, causal (bottom-right), both present outputs
    "gqa_cache_causal": (attention(
        {"q": [B, HQ, 3, D], "k": [B, HKV, 3, D], "v": [B, HKV, 3, D], "": [],
         "past_key": [B, HKV, 5, D], "past_value": [B, HKV, 5, D]},
        {"y": [B, HQ, 3, D], "present_key": [B, HKV, 8, D], "present_value": [B, HKV, 8, D]},
        is_causal=1)),
    # 3-d with head counts, cross-attention lengths, causal (top-left without a cache), scale
    "3d_cross_causal_scaled": (attention(
        {"q": [B, 3, HQ * D], "k": [B, 5, HKV * D], "v": [B, 5, HKV * 6]},
        {"y": [B, 3, HQ * 6]}, is_causal=1, q_num_heads=HQ, kv_num_heads=HKV, scale=0.3)),
    # 4-d multi-head, value head size differs, a cache but no present outputs
    "mha_cache_no_present": (attention(
        {"q": [B, HQ, 1, D], "k": [B, HQ, 1, D], "v": [B, HQ, 1, 6], "": [],
         "past_key": [B, HQ, 7, D], "past_value": [B, HQ, 7, 6]},
        {"y": [B, HQ, 1, 6]})),
}


@pytest.mark.parametrize("name", list(CASES))
def test_plain_attention_is_rewritten_and_matches_the_reference(name: str) -> None:
    model = CASES[name]
    assert rewrite_attention(model) is not model
    assert "onnx.Expand" not in {op.name for op in import_model(model).module.walk()}
    rng = np.random.default_rng(len(name))
    feeds = {i.name: rng.standard_normal([d.dim_value for d in i.type.tensor_type.shape.dim],
                                         np.float32) for i in model.graph.input}
    want = ReferenceEvaluator(model).run(None, feeds)
    got = backend.run_model(model, list(feeds.values()))
    for ours, theirs in zip(got, want, strict=True):
        np.testing.assert_allclose(ours, np.asarray(theirs), rtol=1e-5, atol=1e-5)


QKV = {"q": [B, HQ, 3, D], "k": [B, HKV, 3, D], "v": [B, HKV, 3, D]}


@pytest.mark.parametrize("model", [
    attention({**QKV, "mask": [3, 3]}, {"y": [B, HQ, 3, D]}),
    attention(QKV, {"y": [B, HQ, 3, D]}, softcap=2.0),
    attention(QKV, {"y": [B, HQ, 3, D], "": [], "_": [], "qk": [B, HQ, 3, 3]}),
    attention({"q": [B, HQ, "s", D], "k": [B, HKV, "s", D], "v": [B, HKV, "s", D]},
              {"y": [B, HQ, "s", D]}, is_causal=1),
], ids=["mask", "softcap", "qk_matmul_output", "causal_symbolic_lengths"])
def test_other_attention_keeps_its_function_body(model: onnx.ModelProto) -> None:
    assert rewrite_attention(model) is model
