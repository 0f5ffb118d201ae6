"""ONNX index and layout ops of issue 14 (part of the `onnx` dialect; `onnx.py` lists them in
`ONNX_OPS` through `INDEX_OPS`): Trilu, TopK, OneHot, ScatterND, ScatterElements, Einsum,
DepthToSpace, SpaceToDepth.

Operands, results and attributes are named as in the ONNX spec. Index operands (TopK's K,
OneHot's indices may also be float) are int64 or int32; results have the static shapes shape
inference gave them.
"""

from __future__ import annotations

from xdsl.dialects.builtin import TensorType, i64
from xdsl.irdl import (
    IRDLOperation,
    irdl_op_definition,
    operand_def,
    opt_operand_def,
    opt_prop_def,
    prop_def,
    result_def,
    traits_def,
    var_operand_def,
)
from xdsl.traits import Pure
from xdsl.utils.exceptions import VerifyException

from tcompiler.dialects.onnx import (
    _INT,
    _STR,
    _expect_rank,
    _index_type,
    _keeps_element_type,
    _rank,
    _result_type,
    _same_element_type,
    attr_int,
    attr_str,
    shape_of,
)

REDUCTIONS = ("none", "add", "mul", "max", "min")
"""The `reduction` attribute values of ScatterND and ScatterElements."""


@irdl_op_definition
class TriluOp(IRDLOperation):
    name = "onnx.Trilu"
    input = operand_def(TensorType)
    k = opt_operand_def(TensorType)
    output = result_def(TensorType)
    upper = opt_prop_def(_INT)
    traits = traits_def(Pure())

    def verify_(self) -> None:
        _expect_rank(self.input, "Trilu input", 2)
        if self.input.type != self.output.type:
            raise VerifyException("onnx.Trilu: result type must equal operand type")
        if self.k is not None:
            _index_type(self.k, "Trilu k")


@irdl_op_definition
class TopKOp(IRDLOperation):
    name = "onnx.TopK"
    X = operand_def(TensorType)
    K = operand_def(TensorType)
    Values = result_def(TensorType)
    Indices = result_def(TensorType)
    axis = opt_prop_def(_INT)
    largest = opt_prop_def(_INT)
    sorted = opt_prop_def(_INT)
    traits = traits_def(Pure())

    def verify_(self) -> None:
        _keeps_element_type(self, self.X, self.Values)
        _result_type(self.Indices, i64, self)
        _index_type(self.K, "TopK K")
        rank, axis = _rank(self.X, "TopK X"), attr_int(self, "axis", -1)
        if not -rank <= axis < rank:
            raise VerifyException(f"onnx.TopK: axis {axis} out of range for rank {rank}")
        if shape_of(self.Values) != shape_of(self.Indices):
            raise VerifyException("onnx.TopK: Values and Indices must have one shape")


@irdl_op_definition
class OneHotOp(IRDLOperation):
    name = "onnx.OneHot"
    indices = operand_def(TensorType)
    depth = operand_def(TensorType)
    values = operand_def(TensorType)
    output = result_def(TensorType)
    axis = opt_prop_def(_INT)
    traits = traits_def(Pure())

    def verify_(self) -> None:
        _keeps_element_type(self, self.values, self.output)
        if _rank(self.output, "OneHot output") != _rank(self.indices, "OneHot indices") + 1:
            raise VerifyException("onnx.OneHot: the output must have one dim more than indices")


class _ScatterBase(IRDLOperation):
    data = operand_def(TensorType)
    indices = operand_def(TensorType)
    updates = operand_def(TensorType)
    output = result_def(TensorType)
    reduction = opt_prop_def(_STR)
    traits = traits_def(Pure())

    def verify_(self) -> None:
        _keeps_element_type(self, self.data, self.updates, self.output)
        _index_type(self.indices, f"{self.name} indices")
        if shape_of(self.output) != shape_of(self.data):
            raise VerifyException(f"{self.name}: result must have the shape of data")
        if attr_str(self, "reduction", "none") not in REDUCTIONS:
            raise VerifyException(f"{self.name}: reduction must be one of {REDUCTIONS}")


@irdl_op_definition
class ScatterNDOp(_ScatterBase):
    name = "onnx.ScatterND"

    def verify_(self) -> None:
        super().verify_()
        _expect_rank(self.indices, "ScatterND indices", 1)
        data, indices = shape_of(self.data), shape_of(self.indices)
        expected = indices[:-1] + data[indices[-1]:]
        if indices[-1] > len(data) or shape_of(self.updates) != expected:
            raise VerifyException(f"onnx.ScatterND: updates must have shape {expected}")


@irdl_op_definition
class ScatterElementsOp(_ScatterBase):
    name = "onnx.ScatterElements"
    axis = opt_prop_def(_INT)

    def verify_(self) -> None:
        super().verify_()
        rank, axis = _rank(self.data, "ScatterElements data"), attr_int(self, "axis", 0)
        if not -rank <= axis < rank:
            raise VerifyException(f"onnx.ScatterElements: axis {axis} out of range for rank "
                                  f"{rank}")
        if shape_of(self.indices) != shape_of(self.updates):
            raise VerifyException("onnx.ScatterElements: indices and updates need one shape")
        if _rank(self.indices, "indices") != rank:
            raise VerifyException("onnx.ScatterElements: indices must have the rank of data")


@irdl_op_definition
class EinsumOp(IRDLOperation):
    name = "onnx.Einsum"
    Inputs = var_operand_def(TensorType)
    Output = result_def(TensorType)
    equation = prop_def(_STR)
    traits = traits_def(Pure())

    def verify_(self) -> None:
        if not self.Inputs:
            raise VerifyException("onnx.Einsum needs at least one operand")
        _same_element_type(self)
        terms = self.equation.data.replace(" ", "").split("->")[0].split(",")
        if len(terms) != len(self.Inputs):
            raise VerifyException(f"onnx.Einsum: equation {self.equation.data!r} names "
                                  f"{len(terms)} operands, the node has {len(self.Inputs)}")


class _BlockLayoutBase(IRDLOperation):
    input = operand_def(TensorType)
    output = result_def(TensorType)
    blocksize = prop_def(_INT)
    mode = opt_prop_def(_STR)
    traits = traits_def(Pure())

    def verify_(self) -> None:
        _expect_rank(self.input, f"{self.name} input", 4, 4)
        _keeps_element_type(self, self.input, self.output)
        if self.blocksize.value.data < 1:
            raise VerifyException(f"{self.name}: blocksize must be positive")
        if attr_str(self, "mode", "DCR") not in ("DCR", "CRD"):
            raise VerifyException(f"{self.name}: mode must be DCR or CRD")


@irdl_op_definition
class DepthToSpaceOp(_BlockLayoutBase):
    name = "onnx.DepthToSpace"


@irdl_op_definition
class SpaceToDepthOp(_BlockLayoutBase):
    """`mode` (DCR or CRD) came with opset 28."""

    name = "onnx.SpaceToDepth"


INDEX_OPS: tuple[type[IRDLOperation], ...] = (
    TriluOp, TopKOp, OneHotOp, ScatterNDOp, ScatterElementsOp, EinsumOp, DepthToSpaceOp,
    SpaceToDepthOp,
)
"""The ops of this module, for `ONNX_OPS`."""
