"""Constant propagation on the ONNX graph, so that shape computations become constants.

Exported models often compute Reshape targets at run time (`Shape -> Gather -> Unsqueeze ->
Concat -> Reshape`), which leaves shape inference with unknown dims and uses ops tcc has no
kernel for. `fold_constants(proto, types)` evaluates, with `onnx.reference` (as fixed in
`reference.py`), every node of
`FOLDABLE` whose inputs are small known constants (initializers and Constant nodes of at most
`SMALL` elements) and whose outputs are small, and replaces it by Constant nodes. `Shape` and
`Size` fold from static inferred shapes alone. Large tensors (weights) are never computed
here; `onnx-canonicalize` folds them later, in the store. Returns the new model and whether
anything changed; callers alternate it with shape inference until nothing changes.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import onnx
from onnx import helper, numpy_helper

from tcompiler.frontend.convert import constant_array, tensor_array
from tcompiler.frontend.reference import reference_evaluator
from tcompiler.frontend.shapes import static_dims
from tcompiler.frontend.support import FOLDABLE_OPS, SUPPORTED_DTYPES
from tcompiler.weights import SMALL

FOLDABLE = FOLDABLE_OPS | {
    "Unsqueeze", "Concat", "Reshape", "Flatten", "Transpose", "Add", "Mul", "ConstantOfShape",
    "Identity",
    # elementwise ops (issue 4) that shape computations use
    "Cast", "Sub", "Div", "Equal", "Where", "Neg", "Abs", "Min", "Max",
}


def fold_constants(
    proto: onnx.ModelProto, types: dict[str, onnx.TypeProto], opset: int
) -> tuple[onnx.ModelProto, bool]:
    graph = proto.graph
    known = {
        init.name: tensor_array(init) for init in graph.initializer if _size(init.dims) <= SMALL
    }
    nodes: list[onnx.NodeProto] = []
    changed = False
    for node in graph.node:
        values = _evaluate(node, known, types, opset)
        if values is None:
            nodes.append(node)
            continue
        known.update(zip(node.output, values, strict=True))
        if node.op_type == "Constant":
            nodes.append(node)
            continue
        changed = True
        nodes += [_constant_node(node, out, v, types) for out, v in zip(node.output, values)]
    if not changed:
        return proto, False
    folded = onnx.ModelProto()
    folded.CopyFrom(proto)
    folded.graph.ClearField("node")
    folded.graph.node.extend(_drop_dead_constants(nodes, {o.name for o in graph.output}))
    return folded, True


def _drop_dead_constants(nodes: list[onnx.NodeProto], outputs: set[str]) -> list[onnx.NodeProto]:
    """`nodes` without the Constant nodes nothing reads (what folding leaves behind)."""
    live = set(outputs)
    kept: list[onnx.NodeProto] = []
    for node in reversed(nodes):
        if node.op_type == "Constant" and not live.intersection(node.output):
            continue
        live.update(node.input)
        kept.append(node)
    return kept[::-1]


def _evaluate(
    node: onnx.NodeProto, known: dict[str, np.ndarray], types: dict[str, onnx.TypeProto], opset: int
) -> list[np.ndarray] | None:
    if node.op_type == "Constant":
        value = constant_array(node)
        return [value] if value is not None and value.size <= SMALL else None
    if node.op_type not in FOLDABLE or node.domain not in ("", "ai.onnx"):
        return None
    if node.op_type in ("Shape", "Size"):
        return _shape_or_size(node, types)
    inputs = [name for name in node.input if name]
    if not inputs or any(name not in known for name in inputs):
        return None
    if node.op_type == "ConstantOfShape" and _size(known[node.input[0]].tolist()) > SMALL:
        return None
    try:
        evaluator = reference_evaluator(node, opsets={"": opset})
        results = evaluator.run(None, {name: known[name] for name in inputs})
    except Exception:  # noqa: BLE001 - anything the reference cannot do simply stays unfolded
        return None
    values = [np.asarray(r) for r in results]
    return values if all(v.size <= SMALL for v in values) else None


def _shape_or_size(
    node: onnx.NodeProto, types: dict[str, onnx.TypeProto]
) -> list[np.ndarray] | None:
    ty = types.get(node.input[0])
    dims = static_dims(ty) if ty is not None else None
    if dims is None:
        return None
    if node.op_type == "Size":
        return [np.array(_size(dims), dtype=np.int64)]
    attrs = {a.name: a.i for a in node.attribute}
    start, end = attrs.get("start", 0), attrs.get("end", len(dims))
    return [np.array(dims[start:end] if "end" in attrs else dims[start:], dtype=np.int64)]


def _constant_node(
    node: onnx.NodeProto, output: str, value: np.ndarray, types: dict[str, onnx.TypeProto]
) -> onnx.NodeProto:
    ty = types.get(output)
    if ty is not None and ty.tensor_type.elem_type in SUPPORTED_DTYPES:
        value = value.astype(SUPPORTED_DTYPES[ty.tensor_type.elem_type])
    name = node.name if len(node.output) == 1 else f"{node.name}:{output}"
    return helper.make_node(
        "Constant", [], [output], name=name, value=numpy_helper.from_array(value, output)
    )


def _size(dims: Sequence[int]) -> int:
    return int(np.prod(list(dims), dtype=np.int64))
