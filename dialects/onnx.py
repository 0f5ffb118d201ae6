"""The `onnx` dialect: ONNX operators on statically shaped tensors (the `onnx` stage).

One op per ONNX operator, named `onnx.<OpType>`, operands and results named as in the ONNX
spec, attributes as properties named as in the spec (ints -> `i64`, floats -> `f32`,
lists -> `array<i64: ...>` / `array<f32: ...>`, strings -> string, tensors -> dense
elements). Attributes the model leaves out are left out here too; their spec defaults are
applied by whoever reads them (`attr_int`, `attr_ints`, ...).

Semantics are those of the opset the frontend normalizes to (`tcompiler.frontend`): e.g.
Softmax is the opset-13 single-axis softmax, Unsqueeze takes `axes` as an operand.

Weights are not in the IR: `onnx.initializer` names a tensor of the module's `WeightStore`.
Small constant tensors (shapes, axes, scalars) stay inline as `onnx.Constant` with a dense
`value`, so folding can read them.

Example:

    %w = onnx.initializer "conv1.weight" : tensor<64x3x7x7xf32>
    %y = "onnx.Conv"(%x, %w) <{pads = array<i64: 3, 3, 3, 3>, strides = array<i64: 2, 2>}>
        : (tensor<1x3x224x224xf32>, tensor<64x3x7x7xf32>) -> tensor<1x64x112x112xf32>
"""

from __future__ import annotations

from collections.abc import Sequence

import ml_dtypes  # noqa: F401 - registers the numpy dtype "bfloat16"
import numpy as np
from xdsl.dialects.builtin import (
    DenseArrayBase,
    DenseIntOrFPElementsAttr,
    FloatAttr,
    IntegerAttr,
    IntegerType,
    Signedness,
    StringAttr,
    TensorType,
    bf16,
    f4E2M1FN,
    f8E4M3FN,
    f8E4M3FNUZ,
    f8E5M2,
    f8E5M2FNUZ,
    f16,
    f32,
    f64,
    i1,
    i8,
    i16,
    i32,
    i64,
)
from xdsl.ir import Attribute, Dialect, Operation, SSAValue
from xdsl.irdl import (
    AttrSizedOperandSegments,
    AttrSizedResultSegments,
    IRDLOperation,
    irdl_op_definition,
    operand_def,
    opt_operand_def,
    opt_prop_def,
    opt_result_def,
    prop_def,
    result_def,
    traits_def,
    var_operand_def,
    var_result_def,
)
from xdsl.traits import Pure
from xdsl.utils.exceptions import VerifyException

NODE_NAME = "onnx.name"
"""Discardable attribute carrying the ONNX node name, for error messages."""


# ----------------------------------------------------------------------------- helpers


def node_name(op: Operation) -> str:
    """The ONNX node name of `op` (or its op name when it has none)."""
    attr = op.attributes.get(NODE_NAME)
    return attr.data if isinstance(attr, StringAttr) else op.name


def attr_int(op: Operation, name: str, default: int) -> int:
    attr = op.properties.get(name)
    return attr.value.data if isinstance(attr, IntegerAttr) else default


def attr_float(op: Operation, name: str, default: float) -> float:
    attr = op.properties.get(name)
    return attr.value.data if isinstance(attr, FloatAttr) else default


def attr_str(op: Operation, name: str, default: str) -> str:
    attr = op.properties.get(name)
    return attr.data if isinstance(attr, StringAttr) else default


def attr_ints(op: Operation, name: str, default: Sequence[int] | None = None) -> list[int] | None:
    attr = op.properties.get(name)
    if isinstance(attr, DenseArrayBase):
        return [int(v) for v in attr.iter_values()]
    return None if default is None else list(default)


def slice_range(dim: int, start: int, end: int, step: int) -> range:
    """The indices ONNX Slice takes along an axis of extent `dim`. Negative `start` and
    `end` count from the end; then, for a positive step, both are clamped to [0, dim], for
    a negative one `start` to [0, dim - 1] and `end` to [-1, dim - 1]. This differs from
    Python's slicing (and onnx.reference's): [-2::-2] of one element is that element."""
    start = start + dim if start < 0 else start
    end = end + dim if end < 0 else end
    if step > 0:
        return range(min(max(start, 0), dim), min(max(end, 0), dim), step)
    return range(min(max(start, 0), dim - 1), min(max(end, -1), dim - 1), step)


ELEMENT_TYPES: dict[str, Attribute] = {
    "float32": f32, "int64": i64, "int32": i32, "bool": i1,
    "float64": f64, "float16": f16, "bfloat16": bf16, "int8": i8, "int16": i16,
    **{f"uint{w}": IntegerType(w, Signedness.UNSIGNED) for w in (8, 16, 32, 64)},
    "int4": IntegerType(4), "uint4": IntegerType(4, Signedness.UNSIGNED),
    "int2": IntegerType(2), "uint2": IntegerType(2, Signedness.UNSIGNED),
    "float8_e4m3fn": f8E4M3FN, "float8_e4m3fnuz": f8E4M3FNUZ, "float8_e5m2": f8E5M2,
    "float8_e5m2fnuz": f8E5M2FNUZ, "float4_e2m1fn": f4E2M1FN,
}
"""numpy dtype name -> the tensor element type it is in this dialect: the one table of the
element types tcc compiles (the frontend's ONNX codes and the runtime's dtypes derive from it).
Unsigned integers are `ui8`...`ui64` (signless `i8`... are signed); float16 and bfloat16 are
storage types that kernels compute on in f32, and so are float8 and float4 (a byte each); the
4- and 2-bit integers are storage types too (a byte each, as numpy holds them) computed on in
8 bits (`tcompiler.kernels.element_types`)."""


def dtype_of(element_type: Attribute) -> np.dtype:
    """The numpy dtype of an `ELEMENT_TYPES` element type."""
    for name, ty in ELEMENT_TYPES.items():
        if ty == element_type:
            return np.dtype(name)
    raise ValueError(f"no numpy dtype for element type {element_type}")


