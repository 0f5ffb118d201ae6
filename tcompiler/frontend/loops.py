"""ONNX Loop nodes imported as real loops: one `onnx.Loop` op with the body as its region
(`tcompiler.dialects.onnx_control`), instead of the body inlined per iteration (`control.py`).

`real_loop(node, facts)` says whether a Loop node of the main graph becomes a real loop; then
`expand.py` leaves it in the graph and the importer calls `build_loop`. The rule (also in
`docs/control-flow.md`): a Loop is a real loop when

- its trip count is a constant above `UNROLL_AT_MOST` (short loops are unrolled: their
  iterations fuse with each other and the code stays small), or it has no scan outputs and
  its trip count is absent (it ends on its condition) or known at run time only;
- its initial condition is absent or a true constant;
- its scan outputs, if any, have a length known at compile time: the body's condition stays
  true, so the loop runs exactly its trip count;
- every carried value keeps its static shape and type across iterations, every output and
  every value the body reads from outside has a static shape;
- its body holds no subgraphs (an If, Loop or Scan inside is unrolled with the loop around it)
  and reads its iteration number as data only (`_counter_is_data`: in a real loop it is).

The body is imported as a model of its own (`body_model`): inputs the iteration number, the
condition, the carried values and the captured outer values (in that order), outputs the
body's; shape inference types it and the ordinary importer builds it.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

import numpy as np
import onnx
from onnx import helper

from tcompiler.frontend.control import Facts, _stays_true, _true
from tcompiler.frontend.shapes import infer_shapes, static_dims, value_types
from tcompiler.frontend.writer import GraphWriter, graph_attr, subgraphs

UNROLL_AT_MOST = 4
"""Loops of at most this many iterations are unrolled."""


def captured_names(body: onnx.GraphProto) -> list[str]:
    """The outer values `body` reads, in order of first use."""
    defined = {v.name for v in body.input} | {i.name for i in body.initializer}
    defined |= {out for node in body.node for out in node.output}
    reads = [name for node in body.node for name in node.input if name]
    reads += [v.name for v in body.output]
    return [name for name in dict.fromkeys(reads) if name not in defined]


def real_loop(node: onnx.NodeProto, facts: Facts, opset: int) -> bool:
    """Whether `node` (a Loop of a model of default opset `opset`) becomes an `onnx.Loop` op
    (module doc)."""
    trip, cond = node.input[0], node.input[1] if len(node.input) > 1 else ""
    if cond and not (cond in facts.constants and _true(facts.constants[cond])):
        return False
    if trip and trip not in facts.constants:  # known at run time: a bound like the condition
        return facts.dims(trip) in ((), (1,)) and _loopable(node, -1, facts, opset)
    trips = int(facts.constants[trip].reshape(-1)[0]) if trip else -1
    return _loopable(node, trips, facts, opset)


def _loopable(node: onnx.NodeProto, trips: int, facts: Facts, opset: int) -> bool:
    """`real_loop` for Loop `node` with `trips` iterations (-1: no trip count), its
    condition input absent or true."""
    body = graph_attr(node, "body")
    carried = list(node.input[2:])
    scans = len(body.output) - 1 - len(carried)
    if 0 <= trips <= UNROLL_AT_MOST or (trips < 0 and scans):
        return False
    if scans and not _stays_true(body):
        return False
    if any(subgraphs(n) for n in body.node) or not _counter_is_data(body, facts.constants):
        return False
    outer = [*carried, *captured_names(body)]
    if any(name not in facts.types or facts.dims(name) is None for name in outer):
        return False
    if len(node.output) != len(body.output) - 1 or not all(node.output):
        return False
    typed = value_types(body_model(node, facts.types, opset))
    slices = [typed.get(b.name) for b in body.output[1 + len(carried):]]
    return all(typed.get(b.name) == facts.types[c]
               for b, c in zip(body.output[1:], carried, strict=False)) and all(
        t is not None and static_dims(t) is not None for t in slices)


def output_types(node: onnx.NodeProto, facts: Facts, opset: int) -> list[onnx.ValueInfoProto]:
    """The types of the outputs of `node`, a real loop: the carried values' own, the scan
    outputs' slices stacked by the trip count (shape inference can leave both unknown)."""
    body = graph_attr(node, "body")
    carried = list(node.input[2:])
    infos = []
    for out, initial in zip(node.output, carried, strict=False):
        info = onnx.ValueInfoProto(name=out)
        info.type.CopyFrom(facts.types[initial])
        infos.append(info)
    if len(node.output) == len(carried):
        return infos
    trips = int(facts.constants[node.input[0]].reshape(-1)[0])  # scan outputs: a constant
    typed = value_types(body_model(node, facts.types, opset))
    for out, part in zip(node.output[len(carried):], body.output[1 + len(carried):],
                         strict=True):
        ty = typed[part.name]
        dims = static_dims(ty)
        assert dims is not None, "_loopable takes static slices only"
        infos.append(helper.make_tensor_value_info(out, ty.tensor_type.elem_type,
                                                   [trips, *dims]))
    return infos


