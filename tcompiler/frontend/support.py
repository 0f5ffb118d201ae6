"""What tcc cannot compile, found up front and reported all at once.

`unsupported_constructs(proto)` returns one line per problem (empty when the model is fine):
- an op type outside `ONNX_OPS` (with the opset and the nodes using it), except on constants:
  a node whose inputs are all constants (initializers, Constant nodes, shapes, and what is
  computed from them; `constant_only`) is folded at import (`fold.py`) whatever its op, so
  real exports that build masks and shapes with ops tcc has no kernel for (Mod, ScatterND,
  CumSum, ...) compile (`unfolded_ops` reports the ones left after folding); a non-default
  domain;
- If, Loop, Scan, LSTM, GRU and RNN (`STRUCTURED_OPS`) are supported, each as far as its
  rewrite at import allows (`control.py`, `recurrent.py`; `unfolded_ops` reports the rest with
  the reason), but a Loop with scan outputs whose trip count is computed from input data or
  absent never is (`loops.py` runs loops with carried values only whatever their trip
  count); the ops of
  their subgraphs are checked as the graph's own;
- a tensor element type outside the dialect's `ELEMENT_TYPES` (strings, float8e8m0, complex);
- sequence, map, optional or sparse values;
- training: Dropout whose `training_mode` input is a constant true (unless its ratio is a
  constant 0). (BatchNormalization in training mode and MaxPool Indices are supported.)
- a value whose size depends on input data (an output of `DATA_DEPENDENT` ops on run-time
  data) that anything but the model's outputs reads, or that is returned twice: tcc computes
  such a value into its upper bound with a run-time length, which only the caller sees
  (`frontend/dynamic.py`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping

import onnx
from onnx import TensorProto, helper, numpy_helper

from tcompiler.dialects.onnx import ELEMENT_TYPES, ONNX_OPS
from tcompiler.frontend.load import DEFAULT_DOMAINS, default_opset
from tcompiler.frontend.writer import subgraph_reads, subgraphs

SUPPORTED_DTYPES: dict[int, str] = {
    code: name for code, name in (
        (code, helper.tensor_dtype_to_np_dtype(code).name)
        for code in TensorProto.DataType.values()
        if code not in (TensorProto.UNDEFINED, TensorProto.STRING))
    if name in ELEMENT_TYPES
}
"""ONNX element type -> numpy dtype name, for every element type tcc accepts (those of the
dialect's `ELEMENT_TYPES`)."""

UNSUPPORTED_DTYPES = ", ".join(
    TensorProto.DataType.Name(code).lower() for code in TensorProto.DataType.values()
    if code not in SUPPORTED_DTYPES and code != TensorProto.UNDEFINED)
"""The element types tcc declines, for messages."""

SHAPE_OPS = frozenset({"Shape", "Size"})
"""Ops that read only the shape of their input, never its data."""

TYPE_ONLY_INPUTS = {"CastLike": 1}
"""op type -> position of an input it reads only the element type of."""

MAX_LISTED = 8


DATA_DEPENDENT = frozenset({"NonZero", "Compress", "NonMaxSuppression"})
"""Ops in `ONNX_OPS` whose output size depends on their input data."""

STRUCTURED_OPS = frozenset({"If", "Loop", "Scan", "LSTM", "GRU", "RNN"})
"""Ops rewritten at import into the ops the dialect has (`expand.py`)."""

NONDETERMINISTIC = frozenset({
    "RandomNormal", "RandomNormalLike", "RandomUniform", "RandomUniformLike", "Multinomial",
    "Bernoulli",
})
"""Ops whose every run differs: never computed at compile time."""


def unsupported_constructs(proto: onnx.ModelProto, weights: Collection[str] = ()) -> list[str]:
    """One line per construct tcc cannot compile. `weights`: initializers moved out of `proto`
    (graph inputs for now, `payloads.py`) that are constants all the same."""
    graph = proto.graph
    opset = default_opset(proto)
    problems = _op_problems(graph, opset, set(weights))
    problems += _type_problems(graph)
    problems += _training_problems(graph)
    problems += _dynamic_size_problems(graph, _data_dependent(graph, set(weights)))
    if opset < 9:
        problems += [f"Scan of opset 8 (batched, with sequence_lens; opset 9 on is supported): "
                     f"node {node_label(n, i)}" for i, n in enumerate(graph.node)
                     if n.op_type == "Scan"]
    return problems


def unfolded_ops(proto: onnx.ModelProto, opset: int,
                 declined: Mapping[str, str] | None = None) -> list[str]:
    """Problems for ops tcc has no op for that are left after folding and rewriting;
    `declined`: node label -> why its rewrite did not apply."""
    users: dict[str, list[str]] = defaultdict(list)
    lines: list[str] = []
    for index, node in enumerate(proto.graph.node):
        label = node_label(node, index)
        if declined and label in declined:
            lines.append(f"{node.op_type} (opset {opset}): node {label}: {declined[label]}")
        elif node.op_type not in ONNX_OPS and node.op_type != "Loop":  # Loop: a real loop
            users[node.op_type].append(label)
    return lines + [
        f"{op} (opset {opset}): nodes {_names(nodes)} (supported only when it computes "
        "constants, and onnx.reference could not compute these)"
        for op, nodes in users.items()
    ]


def node_label(node: onnx.NodeProto, index: int) -> str:
    """The node's name, or `<op_type>_<index>` for unnamed nodes."""
    return node.name or f"{node.op_type}_{index}"


def foldable_op(node: onnx.NodeProto) -> bool:
    """Whether constant folding may compute `node` (given constant inputs) with
    `onnx.reference`: a default-domain op that is deterministic and has no subgraph (whose
    body could read values from outside)."""
    return (node.domain in DEFAULT_DOMAINS and node.op_type not in NONDETERMINISTIC
            and not any(a.type in (onnx.AttributeProto.GRAPH, onnx.AttributeProto.GRAPHS)
                        for a in node.attribute))


def _op_problems(graph: onnx.GraphProto, opset: int, weights: set[str]) -> list[str]:
    users: dict[str, list[str]] = defaultdict(list)
    foreign: dict[str, list[str]] = defaultdict(list)
    _unsupported_nodes(graph, _data_dependent(graph, weights), users, foreign)
    lines = [f"{op} (opset {opset}): nodes {_names(nodes)}" for op, nodes in users.items()]
    lines += [
        f"{op} (non-default domain '{op.rsplit('.', 1)[0]}'): nodes {_names(nodes)}"
        for op, nodes in foreign.items()
    ]
    return lines


def _unsupported_nodes(graph: onnx.GraphProto, dynamic: set[str],
                       users: dict[str, list[str]], foreign: dict[str, list[str]]) -> None:
    """Add the nodes of `graph` and of its subgraphs that tcc cannot compile to `users` (by op)
    and `foreign` (by domain.op). `dynamic`: the values computed from input data."""
    for index, node in enumerate(graph.node):
        foldable = foldable_op(node) and not dynamic.intersection(values_read(node))
        if node.domain not in DEFAULT_DOMAINS:
            foreign[f"{node.domain}.{node.op_type}"].append(node_label(node, index))
        elif not (node.op_type in ONNX_OPS or node.op_type in STRUCTURED_OPS or foldable):
            users[node.op_type].append(node_label(node, index))
        elif node.op_type == "Loop" and not _carried_only(node) and (
                not node.input[0] or node.input[0] in dynamic):
            users["Loop with scan outputs whose trip count is input data (or absent)"].append(
                node_label(node, index))  # their size needs a constant
        for sub in subgraphs(node):
            # a Loop's iteration number is a constant once the loop is unrolled
            inputs = sub.input[1:] if node.op_type == "Loop" else sub.input
            _unsupported_nodes(sub, _data_dependent(sub, set(), dynamic | {
                v.name for v in inputs}), users, foreign)


def _carried_only(loop: onnx.NodeProto) -> bool:
    """Whether Loop `loop` has no scan outputs (then it may end on its condition alone)."""
    return len(loop.output) == len(loop.input) - 2


def _data_dependent(graph: onnx.GraphProto, weights: set[str],
                    seeds: set[str] | None = None) -> set[str]:
    """Values computed from input data (not just from input shapes): they never fold.
    `seeds`: the dynamic values to start from (default: the inputs that are no weights)."""
    weights = weights | {init.name for init in graph.initializer}
    dynamic = set(seeds) if seeds is not None else {
        value.name for value in graph.input if value.name not in weights}
    for node in graph.node:
        if dynamic.intersection(values_read(node)):
            dynamic.update(node.output)
        elif dynamic.intersection(subgraph_reads(node)):
            dynamic.update(node.output)
    return dynamic


def values_read(node: onnx.NodeProto) -> list[str]:
    """The inputs whose values `node` reads (not only their shape or element type)."""
    if node.op_type in SHAPE_OPS:
        return []
    skipped = TYPE_ONLY_INPUTS.get(node.op_type)
    return [name for i, name in enumerate(node.input) if name and i != skipped]


def _dynamic_size_problems(graph: onnx.GraphProto, dynamic: set[str]) -> list[str]:
    readers: dict[str, list[str]] = defaultdict(list)
    for index, node in enumerate(graph.node):
        for name in node.input:
            readers[name].append(node_label(node, index))
    returned = [value.name for value in graph.output]
    lines: list[str] = []
    for index, node in enumerate(graph.node):
        if node.op_type not in DATA_DEPENDENT or not dynamic.intersection(node.input):
            continue
        for out in (o for o in node.output if o):
            if readers[out]:
                lines.append(f"{node.op_type} output '{out}' (node {node_label(node, index)}) "
                             f"has a size known only at run time and feeds nodes "
                             f"{_names(readers[out])}: tcc supports such values only as "
                             "model outputs")
            elif returned.count(out) > 1:
                lines.append(f"{node.op_type} output '{out}' (node {node_label(node, index)}) "
                             "has a size known only at run time and is returned twice")
    return lines


def _type_problems(graph: onnx.GraphProto) -> list[str]:
    bad: dict[str, list[str]] = defaultdict(list)
    _collect_type_problems(graph, bad)
    return [f"{what}: {_names(names)}" for what, names in bad.items()]


def _collect_type_problems(graph: onnx.GraphProto, bad: dict[str, list[str]]) -> None:
    for info in (*graph.input, *graph.output, *graph.value_info):
        kind = info.type.WhichOneof("value")
        if kind == "tensor_type":
            _check_dtype(info.type.tensor_type.elem_type, info.name, bad)
        elif kind is not None:
            bad[f"{kind.removesuffix('_type')} values"].append(info.name)
    for init in graph.initializer:
        _check_dtype(init.data_type, init.name, bad)
    if graph.sparse_initializer:
        bad["sparse tensors"] += [s.values.name for s in graph.sparse_initializer]
    for index, node in enumerate(graph.node):
        for attr in node.attribute:
            if attr.type == onnx.AttributeProto.TENSOR:
                _check_dtype(attr.t.data_type, f"{node_label(node, index)}.{attr.name}", bad)
            elif attr.type == onnx.AttributeProto.SPARSE_TENSOR:
                bad["sparse tensors"].append(f"{node_label(node, index)}.{attr.name}")
            elif node.op_type == "Constant" and attr.name in ("value_string", "value_strings"):
                bad["string tensors"].append(f"{node_label(node, index)}.{attr.name}")
        for sub in subgraphs(node):
            _collect_type_problems(sub, bad)


def _check_dtype(elem_type: int, name: str, bad: dict[str, list[str]]) -> None:
    if elem_type in SUPPORTED_DTYPES or elem_type == TensorProto.UNDEFINED:
        return
    dtype = TensorProto.DataType.Name(elem_type).lower()
    bad[f"element type {dtype} (tcc compiles every type but {UNSUPPORTED_DTYPES})"].append(name)


def _training_problems(graph: onnx.GraphProto) -> list[str]:
    constants = _constant_values(graph)
    lines: list[str] = []
    for index, node in enumerate(graph.node):
        label = node_label(node, index)
        if node.op_type == "Dropout" and _dropout_training(node, constants):
            lines.append(f"Dropout in training mode (training_mode is true): node {label}")
    return lines


def _dropout_training(node: onnx.NodeProto, constants: dict[str, onnx.TensorProto]) -> bool:
    """Training mode with a ratio that is not a constant 0 (with ratio 0 it is the identity)."""
    if len(node.input) < 3 or node.input[2] not in constants:
        return False
    if not numpy_helper.to_array(constants[node.input[2]]).any():
        return False
    ratio = constants.get(node.input[1]) if node.input[1] else None
    return ratio is None or bool(numpy_helper.to_array(ratio).any())


def _constant_values(graph: onnx.GraphProto) -> dict[str, onnx.TensorProto]:
    values = {init.name: init for init in graph.initializer}
    for node in graph.node:
        if node.op_type == "Constant":
            value = next((a.t for a in node.attribute if a.name == "value"), None)
            if value is not None:
                values[node.output[0]] = value
    return values


def _names(names: list[str]) -> str:
    shown = ", ".join(names[:MAX_LISTED])
    more = len(names) - MAX_LISTED
    return f"{shown} (and {more} more)" if more > 0 else shown