def dense_attr(array: np.ndarray) -> DenseIntOrFPElementsAttr:
    """`array` (of an `ELEMENT_TYPES` dtype) as a dense elements attribute."""
    element_type = ELEMENT_TYPES[array.dtype.name]
    ty = TensorType(element_type, array.shape)
    flat = array.astype(np.int64) if array.dtype == np.bool_ else array
    values = flat.ravel().tolist()
    return DenseIntOrFPElementsAttr.from_list(ty, values)  # type: ignore[call-overload]


def dense_value(attr: DenseIntOrFPElementsAttr) -> np.ndarray:
    """The numpy array a dense elements attribute holds (splats expanded)."""
    ty = attr.get_element_type()
    shape = tuple(attr.get_shape())
    if isinstance(ty, IntegerType) and ty.width.data == 1:
        flat = np.array(attr.get_values(), dtype=np.int64) != 0
    else:
        flat = np.array(attr.get_values(), dtype=dtype_of(ty))
    if flat.size == 1 and int(np.prod(shape)) != 1:
        return np.full(shape, flat[0])
    return flat.reshape(shape)


def shape_of(value: SSAValue) -> tuple[int, ...]:
    ty = value.type
    assert isinstance(ty, TensorType), f"expected a tensor, got {ty}"
    return tuple(ty.get_shape())


def _tensor(value: SSAValue, what: str) -> TensorType[Attribute]:
    if not isinstance(value.type, TensorType):
        raise VerifyException(f"{what} must be a tensor, got {value.type}")
    return value.type


def _rank(value: SSAValue, what: str) -> int:
    return _tensor(value, what).get_num_dims()


def _same_element_type(op: Operation) -> None:
    types = [_tensor(v, "operand").element_type for v in (*op.operands, *op.results)]
    if any(t != types[0] for t in types):
        raise VerifyException(f"{op.name}: operands and results must share one element type")


def _expect_rank(value: SSAValue, what: str, low: int, high: int | None = None) -> None:
    rank = _rank(value, what)
    if rank < low or (high is not None and rank > high):
        wanted = f"{low}" if high == low else f">= {low}" if high is None else f"{low}..{high}"
        raise VerifyException(f"{what} must have rank {wanted}, got {rank}")


_INT = IntegerAttr
_FLOAT = FloatAttr
_INTS = DenseArrayBase
_STR = StringAttr


# ----------------------------------------------------------------------------- non-ONNX ops


@irdl_op_definition
class InitializerOp(IRDLOperation):
    """A weight tensor held in the module's WeightStore under `name`."""

    name = "onnx.initializer"
    weight_name = prop_def(StringAttr, prop_name="name")
    output = result_def(TensorType)
    traits = traits_def(Pure())
    assembly_format = "$name attr-dict `:` type($output)"

    def __init__(self, weight_name: str, result_type: TensorType[Attribute]):
        super().__init__(properties={"name": StringAttr(weight_name)}, result_types=[result_type])


# ----------------------------------------------------------------------------- ONNX ops


@irdl_op_definition
class ConstantOp(IRDLOperation):
    """ONNX Constant, its `value` a small inline dense tensor."""

    name = "onnx.Constant"
    value = prop_def(DenseIntOrFPElementsAttr)
    output = result_def(TensorType)
    traits = traits_def(Pure())

    def verify_(self) -> None:
        if self.value.type != self.output.type:
            raise VerifyException(
                f"onnx.Constant: value type {self.value.type} differs from result "
                f"{self.output.type}"
            )


@irdl_op_definition
class ConstantOfShapeOp(IRDLOperation):
    name = "onnx.ConstantOfShape"
    input = operand_def(TensorType)
    output = result_def(TensorType)
    value = opt_prop_def(DenseIntOrFPElementsAttr)
    traits = traits_def(Pure())

    def verify_(self) -> None:
        _expect_rank(self.input, "ConstantOfShape shape", 1, 1)


@irdl_op_definition
class IdentityOp(IRDLOperation):
    name = "onnx.Identity"
    input = operand_def(TensorType)
    output = result_def(TensorType)
    traits = traits_def(Pure())

    def verify_(self) -> None:
        if self.input.type != self.output.type:
            raise VerifyException("onnx.Identity: result type must equal operand type")


@irdl_op_definition
class DropoutOp(IRDLOperation):
    name = "onnx.Dropout"
    data = operand_def(TensorType)
    ratio = opt_operand_def(TensorType)
    training_mode = opt_operand_def(TensorType)
    output = result_def(TensorType)
    mask = opt_result_def(TensorType)
    seed = opt_prop_def(IntegerAttr)
    irdl_options = (
        AttrSizedOperandSegments(as_property=True),
        AttrSizedResultSegments(as_property=True),
    )
    traits = traits_def(Pure())


def _expect_window_fits(op: Operation, x: tuple[int, ...], kernel: Sequence[int]) -> None:
    """The (dilated) window of a Conv or pool fits in the padded input along every spatial
    dim; ONNX's shape inference truncates toward 0 and gives such a node one output row that
    no input element feeds (onnxruntime refuses it)."""
    auto_pad = attr_str(op, "auto_pad", "NOTSET")
    spatial = x[2:]
    n = len(spatial)
    if auto_pad in ("SAME_UPPER", "SAME_LOWER") or len(kernel) != n:
        return
    pads = [0] * (2 * n) if auto_pad == "VALID" else attr_ints(op, "pads", [0] * (2 * n))
    dilations = attr_ints(op, "dilations", [1] * n)
    if pads is None or dilations is None or len(pads) != 2 * n or len(dilations) != n:
        return
    for d in range(n):
        window, padded = (kernel[d] - 1) * dilations[d] + 1, spatial[d] + pads[d] + pads[d + n]
        if window > padded:
            raise VerifyException(f"{op.name}: the window ({window}) is larger than the padded "
                                  f"input ({padded}) along spatial dim {d}")


