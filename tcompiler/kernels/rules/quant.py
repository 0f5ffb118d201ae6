"""Rules for the quantization ops (`dialects/onnx_quant.py`).

QuantizeLinear and DequantizeLinear are one `kernel.map` each (fusable like any map): a
per-axis scale or zero point is a view broadcasting along its axis, a blocked one is first
repeated along the axis by a `kernel.gather` (index i // block_size).

MatMulInteger, ConvInteger, QLinearMatMul and QLinearConv with constant s8 weights (zero
point 0) and 8-bit activations with one constant zero point run on the int8 kernels
(`rules/quant_int8.py`: int32 accumulators, AVX-512 VNNI; QLinear* with constant scales
requantized in the kernel's epilogue, the others by a map). The others run on the float32 GEMM
and conv kernels (tiled, vectorized), which are exact on integers here: the operands are the
zero-point-shifted integers (|a - za| <= 255 for 8 bits), every product and partial sum is an
integer, and the rule checks that no sum can reach 2^24 (where f32 stops holding every
integer) from the types' ranges, or from the weights' values when they are constants; a node
that could is declined. Either accumulator is then cast to int32 (exact), or requantized as
onnxruntime does: saturate(round_half_even(f32(acc) * (a_scale * b_scale / y_scale)) +
y_zero_point), in f32.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from xdsl.dialects.builtin import (
    FloatAttr,
    IntegerAttr,
    IntegerType,
    MemRefType,
    Signedness,
    f32,
    f64,
    i32,
    i64,
)
from xdsl.ir import Attribute, SSAValue

from tcompiler.dialects import kernel
from tcompiler.dialects import onnx_quant as ops
from tcompiler.dialects.onnx import attr_int, node_name, shape_of
from tcompiler.errors import UnsupportedModelError
from tcompiler.kernels.attrs import conv_props, normalize_axis
from tcompiler.kernels.convert import GraphConverter
from tcompiler.kernels.expr import Expr, Leaf, Node, const, type_of
from tcompiler.kernels.maps import build_map
from tcompiler.kernels.rules.quant_int8 import (
    conv_accumulator,
    matmul_accumulator,
    requantized_conv,
    requantized_matmul,
)
from tcompiler.kernels.rules.widen import element_type
from tcompiler.kernels.small_floats import small_float
from tcompiler.kernels.values import constant_of

EXACT = 2**24
"""Integers up to this magnitude are all exact in float32."""


def integer_range(ty: Attribute) -> tuple[int, int] | None:
    """(lowest, highest) value of an integer element type; None for other types."""
    if not isinstance(ty, IntegerType) or ty.width.data == 1:
        return None
    bits = ty.width.data
    if ty.signedness.data == Signedness.UNSIGNED:
        return 0, 2**bits - 1
    return -(2 ** (bits - 1)), 2 ** (bits - 1) - 1


# ----------------------------------------------------------------------------- parameters


def _param(c: GraphConverter, value: SSAValue, shape: Sequence[int], axis: int,
           block_size: int = 0) -> Expr:
    """A scale or zero point as an operand of a map over a tensor of `shape`: one value
    (any shape of one element), one per index along `axis`, or (`block_size`) one per block
    of `block_size` indices along `axis`."""
    expr = c.expr(value)
    size = math.prod(shape_of(value))
    if isinstance(expr, Node) or size == 1:
        if isinstance(expr, Node):
            return expr
        return Leaf(c.view(expr.value, MemRefType(element_type(value), [1] * len(shape))))
    ty = element_type(value)
    if block_size:
        index = np.arange(shape[axis], dtype=np.int64) // block_size
        out = c.buffer(MemRefType(ty, shape))
        c.insert(kernel.GatherOp.build(
            operands=[expr.value, c.weight(index, "block_index"), out],
            properties={"axis": IntegerAttr(axis, i64)}))
        return Leaf(out)
    dims = [1] * len(shape)
    dims[axis] = size
    return Leaf(c.view(expr.value, MemRefType(ty, dims)))


def _axis(op: ops.QuantizeLinearOp | ops.DequantizeLinearOp) -> int:
    return normalize_axis(attr_int(op, "axis", 1), max(len(shape_of(op.x)), 1))


def _float(e: Expr, ty: Attribute = f32) -> Expr:
    return e if type_of(e) == ty else Node("cast", (e,), type=ty)


def _saturated(q: Expr, zero: Expr | None, target: Attribute) -> Node:
    """cast(clamp(round_half_even(q) + zero)) to integer type `target` (q a float)."""
    lo, hi = integer_range(target) or (0, 0)
    ty = type_of(q)
    r: Expr = Node("round", (q,))
    if zero is not None:
        r = Node("add", (r, _float(zero, ty)))
    r = Node("min", (Node("max", (r, const(lo, ty))), const(hi, ty)))
    return Node("cast", (r,), type=target)


# ----------------------------------------------------------------------------- Q / DQ


def quantize_linear(c: GraphConverter, op: ops.QuantizeLinearOp) -> None:
    shape, axis, block = shape_of(op.x), _axis(op), attr_int(op, "block_size", 0)
    target = element_type(op.y)
    x, scale = c.expr(op.x), _param(c, op.y_scale, shape, axis, block)
    wide = f64 if f64 in (type_of(x), type_of(scale)) else f32
    same = type_of(x) == type_of(scale) and attr_int(op, "precision", 0) == 0
    ty = type_of(x) if same else wide
    q = Node("div", (_float(x, ty), _float(scale, ty)))
    zero = None if op.y_zero_point is None else _param(c, op.y_zero_point, shape, axis, block)
    if integer_range(target) is not None:
        c.define_map(op.y, _saturated(q, zero, target))
        return
    if small_float(target) is None:
        raise UnsupportedModelError([f"QuantizeLinear ({node_name(op)}): result type {target}"])
    if zero is not None and small_float(target) == "float4_e2m1fn":
        q = Node("add", (q, _float(zero, ty)))
    kind = "cast" if attr_int(op, "saturate", 1) else "cast_nosat"
    c.define_map(op.y, Node(kind, (q,), type=target))


def dequantize_linear(c: GraphConverter, op: ops.DequantizeLinearOp) -> None:
    """f32(x - zero) * scale in f32 (f64 for a float64 scale), cast to y's type. x - zero is
    an int32 difference (wrapping for int32 x, as onnxruntime computes it); the zero point of
    float8 inputs is 0 by the spec."""
    shape, axis, block = shape_of(op.x), _axis(op), attr_int(op, "block_size", 0)
    scale = _param(c, op.x_scale, shape, axis, block)
    ty = f64 if type_of(scale) == f64 else f32
    dx = c.expr(op.x)
    if op.x_zero_point is not None and integer_range(element_type(op.x)) is not None:
        zero = _param(c, op.x_zero_point, shape, axis, block)
        dx = Node("sub", (_float(dx, i32), _float(zero, i32)))
    y = Node("mul", (_float(dx, ty), _float(scale, ty)))
    c.define_map(op.y, _float(y, element_type(op.y)))


# ----------------------------------------------------------------------------- integer products


def _shifted(c: GraphConverter, value: SSAValue, zero: SSAValue | None, axis: int) -> SSAValue:
    """A new f32 buffer holding value - zero (`zero` per index along `axis` when it has more
    than one element)."""
    shape = shape_of(value)
    e = _float(c.expr(value))
    if zero is not None:
        e = Node("sub", (e, _float(_param(c, zero, shape, axis))))
    out = c.buffer(MemRefType(f32, shape))
    c.insert(build_map(e, out))
    return out


def _span(c: GraphConverter, value: SSAValue, zero: SSAValue | None) -> int:
    """The largest |value - zero| the element type allows."""
    lo, hi = integer_range(element_type(value)) or (0, 0)
    z = constant_of(c.weights, zero) if zero is not None else None
    if z is None:
        return hi - lo if zero is not None else max(-lo, hi)
    return max(hi - int(z.min()), int(z.max()) - lo)


def _check_exact(c: GraphConverter, op: ops.IRDLOperation, data: SSAValue,
                 data_zero: SSAValue | None, weight: SSAValue, weight_zero: SSAValue | None,
                 terms: int, weight_sums: np.ndarray | None) -> None:
    """Decline `op` when a sum of `terms` products could leave f32's exact integers.
    `weight_sums`: the largest sum of |w - zero| over one output, when w is a constant."""
    data_span = _span(c, data, data_zero)
    if weight_sums is not None:
        bound = data_span * int(weight_sums)
    else:
        bound = data_span * _span(c, weight, weight_zero) * terms
    if bound >= EXACT:
        raise UnsupportedModelError([
            f"{op.name.removeprefix('onnx.')} ({node_name(op)}): sums of {terms} products "
            f"could reach {bound} (tcc accumulates exactly up to 2^24)"])


def _constant_shifted(c: GraphConverter, w: SSAValue, zero: SSAValue | None,
                      axis: int) -> np.ndarray | None:
    weights = constant_of(c.weights, w)
    if weights is None or (zero is not None and constant_of(c.weights, zero) is None):
        return None
    shifted = weights.astype(np.int64)
    if zero is not None:
        z = constant_of(c.weights, zero)
        assert z is not None
        dims = [1] * shifted.ndim
        dims[axis] = -1
        shifted -= z.astype(np.int64).reshape(dims) if z.size > 1 else z.astype(np.int64).ravel()[0]
    return shifted


def _matmul_acc(c: GraphConverter, op: ops.MatMulIntegerOp | ops.QLinearMatMulOp,
                a: SSAValue, za: SSAValue | None, b: SSAValue, zb: SSAValue | None,
                y: SSAValue) -> SSAValue:
    """An f32 buffer of shape y's holding the exact (a - za) @ (b - zb)."""
    a_shape, b_shape = shape_of(a), shape_of(b)
    shifted = _constant_shifted(c, b, zb, len(b_shape) - 1)
    sums = None if shifted is None else np.abs(shifted).sum(axis=-2).max(initial=0)
    _check_exact(c, op, a, za, b, zb, a_shape[-1], sums)
    a_rows = max(len(a_shape) - 2, 0)  # a per-row zero point runs along A's rows
    fa = _shifted(c, a, za, a_rows)
    fb = _shifted(c, b, zb, len(b_shape) - 1)
    acc = c.buffer(MemRefType(f32, shape_of(y)))
    if len(a_shape) == 2 and len(b_shape) == 2:
        props: dict[str, Attribute] = {
            "trans_a": IntegerAttr(0, i64), "trans_b": IntegerAttr(0, i64),
            "alpha": FloatAttr(1.0, f32), "beta": FloatAttr(1.0, f32)}
        c.insert(kernel.GemmOp.build(operands=[fa, fb, [], acc], properties=props))
    else:
        c.insert(kernel.MatMulOp.build(operands=[fa, fb, acc]))
    return acc


