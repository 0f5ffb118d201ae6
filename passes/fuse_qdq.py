"""fuse-qdq: the QDQ pattern of a quantized model becomes one integer op.

`onnxruntime.quantization.quantize_static` (QDQ format) writes every quantized Conv and
MatMul as DequantizeLinear on its inputs, the float op, and QuantizeLinear on its result.
This pass rewrites

    QuantizeLinear(Conv(DequantizeLinear(x), DequantizeLinear(w), DequantizeLinear(b)))
        -> QLinearConv(x, x_scale, x_zero, w, w_scale, w_zero, y_scale, y_zero, b)
    QuantizeLinear(MatMul(DequantizeLinear(a), DequantizeLinear(w)))
        -> QLinearMatMul(a, a_scale, a_zero, w, w_scale, w_zero, y_scale, y_zero)

(a Relu between the op and QuantizeLinear stays as Max(y, y_zero_point), or goes when y's zero
point is its type's lowest value, so the quantization clamps at 0 already), which the int8
kernels run (`kernels/rules/quant_int8.py`). As onnxruntime's QDQ fusion does, the int32 bias
is taken as it is: its dequantization scale is the product x_scale * w_scale by construction (a
bias the frontend folded to floats is rounded back to those int32 values). It applies exactly
where the int8 kernels then run the op (elsewhere the QDQ ops stay, computed in float: the
QLinear ops' own float fallback would decline sums that could pass 2^24): x (a) and y are 8-bit
with one constant scale and zero point each; w is a constant (`onnx.initializer` or
`onnx.Constant`) of int8 with zero points 0, dequantized per tensor or per output channel (axis
0 of a conv's weights, axis 1 of a matmul's); a conv is 2-d with one group and a constant bias;
no DequantizeLinear is blocked; the float result has no other use. Initializers' values come
from the context's `WeightStore` (without one, only
`onnx.Constant` zero points qualify). The DequantizeLinear ops left unused are erased.

Before:

    %xf = "onnx.DequantizeLinear"(%x, %xs, %xz) : (tensor<1x8x4x4xui8>, ...) -> tensor<1x8x4x4xf32>
    %wf = "onnx.DequantizeLinear"(%w, %ws, %wz) <{axis = 0 : i64}> : (tensor<8x8x3x3xi8>, ...)
    %c = "onnx.Conv"(%xf, %wf) <{pads = array<i64: 1, 1, 1, 1>}> : ...
    %y = "onnx.QuantizeLinear"(%c, %ys, %yz) : (...) -> tensor<1x8x4x4xui8>

After:

    %y = "onnx.QLinearConv"(%x, %xs, %xz, %w, %ws, %wz, %ys, %yz) <{pads = ...}> : ...
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from xdsl.context import Context
from xdsl.dialects.builtin import IntegerType, ModuleOp, Signedness, TensorType, f32, i32
from xdsl.ir import Operation, SSAValue
from xdsl.passes import ModulePass
from xdsl.pattern_rewriter import (
    GreedyRewritePatternApplier,
    PatternRewriter,
    PatternRewriteWalker,
    RewritePattern,
    op_type_rewrite_pattern,
)
from xdsl.rewriter import InsertPoint
from xdsl.transforms.dead_code_elimination import RemoveUnusedOperations

from tcompiler import contracts
from tcompiler.dialects.onnx import (
    ConstantOp,
    ConvOp,
    InitializerOp,
    MatMulOp,
    MaxOp,
    ReluOp,
    attr_int,
    dense_attr,
    dense_value,
    shape_of,
)
from tcompiler.dialects.onnx_quant import (
    DequantizeLinearOp,
    QLinearConvOp,
    QLinearMatMulOp,
    QuantizeLinearOp,
)
from tcompiler.weights import WeightStore, weights_of

CONV_PROPS = ("auto_pad", "dilations", "group", "kernel_shape", "pads", "strides")


def _element(value: SSAValue) -> object:
    ty = value.type
    return ty.element_type if isinstance(ty, TensorType) else None


def _is_byte(value: SSAValue) -> bool:
    ty = _element(value)
    return isinstance(ty, IntegerType) and ty.width.data == 8


def _lowest(value: SSAValue) -> int:
    ty = _element(value)
    assert isinstance(ty, IntegerType)
    return 0 if ty.signedness.data == Signedness.UNSIGNED else -128


def _per_tensor(dq: DequantizeLinearOp | QuantizeLinearOp, scale: SSAValue,
                zero: SSAValue | None) -> bool:
    return (zero is not None and math.prod(shape_of(scale)) == 1
            and math.prod(shape_of(zero)) == 1 and _element(scale) == f32
            and attr_int(dq, "block_size", 0) == 0)


def _activation(value: SSAValue, weights: WeightStore | None) -> DequantizeLinearOp | None:
    """The per-tensor DequantizeLinear of 8-bit data with a constant zero point that defines
    `value`, if that is it."""
    dq = value.owner
    if not isinstance(dq, DequantizeLinearOp) or not _is_byte(dq.x):
        return None
    if not _per_tensor(dq, dq.x_scale, dq.x_zero_point) or dq.x_zero_point is None:
        return None
    return dq if _constant(dq.x_zero_point, weights) is not None else None


def _weight(value: SSAValue, channel_axis: int, weights: WeightStore | None
            ) -> DequantizeLinearOp | None:
    """The DequantizeLinear of a constant int8 weight with zero points 0, per tensor or per
    channel along `channel_axis`, that defines `value`, if that is it."""
    dq = value.owner
    if (not isinstance(dq, DequantizeLinearOp) or dq.x_zero_point is None
            or not isinstance(dq.x.owner, InitializerOp | ConstantOp)
            or _element(dq.x) != IntegerType(8) or attr_int(dq, "block_size", 0)):
        return None
    zero = _constant(dq.x_zero_point, weights)
    if zero is None or zero.any():
        return None
    channels = math.prod(shape_of(dq.x_scale))
    if channels == 1:
        return dq
    rank = len(shape_of(dq.x))
    axis = attr_int(dq, "axis", 1) % rank
    return dq if axis == channel_axis and channels == shape_of(dq.x)[axis] else None


def _quantized_result(q: QuantizeLinearOp, weights: WeightStore | None
                      ) -> tuple[Operation, bool] | None:
    """The Conv or MatMul whose result q quantizes, when q is its only user, and whether a Relu
    between them must stay (as Max(y, y_zero_point): Q(relu(v)) = max(Q(v), Q(0)) since Q is
    monotonic) or goes (y's zero point is its type's lowest value: q's clamp does it)."""
    if not _is_byte(q.y) or not _per_tensor(q, q.y_scale, q.y_zero_point):
        return None
    value, relu = q.x, False
    if isinstance(value.owner, ReluOp) and value.has_one_use():
        assert q.y_zero_point is not None
        zero = _constant(q.y_zero_point, weights)
        relu = zero is None or int(zero.ravel()[0]) != _lowest(q.y)
        value = value.owner.X
    source = value.owner
    if not isinstance(source, ConvOp | MatMulOp) or not value.has_one_use():
        return None
    return source, relu


def _replace(q: QuantizeLinearOp, fused: Operation, relu: bool,
             rewriter: PatternRewriter) -> None:
    """q's result becomes fused's, or Max(fused, q's zero point) for a Relu that stays."""
    if not relu:
        rewriter.replace(q, fused)
        return
    assert q.y_zero_point is not None
    clamp = MaxOp.build(operands=[[fused.results[0], q.y_zero_point]], result_types=[q.y.type])
    rewriter.replace(q, [fused, clamp])


def _constant(value: SSAValue, weights: WeightStore | None) -> np.ndarray | None:
    owner = value.owner
    if isinstance(owner, ConstantOp):
        return dense_value(owner.value)
    if isinstance(owner, InitializerOp) and weights is not None:
        return weights[owner.weight_name.data]
    return None


@dataclass
class FuseQdqConv(RewritePattern):
    weights: WeightStore | None

    @op_type_rewrite_pattern
    def match_and_rewrite(self, q: QuantizeLinearOp, rewriter: PatternRewriter) -> None:
        found = _quantized_result(q, self.weights)
        if found is None:
            return
        conv, relu = found
        if not isinstance(conv, ConvOp):
            return
        x, w = _activation(conv.X, self.weights), _weight(conv.W, 0, self.weights)
        if x is None or w is None or len(shape_of(conv.X)) != 4 or attr_int(conv, "group", 1) != 1:
            return
        bias_operand = self._bias(conv.B, x, w, q, rewriter)
        if bias_operand is None:
            return
        fused = QLinearConvOp.build(
            operands=[x.x, x.x_scale, x.x_zero_point, w.x, w.x_scale, w.x_zero_point,
                      q.y_scale, q.y_zero_point, bias_operand],
            result_types=[q.y.type],
            properties={k: v for k, v in conv.properties.items() if k in CONV_PROPS},
            attributes=dict(conv.attributes))
        _replace(q, fused, relu, rewriter)

    def _bias(self, bias: SSAValue | None, x: DequantizeLinearOp, w: DequantizeLinearOp,
              q: QuantizeLinearOp, rewriter: PatternRewriter) -> list[SSAValue] | None:
        """The int32 bias operand ([] for none): DequantizeLinear's input, or, for a bias the
        frontend folded to floats (small ones are), the int32 values it was computed from
        (round(b / (x_scale * w_scale)), when that gives b back to f32 precision); None if
        there is no int32 bias to be had."""
        if bias is None:
            return []
        owner = bias.owner
        if isinstance(owner, DequantizeLinearOp):
            constant = isinstance(owner.x.owner, InitializerOp | ConstantOp)
            return [owner.x] if constant and _element(owner.x) == IntegerType(32) else None
        values = _constant(bias, self.weights)
        scales = [_constant(s, self.weights) for s in (x.x_scale, w.x_scale)]
        if values is None or scales[0] is None or scales[1] is None:
            return None
        step = scales[0].astype(np.float64).ravel() * scales[1].astype(np.float64).ravel()
        quantized = np.rint(values / step)
        exact = np.allclose(quantized * step, values, rtol=1e-6, atol=0)
        if not exact or np.abs(quantized).max(initial=0) >= 2**31:
            return None
        constant = ConstantOp.build(properties={"value": dense_attr(quantized.astype(np.int32))},
                                    result_types=[TensorType(i32, values.shape)])
        rewriter.insert(constant, InsertPoint.before(q))
        return [constant.results[0]]


@dataclass
class FuseQdqMatMul(RewritePattern):
    weights: WeightStore | None

    @op_type_rewrite_pattern
    def match_and_rewrite(self, q: QuantizeLinearOp, rewriter: PatternRewriter) -> None:
        found = _quantized_result(q, self.weights)
        if found is None:
            return
        matmul, relu = found
        if not isinstance(matmul, MatMulOp) or len(shape_of(matmul.B)) != 2:
            return
        a, w = _activation(matmul.A, self.weights), _weight(matmul.B, 1, self.weights)
        if a is None or w is None or len(shape_of(matmul.A)) < 2:
            return
        fused = QLinearMatMulOp.build(
            operands=[a.x, a.x_scale, a.x_zero_point, w.x, w.x_scale, w.x_zero_point,
                      q.y_scale, q.y_zero_point],
            result_types=[q.y.type], attributes=dict(matmul.attributes))
        _replace(q, fused, relu, rewriter)


@dataclass(frozen=True)
class FuseQdqPass(ModulePass):
    """QDQ Conv and MatMul to QLinearConv and QLinearMatMul (see the module doc)."""

    name = "fuse-qdq"

    input_contract: ClassVar[contracts.Contract] = contracts.ONNX

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        contracts.require(op, self.name, self.input_contract)
        weights = weights_of(ctx)
        PatternRewriteWalker(GreedyRewritePatternApplier([
            FuseQdqConv(weights), FuseQdqMatMul(weights), RemoveUnusedOperations()
        ])).rewrite_module(op)