@irdl_op_definition
class ConvOp(IRDLOperation):
    name = "onnx.Conv"
    X = operand_def(TensorType)
    W = operand_def(TensorType)
    B = opt_operand_def(TensorType)
    Y = result_def(TensorType)
    auto_pad = opt_prop_def(_STR)
    dilations = opt_prop_def(_INTS)
    group = opt_prop_def(_INT)
    kernel_shape = opt_prop_def(_INTS)
    pads = opt_prop_def(_INTS)
    strides = opt_prop_def(_INTS)
    traits = traits_def(Pure())

    def verify_(self) -> None:
        _expect_rank(self.X, "Conv input X", 3)
        if _rank(self.W, "Conv weight W") != _rank(self.X, "Conv input X"):
            raise VerifyException("Conv: W must have the rank of X")
        if self.B is not None:
            _expect_rank(self.B, "Conv bias B", 1, 1)
        group = attr_int(self, "group", 1)
        channels, w_channels = shape_of(self.X)[1], shape_of(self.W)[1]
        if channels != w_channels * group:
            raise VerifyException(
                f"Conv: X has {channels} channels but W expects {w_channels} x group {group}"
            )
        _expect_window_fits(self, shape_of(self.X), shape_of(self.W)[2:])


@irdl_op_definition
class BatchNormalizationOp(IRDLOperation):
    name = "onnx.BatchNormalization"
    X = operand_def(TensorType)
    scale = operand_def(TensorType)
    B = operand_def(TensorType)
    input_mean = operand_def(TensorType)
    input_var = operand_def(TensorType)
    Y = result_def(TensorType)
    running_mean = opt_result_def(TensorType)
    running_var = opt_result_def(TensorType)
    epsilon = opt_prop_def(_FLOAT)
    momentum = opt_prop_def(_FLOAT)
    training_mode = opt_prop_def(_INT)
    irdl_options = (AttrSizedResultSegments(as_property=True),)
    traits = traits_def(Pure())

    def verify_(self) -> None:
        _expect_rank(self.X, "BatchNormalization input X", 2)
        channels = shape_of(self.X)[1]
        for what in ("scale", "B", "input_mean", "input_var"):
            if shape_of(getattr(self, what)) != (channels,):
                raise VerifyException(f"BatchNormalization: {what} must have shape ({channels},)")


class _PoolBase(IRDLOperation):
    X = operand_def(TensorType)
    Y = result_def(TensorType)
    auto_pad = opt_prop_def(_STR)
    ceil_mode = opt_prop_def(_INT)
    dilations = opt_prop_def(_INTS)
    kernel_shape = prop_def(_INTS)
    pads = opt_prop_def(_INTS)
    strides = opt_prop_def(_INTS)
    traits = traits_def(Pure())

    def verify_(self) -> None:
        _expect_rank(self.X, f"{self.name} input X", 3)
        spatial = _rank(self.X, "X") - 2
        kernel = attr_ints(self, "kernel_shape") or []
        if len(kernel) != spatial:
            raise VerifyException(
                f"{self.name}: kernel_shape has {len(kernel)} dims, input has {spatial} "
                "spatial dims"
            )
        _expect_window_fits(self, shape_of(self.X), kernel)


@irdl_op_definition
class MaxPoolOp(_PoolBase):
    name = "onnx.MaxPool"
    X = operand_def(TensorType)
    Y = result_def(TensorType)  # redeclared so that Y comes before Indices
    Indices = opt_result_def(TensorType)
    storage_order = opt_prop_def(_INT)


@irdl_op_definition
class AveragePoolOp(_PoolBase):
    name = "onnx.AveragePool"
    count_include_pad = opt_prop_def(_INT)


@irdl_op_definition
class GlobalAveragePoolOp(IRDLOperation):
    name = "onnx.GlobalAveragePool"
    X = operand_def(TensorType)
    Y = result_def(TensorType)
    traits = traits_def(Pure())

    def verify_(self) -> None:
        _expect_rank(self.X, "GlobalAveragePool input X", 3)


@irdl_op_definition
class GemmOp(IRDLOperation):
    name = "onnx.Gemm"
    A = operand_def(TensorType)
    B = operand_def(TensorType)
    C = opt_operand_def(TensorType)
    Y = result_def(TensorType)
    alpha = opt_prop_def(_FLOAT)
    beta = opt_prop_def(_FLOAT)
    transA = opt_prop_def(_INT)
    transB = opt_prop_def(_INT)
    traits = traits_def(Pure())

    def verify_(self) -> None:
        _expect_rank(self.A, "Gemm input A", 2, 2)
        _expect_rank(self.B, "Gemm input B", 2, 2)
        a, b = shape_of(self.A), shape_of(self.B)
        k_a = a[0] if attr_int(self, "transA", 0) else a[1]
        k_b = b[1] if attr_int(self, "transB", 0) else b[0]
        if k_a != k_b:
            raise VerifyException(f"Gemm: inner dimensions differ ({k_a} vs {k_b})")


class _UnaryBase(IRDLOperation):
    X = operand_def(TensorType)
    Y = result_def(TensorType)
    traits = traits_def(Pure())

    def verify_(self) -> None:
        if self.X.type != self.Y.type:
            raise VerifyException(f"{self.name}: result type must equal operand type")


@irdl_op_definition
class ReluOp(_UnaryBase):
    name = "onnx.Relu"


class _BinaryBase(IRDLOperation):
    A = operand_def(TensorType)
    B = operand_def(TensorType)
    C = result_def(TensorType)
    traits = traits_def(Pure())

    def verify_(self) -> None:
        _same_element_type(self)


@irdl_op_definition
class AddOp(_BinaryBase):
    name = "onnx.Add"


@irdl_op_definition
class MulOp(_BinaryBase):
    name = "onnx.Mul"


@irdl_op_definition
class SumOp(IRDLOperation):
    name = "onnx.Sum"
    data_0 = var_operand_def(TensorType)
    sum = result_def(TensorType)
    traits = traits_def(Pure())

    def verify_(self) -> None:
        if not self.data_0:
            raise VerifyException("onnx.Sum needs at least one operand")
        _same_element_type(self)


# ---- elementwise ops (issue 4)
# Each output has the broadcast shape of its inputs (multidirectional; PRelu's slope and
# Clip's bounds broadcast to the input). Element types: comparisons, And/Or/Not and IsNaN
# yield bool (i1); Cast/CastLike yield their target type; Pow's exponent may have another
# type than its base; everything else keeps its operands' one element type.


