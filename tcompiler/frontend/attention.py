"""Attention (opset 23 on) written, at import, as the few ops a transformer block needs, for the
plain case that LLM decoder blocks use; other Attention nodes keep their ONNX function body.

The function body repeats every KV head for its group of query heads (Unsqueeze + Expand, a
copy of the whole cache per step), transposes the expanded K and scales it, and builds the
causal mask from Range/Less/Where at run time. `rewrite_attention(proto)` writes instead, for
Q [B, Hq, S, Dh], K/V [B, Hkv, Skv, D] (3-d inputs are reshaped and transposed to these):

    present_key = Concat(past_key, K, axis=2)          (K without a cache; same for V)
    grouped     = Reshape(Q * scale, [0, Hkv, -1, Dh])  query head h = kv * G + g, a view
    scores      = MatMul(grouped, Transpose(present_key))   [B, Hkv, G * S, T]
    causal      = scores viewed as [B, Hkv, G, S, T] + a constant [S, T] of 0 / -inf
    Y           = Reshape(MatMul(Softmax(scores), present_value), [0, Hq, -1, Dv])

so no KV head is copied and the cache is transposed once per KV head. The causal mask is the
spec's (bottom-right with a cache: query i sees key j when j <= i + past length; top-left
without one); it never masks a whole row, so the spec's zeroing of fully masked rows is not
needed. Scaling Q by `scale` (the body scales Q and K by its square root each) rounds
differently in the last bit.

Plain means: float32; no `attn_mask`, `nonpad_kv_seqlen` or `qk_matmul_output`; `softcap` 0;
`softmax_precision` float; no sliding window; past_key and past_value both given or both not;
static head counts and head sizes, and static sequence lengths when `is_causal`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import onnx
from onnx import TensorProto, helper

from tcompiler.frontend.load import DEFAULT_DOMAINS
from tcompiler.frontend.writer import GraphWriter, all_names

Q, K, V, MASK, PAST_KEY, PAST_VALUE, NONPAD = range(7)


def rewrite_attention(proto: onnx.ModelProto) -> onnx.ModelProto:
    """`proto` with every plain Attention node of its main graph rewritten (see above)."""
    graph = proto.graph
    if not any(_is_attention(node) for node in graph.node):
        return proto
    types = _types(proto)
    taken = all_names(graph)
    nodes: list[onnx.NodeProto] = []
    changed = False
    for index, node in enumerate(graph.node):
        writer = GraphWriter(taken, f"{node.name or f'Attention_{index}'}.")
        if _is_attention(node) and _write(node, types, writer):
            nodes += writer.nodes
            changed = True
        else:
            nodes.append(node)
    if not changed:
        return proto
    rewritten = onnx.ModelProto()
    rewritten.CopyFrom(proto)
    rewritten.graph.ClearField("node")
    rewritten.graph.node.extend(nodes)
    return rewritten


def _is_attention(node: onnx.NodeProto) -> bool:
    return node.op_type == "Attention" and node.domain in DEFAULT_DOMAINS


def _types(proto: onnx.ModelProto) -> dict[str, onnx.TypeProto]:
    try:
        graph = onnx.shape_inference.infer_shapes(proto).graph
    except (onnx.shape_inference.InferenceError, RuntimeError, ValueError):
        graph = proto.graph
    return {v.name: v.type for v in (*graph.value_info, *graph.input, *graph.output)}


def _dims(name: str, types: Mapping[str, onnx.TypeProto]) -> list[int | None] | None:
    """The dims of a float32 value (None for a symbolic one), or None when not float32."""
    ty = types.get(name)
    if ty is None or ty.tensor_type.elem_type != TensorProto.FLOAT:
        return None
    return [d.dim_value if d.HasField("dim_value") else None
            for d in ty.tensor_type.shape.dim]


def _given(node: onnx.NodeProto, position: int) -> bool:
    return position < len(node.input) and node.input[position] != ""


def _plain(node: onnx.NodeProto, attrs: Mapping[str, Any]) -> bool:
    return (not _given(node, MASK) and not _given(node, NONPAD)
            and _given(node, PAST_KEY) == _given(node, PAST_VALUE)
            and (len(node.output) < 4 or node.output[3] == "")
            and not attrs.get("softcap", 0.0)
            and attrs.get("softmax_precision", TensorProto.FLOAT) == TensorProto.FLOAT
            and attrs.get("left_window_size", -1) == -1
            and attrs.get("right_window_size", -1) == -1)


@dataclass(frozen=True)
class _Sizes:
    q_heads: int
    kv_heads: int
    head: int  # of Q and K
    v_head: int
    q_seq: int | None
    kv_seq: int | None
    split: bool  # 3-d inputs: [B, S, H * D]


def _sizes(node: onnx.NodeProto, attrs: Mapping[str, Any],
           types: Mapping[str, onnx.TypeProto]) -> _Sizes | None:
    """The head counts and sizes of a plain node's Q, K and V, when static."""
    shapes = [_dims(node.input[i], types) for i in (Q, K, V)]
    q, k, v = (s if s is not None and len(s) in (3, 4) else None for s in shapes)
    if q is None or k is None or v is None or not len(q) == len(k) == len(v):
        return None
    if len(q) == 4:
        counts = [q[1], k[1], q[3], v[3]]
    else:
        q_heads, kv_heads = attrs.get("q_num_heads"), attrs.get("kv_num_heads")
        if q_heads is None or kv_heads is None or q[2] is None or v[2] is None:
            return None
        counts = [q_heads, kv_heads, q[2] // q_heads, v[2] // kv_heads]
    q_heads, kv_heads, head, v_head = counts
    if q_heads is None or kv_heads is None or head is None or v_head is None:
        return None
    if q_heads % kv_heads:
        return None
    return _Sizes(q_heads, kv_heads, head, v_head, q[-2], k[-2], len(q) == 3)


def _write(node: onnx.NodeProto, types: Mapping[str, onnx.TypeProto], w: GraphWriter) -> bool:
    """Write `node`'s replacement into `w`; False (nothing written) when it is not plain."""
    attrs = {a.name: helper.get_attribute_value(a) for a in node.attribute}
    sizes = _sizes(node, attrs, types) if _plain(node, attrs) else None
    if sizes is None:
        return False
    past_dims = _dims(node.input[PAST_KEY], types) if _given(node, PAST_KEY) else [0, 0, 0, 0]
    past = past_dims[2] if past_dims is not None and len(past_dims) == 4 else None
    causal = bool(attrs.get("is_causal", 0))
    if causal and (past is None or sizes.q_seq is None or sizes.kv_seq is None):
        return False
    q, k, v = (_heads(w, node.input[i], n) if sizes.split else node.input[i]
               for i, n in ((Q, sizes.q_heads), (K, sizes.kv_heads), (V, sizes.kv_heads)))
    present = [_cache(w, node, position, new, output)
               for position, new, output in ((PAST_KEY, k, 1), (PAST_VALUE, v, 2))]
    scale = attrs.get("scale", 1.0 / np.sqrt(sizes.head))
    grouped = w.op("Reshape", w.op("Mul", q, w.scalar(scale)),
                   w.ints(0, sizes.kv_heads, -1, sizes.head))
    scores = w.op("MatMul", grouped, w.op("Transpose", present[0], perm=[0, 1, 3, 2]))
    if causal and past is not None and sizes.q_seq is not None and sizes.kv_seq is not None:
        scores = _causal(w, scores, sizes.kv_heads, sizes.q_heads // sizes.kv_heads,
                         sizes.q_seq, past + sizes.kv_seq, past)
    context = w.op("MatMul", w.op("Softmax", scores, axis=-1), present[1])
    heads = w.ints(0, sizes.q_heads, -1, sizes.v_head)
    if not sizes.split:
        w.node("Reshape", [context, heads], [node.output[0]])
        return True
    merged = w.op("Transpose", w.op("Reshape", context, heads), perm=[0, 2, 1, 3])
    w.node("Reshape", [merged, w.ints(0, 0, -1)], [node.output[0]])
    return True


def _heads(w: GraphWriter, x: str, n_heads: int) -> str:
    """[B, S, H * D] -> [B, H, S, D]."""
    return w.op("Transpose", w.op("Reshape", x, w.ints(0, 0, n_heads, -1)), perm=[0, 2, 1, 3])


def _cache(w: GraphWriter, node: onnx.NodeProto, position: int, new: str, output: int) -> str:
    """The present key or value: the past one with `new` appended, named as `node`'s output."""
    name = node.output[output] if len(node.output) > output and node.output[output] else None
    if not _given(node, position):
        if name is not None:
            w.node("Identity", [new], [name])
        return new
    present = name or w.fresh("present")
    w.node("Concat", [node.input[position], new], [present], axis=2)
    return present


def _causal(w: GraphWriter, scores: str, kv_heads: int, group: int, q_seq: int, total: int,
            offset: int) -> str:
    """`scores` [B, Hkv, G * S, T] plus the causal mask: query i sees key j <= i + offset."""
    allowed = np.arange(total)[None, :] <= np.arange(q_seq)[:, None] + offset
    mask = np.where(allowed, 0.0, -np.inf).astype(np.float32)
    per_query = w.op("Reshape", scores, w.ints(0, kv_heads, group, q_seq, total))
    masked = w.op("Add", per_query, w.const(mask, "causal_mask"))
    return w.op("Reshape", masked, w.ints(0, kv_heads, group * q_seq, total))
