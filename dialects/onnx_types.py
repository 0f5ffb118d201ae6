"""Type-centric ONNX ops of the `onnx` dialect: integer remainder and bit operations, and the
float tests and roundings (registered in `onnx.ONNX_OPS` through `TYPE_OPS`).

Semantics (as the newest opset onnx knows; older versions are the same on what they allow):
- Mod: `fmod=0` (default) the remainder with the sign of the divisor (Python's %, numpy's
  mod; floats too since opset 28), `fmod=1` the C remainder with the sign of the dividend.
- BitShift: `direction` LEFT or RIGHT; an amount outside [0, bits) shifts every bit out (0,
  or the sign bits for a right shift of a signed type); right shifts of signed types are
  arithmetic (opset 28 allows signed types).
- BitwiseAnd/Or/Xor/Not on integers; Xor on bool.
- IsInf: `detect_positive`, `detect_negative` (default 1 each); result bool.
- Round (half to even), Floor, Ceil: floats, the result has the input's type.
- BitCast (opset 26): the bits of each element as type `to` of the same width (bool is a byte).
"""

from __future__ import annotations

from xdsl.dialects.builtin import TensorType, i1
from xdsl.irdl import (
    IRDLOperation,
    irdl_op_definition,
    operand_def,
    opt_prop_def,
    prop_def,
    result_def,
    traits_def,
)
from xdsl.traits import Pure
from xdsl.utils.exceptions import VerifyException

from tcompiler.dialects.onnx import (
    _INT,
    _STR,
    _BinaryBase,
    _LogicBase,
    _result_type,
    _same_element_type,
    _UnaryBase,
    attr_str,
)


@irdl_op_definition
class ModOp(_BinaryBase):
    name = "onnx.Mod"
    fmod = opt_prop_def(_INT)


@irdl_op_definition
class BitShiftOp(IRDLOperation):
    name = "onnx.BitShift"
    X = operand_def(TensorType)
    Y = operand_def(TensorType)
    Z = result_def(TensorType)
    direction = prop_def(_STR)
    traits = traits_def(Pure())

    def verify_(self) -> None:
        _same_element_type(self)
        if attr_str(self, "direction", "") not in ("LEFT", "RIGHT"):
            raise VerifyException("onnx.BitShift: direction must be 'LEFT' or 'RIGHT'")


@irdl_op_definition
class BitwiseAndOp(_BinaryBase):
    name = "onnx.BitwiseAnd"


@irdl_op_definition
class BitwiseOrOp(_BinaryBase):
    name = "onnx.BitwiseOr"


@irdl_op_definition
class BitwiseXorOp(_BinaryBase):
    name = "onnx.BitwiseXor"


@irdl_op_definition
class BitwiseNotOp(_UnaryBase):
    name = "onnx.BitwiseNot"


@irdl_op_definition
class XorOp(_LogicBase):
    name = "onnx.Xor"


@irdl_op_definition
class IsInfOp(IRDLOperation):
    name = "onnx.IsInf"
    X = operand_def(TensorType)
    Y = result_def(TensorType)
    traits = traits_def(Pure())
    detect_negative = opt_prop_def(_INT)
    detect_positive = opt_prop_def(_INT)

    def verify_(self) -> None:
        _result_type(self.Y, i1, self)


@irdl_op_definition
class RoundOp(_UnaryBase):
    name = "onnx.Round"


@irdl_op_definition
class FloorOp(_UnaryBase):
    name = "onnx.Floor"


@irdl_op_definition
class CeilOp(_UnaryBase):
    name = "onnx.Ceil"


@irdl_op_definition
class BitCastOp(IRDLOperation):
    name = "onnx.BitCast"
    input = operand_def(TensorType)
    output = result_def(TensorType)
    to = prop_def(_INT)
    traits = traits_def(Pure())


TYPE_OPS = (BitCastOp, ModOp, BitShiftOp, BitwiseAndOp, BitwiseOrOp, BitwiseXorOp,
            BitwiseNotOp, XorOp, IsInfOp, RoundOp, FloorOp, CeilOp)
"""The ops of this module, for `onnx.ONNX_OPS`."""
