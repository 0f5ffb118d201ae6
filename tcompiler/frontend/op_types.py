"""Which element types each op compiles with (checked per node once types are inferred).

Every element type of the dialect (`ELEMENT_TYPES`) is accepted by the ops whose kernels
are elementwise maps (`kernels/maps.py` computes every type, see `element_types.py`) or move
data without computing on it (`ANY_TYPE_OPS`); the reductions and softmaxes also take the
narrow types they compute on through a wider one (`WIDENED_OPS`); every other op
(convolutions, matmuls, pooling, normalizations, resize, ...) keeps to `CORE_TYPES`, the
types its kernels were written for, and a node of it on another type is declined with its
name.
"""

from __future__ import annotations

from collections import defaultdict

import onnx

from tcompiler.frontend.support import SUPPORTED_DTYPES, node_label

CORE_TYPES = frozenset({"float32", "int64", "int32", "bool"})
"""What every op accepts (where ONNX allows it)."""

ANY_TYPE_OPS = frozenset({
    # elementwise maps
    "Relu", "Add", "Sub", "Mul", "Div", "Sum", "Min", "Max", "Mean", "Neg", "Abs",
    "Reciprocal", "Not", "Sqrt", "Exp", "Log", "Tanh", "Erf", "Sigmoid", "LeakyRelu",
    "HardSigmoid", "HardSwish", "Gelu", "IsNaN", "PRelu", "Clip", "Pow", "Equal", "Greater",
    "GreaterOrEqual", "Less", "LessOrEqual", "And", "Or", "Where", "Cast", "CastLike",
    "Mod", "BitShift", "BitwiseAnd", "BitwiseOr", "BitwiseXor", "BitwiseNot", "Xor", "IsInf",
    "Round", "Floor", "Ceil", "BitCast",
    "Sin", "Cos", "Tan", "Asin", "Acos", "Atan", "Sinh", "Cosh", "Asinh", "Acosh", "Atanh",
    "Softplus", "Softsign", "Elu", "Selu", "Celu", "Mish", "ThresholdedRelu", "Shrink", "Sign",
    "Swish",
    # quantization (rules/quant.py checks its types)
    "QuantizeLinear", "DequantizeLinear", "MatMulInteger", "ConvInteger", "QLinearMatMul",
    "QLinearConv",
    # data movement
    "Identity", "Dropout", "Constant", "ConstantOfShape", "Shape", "Reshape", "Flatten",
    "Squeeze", "Unsqueeze", "Transpose", "Concat", "Split", "Slice", "Expand", "Tile", "Pad",
    "Gather", "GatherElements", "GatherND",
})


NARROW_TYPES = frozenset({"float16", "bfloat16", "int8", "int16", "uint8", "uint16", "uint32"})
"""Types kernels compute on through a wider one (`kernels/rules/widen.py`)."""

WIDENED_OPS: dict[str, frozenset[str]] = {
    **dict.fromkeys(("ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin"),
                    NARROW_TYPES | {"float64"}),
    **dict.fromkeys(("ReduceL1", "ReduceL2", "ReduceSumSquare", "ReduceLogSum",
                     "ReduceLogSumExp", "ReduceProd", "CumSum", "CumProd"), frozenset({"float64"})),
    **dict.fromkeys(("Softmax", "LogSoftmax", "MatMul"), frozenset({"float16", "bfloat16"})),
}
"""Ops that take some other types too: `NARROW_TYPES` through a wider one (ReduceMean: the
float ones), float64 where the kernel (`kernel.reduce`, `kernel.scan`) computes in it."""


def element_type_problems(proto: onnx.ModelProto, types: dict[str, onnx.TypeProto]
                          ) -> dict[str, list[str]]:
    """{problem: node labels} for nodes outside `ANY_TYPE_OPS` reading or writing a tensor
    of a type outside `CORE_TYPES`."""
    problems: dict[str, list[str]] = defaultdict(list)
    for index, node in enumerate(proto.graph.node):
        if node.op_type in ANY_TYPE_OPS:
            continue
        allowed = CORE_TYPES | WIDENED_OPS.get(node.op_type, frozenset())
        names = [n for n in (*node.input, *node.output) if n in types]
        dtypes = {SUPPORTED_DTYPES.get(types[n].tensor_type.elem_type) for n in names}
        for dtype in sorted(d for d in dtypes if d is not None and d not in allowed):
            problems[f"{node.op_type} on {dtype} (tcc computes it on "
                     f"{', '.join(sorted(CORE_TYPES))})"].append(node_label(node, index))
    return problems
