"""Semantics of the `onnx` dialect (the onnx and graph stages): ONNX's own reference.

Each op runs as a one-node ONNX model through `onnx.reference.ReferenceEvaluator` (built once
per op signature and cached): the op's operands are the node's inputs in ONNX order (an
absent optional input is ""), its properties the node's attributes, its results the node's
outputs. The opset is the module's (`tcompiler.pipeline.Compilation.opset`; 17 by default);
a ReduceMean/Max/Min whose axes are an attribute runs at opset 17 and one whose axes are an
operand at least at 18, the forms those opsets define. `onnx.Constant` is its value and
`onnx.initializer` the weight store's tensor (read-only). Results are cast to their IR
element type and must have their IR shape (a result whose size depends on the data,
`onnx_detect.dynamic_axis`, is padded with zeros to its upper bound: the onnx stage has no
length outputs).

Three ops run in numpy instead (`tcompiler.interp.nn`, as the kernel stage does): MaxPool
(without Indices) and AveragePool, which onnx.reference computes with Python loops (tens of
seconds for Inception), and LRN, whose onnx.reference result differs from the ONNX formula
and onnxruntime by up to 3% (onnx 1.17..1.19). An explicit `auto_pad` sends a pool back
to onnx.reference.

Values are numpy arrays of the tensors' shapes. Like the frontend, this module imports `onnx`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, cast

import numpy as np
import onnx
from onnx import helper
from onnx.reference import ReferenceEvaluator
from xdsl.dialects.builtin import (
    DenseArrayBase,
    DenseIntOrFPElementsAttr,
    FloatAttr,
    IntegerAttr,
    StringAttr,
    TensorType,
    f32,
)
from xdsl.interpreter import Interpreter, PythonValues
from xdsl.ir import Attribute, Operation, SSAValue
from xdsl.irdl import IRDLOperation

from tcompiler.dialects import onnx as onnx_dialect
from tcompiler.dialects.onnx import (
    ONNX_OPS,
    attr_float,
    attr_int,
    attr_ints,
    attr_str,
    dense_value,
    dtype_of,
    node_name,
    shape_of,
)
from tcompiler.dialects.onnx_control import LoopOp
from tcompiler.dialects.onnx_detect import dynamic_axis
from tcompiler.frontend.reference import reference_evaluator
from tcompiler.interp import nn
from tcompiler.interp.control import run_loop
from tcompiler.interp.core import InterpretError, rule_functions
from tcompiler.interp.storage import storage

DEFAULT_OPSET = 17
_ATTRIBUTE_AXES_UNTIL = 17  # ReduceMean/Max/Min take axes as an attribute up to opset 17
_REDUCE_WITH_AXES_OPERAND = ("onnx.ReduceMean", "onnx.ReduceMax", "onnx.ReduceMin")


def _elem_type(ty: Attribute) -> int:
    assert isinstance(ty, TensorType)
    return helper.np_dtype_to_tensor_dtype(dtype_of(ty.element_type))


def _value_info(name: str, ty: Attribute) -> onnx.ValueInfoProto:
    assert isinstance(ty, TensorType)
    return helper.make_tensor_value_info(name, _elem_type(ty), list(ty.get_shape()))


def _attribute(name: str, attr: Attribute) -> onnx.AttributeProto:
    """An ONNX attribute from a property (the inverse of `frontend.convert.attribute`)."""
    if isinstance(attr, IntegerAttr):
        return helper.make_attribute(name, int(attr.value.data))
    if isinstance(attr, FloatAttr):
        return helper.make_attribute(name, float(attr.value.data))
    if isinstance(attr, StringAttr):
        return helper.make_attribute(name, attr.data)
    if isinstance(attr, DenseArrayBase):
        is_float = attr.elt_type == f32
        raw = cast("DenseArrayBase[Any]", attr).get_values()
        values = [float(v) if is_float else int(v) for v in raw]
        kind = onnx.AttributeProto.FLOATS if is_float else onnx.AttributeProto.INTS
        return helper.make_attribute(name, values, attr_type=kind)
    if isinstance(attr, DenseIntOrFPElementsAttr):
        return helper.make_attribute(name, onnx.numpy_helper.from_array(dense_value(attr), name))
    raise InterpretError(f"no ONNX attribute for property '{name}' = {attr}")


def _slots(op: Operation, defs: Sequence[tuple[str, Any]]) -> list[SSAValue | None]:
    """The op's values per ONNX position: None where an optional one is absent."""
    slots: list[SSAValue | None] = []
    for name, _ in defs:
        value = getattr(op, name)
        if isinstance(value, SSAValue) or value is None:
            slots.append(value)
        else:
            slots.extend(value)
    return slots


def _opset(op: Operation, opset: int) -> int:
    if op.name not in _REDUCE_WITH_AXES_OPERAND:
        return opset
    if "axes" in op.properties:
        return min(opset, _ATTRIBUTE_AXES_UNTIL)
    return max(opset, _ATTRIBUTE_AXES_UNTIL + 1)


