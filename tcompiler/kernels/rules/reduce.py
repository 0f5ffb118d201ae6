"""Rules for reductions: ReduceSum, ReduceMean, ReduceMax, ReduceMin -> `kernel.reduce`.

`axes` come from the attribute (ReduceSum before opset 13, the others before 18) or from the
optional second operand, which must be a constant. No axes (absent or empty) means every axis,
or the identity with `noop_with_empty_axes=1`. Negative axes count from the end. The result
type (keepdims or not) is the one shape inference gave; `kernel.reduce` accepts both forms.
"""

from __future__ import annotations

from xdsl.dialects.builtin import StringAttr, TensorType, f32, f64
from xdsl.ir import Operation

from tcompiler.dialects import kernel, onnx
from tcompiler.dialects.kernel import ints
from tcompiler.dialects.onnx import attr_int, attr_ints, node_name, shape_of
from tcompiler.errors import UnsupportedModelError
from tcompiler.kernels.attrs import normalize_axis
from tcompiler.kernels.convert import GraphConverter
from tcompiler.kernels.rules.widen import WIDE, narrowed, wide_result, widened
from tcompiler.kernels.values import constant_of

KINDS: dict[type[Operation], str] = {
    onnx.ReduceSumOp: "sum",
    onnx.ReduceMeanOp: "mean",
    onnx.ReduceMaxOp: "max",
    onnx.ReduceMinOp: "min",
}


def reduce_axes(c: GraphConverter, op: onnx._ReduceBase) -> list[int] | None:
    """The normalized, sorted axes to reduce; None for the identity (noop on empty axes)."""
    rank = len(shape_of(op.data))
    if op.axes_input is not None:
        known = constant_of(c.weights, op.axes_input)
        if known is None:
            raise UnsupportedModelError([
                f"{op.name} ({node_name(op)}): axes computed at run time (they must be constant)"])
        axes = [int(a) for a in known.ravel()]
    else:
        axes = attr_ints(op, "axes", []) or []
    if not axes:
        return None if attr_int(op, "noop_with_empty_axes", 0) else list(range(rank))
    return sorted({normalize_axis(a, rank) for a in axes})


def reduce(c: GraphConverter, op: onnx._ReduceBase) -> None:
    """Narrow types (float16, int8, ...) reduce in their wide type (`widen.py`)."""
    kind = KINDS[type(op)]
    ty = op.data.type
    assert isinstance(ty, TensorType)
    narrow = ty.element_type in WIDE
    if kind == "mean" and WIDE.get(ty.element_type, ty.element_type) not in (f32, f64):
        raise UnsupportedModelError([
            f"{op.name} ({node_name(op)}): ReduceMean on {ty.element_type} (tcc: float32 only)"])
    axes = reduce_axes(c, op)
    if axes is None:
        c.alias(op.reduced, op.data)
        return
    props = {"kind": StringAttr(kind), "axes": ints(axes)}
    if not narrow:
        c.define_kernel(op.reduced, kernel.ReduceOp, [c.memref(op.data)], props)
        return
    source, result = widened(c, op.data), wide_result(c, op.reduced)
    c.insert(kernel.ReduceOp.build(operands=[source, result], properties=props))
    narrowed(c, op.reduced, result)


RULES = {cls: reduce for cls in KINDS}
