"""Constant propagation on the ONNX graph, so that shape computations become constants.

Exported models often compute Reshape targets at run time (`Shape -> Gather -> Unsqueeze ->
Concat -> Reshape`), which leaves shape inference with unknown dims, and build masks and index
tables from constants with ops tcc has no kernel for (Mod, ScatterND, CumSum, Trilu in ViT and
Swin exports). `fold_constants(proto, types, opset, weights)` evaluates, with `onnx.reference`
(as fixed in `reference.py`), and replaces by Constant nodes:

- every node whose inputs are small known constants (initializers and Constant nodes of at most
  `SMALL` elements) and whose outputs are small, whatever its op (shape computations use
  Equal, Not, And, Where, Mod, ... as much as Gather and Concat: the bodies of function ops such
  as Attention choose their shapes so); `Shape` and `Size` fold from static inferred shapes
  alone. Large tensors of ops tcc compiles are not computed here; `onnx-canonicalize` folds
  them later, in the store;
- at any size, every node on constants (`weights`: the large initializers too) that tcc could
  not compile otherwise: its op is not in the dialect, or an input's element type is one tcc
  does not support (`support.foldable_op` says which ops may be computed).

Returns the new model and whether anything changed; callers alternate it with shape
inference until nothing changes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import onnx
from onnx import helper, numpy_helper

from tcompiler.dialects.onnx import ONNX_OPS
from tcompiler.frontend.convert import constant_array, tensor_array
from tcompiler.frontend.reference import reference_evaluator
from tcompiler.frontend.shapes import static_dims
from tcompiler.frontend.support import (
    DATA_DEPENDENT,
    SUPPORTED_DTYPES,
    TYPE_ONLY_INPUTS,
    foldable_op,
)
from tcompiler.frontend.writer import subgraph_reads
from tcompiler.weights import SMALL


def fold_constants(
    proto: onnx.ModelProto, types: dict[str, onnx.TypeProto], opset: int,
    weights: Mapping[str, onnx.TensorProto] | None = None,
) -> tuple[onnx.ModelProto, bool]:
    graph = proto.graph
    large = {**(weights or {}), **{i.name: i for i in graph.initializer if _size(i.dims) > SMALL}}
    known = {
        init.name: tensor_array(init) for init in graph.initializer if _size(init.dims) <= SMALL
    }
    nodes: list[onnx.NodeProto] = []
    changed = False
    for node in graph.node:
        if _must_fold(node, types):  # large constants allowed
            known.update((n, tensor_array(large[n])) for n in node.input
                         if n in large and n not in known)
            values = _evaluate(node, known, types, opset, limit=None)
        else:
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
        live.update(subgraph_reads(node))  # outer values a subgraph reads
        kept.append(node)
    return kept[::-1]


def _must_fold(node: onnx.NodeProto, types: dict[str, onnx.TypeProto]) -> bool:
    """tcc cannot compile `node`: its op is not in the dialect or an input's element type is
    not supported (or compiles it only as a model output: its output size depends on its
    input data). It compiles only if it folds, at any size."""
    if node.op_type == "Constant":
        return False
    if node.op_type not in ONNX_OPS or node.op_type in DATA_DEPENDENT:
        return True
    return any(n in types and types[n].tensor_type.elem_type not in SUPPORTED_DTYPES
               for n in node.input if n)


def _evaluate(
    node: onnx.NodeProto, known: dict[str, np.ndarray], types: dict[str, onnx.TypeProto],
    opset: int, limit: int | None = SMALL,
) -> list[np.ndarray] | None:
    """`node`'s outputs if its inputs are `known` and the outputs have at most `limit`
    elements (any size: None)."""
    if node.op_type == "Constant":
        value = constant_array(node)
        return [value] if value is not None and value.size <= SMALL else None
    if not foldable_op(node):
        return None
    if node.op_type in ("Shape", "Size"):
        return _shape_or_size(node, types)
    known = known | _type_stand_ins(node, types)
    inputs = [name for name in node.input if name]
    if not inputs or any(name not in known for name in inputs):
        return None
    if (limit is not None and node.op_type == "ConstantOfShape"
            and _size(known[node.input[0]].tolist()) > limit):
        return None
    try:
        evaluator = reference_evaluator(node, opsets={"": opset})
        results = evaluator.run(None, {name: known[name] for name in inputs})
    except Exception:  # noqa: BLE001 - anything the reference cannot do simply stays unfolded
        return None
    values = [np.asarray(r) for r in results]
    return values if limit is None or all(v.size <= limit for v in values) else None


def _type_stand_ins(
    node: onnx.NodeProto, types: dict[str, onnx.TypeProto]
) -> dict[str, np.ndarray]:
    """An empty array of the right element type for each input `node` reads only the type of
    (`CastLike`'s target), when its type is known: those need no value to fold."""
    position = TYPE_ONLY_INPUTS.get(node.op_type)
    if position is None or position >= len(node.input) or node.input[position] not in types:
        return {}
    elem_type = types[node.input[position]].tensor_type.elem_type
    try:
        dtype = helper.tensor_dtype_to_np_dtype(elem_type)
    except (KeyError, ValueError):
        return {}
    return {node.input[position]: np.zeros(0, dtype)}


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