def node_model(op: IRDLOperation, opset: int) -> onnx.ModelProto:
    """`op` as a one-node ONNX model: inputs in0.., outputs out0.. (absent ones "")."""
    definition = op.get_irdl_definition()
    inputs, outputs = _slots(op, definition.operands), _slots(op, definition.results)
    in_names = [f"in{i}" if v is not None else "" for i, v in enumerate(inputs)]
    out_names = [f"out{i}" if v is not None else "" for i, v in enumerate(outputs)]
    while in_names and not in_names[-1]:
        in_names.pop()
    attributes = [_attribute(k, v) for k, v in sorted(op.properties.items())
                  if k != "operandSegmentSizes" and k != "resultSegmentSizes"]
    node = helper.make_node(op.name.removeprefix("onnx."), in_names, out_names)
    node.attribute.extend(attributes)
    graph = helper.make_graph(
        [node], "op",
        [_value_info(n, v.type) for n, v in zip(in_names, inputs) if v is not None],
        [_value_info(n, v.type) for n, v in zip(out_names, outputs) if v is not None])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", _opset(op, opset))])


@functools.lru_cache(maxsize=1024)
def _evaluator(model_bytes: bytes) -> ReferenceEvaluator:
    return reference_evaluator(onnx.ModelProto.FromString(model_bytes))


def _run_node(interpreter: Interpreter, op: IRDLOperation, args: PythonValues) -> PythonValues:
    opset = interpreter.get_data(OnnxFunctions, "opset", lambda: DEFAULT_OPSET)
    model = node_model(op, opset)
    feeds = {i.name: np.asarray(a) for i, a in zip(model.graph.input, args)}
    try:
        with np.errstate(all="ignore"):
            outputs = _evaluator(model.SerializeToString()).run(None, feeds)
    except Exception as err:
        raise InterpretError(f"{node_name(op)} ({op.name}): onnx.reference failed: "
                             f"{type(err).__name__}: {err}") from err
    return tuple(_typed(op, result, np.asarray(value))
                 for result, value in zip(op.results, outputs, strict=True))


def _typed(op: Operation, result: SSAValue, value: np.ndarray) -> np.ndarray:
    ty = result.type
    assert isinstance(ty, TensorType)
    shape = tuple(ty.get_shape())
    axis = dynamic_axis(result)
    if axis is not None and value.shape[axis] <= shape[axis]:  # its upper bound: zeros after
        pad = [(0, 0)] * len(shape)
        pad[axis] = (0, shape[axis] - value.shape[axis])
        value = np.pad(value, pad)
    if value.shape != shape:
        raise InterpretError(f"{node_name(op)} ({op.name}): onnx.reference gives shape "
                             f"{value.shape}, the IR says {shape}")
    return value.astype(dtype_of(ty.element_type), copy=False)


@dataclass(frozen=True)
class _Pool:
    """The window geometry of a pool with explicit pads."""

    out: tuple[int, ...]
    kernel: list[int]
    strides: list[int]
    pads: list[int]
    dilations: list[int]

    @staticmethod
    def of(op: Operation) -> _Pool | None:
        if attr_str(op, "auto_pad", "NOTSET") != "NOTSET":
            return None
        kernel = attr_ints(op, "kernel_shape") or []
        spatial = len(kernel)
        return _Pool(shape_of(op.results[0])[2:], kernel,
                     attr_ints(op, "strides", [1] * spatial) or [],
                     attr_ints(op, "pads", [0] * 2 * spatial) or [],
                     attr_ints(op, "dilations", [1] * spatial) or [])


def _max_pool(op: Operation, args: PythonValues) -> PythonValues | None:
    p = _Pool.of(op)
    if p is None or len(op.results) != 1:
        return None
    return (nn.max_pool(args[0], p.out, p.kernel, p.strides, p.pads, p.dilations),)


def _average_pool(op: Operation, args: PythonValues) -> PythonValues | None:
    p = _Pool.of(op)
    if p is None:
        return None
    include_pad = bool(attr_int(op, "count_include_pad", 0))
    return (nn.avg_pool(args[0], p.out, p.kernel, p.strides, p.pads, p.dilations, include_pad),)


def _lrn(op: Operation, args: PythonValues) -> PythonValues | None:
    return (nn.lrn(args[0], attr_int(op, "size", 1), attr_float(op, "alpha", 1e-4),
                   attr_float(op, "beta", 0.75), attr_float(op, "bias", 1.0)),)


_NUMPY: dict[type[Operation], Callable[[Operation, PythonValues], PythonValues | None]] = {
    onnx_dialect.MaxPoolOp: _max_pool, onnx_dialect.AveragePoolOp: _average_pool,
    onnx_dialect.LRNOp: _lrn,
}
"""Ops run in numpy (None: this instance goes to onnx.reference after all)."""


def _run_onnx(functions: Any, interpreter: Interpreter, op: Operation, args: PythonValues
              ) -> PythonValues:
    if isinstance(op, onnx_dialect.ConstantOp):
        return (dense_value(op.value),)
    if isinstance(op, onnx_dialect.InitializerOp):
        ty = op.output.type
        assert isinstance(ty, TensorType)
        return (storage(interpreter).weight(op.weight_name.data, dtype_of(ty.element_type),
                                            tuple(ty.get_shape())),)
    if isinstance(op, LoopOp):
        return run_loop(interpreter, op, args)
    direct = _NUMPY.get(type(op))
    results = direct(op, args) if direct is not None else None
    if results is not None:
        return results
    assert isinstance(op, IRDLOperation)
    return _run_node(interpreter, op, args)


OnnxFunctions = rule_functions(
    "OnnxFunctions", dict.fromkeys([*ONNX_OPS.values(), onnx_dialect.InitializerOp, LoopOp]),
    _run_onnx)
