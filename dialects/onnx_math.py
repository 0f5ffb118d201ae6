"""ONNX math, activation, reduction and normalization ops of issue 14 (part of the `onnx`
dialect; `onnx.py` lists them in `ONNX_OPS` through `MATH_OPS`).

Operands, results and attributes are named as in the ONNX spec; attributes the model leaves
out are left out (`attr_*` apply the defaults). The element types a rule computes in are the
rules' business (`tcompiler/kernels/rules/math.py`); the verifiers check only what the spec
fixes (one element type in and out, an int64 index result, ranks, axes).
"""

from __future__ import annotations

from xdsl.dialects.builtin import IntegerAttr, TensorType, i64
from xdsl.irdl import (
    IRDLOperation,
    irdl_op_definition,
    operand_def,
    opt_operand_def,
    opt_prop_def,
    result_def,
    traits_def,
)
from xdsl.traits import Pure
from xdsl.utils.exceptions import VerifyException

from tcompiler.dialects.onnx import (
    _FLOAT,
    _INT,
    _expect_rank,
    _keeps_element_type,
    _PoolBase,
    _rank,
    _ReduceBase,
    _result_type,
    _tensor,
    _UnaryBase,
    _UnaryIOBase,
    attr_int,
    shape_of,
)


def _check_axis(op: IRDLOperation, axis: int, rank: int) -> None:
    if not -rank <= axis < max(rank, 1):
        raise VerifyException(f"{op.name}: axis {axis} out of range for rank {rank}")


# ----------------------------------------------------------------------------- unary math


@irdl_op_definition
class SinOp(_UnaryIOBase):
    name = "onnx.Sin"


@irdl_op_definition
class CosOp(_UnaryIOBase):
    name = "onnx.Cos"


@irdl_op_definition
class TanOp(_UnaryIOBase):
    name = "onnx.Tan"


@irdl_op_definition
class AsinOp(_UnaryIOBase):
    name = "onnx.Asin"


@irdl_op_definition
class AcosOp(_UnaryIOBase):
    name = "onnx.Acos"


@irdl_op_definition
class AtanOp(_UnaryIOBase):
    name = "onnx.Atan"


@irdl_op_definition
class SinhOp(_UnaryIOBase):
    name = "onnx.Sinh"


@irdl_op_definition
class CoshOp(_UnaryIOBase):
    name = "onnx.Cosh"


@irdl_op_definition
class AsinhOp(_UnaryIOBase):
    name = "onnx.Asinh"


@irdl_op_definition
class AcoshOp(_UnaryIOBase):
    name = "onnx.Acosh"


@irdl_op_definition
class AtanhOp(_UnaryIOBase):
    name = "onnx.Atanh"


@irdl_op_definition
class SignOp(_UnaryIOBase):
    name = "onnx.Sign"


# ----------------------------------------------------------------------------- activations


@irdl_op_definition
class SoftplusOp(_UnaryBase):
    name = "onnx.Softplus"


@irdl_op_definition
class SoftsignOp(_UnaryIOBase):
    name = "onnx.Softsign"


@irdl_op_definition
class EluOp(_UnaryBase):
    name = "onnx.Elu"
    alpha = opt_prop_def(_FLOAT)


@irdl_op_definition
class SeluOp(_UnaryBase):
    name = "onnx.Selu"
    alpha = opt_prop_def(_FLOAT)
    gamma = opt_prop_def(_FLOAT)


@irdl_op_definition
class CeluOp(_UnaryBase):
    name = "onnx.Celu"
    alpha = opt_prop_def(_FLOAT)


@irdl_op_definition
class MishOp(_UnaryBase):
    name = "onnx.Mish"


@irdl_op_definition
class ThresholdedReluOp(_UnaryBase):
    name = "onnx.ThresholdedRelu"
    alpha = opt_prop_def(_FLOAT)


@irdl_op_definition
class ShrinkOp(_UnaryIOBase):
    name = "onnx.Shrink"
    bias = opt_prop_def(_FLOAT)
    lambd = opt_prop_def(_FLOAT)


@irdl_op_definition
class SwishOp(_UnaryBase):
    name = "onnx.Swish"
    alpha = opt_prop_def(_FLOAT)


# ----------------------------------------------------------------------------- reductions


@irdl_op_definition
class ReduceL1Op(_ReduceBase):
    name = "onnx.ReduceL1"


@irdl_op_definition
class ReduceL2Op(_ReduceBase):
    name = "onnx.ReduceL2"


@irdl_op_definition
class ReduceLogSumOp(_ReduceBase):
    name = "onnx.ReduceLogSum"


@irdl_op_definition
class ReduceLogSumExpOp(_ReduceBase):
    name = "onnx.ReduceLogSumExp"


@irdl_op_definition
class ReduceProdOp(_ReduceBase):
    name = "onnx.ReduceProd"


@irdl_op_definition
class ReduceSumSquareOp(_ReduceBase):
    name = "onnx.ReduceSumSquare"


class _ArgBase(IRDLOperation):
    data = operand_def(TensorType)
    reduced = result_def(TensorType)
    axis = opt_prop_def(_INT)
    keepdims = opt_prop_def(_INT)
    select_last_index = opt_prop_def(_INT)
    traits = traits_def(Pure())

    def verify_(self) -> None:
        _result_type(self.reduced, i64, self)
        _check_axis(self, attr_int(self, "axis", 0), _rank(self.data, f"{self.name} data"))


@irdl_op_definition
class ArgMaxOp(_ArgBase):
    name = "onnx.ArgMax"


@irdl_op_definition
class ArgMinOp(_ArgBase):
    name = "onnx.ArgMin"