def _result_type(value: SSAValue, element_type: Attribute, op: Operation) -> None:
    if _tensor(value, "result").element_type != element_type:
        raise VerifyException(f"{op.name}: result element type must be {element_type}, "
                              f"got {_tensor(value, 'result').element_type}")


class _UnaryIOBase(IRDLOperation):
    """A unary op whose ONNX operand and result are named `input` and `output`."""

    input = operand_def(TensorType)
    output = result_def(TensorType)
    traits = traits_def(Pure())

    def verify_(self) -> None:
        if self.input.type != self.output.type:
            raise VerifyException(f"{self.name}: result type must equal operand type")


@irdl_op_definition
class LeakyReluOp(_UnaryBase):
    name = "onnx.LeakyRelu"
    alpha = opt_prop_def(_FLOAT)


@irdl_op_definition
class SigmoidOp(_UnaryBase):
    name = "onnx.Sigmoid"


@irdl_op_definition
class HardSigmoidOp(_UnaryBase):
    name = "onnx.HardSigmoid"
    alpha = opt_prop_def(_FLOAT)
    beta = opt_prop_def(_FLOAT)


@irdl_op_definition
class HardSwishOp(_UnaryBase):
    name = "onnx.HardSwish"


@irdl_op_definition
class GeluOp(_UnaryBase):
    name = "onnx.Gelu"
    approximate = opt_prop_def(_STR)

    def verify_(self) -> None:
        super().verify_()
        if attr_str(self, "approximate", "none") not in ("none", "tanh"):
            raise VerifyException("onnx.Gelu: approximate must be 'none' or 'tanh'")


@irdl_op_definition
class SqrtOp(_UnaryBase):
    name = "onnx.Sqrt"


@irdl_op_definition
class NegOp(_UnaryBase):
    name = "onnx.Neg"


@irdl_op_definition
class AbsOp(_UnaryBase):
    name = "onnx.Abs"


@irdl_op_definition
class ReciprocalOp(_UnaryBase):
    name = "onnx.Reciprocal"


@irdl_op_definition
class NotOp(_UnaryBase):
    name = "onnx.Not"


@irdl_op_definition
class TanhOp(_UnaryIOBase):
    name = "onnx.Tanh"


@irdl_op_definition
class ErfOp(_UnaryIOBase):
    name = "onnx.Erf"


@irdl_op_definition
class ExpOp(_UnaryIOBase):
    name = "onnx.Exp"


@irdl_op_definition
class LogOp(_UnaryIOBase):
    name = "onnx.Log"


@irdl_op_definition
class IsNaNOp(IRDLOperation):
    name = "onnx.IsNaN"
    X = operand_def(TensorType)
    Y = result_def(TensorType)
    traits = traits_def(Pure())

    def verify_(self) -> None:
        _result_type(self.Y, i1, self)


@irdl_op_definition
class PReluOp(IRDLOperation):
    name = "onnx.PRelu"
    X = operand_def(TensorType)
    slope = operand_def(TensorType)
    Y = result_def(TensorType)
    traits = traits_def(Pure())

    def verify_(self) -> None:
        _same_element_type(self)
        x, slope, y = shape_of(self.X), shape_of(self.slope), shape_of(self.Y)
        # slope must broadcast to X (unidirectionally). Only a rank above X's is refused
        # here: opset-6 models with a per-channel slope of shape (C,), upgraded, import and
        # fold when the slope is uniform (onnx's pytorch-converted/test_PReLU_1d_multiparam)
        if len(slope) > len(x):
            raise VerifyException(f"onnx.PRelu: slope {slope} has a higher rank than X {x}")
        if y != x:
            raise VerifyException(f"onnx.PRelu: result {y} must have the shape of X {x}")


@irdl_op_definition
class ClipOp(IRDLOperation):
    name = "onnx.Clip"
    input = operand_def(TensorType)
    min = opt_operand_def(TensorType)
    max = opt_operand_def(TensorType)
    output = result_def(TensorType)
    irdl_options = (AttrSizedOperandSegments(as_property=True),)
    traits = traits_def(Pure())

    def verify_(self) -> None:
        _same_element_type(self)


@irdl_op_definition
class SubOp(_BinaryBase):
    name = "onnx.Sub"


@irdl_op_definition
class DivOp(_BinaryBase):
    name = "onnx.Div"


@irdl_op_definition
class PowOp(IRDLOperation):
    name = "onnx.Pow"
    X = operand_def(TensorType)
    Y = operand_def(TensorType)
    Z = result_def(TensorType)
    traits = traits_def(Pure())

    def verify_(self) -> None:
        _result_type(self.Z, _tensor(self.X, "Pow base").element_type, self)


class _LogicBase(IRDLOperation):
    """A comparison or logical op: operands of one element type, a bool result."""

    A = operand_def(TensorType)
    B = operand_def(TensorType)
    C = result_def(TensorType)
    traits = traits_def(Pure())

    def verify_(self) -> None:
        if _tensor(self.A, "A").element_type != _tensor(self.B, "B").element_type:
            raise VerifyException(f"{self.name}: A and B must share one element type")
        _result_type(self.C, i1, self)


@irdl_op_definition
class EqualOp(_LogicBase):
    name = "onnx.Equal"


@irdl_op_definition
class GreaterOp(_LogicBase):
    name = "onnx.Greater"


@irdl_op_definition
class GreaterOrEqualOp(_LogicBase):
    name = "onnx.GreaterOrEqual"


@irdl_op_definition
class LessOp(_LogicBase):
    name = "onnx.Less"


@irdl_op_definition
class LessOrEqualOp(_LogicBase):
    name = "onnx.LessOrEqual"


@irdl_op_definition
class AndOp(_LogicBase):
    name = "onnx.And"


@irdl_op_definition
class OrOp(_LogicBase):
    name = "onnx.Or"