def _conv_acc(c: GraphConverter, op: ops.ConvIntegerOp | ops.QLinearConvOp,
              x: SSAValue, zx: SSAValue | None, w: SSAValue, zw: SSAValue | None,
              y: SSAValue) -> SSAValue:
    """An f32 buffer of shape y's holding the exact conv of (x - zx) with (w - zw) (a zero
    point per output channel for w), padding with zeros (that is, with x's zero point)."""
    w_shape = shape_of(w)
    shifted = _constant_shifted(c, w, zw, 0)
    sums = None if shifted is None else np.abs(shifted.reshape(w_shape[0], -1)).sum(1).max()
    _check_exact(c, op, x, zx, w, zw, math.prod(w_shape[1:]), sums)
    fx, fw = _shifted(c, x, zx, 1), _shifted(c, w, zw, 0)
    acc = c.buffer(MemRefType(f32, shape_of(y)))
    c.insert(kernel.ConvOp.build(operands=[fx, fw, [], [], acc],
                                 properties=conv_props(op, x, w)))
    return acc


def _requantized(c: GraphConverter, acc: Expr, scales: Sequence[Expr], y_scale: Expr,
                 y_zero: Expr, target: Attribute) -> Node:
    """saturate(round(acc * (s0 * s1 / y_scale)) + y_zero), computed in f32."""
    s0, s1 = (_float(s) for s in scales)
    multiplier = Node("div", (Node("mul", (s0, s1)), _float(y_scale)))
    return _saturated(Node("mul", (acc, multiplier)), y_zero, target)


