"""Rules for Gather, GatherElements and GatherND: kernels that read their indices at run time
(`kernel.gather`, `kernel.gather_elements`, `kernel.gather_nd`; negative indices count from
the end). Constant indices are weights like any other constant."""

from __future__ import annotations

from xdsl.dialects.builtin import IntegerAttr, i64

from tcompiler.dialects import kernel, onnx
from tcompiler.dialects.onnx import attr_int, shape_of
from tcompiler.kernels.attrs import normalize_axis
from tcompiler.kernels.convert import GraphConverter


def gather(c: GraphConverter, op: onnx.GatherOp) -> None:
    axis = normalize_axis(attr_int(op, "axis", 0), len(shape_of(op.data)))
    c.define_kernel(op.output, kernel.GatherOp, [c.memref(op.data), c.memref(op.indices)],
                    {"axis": IntegerAttr(axis, i64)})


def gather_elements(c: GraphConverter, op: onnx.GatherElementsOp) -> None:
    axis = normalize_axis(attr_int(op, "axis", 0), len(shape_of(op.data)))
    c.define_kernel(op.output, kernel.GatherElementsOp,
                    [c.memref(op.data), c.memref(op.indices)], {"axis": IntegerAttr(axis, i64)})


def gather_nd(c: GraphConverter, op: onnx.GatherNDOp) -> None:
    batch = IntegerAttr(attr_int(op, "batch_dims", 0), i64)
    c.define_kernel(op.output, kernel.GatherNDOp, [c.memref(op.data), c.memref(op.indices)],
                    {"batch_dims": batch})


RULES = {
    onnx.GatherOp: gather,
    onnx.GatherElementsOp: gather_elements,
    onnx.GatherNDOp: gather_nd,
}