class _AxisUnaryBase(_UnaryIOBase):
    """input -> output of one type, along `axis` (default -1)."""

    axis = opt_prop_def(_INT)

    def verify_(self) -> None:
        super().verify_()
        _check_axis(self, attr_int(self, "axis", -1), _rank(self.input, f"{self.name} input"))


@irdl_op_definition
class HardmaxOp(_AxisUnaryBase):
    name = "onnx.Hardmax"


@irdl_op_definition
class LpNormalizationOp(_AxisUnaryBase):
    name = "onnx.LpNormalization"
    p = opt_prop_def(_INT)

    def verify_(self) -> None:
        super().verify_()
        if attr_int(self, "p", 2) not in (1, 2):
            raise VerifyException(f"onnx.LpNormalization: p must be 1 or 2, got "
                                  f"{attr_int(self, 'p', 2)}")


class _CumulativeBase(IRDLOperation):
    """x -> y along the axis a scalar int operand names."""

    x = operand_def(TensorType)
    axis = operand_def(TensorType)
    y = result_def(TensorType)
    exclusive = opt_prop_def(_INT)
    reverse = opt_prop_def(_INT)
    traits = traits_def(Pure())

    def verify_(self) -> None:
        if self.x.type != self.y.type:
            raise VerifyException(f"{self.name}: result type must equal operand type")
        if _tensor(self.axis, "axis").element_count() != 1:
            raise VerifyException(f"{self.name}: axis must hold one value")


@irdl_op_definition
class CumSumOp(_CumulativeBase):
    name = "onnx.CumSum"


@irdl_op_definition
class CumProdOp(_CumulativeBase):
    name = "onnx.CumProd"


# ----------------------------------------------------------------------------- nn


@irdl_op_definition
class LpPoolOp(_PoolBase):
    name = "onnx.LpPool"
    p = opt_prop_def(_INT)


@irdl_op_definition
class GroupNormalizationOp(IRDLOperation):
    name = "onnx.GroupNormalization"
    X = operand_def(TensorType)
    scale = operand_def(TensorType)
    bias = operand_def(TensorType)
    Y = result_def(TensorType)
    epsilon = opt_prop_def(_FLOAT)
    num_groups = opt_prop_def(IntegerAttr)
    stash_type = opt_prop_def(_INT)
    traits = traits_def(Pure())

    def verify_(self) -> None:
        _expect_rank(self.X, "GroupNormalization input X", 2)
        _keeps_element_type(self, self.X, self.Y)
        groups, channels = attr_int(self, "num_groups", 1), shape_of(self.X)[1]
        if groups < 1 or channels % groups:
            raise VerifyException(f"onnx.GroupNormalization: {channels} channels do not split "
                                  f"into {groups} groups")
        for what in ("scale", "bias"):  # opset 18's per-group [G] fails onnx's checker
            if shape_of(getattr(self, what)) != (channels,):
                raise VerifyException(f"onnx.GroupNormalization: {what} must have shape "
                                      f"({channels},)")


@irdl_op_definition
class RMSNormalizationOp(IRDLOperation):
    name = "onnx.RMSNormalization"
    X = operand_def(TensorType)
    scale = operand_def(TensorType)
    Y = result_def(TensorType)
    axis = opt_prop_def(_INT)
    epsilon = opt_prop_def(_FLOAT)
    stash_type = opt_prop_def(_INT)
    traits = traits_def(Pure())

    def verify_(self) -> None:
        rank = _rank(self.X, "RMSNormalization input X")
        axis = attr_int(self, "axis", -1)
        _check_axis(self, axis, rank)
        normalized, s = shape_of(self.X)[axis % rank:], shape_of(self.scale)
        if len(s) > len(normalized) or any(
                a not in (1, b) for a, b in zip(s[::-1], normalized[::-1])):
            raise VerifyException(f"onnx.RMSNormalization: scale {s} does not broadcast to "
                                  f"the normalized dims {normalized}")


@irdl_op_definition
class RotaryEmbeddingOp(IRDLOperation):
    name = "onnx.RotaryEmbedding"
    X = operand_def(TensorType)
    cos_cache = operand_def(TensorType)
    sin_cache = operand_def(TensorType)
    position_ids = opt_operand_def(TensorType)
    Y = result_def(TensorType)
    interleaved = opt_prop_def(_INT)
    num_heads = opt_prop_def(_INT)
    rotary_embedding_dim = opt_prop_def(_INT)
    traits = traits_def(Pure())

    def verify_(self) -> None:
        _expect_rank(self.X, "RotaryEmbedding input X", 3, 4)
        if self.X.type != self.Y.type:
            raise VerifyException("onnx.RotaryEmbedding: result type must equal X's")
        if shape_of(self.cos_cache) != shape_of(self.sin_cache):
            raise VerifyException("onnx.RotaryEmbedding: cos_cache and sin_cache differ in shape")


MATH_OPS: tuple[type[IRDLOperation], ...] = (
    SinOp, CosOp, TanOp, AsinOp, AcosOp, AtanOp, SinhOp, CoshOp, AsinhOp, AcoshOp, AtanhOp,
    SignOp, SoftplusOp, SoftsignOp, EluOp, SeluOp, CeluOp, MishOp, ThresholdedReluOp, ShrinkOp,
    SwishOp, ReduceL1Op, ReduceL2Op, ReduceLogSumOp, ReduceLogSumExpOp, ReduceProdOp,
    ReduceSumSquareOp, ArgMaxOp, ArgMinOp, HardmaxOp, LpNormalizationOp, CumSumOp, CumProdOp,
    LpPoolOp, GroupNormalizationOp, RMSNormalizationOp, RotaryEmbeddingOp,
)
"""The ops of this module, for `ONNX_OPS`."""
