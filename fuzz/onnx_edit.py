"""An existing ONNX model opened for mutation (`mutate_ir`'s onnx-level mutators).

    graph = OnnxGraph.open(proto, seed=0)     # shapes inferred, values measured
    graph.data_values(before=3)               # data values defined before node 3
    proto = graph.resolve()                   # shapes re-inferred, checked (ValueError if not)

Every value gets its inferred shape and element type and what a run of the model on
`generate.sample_inputs`-style inputs (onnx.reference) measured: its largest magnitude and
whether it is positive, so mutators keep the guards the generator keeps (no Exp of large
values, no Log of non-positive ones, no division by zero). *Data* values are those rules
may compute on: graph inputs, float initializers and node outputs, not the shape operands,
axes, indices and Constant outputs (`NON_DATA` positions), whose values are only valid
where they are used.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

import numpy as np
import onnx
from onnx import numpy_helper

from tcompiler.fuzz.onnx_graph import DTYPES, GenConfig, GraphBuilder, Value, checked

NON_DATA: dict[str, frozenset[int]] = {
    op: frozenset(positions) for op, positions in {
        "Reshape": (1,), "Slice": (1, 2, 3, 4), "Gather": (1,), "GatherElements": (1,),
        "GatherND": (1,), "Pad": (1, 2, 3), "Resize": (1, 2, 3), "Tile": (1,), "Expand": (1,),
        "Squeeze": (1,), "Unsqueeze": (1,), "Split": (1,), "ReduceSum": (1,),
        "ReduceMean": (1,), "ReduceMax": (1,), "ReduceMin": (1,), "ConstantOfShape": (0,),
        "Range": (0, 1, 2), "Clip": (1, 2), "Dropout": (1, 2), "Pow": (1,),
        "BatchNormalization": (1, 2, 3, 4), "InstanceNormalization": (1, 2),
        "LayerNormalization": (1, 2), "Conv": (1, 2), "ConvTranspose": (1, 2),
        "Gemm": (1, 2), "PRelu": (1,), "CastLike": (1,),
    }.items()}
"""Input positions whose values are shape operands, parameters tied to the op's
attributes, or indices: they are not data for other ops (nor rewired)."""

MAX_ELEMENTS = 4096
"""A re-solved graph with a larger value is rejected (the oracles interpret it)."""

ELEM_NAMES = {code: name for name, code in DTYPES.items()}


@dataclass
class OnnxGraph:
    proto: onnx.ModelProto
    values: dict[str, Value] = field(default_factory=dict)
    order: dict[str, int] = field(default_factory=dict)  # value -> defining node (-1: input)
    data: set[str] = field(default_factory=set)

    @staticmethod
    def open(proto: onnx.ModelProto, seed: int = 0) -> OnnxGraph:
        """`proto` (copied) with its values' shapes, types, order and measured bounds."""
        proto = _copy(proto)
        graph = OnnxGraph(proto)
        types = _value_types(proto)
        measured = _measure(proto, seed)
        weights = {i.name for i in proto.graph.initializer}
        for name, (shape, dtype) in types.items():
            bound, positive = measured.get(name, (1e6, False))
            graph.values[name] = Value(name, shape, dtype, bound, positive, name in weights)
        for name in [*weights, *(i.name for i in proto.graph.input)]:
            graph.order[name] = -1
        for index, node in enumerate(proto.graph.node):
            for name in node.output:
                graph.order[name] = index
        graph.data = _data_names(proto, types)
        return graph

    @property
    def nodes(self) -> list[onnx.NodeProto]:
        return list(self.proto.graph.node)

    @property
    def output_names(self) -> list[str]:
        return [o.name for o in self.proto.graph.output]

    @property
    def input_names(self) -> set[str]:
        return {i.name for i in self.proto.graph.input}

    def data_values(self, before: int | None = None) -> list[Value]:
        """The data values (see the module docstring), those defined before node `before`."""
        found = [self.values[n] for n in self.data if n in self.values]
        if before is not None:
            found = [v for v in found if self.order.get(v.name, before) < before]
        return sorted(found, key=lambda v: (self.order.get(v.name, -1), v.name))

    def users(self, name: str) -> list[tuple[int, int]]:
        """(node index, input position) of every use of `name`."""
        return [(i, k) for i, node in enumerate(self.proto.graph.node)
                for k, n in enumerate(node.input) if n == name]

    def builder(self, rng_seed: int) -> GraphBuilder:
        """A `GraphBuilder` continuing this graph (for inserting ops with the generator's
        rules): its values are the data values, its names do not clash."""
        import random

        opset = next(o.version for o in self.proto.opset_import if o.domain in ("", "ai.onnx"))
        b = GraphBuilder(random.Random(rng_seed), GenConfig(), opset=opset)
        b.nodes = self.nodes
        b.initializers = {i.name: numpy_helper.to_array(i) for i in self.proto.graph.initializer}
        inputs = [i.name for i in self.proto.graph.input if i.name not in b.initializers]
        b.inputs = [self.values[n] for n in inputs]
        b.values = self.data_values()
        for node in b.nodes:
            for name in node.input:
                b.uses[name] = b.uses.get(name, 0) + 1
        b.counter = 1 + max((int(m.group(1)) for n in self.values
                             for m in [re.search(r"_(\d+)$", n)] if m), default=0)
        b.counter += sum(1 for node in b.nodes if node.name)
        return b

    def resolve(self) -> onnx.ModelProto:
        """The model with shapes re-inferred and the outputs' types taken from them; raises
        (ValueError or an onnx error) when the mutated graph does not type, or a value is
        not static or too large."""
        return resolve(self.proto)


