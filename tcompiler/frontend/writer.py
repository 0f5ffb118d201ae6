"""Writing ONNX nodes under fresh names, and inlining a subgraph into the graph around it.

    writer = GraphWriter(all_names(proto.graph), prefix="Loop_0.")
    one = writer.const(np.array(1, np.int64), "one")
    total = writer.op("Add", x, one)                  # a new value name
    outs = writer.inline(body, {"i": one, "x": total}, "it0.")   # the body's output names

The rewrites of `control.py` and `recurrent.py` build their replacement of a node with it; the
nodes are spliced into the graph where the node stood (`nodes`). `inline` copies a subgraph's
nodes with every name it defines renamed (its initializers become Constant nodes), its inputs
bound to values of the enclosing graph and its reads of outer-scope values left as they are, as
the ONNX spec lets a subgraph read any value of the graphs enclosing it; nested subgraphs are
renamed the same way.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import onnx
from onnx import helper, numpy_helper


def all_names(graph: onnx.GraphProto) -> set[str]:
    """Every value name `graph` and its subgraphs define or read."""
    names = {v.name for v in (*graph.input, *graph.output, *graph.value_info)}
    names.update(i.name for i in graph.initializer)
    for node in graph.node:
        names.update(node.input)
        names.update(node.output)
        for sub in subgraphs(node):
            names |= all_names(sub)
    return names


def subgraph_reads(node: onnx.NodeProto) -> set[str]:
    """The values the nodes of `node`'s subgraphs read (outer-scope values among them)."""
    names: set[str] = set()
    for sub in subgraphs(node):
        for inner in sub.node:
            names |= set(inner.input) | subgraph_reads(inner)
    return names


def subgraphs(node: onnx.NodeProto) -> list[onnx.GraphProto]:
    """The graphs among `node`'s attributes (If branches, Loop and Scan bodies)."""
    graphs: list[onnx.GraphProto] = []
    for attr in node.attribute:
        if attr.type == onnx.AttributeProto.GRAPH:
            graphs.append(attr.g)
        elif attr.type == onnx.AttributeProto.GRAPHS:
            graphs.extend(attr.graphs)
    return graphs


def graph_attr(node: onnx.NodeProto, name: str) -> onnx.GraphProto:
    return next(a.g for a in node.attribute if a.name == name)


@dataclass
class GraphWriter:
    taken: set[str]
    prefix: str
    nodes: list[onnx.NodeProto] = field(default_factory=list[onnx.NodeProto])
    _constants: dict[tuple[str, tuple[int, ...], bytes], str] = field(
        default_factory=dict[tuple[str, tuple[int, ...], bytes], str])

    def fresh(self, hint: str) -> str:
        """A name no value of the model has, made of the prefix and `hint`."""
        name, count = f"{self.prefix}{hint}", 0
        while name in self.taken:
            count += 1
            name = f"{self.prefix}{hint}_{count}"
        self.taken.add(name)
        return name

    def node(self, op_type: str, inputs: Iterable[str], outputs: Iterable[str],
             **attrs: Any) -> None:
        self.nodes.append(helper.make_node(op_type, list(inputs), list(outputs),
                                           name=self.fresh(op_type), **attrs))

    def op(self, op_type: str, *inputs: str, **attrs: Any) -> str:
        """The one output of a new `op_type` node on `inputs`."""
        out = self.fresh(op_type.lower())
        self.node(op_type, inputs, [out], **attrs)
        return out

    def const(self, value: np.ndarray, hint: str = "const") -> str:
        """A Constant node of `value` (one per distinct value: unrolled steps share them)."""
        key = (value.dtype.str, value.shape, value.tobytes())
        if key not in self._constants:
            out = self.fresh(hint)
            self.node("Constant", [], [out], value=numpy_helper.from_array(value, out))
            self._constants[key] = out
        return self._constants[key]

    def ints(self, *values: int) -> str:
        """A 1-d int64 constant (axes, starts, shapes)."""
        return self.const(np.array(values, np.int64), "ints")

    def scalar(self, value: float, dtype: type = np.float32) -> str:
        return self.const(np.array(value, dtype), "scalar")

    def index(self, data: str, position: int, axis: int = 0) -> str:
        """data[position] along `axis`, the axis removed (a Gather with a scalar index)."""
        return self.op("Gather", data, self.scalar(position, np.int64), axis=axis)

    def slice(self, data: str, start: int, end: int, axis: int) -> str:
        return self.op("Slice", data, self.ints(start), self.ints(end), self.ints(axis))

    def split(self, data: str, parts: int, size: int, axis: int) -> list[str]:
        """`data` cut into `parts` pieces of `size` along `axis`."""
        outs = [self.fresh("split") for _ in range(parts)]
        self.node("Split", [data, self.ints(*[size] * parts)], outs, axis=axis)
        return outs

    def stack(self, parts: list[str], axis: int) -> str:
        """`parts` (same shapes) stacked along a new `axis`."""
        expanded = [self.op("Unsqueeze", p, self.ints(axis)) for p in parts]
        return expanded[0] if len(expanded) == 1 else self.op("Concat", *expanded, axis=axis)

    def inline(self, graph: onnx.GraphProto, bound: Mapping[str, str], tag: str) -> list[str]:
        """Copy `graph`'s nodes here with its inputs read from `bound` (input name -> value);
        returns the values of its outputs. `tag` is put before the names it defines."""
        renamed = dict(bound)
        for init in graph.initializer:
            renamed[init.name] = self.const(numpy_helper.to_array(init), f"{tag}{init.name}")
        for node in graph.node:
            copy = onnx.NodeProto()
            copy.CopyFrom(node)
            copy.name = self.fresh(f"{tag}{node.name or node.op_type}")
            for out in copy.output:
                if out:
                    renamed[out] = self.fresh(f"{tag}{out}")
            _rename(copy, renamed)
            self.nodes.append(copy)
        return [renamed.get(out.name, out.name) for out in graph.output]


def _rename(node: onnx.NodeProto, renamed: Mapping[str, str]) -> None:
    """Rename `node`'s inputs and outputs, and the outer-scope reads of its subgraphs."""
    for i, name in enumerate(node.input):
        node.input[i] = renamed.get(name, name)
    for i, name in enumerate(node.output):
        node.output[i] = renamed.get(name, name)
    for sub in subgraphs(node):
        local = {v.name for v in sub.input} | {i.name for i in sub.initializer}
        local.update(out for n in sub.node for out in n.output)
        outer = {k: v for k, v in renamed.items() if k not in local}
        for inner in sub.node:
            _rename(inner, outer)
        for out in sub.output:
            out.name = outer.get(out.name, out.name)
