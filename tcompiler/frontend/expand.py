"""Control flow and recurrent ops rewritten into the ops the dialect has, at import.

`expand_structured(proto, types)` replaces every If, Loop, Scan (`control.py`), LSTM, GRU and
RNN (`recurrent.py`) of the main graph whose rewrite applies by the nodes it writes (except
the Loops that stay real loops, `loops.py`), and
returns the new model, whether anything changed, and node label -> reason for the nodes left
(reported by `support.unfolded_ops`). The frontend alternates it with constant folding and
shape inference: a Loop's trip count often becomes a constant only by folding, and a nested
Loop or If only reaches the main graph when the one around it is unrolled.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import onnx

from tcompiler.frontend import control, loops, recurrent
from tcompiler.frontend.convert import constant_array, tensor_array
from tcompiler.frontend.load import DEFAULT_DOMAINS, default_opset
from tcompiler.frontend.support import node_label
from tcompiler.frontend.writer import GraphWriter, all_names
from tcompiler.weights import SMALL

RULES: dict[str, control.Rule] = {**control.RULES, **recurrent.RULES}


def expand_structured(
    proto: onnx.ModelProto, types: Mapping[str, onnx.TypeProto]
) -> tuple[onnx.ModelProto, bool, dict[str, str]]:
    graph = proto.graph
    facts = control.Facts(_constants(graph), types)
    taken = all_names(graph)
    nodes: list[onnx.NodeProto] = []
    declined: dict[str, str] = {}
    changed = False
    opset = default_opset(proto)
    typed: list[onnx.ValueInfoProto] = []  # the outputs of real loops, where not known
    for index, node in enumerate(graph.node):
        rule = RULES.get(node.op_type) if node.domain in DEFAULT_DOMAINS else None
        if rule is None:
            nodes.append(node)
            continue
        if node.op_type == "Loop" and loops.real_loop(node, facts, opset):
            nodes.append(node)
            typed += [v for v in loops.output_types(node, facts, opset)
                      if facts.types.get(v.name) != v.type]
            continue
        label = node_label(node, index)
        writer = GraphWriter(taken, f"{label}.")
        if node.op_type == "Scan" and loops.scan_as_loop(node, writer, facts, opset):
            nodes += writer.nodes
            changed = True
            continue
        reason = rule(node, writer, facts)
        if reason is None:
            nodes += writer.nodes
            changed = True
        else:
            declined[label] = reason
            nodes.append(node)
    if not (changed or typed):
        return proto, False, declined
    expanded = onnx.ModelProto()
    expanded.CopyFrom(proto)
    expanded.graph.ClearField("node")
    expanded.graph.node.extend(nodes)
    names = {v.name for v in typed}
    kept = [v for v in expanded.graph.value_info if v.name not in names]
    expanded.graph.ClearField("value_info")
    expanded.graph.value_info.extend([*kept, *typed])
    return expanded, True, declined


def _constants(graph: onnx.GraphProto) -> dict[str, np.ndarray]:
    """The small constants of `graph`: initializers and Constant nodes."""
    values = {i.name: tensor_array(i) for i in graph.initializer if _size(i.dims) <= SMALL}
    for node in graph.node:
        if node.op_type == "Constant":
            value = constant_array(node)
            if value is not None:
                values[node.output[0]] = value
    return values


def _size(dims: Iterable[int]) -> int:
    return int(np.prod(list(dims), dtype=np.int64))