@irdl_op_definition
class WhereOp(IRDLOperation):
    name = "onnx.Where"
    condition = operand_def(TensorType)
    X = operand_def(TensorType)
    Y = operand_def(TensorType)
    output = result_def(TensorType)
    traits = traits_def(Pure())

    def verify_(self) -> None:
        if _tensor(self.condition, "Where condition").element_type != i1:
            raise VerifyException("onnx.Where: condition must be bool")
        element = _tensor(self.X, "X").element_type
        if _tensor(self.Y, "Y").element_type != element:
            raise VerifyException("onnx.Where: X and Y must share one element type")
        _result_type(self.output, element, self)


class _VariadicBase(IRDLOperation):
    data_0 = var_operand_def(TensorType)
    traits = traits_def(Pure())

    def verify_(self) -> None:
        if not self.data_0:
            raise VerifyException(f"{self.name} needs at least one operand")
        _same_element_type(self)


@irdl_op_definition
class MinOp(_VariadicBase):
    name = "onnx.Min"
    min = result_def(TensorType)


@irdl_op_definition
class MaxOp(_VariadicBase):
    name = "onnx.Max"
    max = result_def(TensorType)


@irdl_op_definition
class MeanOp(_VariadicBase):
    name = "onnx.Mean"
    mean = result_def(TensorType)


@irdl_op_definition
class CastOp(IRDLOperation):
    """ONNX Cast between the four element types; `to` is the ONNX TensorProto type code."""

    name = "onnx.Cast"
    input = operand_def(TensorType)
    output = result_def(TensorType)
    to = prop_def(_INT)
    saturate = opt_prop_def(_INT)
    round_mode = opt_prop_def(_STR)
    traits = traits_def(Pure())


@irdl_op_definition
class CastLikeOp(IRDLOperation):
    name = "onnx.CastLike"
    input = operand_def(TensorType)
    target_type = operand_def(TensorType)
    output = result_def(TensorType)
    saturate = opt_prop_def(_INT)
    round_mode = opt_prop_def(_STR)
    traits = traits_def(Pure())

    def verify_(self) -> None:
        _result_type(self.output, _tensor(self.target_type, "target_type").element_type, self)


ELEMENTWISE_OPS = (
    LeakyReluOp, SigmoidOp, HardSigmoidOp, HardSwishOp, GeluOp, SqrtOp, NegOp, AbsOp,
    ReciprocalOp, NotOp, TanhOp, ErfOp, ExpOp, LogOp, IsNaNOp, PReluOp, ClipOp, SubOp, DivOp,
    PowOp, EqualOp, GreaterOp, GreaterOrEqualOp, LessOp, LessOrEqualOp, AndOp, OrOp, WhereOp,
    MinOp, MaxOp, MeanOp, CastOp, CastLikeOp,
)
"""The ops of this section (Relu, Add, Mul and Sum are defined above)."""


@irdl_op_definition
class ConcatOp(IRDLOperation):
    name = "onnx.Concat"
    inputs = var_operand_def(TensorType)
    concat_result = result_def(TensorType)
    axis = prop_def(_INT)
    traits = traits_def(Pure())

    def verify_(self) -> None:
        if not self.inputs:
            raise VerifyException("onnx.Concat needs at least one operand")
        rank = _rank(self.concat_result, "Concat result")
        axis = self.axis.value.data
        if not -rank <= axis < rank:
            raise VerifyException(f"onnx.Concat: axis {axis} out of range for rank {rank}")
        _same_element_type(self)


@irdl_op_definition
class ReshapeOp(IRDLOperation):
    name = "onnx.Reshape"
    data = operand_def(TensorType)
    shape = operand_def(TensorType)
    reshaped = result_def(TensorType)
    allowzero = opt_prop_def(_INT)
    traits = traits_def(Pure())

    def verify_(self) -> None:
        _expect_rank(self.shape, "Reshape shape", 1, 1)
        _check_same_size(self, self.data, self.reshaped)


@irdl_op_definition
class FlattenOp(IRDLOperation):
    name = "onnx.Flatten"
    input = operand_def(TensorType)
    output = result_def(TensorType)
    axis = opt_prop_def(_INT)
    traits = traits_def(Pure())

    def verify_(self) -> None:
        _expect_rank(self.output, "Flatten result", 2, 2)
        _check_same_size(self, self.input, self.output)


@irdl_op_definition
class UnsqueezeOp(IRDLOperation):
    name = "onnx.Unsqueeze"
    data = operand_def(TensorType)
    axes = operand_def(TensorType)
    expanded = result_def(TensorType)
    traits = traits_def(Pure())

    def verify_(self) -> None:
        _check_same_size(self, self.data, self.expanded)


@irdl_op_definition
class TransposeOp(IRDLOperation):
    name = "onnx.Transpose"
    data = operand_def(TensorType)
    transposed = result_def(TensorType)
    perm = opt_prop_def(_INTS)
    traits = traits_def(Pure())

    def verify_(self) -> None:
        rank = _rank(self.data, "Transpose input")
        perm = attr_ints(self, "perm")
        if perm is not None and sorted(perm) != list(range(rank)):
            raise VerifyException(
                f"onnx.Transpose: perm {perm} is not a permutation of 0..{rank - 1}")


@irdl_op_definition
class SoftmaxOp(IRDLOperation):
    name = "onnx.Softmax"
    input = operand_def(TensorType)
    output = result_def(TensorType)
    axis = opt_prop_def(_INT)
    traits = traits_def(Pure())

    def verify_(self) -> None:
        if self.input.type != self.output.type:
            raise VerifyException("onnx.Softmax: result type must equal operand type")
        rank = _rank(self.input, "Softmax input")
        axis = attr_int(self, "axis", -1)
        if not -rank <= axis < max(rank, 1):
            raise VerifyException(f"onnx.Softmax: axis {axis} out of range for rank {rank}")


@irdl_op_definition
class LRNOp(IRDLOperation):
    name = "onnx.LRN"
    X = operand_def(TensorType)
    Y = result_def(TensorType)
    alpha = opt_prop_def(_FLOAT)
    beta = opt_prop_def(_FLOAT)
    bias = opt_prop_def(_FLOAT)
    size = prop_def(_INT)
    traits = traits_def(Pure())

    def verify_(self) -> None:
        _expect_rank(self.X, "LRN input X", 3)
        if self.X.type != self.Y.type:
            raise VerifyException("onnx.LRN: result type must equal operand type")


