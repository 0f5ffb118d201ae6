"""If, Loop and Scan rewritten into the graph around them, at import (static shapes only),
where they are not real loops (`loops.py` says which are; `expand.py` asks it first).

Each rule `rule(node, writer, facts) -> str | None` writes the node's replacement with the
`GraphWriter` (its outputs keep the node's output names) and returns None, or returns why it
cannot (the node then stays and is reported unsupported, with that reason):

- If with a constant condition: the taken branch, inlined (common in exports). With a run-time
  condition: both branches inlined and each output a `Where(cond, then, else)`; this needs the
  branches' outputs to have the same static shape and type. Both branches are computed, so a
  branch must be safe to compute when not taken: ONNX ops have no side effects, but a gather
  at indices computed at run time could read out of bounds (`INDEXING_OPS`: declined).
- Loop with a constant trip count of at most `MAX_UNROLL` iterations: the body inlined once
  per iteration, the iteration number a constant. When the loop condition is not known to stay
  true (the initial condition or the body's condition output is computed), every carried value
  is a `Where(still_running, new, old)` and the running flag an `And` of the conditions; scan
  outputs then have a length known only at run time, which tcc declines, and the iterations
  after the end are computed too (declined for bodies with run-time gathers, as for If).
- Scan (opset 9 and later) over a static sequence of at most `MAX_UNROLL` elements: the body
  inlined per element, each scan input element a `Gather` at its index along its axis (from
  the end for reverse directions), each scan output the body's outputs stacked along its axis.

Loop and Scan bodies become ordinary kernels, one set per iteration (tcc dedups the code of
identical kernels); `MAX_UNROLL` bounds the model's growth.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import onnx
from onnx import numpy_helper

from tcompiler.frontend.shapes import static_dims
from tcompiler.frontend.writer import GraphWriter, graph_attr, subgraphs

MAX_UNROLL = 64
"""The most iterations a Loop or Scan is unrolled to."""


@dataclass(frozen=True)
class Facts:
    """What the rules know about the graph: constant values and static types."""

    constants: Mapping[str, np.ndarray]
    types: Mapping[str, onnx.TypeProto]

    def dims(self, name: str) -> tuple[int, ...] | None:
        ty = self.types.get(name)
        return None if ty is None else static_dims(ty)


Rule = Callable[[onnx.NodeProto, GraphWriter, Facts], "str | None"]


def expand_if(node: onnx.NodeProto, w: GraphWriter, facts: Facts) -> str | None:
    then_graph, else_graph = graph_attr(node, "then_branch"), graph_attr(node, "else_branch")
    cond = node.input[0]
    if cond in facts.constants:
        taken = then_graph if bool(facts.constants[cond].reshape(-1)[0]) else else_graph
        _bind_outputs(w, node.output, w.inline(taken, {}, "taken."))
        return None
    then_types = [_tensor_type(o.type) for o in then_graph.output]
    else_types = [_tensor_type(o.type) for o in else_graph.output]
    if None in then_types or then_types != else_types:
        return ("the condition is known only at run time and the branches' outputs differ in "
                "shape or type (or have no static shape)")
    if not (_safe_to_compute(then_graph, facts) and _safe_to_compute(else_graph, facts)):
        return ("the condition is known only at run time and a branch gathers at indices "
                "computed at run time (computing the branch not taken could read out of bounds)")
    flag = cond if facts.dims(cond) == () else w.op("Reshape", cond, w.ints())
    then_outs = w.inline(then_graph, {}, "then.")
    else_outs = w.inline(else_graph, {}, "else.")
    for out, yes, no in zip(node.output, then_outs, else_outs, strict=True):
        if out:
            w.node("Where", [flag, yes, no], [out])
    return None


def expand_loop(node: onnx.NodeProto, w: GraphWriter, facts: Facts) -> str | None:
    body = graph_attr(node, "body")
    trip, cond = node.input[0], node.input[1] if len(node.input) > 1 else ""
    if not trip or trip not in facts.constants:
        return "the trip count is not a compile-time constant"
    trips = int(facts.constants[trip].reshape(-1)[0])
    if trips > MAX_UNROLL:
        return f"{trips} iterations (tcc unrolls loops of at most {MAX_UNROLL})"
    carried = list(node.input[2:])
    scans = len(body.output) - 1 - len(carried)
    static_cond = cond == "" or (cond in facts.constants and _true(facts.constants[cond]))
    always = static_cond and _stays_true(body)
    if scans and not always:
        return "scan outputs whose length depends on a condition computed at run time"
    if not always and not _safe_to_compute(body, facts):
        return ("the condition is computed at run time and the body gathers at indices computed "
                "at run time (computing the iterations after the loop ends could read out of "
                "bounds)")
    if scans and trips <= 0:
        return "scan outputs of zero iterations (empty tensors)"
    running = w.scalar(True, np.bool_)
    if cond:
        running = cond if facts.dims(cond) == () else w.op("Reshape", cond, w.ints())
    stacked: list[list[str]] = [[] for _ in range(scans)]
    for k in range(trips):
        inputs = [v.name for v in body.input]
        values = [w.scalar(k, np.int64), running, *carried]
        outs = w.inline(body, dict(zip(inputs, values, strict=True)), f"it{k}.")
        new = outs[1:1 + len(carried)]
        if not always:
            new = [w.op("Where", running, n, old) for n, old in zip(new, carried, strict=True)]
            running = w.op("And", running, w.op("Reshape", outs[0], w.ints()))
        carried = new
        for parts, out in zip(stacked, outs[1 + len(carried):], strict=True):
            parts.append(out)
    finals = carried + [w.stack(parts, 0) for parts in stacked]
    _bind_outputs(w, node.output, finals)
    return None


def expand_scan(node: onnx.NodeProto, w: GraphWriter, facts: Facts) -> str | None:
    body = graph_attr(node, "body")
    attrs = {a.name: a for a in node.attribute}
    scans = attrs["num_scan_inputs"].i
    states = list(node.input[:len(node.input) - scans])
    xs = list(node.input[len(states):])
    in_axes = list(attrs["scan_input_axes"].ints) if "scan_input_axes" in attrs else [0] * scans
    in_dirs = (list(attrs["scan_input_directions"].ints) if "scan_input_directions" in attrs
               else [0] * scans)
    dims = [d for d in map(facts.dims, xs) if d is not None]
    if len(dims) < len(xs):
        return "a scan input has no static shape"
    axes = [a + len(d) if a < 0 else a for a, d in zip(in_axes, dims, strict=True)]
    length = dims[0][axes[0]]
    if length == 0 or length > MAX_UNROLL:
        return f"a sequence of {length} elements (tcc unrolls 1 to {MAX_UNROLL})"
    outs_count = len(body.output) - len(states)
    out_axes = list(attrs["scan_output_axes"].ints) if "scan_output_axes" in attrs else [
        0] * outs_count
    out_dirs = (list(attrs["scan_output_directions"].ints) if "scan_output_directions" in attrs
                else [0] * outs_count)
    stacked: list[list[str]] = [[] for _ in range(outs_count)]
    for t in range(length):
        elements = [w.index(x, length - 1 - t if rev else t, axis)
                    for x, axis, rev in zip(xs, axes, in_dirs, strict=True)]
        inputs = [v.name for v in body.input]
        outs = w.inline(body, dict(zip(inputs, states + elements, strict=True)), f"it{t}.")
        states = outs[:len(states)]
        for parts, out in zip(stacked, outs[len(states):], strict=True):
            parts.append(out)
    results = list(states)  # a negative axis counts from the end, in Unsqueeze and Concat too
    for parts, axis, rev in zip(stacked, out_axes, out_dirs, strict=True):
        results.append(w.stack(parts[::-1] if rev else parts, axis))
    _bind_outputs(w, node.output, results)
    return None


def _bind_outputs(w: GraphWriter, outputs: Iterable[str], values: list[str]) -> None:
    """The node's outputs become Identity copies of `values` (names are kept for readers)."""
    for out, value in zip(outputs, values, strict=True):
        if out:
            w.node("Identity", [value], [out])


