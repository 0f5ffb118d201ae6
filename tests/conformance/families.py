"""Op families of ONNX's node suite, as issue 14 groups them, for passed/total per family.

    family_of("test_attention_3d_expanded", cases)   # -> "transformers and LLMs"

A case belongs to the family of the op it tests: the ops of its graph, or for an `_expanded`
variant (an op's function body written out) the ops of the case it expands. The first family
(in `FAMILIES` order) holding one of those ops wins; "element types" also takes every other
case whose inputs or outputs have an element type besides float32, int64, int32 and bool
(`test_add_uint8`); the rest is "other".
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import onnx
from onnx import TensorProto
from onnx.backend.test.case.test_case import TestCase

OTHER = "other"
ELEMENT_TYPES = "element types"
CORE_TYPES = frozenset({TensorProto.FLOAT, TensorProto.INT64, TensorProto.INT32,
                        TensorProto.BOOL})
EXPANDED = re.compile(r"_expanded(_ver\d+)?$")

FAMILIES: dict[str, frozenset[str]] = {
    "losses": frozenset({"SoftmaxCrossEntropyLoss", "NegativeLogLikelihoodLoss"}),
    "control flow and recurrence": frozenset({"If", "Loop", "Scan", "LSTM", "GRU", "RNN"}),
    "quantized inference": frozenset({
        "QuantizeLinear", "DequantizeLinear", "DynamicQuantizeLinear", "QLinearConv",
        "QLinearMatMul", "MatMulInteger", "ConvInteger"}),
    "detection and segmentation": frozenset({
        "NonMaxSuppression", "RoiAlign", "GridSample", "AffineGrid", "NonZero", "Unique",
        "Compress"}),
    "transformers and LLMs": frozenset({
        "Attention", "RotaryEmbedding", "RMSNormalization", "GroupNormalization", "Trilu",
        "CumSum", "Mod", "Einsum", "TopK", "ArgMax", "ArgMin", "OneHot", "ScatterND",
        "ScatterElements", "Hardmax", "ReduceL1", "ReduceL2", "ReduceLogSum", "ReduceLogSumExp",
        "ReduceProd", "ReduceSumSquare", "Min", "Max", "Mean", "Sin", "Cos", "Tan", "Asin",
        "Acos", "Atan", "Sinh", "Cosh", "Asinh", "Acosh", "Atanh", "Elu", "Selu", "Celu",
        "Softplus", "Softsign", "HardSigmoid", "HardSwish", "Mish", "ThresholdedRelu", "Shrink",
        "Sign", "Gelu", "LpNormalization", "LpPool", "DepthToSpace", "SpaceToDepth",
        "CenterCropPad", "Col2Im"}),
    ELEMENT_TYPES: frozenset({
        "Cast", "CastLike", "BitShift", "BitwiseAnd", "BitwiseOr", "BitwiseXor", "BitwiseNot"}),
}
"""family -> the op types issue 14 lists under it (losses first: their expansions use Gather
and the reductions; element types last: every expansion casts)."""



def tested_ops(name: str, cases: Mapping[str, TestCase]) -> set[str]:
    """The op types case `name` tests: its graph's, or those of the case it expands."""
    case = cases.get(EXPANDED.sub("", name)) or cases[name]
    model = case.model
    assert isinstance(model, onnx.ModelProto)
    return {node.op_type for node in model.graph.node}


def family_of(name: str, cases: Mapping[str, TestCase]) -> str:
    ops = tested_ops(name, cases)
    family = next((family for family, members in FAMILIES.items() if ops & members), None)
    if family is not None:
        return family
    model = cases[name].model
    assert isinstance(model, onnx.ModelProto)
    values = (*model.graph.input, *model.graph.output)
    return OTHER if all(_types(v.type) <= CORE_TYPES for v in values) else ELEMENT_TYPES


def _types(ty: onnx.TypeProto) -> set[int]:
    """The element types of a tensor, or of the tensors of a sequence or optional."""
    kind = ty.WhichOneof("value")
    if kind == "tensor_type":
        return {ty.tensor_type.elem_type}
    if kind == "sequence_type":
        return _types(ty.sequence_type.elem_type)
    if kind == "optional_type":
        return _types(ty.optional_type.elem_type)
    return set()  # maps, sparse tensors
