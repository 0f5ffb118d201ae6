"""ONNX protobuf pieces -> xDSL attributes and types (the conversions of `dialects/onnx.py`).

INT -> `i64` IntegerAttr, FLOAT -> `f32` FloatAttr, INTS -> `array<i64>`, FLOATS -> `array<f32>`,
STRING -> StringAttr, TENSOR -> dense elements. Tensor types map to the dialect's
`ELEMENT_TYPES` (float32 -> f32, uint8 -> ui8, ...); `support.py` has already rejected every
other element type.
"""

from __future__ import annotations

import numpy as np
import onnx
from onnx import AttributeProto, numpy_helper
from xdsl.dialects.builtin import (
    DenseArrayBase,
    FloatAttr,
    IntegerAttr,
    StringAttr,
    TensorType,
    f32,
    i64,
)
from xdsl.ir import Attribute

from tcompiler.dialects.onnx import ELEMENT_TYPES, dense_attr
from tcompiler.frontend.shapes import static_dims
from tcompiler.frontend.support import SUPPORTED_DTYPES


def dtype_name(ty: onnx.TypeProto) -> str:
    """The numpy dtype name of a (supported) tensor type."""
    return SUPPORTED_DTYPES[ty.tensor_type.elem_type]


def tensor_type(ty: onnx.TypeProto) -> TensorType[Attribute]:
    """The xDSL tensor type of a static, supported ONNX tensor type."""
    dims = static_dims(ty)
    assert dims is not None, "shapes are checked static before import"
    return TensorType(ELEMENT_TYPES[dtype_name(ty)], dims)


def attribute(attr: AttributeProto) -> Attribute | None:
    """The property value for an ONNX attribute, or None for kinds the dialect has no form for."""
    kind = attr.type
    if kind == AttributeProto.INT:
        return IntegerAttr(attr.i, i64)
    if kind == AttributeProto.FLOAT:
        return FloatAttr(attr.f, f32)
    if kind == AttributeProto.INTS:
        return DenseArrayBase.from_list(i64, list(attr.ints))
    if kind == AttributeProto.FLOATS:
        return DenseArrayBase.from_list(f32, list(attr.floats))
    if kind == AttributeProto.STRING:
        return StringAttr(attr.s.decode())
    if kind == AttributeProto.TENSOR:
        return dense_attr(tensor_array(attr.t))
    return None


def tensor_array(tensor: onnx.TensorProto) -> np.ndarray:
    """A TensorProto as a numpy array (of an `ELEMENT_TYPES` dtype)."""
    return np.asarray(numpy_helper.to_array(tensor))


def constant_array(node: onnx.NodeProto) -> np.ndarray | None:
    """The value of a Constant node in any of its attribute forms (None for strings/sparse)."""
    for attr in node.attribute:
        if attr.name == "value":
            return tensor_array(attr.t)
        if attr.name == "value_float":
            return np.array(attr.f, dtype=np.float32)
        if attr.name == "value_floats":
            return np.array(list(attr.floats), dtype=np.float32)
        if attr.name == "value_int":
            return np.array(attr.i, dtype=np.int64)
        if attr.name == "value_ints":
            return np.array(list(attr.ints), dtype=np.int64)
    return None