def resolve(proto: onnx.ModelProto) -> onnx.ModelProto:
    """See `OnnxGraph.resolve`."""
    proto = _copy(proto)
    _toposort(proto.graph)
    del proto.graph.value_info[:]
    loose = _copy(proto)
    for output in loose.graph.output:
        output.type.tensor_type.ClearField("shape")
    inferred = onnx.shape_inference.infer_shapes(loose, strict_mode=True, data_prop=True)
    types = {v.name: v for v in [*inferred.graph.value_info, *inferred.graph.output]}
    for output in proto.graph.output:
        found = types.get(output.name)
        if found is None or not _static(found):
            raise ValueError(f"output {output.name} has no static type")
        output.CopyFrom(found)
    shapes = _static_shapes(inferred)
    for node in inferred.graph.node:
        problem = _unchecked_problem(node, shapes)
        if problem:
            raise ValueError(f"{node.name}: {problem}")
    return checked(proto)


def _unchecked_problem(node: onnx.NodeProto, shapes: dict[str, tuple[int, ...]]) -> str:
    """What onnx's shape inference leaves unchecked and is wrong with `node`: a Reshape
    that changes the element count, a LayerNormalization whose scale or bias does not
    broadcast to the normalized dims."""
    known = [shapes.get(n) for n in node.input]
    if node.op_type == "Reshape" and known[0] is not None and node.output[0] in shapes \
            and math.prod(known[0]) != math.prod(shapes[node.output[0]]):
        return "Reshape changes the element count"
    if node.op_type == "LayerNormalization" and known[0] is not None and known[0]:
        axis = next((a.i for a in node.attribute if a.name == "axis"), -1)
        normalized = known[0][axis % len(known[0]):]
        for s in known[1:]:
            if s is not None and (len(s) > len(normalized) or any(
                    a not in (1, b) for a, b in zip(s[::-1], normalized[::-1]))):
                return "LayerNormalization's scale or bias does not broadcast"
    return ""


def _static_shapes(inferred: onnx.ModelProto) -> dict[str, tuple[int, ...]]:
    """name -> shape of every inferred value; ValueError if one is not static or too large
    (onnx's inference leaves a Reshape's element count unchecked: callers check it)."""
    shapes: dict[str, tuple[int, ...]] = {}
    graph = inferred.graph
    for value in [*graph.input, *graph.value_info, *graph.output]:
        if not _static(value):
            raise ValueError(f"value {value.name} has no static shape")
        shapes[value.name] = tuple(d.dim_value for d in value.type.tensor_type.shape.dim)
        if math.prod(shapes[value.name]) > MAX_ELEMENTS:
            raise ValueError(f"value {value.name} is too large")
    shapes.update({i.name: tuple(i.dims) for i in graph.initializer})
    return shapes


