"""The int8 path of the integer convolutions and matrix multiplies (`rules/quant.py` asks it
first): int32 accumulators from 8-bit operands on `kernel.qgemm` (`dialects/kernel_quant.py`,
AVX-512 VNNI `vpdpbusd` where the host has it), for the nodes whose weights are constant s8
with zero points 0 (what `quantize_static` writes) and whose activations (u8 or s8) have one
constant zero point. Anything else returns None and runs on the float path.

With x the activations and w the weights, (x - zx) . w = x_u . w - zx_u * sum(w), where
x_u = x (u8) or x + 128 (s8: the packing flips the sign bit) and zx_u likewise: the products
are u8 x s8 as `vpdpbusd` wants them, and the correction (with the int32 bias) is one
constant per output channel or column, the initial value C of the accumulators. The conv's
padding holds zx_u, so it adds nothing after the correction. Weights are packed at compile
time: a conv's rows [OC, 4*Kq] (the broadcast operand A), a matmul's columns [Kq, 4*N] (the
vector operand B); the activations are packed at run time (`kernel.qpack_im2col`,
`kernel.qpack_rows`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from xdsl.dialects.builtin import (
    IntegerAttr,
    IntegerType,
    MemRefType,
    Signedness,
    StringAttr,
    i8,
    i32,
    i64,
)
from xdsl.ir import Attribute, Operation, SSAValue

from tcompiler.codegen.target import Target
from tcompiler.dialects.kernel import ints
from tcompiler.dialects.kernel_quant import I8, QGemmOp, QPackIm2ColOp, QPackRowsOp, groups
from tcompiler.dialects.onnx import shape_of
from tcompiler.dialects.onnx_quant import QLinearConvOp, QLinearMatMulOp
from tcompiler.kernels.attrs import conv_props
from tcompiler.kernels.convert import GraphConverter
from tcompiler.kernels.rules.widen import element_type
from tcompiler.kernels.values import constant_of

UI8 = IntegerType(8, Signedness.UNSIGNED)


def _activation_zero(c: GraphConverter, x: SSAValue, zero: SSAValue | None) -> int | None:
    """zx_u: x's zero point as the unsigned byte the kernel sees (None: not an 8-bit x with
    one constant zero point)."""
    ty = element_type(x)
    if ty not in (i8, UI8):
        return None
    lowest = -128 if ty == i8 else 0
    if zero is None:
        return -lowest
    z = constant_of(c.weights, zero)
    if z is None or z.size != 1:
        return None
    return int(z.ravel()[0]) - lowest


def _s8_weights(c: GraphConverter, w: SSAValue, zero: SSAValue | None) -> np.ndarray | None:
    weights = constant_of(c.weights, w)
    if weights is None or weights.dtype != np.int8:
        return None
    if zero is not None:
        z = constant_of(c.weights, zero)
        if z is None or z.any():
            return None
    return weights


def _padded(rows: np.ndarray) -> np.ndarray:
    """rows [R, K] (int8) padded with zero columns to [R, 4*Kq]."""
    return np.pad(rows, [(0, 0), (0, -rows.shape[1] % 4)])


def _vnni() -> int:
    return int(Target.host().has("avx512vnni"))


@dataclass(frozen=True)
class _Gemm:
    """A qgemm's operands A, B, C, the shape it sees Y with, and its u8 side."""

    a: SSAValue
    b: SSAValue
    c: SSAValue
    shape: list[int]
    unsigned: str

    def build(self, y: SSAValue, c: GraphConverter, scale: np.ndarray | None = None,
              zero: int = 0) -> Operation:
        """The qgemm writing y (i32 accumulators, or requantized with `scale`, `zero`)."""
        ty = y.type
        assert isinstance(ty, MemRefType)
        requantize: list[SSAValue] = []
        props: dict[str, Attribute] = {"unsigned": StringAttr(self.unsigned),
                                       "vnni": IntegerAttr(_vnni(), i64)}
        if scale is not None:
            requantize = [c.weight(scale, "qgemm_scale")]
            props["zero"] = IntegerAttr(zero, i64)
        view = c.view(y, MemRefType(ty.element_type, self.shape))
        return QGemmOp.build(operands=[self.a, self.b, self.c, requantize, view],
                             properties=props)


def _conv_gemm(c: GraphConverter, op: Operation, x: SSAValue, zx: SSAValue | None,
               w: SSAValue, zw: SSAValue | None, bias: SSAValue | None,
               y: SSAValue) -> _Gemm | None:
    """The packed operands of bias + conv(x - zx, w) (y [N, OC, OH, OW] seen as [N, OC, P]),
    or None (nothing inserted) when the node does not fit the int8 kernels (see the module
    doc; 2-d, one group)."""
    zero = _activation_zero(c, x, zx)
    weights = _s8_weights(c, w, zw)
    bias_values = np.zeros(1, np.int64) if bias is None else constant_of(c.weights, bias)
    props = conv_props(op, x, w)
    if (zero is None or weights is None or bias_values is None or weights.ndim != 4
            or props["group"] != IntegerAttr(1, i64)):
        return None
    oc, k = weights.shape[0], math.prod(weights.shape[1:])
    rows = weights.reshape(oc, k)
    initial = bias_values.astype(np.int64) - zero * rows.astype(np.int64).sum(axis=1)
    n, _, oh, ow = shape_of(y)
    packed = c.buffer(MemRefType(I8, [n, groups(k), oh * ow * 4]))
    c.insert(QPackIm2ColOp.build(operands=[c.memref(x), packed], properties={
        "kernel_shape": ints(weights.shape[2:]), **{a: props[a] for a in
                                                     ("strides", "pads", "dilations")},
        "zero": IntegerAttr(zero, i64), "flip": IntegerAttr(int(element_type(x) == i8), i64)}))
    return _Gemm(c.weight(_padded(rows).reshape(1, oc, -1), "qgemm_rows"), packed,
                 c.weight(initial.astype(np.int32).reshape(oc, 1), "qgemm_initial"),
                 [n, oc, oh * ow], "b")