# ---- data movement ops (issue 4)
# Shapes, axes, pads, repeats, starts/ends/steps, scales and sizes are int64 (Resize's roi and
# scales float32) operand tensors as in the spec; rules read them as constants. Results have
# the static shapes shape inference gave them.


def _index_type(value: SSAValue, what: str) -> None:
    element = _tensor(value, what).element_type
    if element not in (i64, i32):
        raise VerifyException(f"{what} must be int64 or int32, got {element}")


def _keeps_element_type(op: Operation, data: SSAValue, *results: SSAValue) -> None:
    element = _tensor(data, "data").element_type
    for result in results:
        if _tensor(result, "result").element_type != element:
            raise VerifyException(f"{op.name}: result element type must be {element}")


@irdl_op_definition
class SplitOp(IRDLOperation):
    name = "onnx.Split"
    input = operand_def(TensorType)
    split = opt_operand_def(TensorType)
    outputs = var_result_def(TensorType)
    axis = opt_prop_def(_INT)
    num_outputs = opt_prop_def(_INT)
    traits = traits_def(Pure())

    def verify_(self) -> None:
        _keeps_element_type(self, self.input, *self.outputs)
        axis = attr_int(self, "axis", 0)
        rank = _rank(self.input, "Split input")
        if not -rank <= axis < rank:
            raise VerifyException(f"onnx.Split: axis {axis} out of range for rank {rank}")
        total = sum(shape_of(out)[axis] for out in self.outputs)
        if total != shape_of(self.input)[axis]:
            raise VerifyException(f"onnx.Split: outputs sum to {total} along axis {axis}, "
                                  f"not {shape_of(self.input)[axis]}")


@irdl_op_definition
class SliceOp(IRDLOperation):
    name = "onnx.Slice"
    data = operand_def(TensorType)
    starts = operand_def(TensorType)
    ends = operand_def(TensorType)
    axes = opt_operand_def(TensorType)
    steps = opt_operand_def(TensorType)
    output = result_def(TensorType)
    irdl_options = (AttrSizedOperandSegments(as_property=True),)
    traits = traits_def(Pure())

    def verify_(self) -> None:
        _keeps_element_type(self, self.data, self.output)
        for what in ("starts", "ends", "axes", "steps"):
            value = getattr(self, what)
            if value is not None:
                _index_type(value, f"Slice {what}")
        if _rank(self.output, "Slice output") != _rank(self.data, "Slice data"):
            raise VerifyException("onnx.Slice: result rank must equal data rank")


@irdl_op_definition
class SqueezeOp(IRDLOperation):
    name = "onnx.Squeeze"
    data = operand_def(TensorType)
    axes = opt_operand_def(TensorType)
    squeezed = result_def(TensorType)
    traits = traits_def(Pure())

    def verify_(self) -> None:
        _check_same_size(self, self.data, self.squeezed)


@irdl_op_definition
class ExpandOp(IRDLOperation):
    name = "onnx.Expand"
    input = operand_def(TensorType)
    shape = operand_def(TensorType)
    output = result_def(TensorType)
    traits = traits_def(Pure())

    def verify_(self) -> None:
        _keeps_element_type(self, self.input, self.output)
        x, y = shape_of(self.input), shape_of(self.output)
        if len(x) > len(y) or any(a not in (1, b) for a, b in zip(x[::-1], y[::-1])):
            raise VerifyException(f"onnx.Expand: {x} does not broadcast to {y}")


class _GatherBase(IRDLOperation):
    data = operand_def(TensorType)
    indices = operand_def(TensorType)
    output = result_def(TensorType)
    traits = traits_def(Pure())

    def verify_(self) -> None:
        _keeps_element_type(self, self.data, self.output)
        _index_type(self.indices, f"{self.name} indices")


@irdl_op_definition
class GatherOp(_GatherBase):
    name = "onnx.Gather"
    axis = opt_prop_def(_INT)

    def verify_(self) -> None:
        super().verify_()
        rank = _rank(self.data, "Gather data")
        axis = attr_int(self, "axis", 0)
        if not -rank <= axis < rank:
            raise VerifyException(f"onnx.Gather: axis {axis} out of range for rank {rank}")
        expected = rank - 1 + _rank(self.indices, "Gather indices")
        if _rank(self.output, "Gather output") != expected:
            raise VerifyException(f"onnx.Gather: result must have rank {expected}")


@irdl_op_definition
class GatherElementsOp(_GatherBase):
    name = "onnx.GatherElements"
    axis = opt_prop_def(_INT)

    def verify_(self) -> None:
        super().verify_()
        if shape_of(self.indices) != shape_of(self.output):
            raise VerifyException("onnx.GatherElements: result must have the shape of indices")
        if _rank(self.indices, "indices") != _rank(self.data, "data"):
            raise VerifyException("onnx.GatherElements: indices must have the rank of data")
        data, indices = shape_of(self.data), shape_of(self.indices)
        axis = attr_int(self, "axis", 0) % len(data) if data else 0
        if any(n > m for d, (n, m) in enumerate(zip(indices, data)) if d != axis):
            raise VerifyException(f"onnx.GatherElements: indices {indices} are larger than "
                                  f"data {data} off axis {axis}")


@irdl_op_definition
class GatherNDOp(_GatherBase):
    name = "onnx.GatherND"
    batch_dims = opt_prop_def(_INT)

    def verify_(self) -> None:
        super().verify_()
        _expect_rank(self.indices, "GatherND indices", 1)
        batch, rank = attr_int(self, "batch_dims", 0), _rank(self.data, "GatherND data")
        depth = shape_of(self.indices)[-1]
        if batch + depth > rank:
            raise VerifyException(f"onnx.GatherND: batch_dims {batch} + index depth {depth} "
                                  f"exceeds the data rank {rank}")