def scan_as_loop(node: onnx.NodeProto, w: GraphWriter, facts: Facts, opset: int) -> bool:
    """Write Scan `node` (opset 9 on) as a Loop that becomes a real loop, if it would: each
    scan input element a Gather at the iteration number (or from the end, for a reverse
    direction) in the body, the scan outputs the Loop's (stacked along axis 0, forwards: other
    axes and directions are unrolled, `control.expand_scan`)."""
    if opset < 9:  # the batched Scan of opset 8
        return False
    body = graph_attr(node, "body")
    attrs = {a.name: a for a in node.attribute}
    count = attrs["num_scan_inputs"].i
    states, xs = list(node.input[:len(node.input) - count]), list(node.input[-count:])
    outs = len(body.output) - len(states)
    for name in ("scan_output_axes", "scan_output_directions"):
        if name in attrs and any(attrs[name].ints[:outs]):
            return False
    dims = [facts.dims(x) for x in xs]
    if any(d is None for d in dims):
        return False
    axes = list(attrs["scan_input_axes"].ints) if "scan_input_axes" in attrs else [0] * count
    reverse = (list(attrs["scan_input_directions"].ints) if "scan_input_directions" in attrs
               else [0] * count)
    axes = [a + len(d) if a < 0 else a for a, d in zip(axes, dims, strict=True)]  # type: ignore[arg-type]
    length = dims[0][axes[0]]  # type: ignore[index]
    step, cond = f"{w.fresh('i')}", f"{w.fresh('cond')}"
    nodes = [helper.make_node("Identity", [cond], [f"{cond}_out"])]
    for x, axis, back, element in zip(xs, axes, reverse, body.input[len(states):], strict=True):
        index = step
        if back:
            last = helper.make_tensor(f"{element.name}_last", onnx.TensorProto.INT64, [],
                                      [length - 1])
            nodes += [helper.make_node("Constant", [], [last.name], value=last),
                      helper.make_node("Sub", [last.name, step], [f"{element.name}_at"])]
            index = f"{element.name}_at"
        nodes.append(helper.make_node("Gather", [x, index], [element.name], axis=axis))
    scalar = [helper.make_tensor_value_info(step, onnx.TensorProto.INT64, []),
              helper.make_tensor_value_info(cond, onnx.TensorProto.BOOL, [])]
    outputs = [helper.make_tensor_value_info(f"{cond}_out", onnx.TensorProto.BOOL, []),
               *body.output]
    loop_body = helper.make_graph([*nodes, *body.node], f"{body.name}.loop",
                                  [*scalar, *body.input[:len(states)]], outputs,
                                  list(body.initializer))
    loop = helper.make_node("Loop", ["", "", *states], list(node.output), body=loop_body)
    if not _loopable(loop, length, facts, opset):
        return False
    loop.input[0] = w.scalar(length, np.int64)
    w.nodes.append(loop)
    return True


ELEMENTWISE = frozenset({
    "Identity", "Cast", "Add", "Sub", "Mul", "Div", "Mod", "Neg", "Abs", "Less", "LessOrEqual",
    "Greater", "GreaterOrEqual", "Equal", "Not", "And", "Or", "Where", "Min", "Max", "Pow"})
"""Ops whose every input is data."""
SHAPED_BY_INPUT_0 = frozenset({"ConstantOfShape", "Range"})
"""Ops whose first input is not data (a shape, a bound)."""


def _counter_is_data(body: onnx.GraphProto, constants: Collection[str]) -> bool:
    """Whether the body reads its iteration number, and what it computes from it, only as
    data: any input of an `ELEMENTWISE` op, a Gather's indices, the first input of anything
    else; other inputs (a Slice's starts, a Reshape's shape) need constants, which the
    iteration number is only once the loop is unrolled. What a Gather at the iteration number
    reads from a tensor computed at run time (not `constants`) is data like any other."""
    constants = {*constants, *(i.name for i in body.initializer),
                 *(n.output[0] for n in body.node if n.op_type == "Constant")}
    derived = {body.input[0].name}
    for node in body.node:
        read = [i for i, name in enumerate(node.input) if name in derived]
        if not read:
            continue
        if node.op_type == "Gather" and read == [1]:
            if node.input[0] in constants:
                derived.update(node.output)
        elif node.op_type in ELEMENTWISE or (
                read == [0] and node.op_type not in SHAPED_BY_INPUT_0):
            derived.update(node.output)
        else:
            return False
    return True


def body_model(node: onnx.NodeProto, types: Mapping[str, onnx.TypeProto],
               opset: int) -> onnx.ModelProto:
    """The body of Loop `node` as a shape-inferred model of its own (module doc); `types`
    holds the outer values' types, `opset` is the default domain's version."""
    body = graph_attr(node, "body")
    carried = list(node.input[2:])
    scalar = {0: onnx.TensorProto.INT64, 1: onnx.TensorProto.BOOL}
    inputs = []
    for index, value in enumerate(body.input):
        if index < 2:
            dims = static_dims(value.type) if value.type.HasField("tensor_type") else None
            inputs.append(helper.make_tensor_value_info(value.name, scalar[index], dims or []))
            continue
        copy = onnx.ValueInfoProto(name=value.name)
        copy.type.CopyFrom(types[carried[index - 2]])
        inputs.append(copy)
    for name in captured_names(body):
        copy = onnx.ValueInfoProto(name=name)
        copy.type.CopyFrom(types[name])
        inputs.append(copy)
    declared = {v.name: v for v in inputs}  # an output that is an input keeps its type
    outputs = [onnx.ValueInfoProto(name=v.name) for v in body.output]
    for out in outputs:
        if out.name in declared:
            out.CopyFrom(declared[out.name])
    graph = helper.make_graph(list(body.node), f"{node.name or 'loop'}.body", inputs, outputs,
                              list(body.initializer))
    opsets = [helper.make_opsetid("", opset)]
    model = helper.make_model(graph, opset_imports=opsets)
    return infer_shapes(model, graph.name)