def _matmul_gemm(c: GraphConverter, a: SSAValue, za: SSAValue | None, b: SSAValue,
                 zb: SSAValue | None) -> _Gemm | None:
    """The packed operands of (a - za) @ b (a [..., M, K], b a constant [K, N]; y seen as
    [batch, M, N]), or None (nothing inserted) when the node does not fit the int8 kernels."""
    zero = _activation_zero(c, a, za)
    weights = _s8_weights(c, b, zb)
    a_shape = shape_of(a)
    if zero is None or weights is None or weights.ndim != 2 or len(a_shape) < 2:
        return None
    (k, n), m = weights.shape, a_shape[-2]
    batch = math.prod(a_shape[:-2])
    columns = _padded(weights.T).reshape(n, -1, 4).transpose(1, 0, 2)  # [Kq, N, 4]
    initial = -zero * weights.astype(np.int64).sum(axis=0)
    packed = c.buffer(MemRefType(I8, [batch, m, groups(k) * 4]))
    c.insert(QPackRowsOp.build(
        operands=[c.view(c.memref(a), MemRefType(element_type(a), [batch, m, k])), packed],
        properties={"flip": IntegerAttr(int(element_type(a) == i8), i64)}))
    return _Gemm(packed, c.weight(np.ascontiguousarray(columns).reshape(1, groups(k), 4 * n),
                                  "qgemm_columns"),
                 c.weight(initial.astype(np.int32).reshape(1, n), "qgemm_initial"),
                 [batch, m, n], "a")


def _accumulator(c: GraphConverter, gemm: _Gemm | None, y: SSAValue) -> SSAValue | None:
    if gemm is None:
        return None
    acc = c.buffer(MemRefType(i32, shape_of(y)))
    c.insert(gemm.build(acc, c))
    return acc


def conv_accumulator(c: GraphConverter, op: Operation, x: SSAValue, zx: SSAValue | None,
                     w: SSAValue, zw: SSAValue | None, bias: SSAValue | None,
                     y: SSAValue) -> SSAValue | None:
    """An i32 buffer of y's shape holding bias + conv(x - zx, w) on the int8 kernels, or None
    when the node does not fit them."""
    return _accumulator(c, _conv_gemm(c, op, x, zx, w, zw, bias, y), y)


def matmul_accumulator(c: GraphConverter, a: SSAValue, za: SSAValue | None, b: SSAValue,
                       zb: SSAValue | None, y: SSAValue) -> SSAValue | None:
    """An i32 buffer of y's shape holding (a - za) @ b on the int8 kernels, or None."""
    return _accumulator(c, _matmul_gemm(c, a, za, b, zb), y)


def _requantization(c: GraphConverter, scales: tuple[SSAValue, SSAValue], y_scale: SSAValue,
                    y_zero: SSAValue, channels: int) -> tuple[np.ndarray, int] | None:
    """(multiplier per output channel, y's zero point) when all are constants: the multiplier
    is f32(f32(s0 * s1) / y_scale), onnxruntime's."""
    values = [constant_of(c.weights, v) for v in (*scales, y_scale, y_zero)]
    s0, s1, sy, zero = values
    if s0 is None or s1 is None or sy is None or zero is None or s0.size != 1 or sy.size != 1:
        return None
    if s1.size not in (1, channels) or s0.dtype != np.float32 or s1.dtype != np.float32:
        return None
    product = s0.reshape(()) * s1.reshape(-1)  # f32 x f32, rounded to f32
    multiplier = (product / sy.astype(np.float32).reshape(())).astype(np.float32)
    return np.broadcast_to(multiplier, (channels,)).copy(), int(zero.reshape(()))


def requantized_conv(c: GraphConverter, op: QLinearConvOp) -> bool:
    """QLinearConv on the int8 kernels, requantized in their epilogue; False (nothing
    inserted) when it does not fit them or a scale or y's zero point is not a constant."""
    oc = shape_of(op.w)[0]
    out = _requantization(c, (op.x_scale, op.w_scale), op.y_scale, op.y_zero_point, oc)
    if out is None:
        return False
    gemm = _conv_gemm(c, op, op.x, op.x_zero_point, op.w, op.w_zero_point, op.B, op.y)
    if gemm is None:
        return False
    c.define(op.y, lambda dest: gemm.build(dest, c, out[0].reshape(oc, 1), out[1]))
    return True


def requantized_matmul(c: GraphConverter, op: QLinearMatMulOp) -> bool:
    """QLinearMatMul on the int8 kernels, requantized in their epilogue (see
    `requantized_conv`)."""
    n = shape_of(op.y)[-1]
    out = _requantization(c, (op.a_scale, op.b_scale), op.y_scale, op.y_zero_point, n)
    if out is None:
        return False
    gemm = _matmul_gemm(c, op.a, op.a_zero_point, op.b, op.b_zero_point)
    if gemm is None:
        return False
    c.define(op.y, lambda dest: gemm.build(dest, c, out[0].reshape(1, n), out[1]))
    return True