@irdl_op_definition
class ShapeOp(IRDLOperation):
    name = "onnx.Shape"
    data = operand_def(TensorType)
    shape = result_def(TensorType)
    start = opt_prop_def(_INT)
    end = opt_prop_def(_INT)
    traits = traits_def(Pure())

    def verify_(self) -> None:
        _expect_rank(self.shape, "Shape result", 1, 1)
        if _tensor(self.shape, "Shape result").element_type != i64:
            raise VerifyException("onnx.Shape: result must be int64")


@irdl_op_definition
class PadOp(IRDLOperation):
    name = "onnx.Pad"
    data = operand_def(TensorType)
    pads = operand_def(TensorType)
    constant_value = opt_operand_def(TensorType)
    axes = opt_operand_def(TensorType)
    output = result_def(TensorType)
    mode = opt_prop_def(_STR)
    irdl_options = (AttrSizedOperandSegments(as_property=True),)
    traits = traits_def(Pure())

    def verify_(self) -> None:
        _keeps_element_type(self, self.data, self.output)
        _index_type(self.pads, "Pad pads")
        if attr_str(self, "mode", "constant") not in ("constant", "reflect", "edge", "wrap"):
            raise VerifyException(f"onnx.Pad: unknown mode {attr_str(self, 'mode', '')!r}")


@irdl_op_definition
class ResizeOp(IRDLOperation):
    name = "onnx.Resize"
    X = operand_def(TensorType)
    roi = opt_operand_def(TensorType)
    scales = opt_operand_def(TensorType)
    sizes = opt_operand_def(TensorType)
    Y = result_def(TensorType)
    antialias = opt_prop_def(_INT)
    axes = opt_prop_def(_INTS)
    coordinate_transformation_mode = opt_prop_def(_STR)
    cubic_coeff_a = opt_prop_def(_FLOAT)
    exclude_outside = opt_prop_def(_INT)
    extrapolation_value = opt_prop_def(_FLOAT)
    keep_aspect_ratio_policy = opt_prop_def(_STR)
    mode = opt_prop_def(_STR)
    nearest_mode = opt_prop_def(_STR)
    irdl_options = (AttrSizedOperandSegments(as_property=True),)
    traits = traits_def(Pure())

    def verify_(self) -> None:
        _keeps_element_type(self, self.X, self.Y)
        if _rank(self.Y, "Resize result") != _rank(self.X, "Resize input"):
            raise VerifyException("onnx.Resize: result rank must equal input rank")
        if attr_str(self, "mode", "nearest") not in ("nearest", "linear", "cubic"):
            raise VerifyException(f"onnx.Resize: unknown mode {attr_str(self, 'mode', '')!r}")


@irdl_op_definition
class TileOp(IRDLOperation):
    name = "onnx.Tile"
    input = operand_def(TensorType)
    repeats = operand_def(TensorType)
    output = result_def(TensorType)
    traits = traits_def(Pure())

    def verify_(self) -> None:
        _keeps_element_type(self, self.input, self.output)
        if _rank(self.output, "Tile result") != _rank(self.input, "Tile input"):
            raise VerifyException("onnx.Tile: result rank must equal input rank")


@irdl_op_definition
class RangeOp(IRDLOperation):
    name = "onnx.Range"
    start = operand_def(TensorType)
    limit = operand_def(TensorType)
    delta = operand_def(TensorType)
    output = result_def(TensorType)
    traits = traits_def(Pure())

    def verify_(self) -> None:
        _keeps_element_type(self, self.start, self.limit, self.delta, self.output)
        _expect_rank(self.output, "Range result", 1, 1)


DATA_MOVEMENT_OPS = (
    SplitOp, SliceOp, SqueezeOp, ExpandOp, GatherOp, GatherElementsOp, GatherNDOp, ShapeOp,
    PadOp, ResizeOp, TileOp, RangeOp,
)


# ---- nn and reduction ops (issue 4)


@irdl_op_definition
class ConvTransposeOp(IRDLOperation):
    name = "onnx.ConvTranspose"
    X = operand_def(TensorType)
    W = operand_def(TensorType)
    B = opt_operand_def(TensorType)
    Y = result_def(TensorType)
    auto_pad = opt_prop_def(_STR)
    dilations = opt_prop_def(_INTS)
    group = opt_prop_def(_INT)
    kernel_shape = opt_prop_def(_INTS)
    output_padding = opt_prop_def(_INTS)
    output_shape = opt_prop_def(_INTS)
    pads = opt_prop_def(_INTS)
    strides = opt_prop_def(_INTS)
    traits = traits_def(Pure())

    def verify_(self) -> None:
        _expect_rank(self.X, "ConvTranspose input X", 3)
        if _rank(self.W, "ConvTranspose weight W") != _rank(self.X, "ConvTranspose input X"):
            raise VerifyException("ConvTranspose: W must have the rank of X")
        if shape_of(self.X)[1] != shape_of(self.W)[0]:
            raise VerifyException(
                f"ConvTranspose: X has {shape_of(self.X)[1]} channels, W {shape_of(self.W)[0]}")
        if self.B is not None:
            _expect_rank(self.B, "ConvTranspose bias B", 1, 1)


@irdl_op_definition
class GlobalMaxPoolOp(IRDLOperation):
    name = "onnx.GlobalMaxPool"
    X = operand_def(TensorType)
    Y = result_def(TensorType)
    traits = traits_def(Pure())

    def verify_(self) -> None:
        _expect_rank(self.X, "GlobalMaxPool input X", 3)


@irdl_op_definition
class InstanceNormalizationOp(IRDLOperation):
    name = "onnx.InstanceNormalization"
    input = operand_def(TensorType)
    scale = operand_def(TensorType)
    B = operand_def(TensorType)
    output = result_def(TensorType)
    epsilon = opt_prop_def(_FLOAT)
    traits = traits_def(Pure())

    def verify_(self) -> None:
        _expect_rank(self.input, "InstanceNormalization input", 3)
        channels = shape_of(self.input)[1]
        for what in ("scale", "B"):
            if shape_of(getattr(self, what)) != (channels,):
                raise VerifyException(
                    f"InstanceNormalization: {what} must have shape ({channels},)")