def _tensor_type(ty: onnx.TypeProto) -> tuple[int, tuple[int, ...]] | None:
    dims = static_dims(ty) if ty.HasField("tensor_type") else None
    return None if dims is None else (ty.tensor_type.elem_type, dims)


INDEXING_OPS = frozenset({"Gather", "GatherElements", "GatherND"})
"""Ops whose indices are data: out of range, they read outside their input."""


def _safe_to_compute(graph: onnx.GraphProto, facts: Facts) -> bool:
    """Whether `graph` (an If branch, a Loop body) can be computed when it should not be: every
    gather in it (and in its subgraphs) reads at constant indices."""
    constants = {n.output[0] for n in graph.node if n.op_type == "Constant"}
    constants |= {i.name for i in graph.initializer} | set(facts.constants)
    for node in graph.node:
        if node.op_type in INDEXING_OPS and node.input[1] not in constants:
            return False
        if not all(_safe_to_compute(sub, facts) for sub in subgraphs(node)):
            return False
    return True


def _true(value: np.ndarray) -> bool:
    return bool(value.reshape(-1)[0])


def _stays_true(body: onnx.GraphProto) -> bool:
    """Whether the body's condition output is always true given a true condition input: it is
    the input itself (through Identity nodes) or a true constant."""
    producers = {out: node for node in body.node for out in node.output}
    name, cond_in = body.output[0].name, body.input[1].name
    while name != cond_in:
        node = producers.get(name)
        if node is None:
            init = next((i for i in body.initializer if i.name == name), None)
            return init is not None and _true(numpy_helper.to_array(init))
        if node.op_type == "Constant":
            value = next((a.t for a in node.attribute if a.name == "value"), None)
            return value is not None and _true(numpy_helper.to_array(value))
        if node.op_type != "Identity":
            return False
        name = node.input[0]
    return True


RULES: dict[str, Rule] = {"If": expand_if, "Loop": expand_loop, "Scan": expand_scan}