def _copy(proto: onnx.ModelProto) -> onnx.ModelProto:
    copy = onnx.ModelProto()
    copy.CopyFrom(proto)
    return copy


def _static(value: onnx.ValueInfoProto) -> bool:
    tensor = value.type.tensor_type
    return tensor.elem_type in ELEM_NAMES and tensor.HasField("shape") and all(
        d.HasField("dim_value") for d in tensor.shape.dim)


def _toposort(graph: onnx.GraphProto) -> None:
    """Reorder `graph.node` topologically (stable); ValueError on a cycle or a missing value."""
    ready = {i.name for i in graph.input} | {i.name for i in graph.initializer} | {""}
    pending = list(graph.node)
    ordered: list[onnx.NodeProto] = []
    while pending:
        for k, node in enumerate(pending):
            if all(n in ready for n in node.input):
                ordered.append(node)
                ready.update(node.output)
                del pending[k]
                break
        else:
            raise ValueError("the graph has a cycle or reads an undefined value")
    copies = [_node_copy(n) for n in ordered]
    del graph.node[:]
    graph.node.extend(copies)


def _node_copy(node: onnx.NodeProto) -> onnx.NodeProto:
    copy = onnx.NodeProto()
    copy.CopyFrom(node)
    return copy


def _value_types(proto: onnx.ModelProto) -> dict[str, tuple[tuple[int, ...], str]]:
    inferred = onnx.shape_inference.infer_shapes(proto, data_prop=True)
    graph = inferred.graph
    types: dict[str, tuple[tuple[int, ...], str]] = {}
    for value in [*graph.input, *graph.value_info, *graph.output]:
        if _static(value):
            tensor = value.type.tensor_type
            types[value.name] = (tuple(d.dim_value for d in tensor.shape.dim),
                                 ELEM_NAMES[tensor.elem_type])
    for init in graph.initializer:
        if init.data_type in ELEM_NAMES:
            types[init.name] = (tuple(init.dims), ELEM_NAMES[init.data_type])
    return types


def _data_names(proto: onnx.ModelProto,
                types: dict[str, tuple[tuple[int, ...], str]]) -> set[str]:
    graph = proto.graph
    weights = {i.name for i in graph.initializer}
    tied = {name for node in graph.node
            for k, name in enumerate(node.input) if k in NON_DATA.get(node.op_type, ())}
    made = {name for node in graph.node if node.op_type not in ("Constant", "Shape")
            for name in node.output}
    data = {i.name for i in graph.input if i.name not in weights} | made
    data |= {w for w in weights if types.get(w, ((), ""))[1] == "float32"}
    return {n for n in data - tied if n in types and n}


def _measure(proto: onnx.ModelProto, seed: int) -> dict[str, tuple[float, bool]]:
    """name -> (max |x| * 2 + 1e-3, every x > 0.05) on random inputs (onnx.reference); empty
    when the reference fails."""
    from onnx.reference import ReferenceEvaluator

    from tcompiler.fuzz.generate import model_inputs

    probe = _copy(proto)
    inferred = onnx.shape_inference.infer_shapes(probe, data_prop=True)
    known = {o.name for o in probe.graph.output}
    probe.graph.output.extend(v for v in inferred.graph.value_info if v.name not in known)
    try:
        names = [o.name for o in probe.graph.output]
        results = ReferenceEvaluator(probe).run(names, model_inputs(proto, seed))
    except Exception:  # noqa: BLE001 - the reference is a heuristic here; fall back to "unknown"
        return {}
    facts = {name: _facts(np.asarray(r)) for name, r in zip(names, results)}
    for init in proto.graph.initializer:
        facts[init.name] = _facts(numpy_helper.to_array(init))
    for name, array in model_inputs(proto, seed).items():
        facts[name] = _facts(array)
    return facts


def _facts(array: np.ndarray) -> tuple[float, bool]:
    if array.size == 0 or array.dtype == np.bool_:
        return 1.0, False
    values = array.astype(np.float64)
    if not np.all(np.isfinite(values)):
        return math.inf, False
    return float(np.abs(values).max()) * 2.0 + 1e-3, bool(values.min() > 0.05)


def replace_inputs(node: onnx.NodeProto, old: str, new: str) -> None:
    for k, name in enumerate(node.input):
        if name == old:
            node.input[k] = new