@irdl_op_definition
class LayerNormalizationOp(IRDLOperation):
    name = "onnx.LayerNormalization"
    X = operand_def(TensorType)
    Scale = operand_def(TensorType)
    B = opt_operand_def(TensorType)
    Y = result_def(TensorType)
    Mean = opt_result_def(TensorType)
    InvStdDev = opt_result_def(TensorType)
    axis = opt_prop_def(_INT)
    epsilon = opt_prop_def(_FLOAT)
    stash_type = opt_prop_def(_INT)
    irdl_options = (AttrSizedResultSegments(as_property=True),)
    traits = traits_def(Pure())

    def verify_(self) -> None:
        rank = _rank(self.X, "LayerNormalization input X")
        axis = attr_int(self, "axis", -1)
        if not -rank <= axis < rank:
            raise VerifyException(
                f"onnx.LayerNormalization: axis {axis} out of range for rank {rank}")
        normalized = shape_of(self.X)[axis % rank:]
        for what, value in (("scale", self.Scale), ("bias", self.B)):
            s = () if value is None else shape_of(value)
            if len(s) > len(normalized) or any(
                    a not in (1, b) for a, b in zip(s[::-1], normalized[::-1])):
                raise VerifyException(f"onnx.LayerNormalization: {what} {s} does not "
                                      f"broadcast to the normalized dims {normalized}")


@irdl_op_definition
class LogSoftmaxOp(IRDLOperation):
    name = "onnx.LogSoftmax"
    input = operand_def(TensorType)
    output = result_def(TensorType)
    axis = opt_prop_def(_INT)
    traits = traits_def(Pure())

    def verify_(self) -> None:
        if self.input.type != self.output.type:
            raise VerifyException("onnx.LogSoftmax: result type must equal operand type")
        rank = _rank(self.input, "LogSoftmax input")
        axis = attr_int(self, "axis", -1)
        if not -rank <= axis < max(rank, 1):
            raise VerifyException(f"onnx.LogSoftmax: axis {axis} out of range for rank {rank}")


@irdl_op_definition
class MatMulOp(IRDLOperation):
    name = "onnx.MatMul"
    A = operand_def(TensorType)
    B = operand_def(TensorType)
    Y = result_def(TensorType)
    traits = traits_def(Pure())

    def verify_(self) -> None:
        a, b = shape_of(self.A), shape_of(self.B)
        if not a or not b:
            raise VerifyException("onnx.MatMul: operands must have rank >= 1")
        k_a, k_b = a[-1], b[0] if len(b) == 1 else b[-2]
        if k_a != k_b:
            raise VerifyException(f"onnx.MatMul: inner dimensions differ ({k_a} vs {k_b})")
        _same_element_type(self)


class _ReduceBase(IRDLOperation):
    """ReduceX: `axes` an attribute (ReduceSum < 13, others < 18) or an optional operand."""

    data = operand_def(TensorType)
    axes_input = opt_operand_def(TensorType)
    reduced = result_def(TensorType)
    axes = opt_prop_def(_INTS)
    keepdims = opt_prop_def(_INT)
    noop_with_empty_axes = opt_prop_def(_INT)
    traits = traits_def(Pure())

    def verify_(self) -> None:
        if self.axes_input is not None:
            _expect_rank(self.axes_input, f"{self.name} axes", 1, 1)
        if _tensor(self.data, "data").element_type != _tensor(self.reduced, "result").element_type:
            raise VerifyException(f"{self.name}: result element type must equal the input's")


@irdl_op_definition
class ReduceMeanOp(_ReduceBase):
    name = "onnx.ReduceMean"


@irdl_op_definition
class ReduceSumOp(_ReduceBase):
    name = "onnx.ReduceSum"


@irdl_op_definition
class ReduceMaxOp(_ReduceBase):
    name = "onnx.ReduceMax"


@irdl_op_definition
class ReduceMinOp(_ReduceBase):
    name = "onnx.ReduceMin"


NN_OPS: tuple[type[IRDLOperation], ...] = (
    ConvTransposeOp, GlobalMaxPoolOp, InstanceNormalizationOp, LayerNormalizationOp,
    LogSoftmaxOp, MatMulOp, ReduceMeanOp, ReduceSumOp, ReduceMaxOp, ReduceMinOp,
)


def _check_same_size(op: Operation, source: SSAValue, result: SSAValue) -> None:
    a, b = _tensor(source, "operand"), _tensor(result, "result")
    if a.element_type != b.element_type:
        raise VerifyException(
            f"{op.name}: element type changes from {a.element_type} to {b.element_type}")
    if a.element_count() != b.element_count():
        raise VerifyException(
            f"{op.name}: {a} and {b} hold different numbers of elements"
        )


from tcompiler.dialects.onnx_control import CONTROL_OPS  # noqa: E402 - they import the helpers above
from tcompiler.dialects.onnx_detect import DETECT_OPS  # noqa: E402
from tcompiler.dialects.onnx_index import INDEX_OPS  # noqa: E402
from tcompiler.dialects.onnx_math import MATH_OPS  # noqa: E402
from tcompiler.dialects.onnx_quant import QUANT_OPS  # noqa: E402
from tcompiler.dialects.onnx_types import TYPE_OPS  # noqa: E402

ONNX_OPS: dict[str, type[IRDLOperation]] = {
    op.name.removeprefix("onnx."): op
    for op in (
        ConstantOp, ConstantOfShapeOp, IdentityOp, DropoutOp, ConvOp, BatchNormalizationOp,
        MaxPoolOp, AveragePoolOp, GlobalAveragePoolOp, GemmOp, ReluOp, AddOp, MulOp, SumOp,
        ConcatOp, ReshapeOp, FlattenOp, UnsqueezeOp, TransposeOp, SoftmaxOp, LRNOp,
        *NN_OPS,
        *ELEMENTWISE_OPS,
        *DATA_MOVEMENT_OPS,
        *MATH_OPS, *INDEX_OPS, *TYPE_OPS,
        *DETECT_OPS,
        *QUANT_OPS,
    )
}
"""ONNX op_type -> op class, for the importer."""

ONNX = Dialect("onnx", [InitializerOp, *ONNX_OPS.values(), *CONTROL_OPS], [])
