"""Kernels written for float32 and int32/int64 run on narrower element types through a wider
one: the operand is cast into a buffer of the wide type (a `kernel.map`), the kernel runs
there, and its result is cast back (rounded once to nearest even for float16/bfloat16;
integers wrap as the narrow type would, so sums come out the same).

`WIDE` says which wide type each narrow element type goes through; float64 and uint64 have
none (no kernel computes in them), so ops that need it decline them (`frontend/op_types.py`).
"""

from __future__ import annotations

from xdsl.dialects.builtin import MemRefType, TensorType, bf16, f16, f32, i8, i16, i32, i64
from xdsl.ir import Attribute, SSAValue

from tcompiler.dialects.onnx import ELEMENT_TYPES, shape_of
from tcompiler.kernels.convert import GraphConverter
from tcompiler.kernels.expr import Leaf, Node
from tcompiler.kernels.maps import build_map

WIDE: dict[Attribute, Attribute] = {
    f16: f32, bf16: f32, i8: i32, i16: i32,
    ELEMENT_TYPES["uint8"]: i32, ELEMENT_TYPES["uint16"]: i32, ELEMENT_TYPES["uint32"]: i64,
}


def element_type(value: SSAValue) -> Attribute:
    ty = value.type
    assert isinstance(ty, TensorType)
    return ty.element_type


def widened(c: GraphConverter, value: SSAValue) -> SSAValue:
    """A new buffer holding tensor `value` cast to its wide type."""
    wide = WIDE[element_type(value)]
    buffer = c.buffer(MemRefType(wide, shape_of(value)))
    c.insert(build_map(Node("cast", (Leaf(c.memref(value)),), type=wide), buffer))
    return buffer


def wide_result(c: GraphConverter, result: SSAValue) -> SSAValue:
    """A new buffer for `result` in its wide type."""
    return c.buffer(MemRefType(WIDE[element_type(result)], shape_of(result)))


def narrowed(c: GraphConverter, result: SSAValue, buffer: SSAValue) -> None:
    """`result` is the wide `buffer` cast back to `result`'s element type."""
    c.define_map(result, Node("cast", (Leaf(buffer),), type=element_type(result)))