def matmul_integer(c: GraphConverter, op: ops.MatMulIntegerOp) -> None:
    exact = matmul_accumulator(c, op.A, op.a_zero_point, op.B, op.b_zero_point, op.Y)
    if exact is not None:
        c.bind(op.Y, exact)
        return
    acc = _matmul_acc(c, op, op.A, op.a_zero_point, op.B, op.b_zero_point, op.Y)
    c.define_map(op.Y, Node("cast", (Leaf(acc),), type=i32))


def qlinear_matmul(c: GraphConverter, op: ops.QLinearMatMulOp) -> None:
    if requantized_matmul(c, op):
        return
    exact = matmul_accumulator(c, op.a, op.a_zero_point, op.b, op.b_zero_point, op.y)
    acc = exact if exact is not None else _matmul_acc(
        c, op, op.a, op.a_zero_point, op.b, op.b_zero_point, op.y)
    y_shape = shape_of(op.y)
    a_scale = _param(c, op.a_scale, y_shape, max(len(y_shape) - 2, 0))
    b_scale = _param(c, op.b_scale, y_shape, len(y_shape) - 1)
    c.define_map(op.y, _requantized(c, _float(Leaf(acc)), [a_scale, b_scale],
                                    c.expr(op.y_scale), c.expr(op.y_zero_point),
                                    element_type(op.y)))


