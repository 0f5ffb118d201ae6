"""Quantization ops of the `onnx` dialect (registered in `onnx.ONNX_OPS` through
`QUANT_OPS`); their kernels are `tcompiler/kernels/rules/quant.py`.

Semantics (opset 10 to the newest onnx knows; later versions only add types and attributes):
- QuantizeLinear: y = saturate(round_half_even(x / y_scale) + y_zero_point), per tensor
  (scalar scale), per axis (`axis`, a [D] scale) or blocked (`block_size`: the scale has
  ceil(D / block_size) entries along `axis`); the result type is the zero point's, else
  `output_dtype`, else uint8; float8 results saturate unless `saturate=0`.
- DequantizeLinear: y = (x - x_zero_point) * x_scale, same layouts; the result type is the
  scale's or `output_dtype`.
- MatMulInteger, ConvInteger: int32 results of (a - a_zero_point) x (b - b_zero_point).
- QLinearMatMul, QLinearConv: the same, requantized to y's type with
  saturate(round_half_even(acc * a_scale * b_scale / y_scale) + y_zero_point).
"""

from __future__ import annotations

from xdsl.dialects.builtin import TensorType
from xdsl.irdl import (
    AttrSizedOperandSegments,
    IRDLOperation,
    irdl_op_definition,
    operand_def,
    opt_operand_def,
    opt_prop_def,
    result_def,
    traits_def,
)
from xdsl.traits import Pure

from tcompiler.dialects.onnx import _INT, _INTS, _STR


@irdl_op_definition
class QuantizeLinearOp(IRDLOperation):
    name = "onnx.QuantizeLinear"
    x = operand_def(TensorType)
    y_scale = operand_def(TensorType)
    y_zero_point = opt_operand_def(TensorType)
    y = result_def(TensorType)
    axis = opt_prop_def(_INT)
    block_size = opt_prop_def(_INT)
    output_dtype = opt_prop_def(_INT)
    precision = opt_prop_def(_INT)
    saturate = opt_prop_def(_INT)
    traits = traits_def(Pure())


@irdl_op_definition
class DequantizeLinearOp(IRDLOperation):
    name = "onnx.DequantizeLinear"
    x = operand_def(TensorType)
    x_scale = operand_def(TensorType)
    x_zero_point = opt_operand_def(TensorType)
    y = result_def(TensorType)
    axis = opt_prop_def(_INT)
    block_size = opt_prop_def(_INT)
    output_dtype = opt_prop_def(_INT)
    traits = traits_def(Pure())


@irdl_op_definition
class MatMulIntegerOp(IRDLOperation):
    name = "onnx.MatMulInteger"
    A = operand_def(TensorType)
    B = operand_def(TensorType)
    a_zero_point = opt_operand_def(TensorType)
    b_zero_point = opt_operand_def(TensorType)
    Y = result_def(TensorType)
    traits = traits_def(Pure())
    irdl_options = (AttrSizedOperandSegments(as_property=True),)


@irdl_op_definition
class QLinearMatMulOp(IRDLOperation):
    name = "onnx.QLinearMatMul"
    a = operand_def(TensorType)
    a_scale = operand_def(TensorType)
    a_zero_point = operand_def(TensorType)
    b = operand_def(TensorType)
    b_scale = operand_def(TensorType)
    b_zero_point = operand_def(TensorType)
    y_scale = operand_def(TensorType)
    y_zero_point = operand_def(TensorType)
    y = result_def(TensorType)
    traits = traits_def(Pure())


class _ConvAttrs(IRDLOperation):
    auto_pad = opt_prop_def(_STR)
    dilations = opt_prop_def(_INTS)
    group = opt_prop_def(_INT)
    kernel_shape = opt_prop_def(_INTS)
    pads = opt_prop_def(_INTS)
    strides = opt_prop_def(_INTS)
    traits = traits_def(Pure())


@irdl_op_definition
class ConvIntegerOp(_ConvAttrs):
    name = "onnx.ConvInteger"
    x = operand_def(TensorType)
    w = operand_def(TensorType)
    x_zero_point = opt_operand_def(TensorType)
    w_zero_point = opt_operand_def(TensorType)
    y = result_def(TensorType)
    irdl_options = (AttrSizedOperandSegments(as_property=True),)


@irdl_op_definition
class QLinearConvOp(_ConvAttrs):
    name = "onnx.QLinearConv"
    x = operand_def(TensorType)
    x_scale = operand_def(TensorType)
    x_zero_point = operand_def(TensorType)
    w = operand_def(TensorType)
    w_scale = operand_def(TensorType)
    w_zero_point = operand_def(TensorType)
    y_scale = operand_def(TensorType)
    y_zero_point = operand_def(TensorType)
    B = opt_operand_def(TensorType)
    y = result_def(TensorType)


QUANT_OPS = (QuantizeLinearOp, DequantizeLinearOp, MatMulIntegerOp, QLinearMatMulOp,
             ConvIntegerOp, QLinearConvOp)
"""The ops of this module, for `onnx.ONNX_OPS`."""
