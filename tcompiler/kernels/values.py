"""What the onnx -> kernel rules need to know about an onnx value, as plain functions.

    memref_of(tensor_type)         -> the memref type that holds such a tensor
    constant_of(weights, value)    -> its numpy value if it is a weight or a constant, else None
    splat_of(value)                -> the one number of a constant whose elements are all equal

A leaf module (it imports only the onnx dialect and the weight store), so conversion rules of
a plug-in can use it without importing the converter.
"""

from __future__ import annotations

import functools

import numpy as np
from xdsl.dialects.builtin import DenseIntOrFPElementsAttr, MemRefType, TensorType
from xdsl.ir import Attribute, SSAValue

from tcompiler.dialects import onnx
from tcompiler.dialects.onnx import dense_value
from tcompiler.weights import WeightStore


@functools.cache
def memref_of(ty: Attribute) -> MemRefType[Attribute]:
    """The memref type holding a tensor of type `ty` (same shape and element type; types are
    immutable, so each is built once)."""
    assert isinstance(ty, TensorType), f"expected a tensor type, got {ty}"
    return MemRefType(ty.element_type, ty.get_shape())


def constant_of(weights: WeightStore, value: SSAValue) -> np.ndarray | None:
    """The value of a weight (`onnx.initializer`) or `onnx.Constant`, in its own element type;
    None if it is computed at run time."""
    owner = value.owner
    if isinstance(owner, onnx.InitializerOp):
        return weights[owner.weight_name.data]
    if isinstance(owner, onnx.ConstantOp):
        return dense_value(owner.value)
    return None


def splat_of(value: SSAValue | None) -> float | int | None:
    """The element of an `onnx.Constant` whose elements are all equal (a scalar broadcast over
    its shape), else None."""
    if value is None or not isinstance(value.owner, onnx.ConstantOp):
        return None
    attr = value.owner.value
    if not isinstance(attr, DenseIntOrFPElementsAttr):
        return None
    values = attr.get_values()
    first = values[0] if values else None
    if not isinstance(first, (int, float)) or any(v != first for v in values):
        return None
    return first