def conv_integer(c: GraphConverter, op: ops.ConvIntegerOp) -> None:
    exact = conv_accumulator(c, op, op.x, op.x_zero_point, op.w, op.w_zero_point, None, op.y)
    if exact is not None:
        c.bind(op.y, exact)
        return
    acc = _conv_acc(c, op, op.x, op.x_zero_point, op.w, op.w_zero_point, op.y)
    c.define_map(op.y, Node("cast", (Leaf(acc),), type=i32))


def qlinear_conv(c: GraphConverter, op: ops.QLinearConvOp) -> None:
    if requantized_conv(c, op):
        return
    y_shape = shape_of(op.y)
    exact = conv_accumulator(c, op, op.x, op.x_zero_point, op.w, op.w_zero_point, op.B, op.y)
    total: Expr
    if exact is not None:  # the bias is in the accumulators already
        total = _float(Leaf(exact))
    else:
        total = Leaf(_conv_acc(c, op, op.x, op.x_zero_point, op.w, op.w_zero_point, op.y))
        if op.B is not None:  # int32 bias, added exactly
            bias = _param(c, op.B, y_shape, 1)
            total = _float(Node("add", (Node("cast", (total,), type=i32), bias)))
    w_scale = _param(c, op.w_scale, y_shape, 1)
    c.define_map(op.y, _requantized(c, total, [c.expr(op.x_scale), w_scale],
                                    c.expr(op.y_scale), c.expr(op.y_zero_point),
                                    element_type(op.y)))


RULES = {
    ops.QuantizeLinearOp: quantize_linear,
    ops.DequantizeLinearOp: dequantize_linear,
    ops.MatMulIntegerOp: matmul_integer,
    ops.QLinearMatMulOp: qlinear_matmul,
    ops.ConvIntegerOp: conv_integer,
    ops.QLinearConvOp: qlinear_conv,
}
