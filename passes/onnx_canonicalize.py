"""onnx-canonicalize: graph cleanups on the `onnx` dialect.

- `onnx.Identity` and inference `onnx.Dropout` (mask unused, `training_mode` absent or a
  constant false, or `ratio` a constant 0) are replaced by their input;
- constant folding on small constants: ConstantOfShape of a constant shape, and
  Unsqueeze/Reshape/Flatten/Concat/Transpose/Add/Mul whose operands are all `onnx.Constant`,
  become an `onnx.Constant` when the result has at most `SMALL` elements, or, when the
  context has a `WeightStore`, a new weight read by `onnx.initializer`;
- with a store, Reshape/Flatten/Unsqueeze of a weight become a new, reshaped weight;
- unused pure ops are erased.

Input contract: the onnx dialect in func.func (`contracts.ONNX`).

Before:

    %s = "onnx.Constant"() <{value = dense<[2, 3]> : tensor<2xi64>}> : () -> tensor<2xi64>
    %z = "onnx.ConstantOfShape"(%s) : (tensor<2xi64>) -> tensor<2x3xf32>
    %i = "onnx.Identity"(%x) : (tensor<2x3xf32>) -> tensor<2x3xf32>
    %y = "onnx.Add"(%i, %z) : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>

After:

    %z = "onnx.Constant"() <{value = dense<0.000000e+00> : tensor<2x3xf32>}> : () -> tensor<2x3xf32>
    %y = "onnx.Add"(%x, %z) : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp, TensorType
from xdsl.ir import Operation, SSAValue
from xdsl.passes import ModulePass
from xdsl.pattern_rewriter import (
    GreedyRewritePatternApplier,
    PatternRewriter,
    PatternRewriteWalker,
    RewritePattern,
    op_type_rewrite_pattern,
)
from xdsl.transforms.dead_code_elimination import RemoveUnusedOperations

from tcompiler import contracts
from tcompiler.dialects.onnx import (
    NODE_NAME,
    AddOp,
    ConcatOp,
    ConstantOfShapeOp,
    ConstantOp,
    DropoutOp,
    FlattenOp,
    IdentityOp,
    InitializerOp,
    MulOp,
    ReshapeOp,
    TransposeOp,
    UnsqueezeOp,
    attr_ints,
    dense_attr,
    dense_value,
    dtype_of,
    node_name,
)
from tcompiler.weights import SMALL, WeightStore, weights_of


def _constant(value: SSAValue) -> np.ndarray | None:
    owner = value.owner
    return dense_value(owner.value) if isinstance(owner, ConstantOp) else None


def _materialize(
    op: Operation, array: np.ndarray, weights: WeightStore | None, rewriter: PatternRewriter
) -> None:
    """Replace single-result `op` by `array`: inline when small, else a new weight, else keep."""
    result = op.results[0]
    assert isinstance(result.type, TensorType)
    array = np.asarray(array, dtype=dtype_of(result.type.element_type))
    assert array.shape == tuple(result.type.get_shape()), (array.shape, result.type)
    if array.size <= SMALL:
        new: Operation = ConstantOp.build(properties={"value": dense_attr(array)},
                                          result_types=[result.type])
    elif weights is not None:
        new = InitializerOp(weights.add(result.name_hint or node_name(op), array), result.type)
    else:
        return
    if NODE_NAME in op.attributes:
        new.attributes[NODE_NAME] = op.attributes[NODE_NAME]
    rewriter.replace(op, new)


class RemoveIdentity(RewritePattern):
    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: IdentityOp, rewriter: PatternRewriter) -> None:
        rewriter.replace(op, [], [op.input])


class RemoveInferenceDropout(RewritePattern):
    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: DropoutOp, rewriter: PatternRewriter) -> None:
        if op.mask is not None and op.mask.first_use is not None:
            return
        if op.training_mode is not None and not _identity_in_training(op):
            mode = _constant(op.training_mode)
            if mode is None or mode.any():
                return
        rewriter.replace(op, [], [op.data] + ([None] if op.mask is not None else []))


def _identity_in_training(op: DropoutOp) -> bool:
    """A ratio that is a constant 0 drops nothing, even in training mode."""
    ratio = _constant(op.ratio) if op.ratio is not None else None
    return ratio is not None and not ratio.any()


@dataclass
class FoldConstantOfShape(RewritePattern):
    weights: WeightStore | None

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: ConstantOfShapeOp, rewriter: PatternRewriter) -> None:
        if _constant(op.input) is None:
            return
        fill = dense_value(op.value).ravel()[0] if op.value is not None else 0.0
        _materialize(op, np.full(tuple(op.output.type.get_shape()), fill), self.weights, rewriter)


@dataclass
class FoldReshapeLike(RewritePattern):
    """Unsqueeze/Reshape/Flatten of a constant, or of a weight when there is a store."""

    weights: WeightStore | None

    @op_type_rewrite_pattern
    def match_and_rewrite(
        self, op: UnsqueezeOp | ReshapeOp | FlattenOp, rewriter: PatternRewriter
    ) -> None:
        source, result_type = op.operands[0], op.results[0].type
        if not isinstance(result_type, TensorType):
            return
        data = _constant(source)
        if (data is None and self.weights is not None and isinstance(source.owner, InitializerOp)
                and source.owner.weight_name.data in self.weights):
            data = self.weights[source.owner.weight_name.data]
        if data is None:
            return
        _materialize(op, data.reshape(result_type.get_shape()), self.weights, rewriter)


@dataclass
class FoldConstantMath(RewritePattern):
    """Concat/Transpose/Add/Mul whose operands are all `onnx.Constant`."""

    weights: WeightStore | None

    @op_type_rewrite_pattern
    def match_and_rewrite(
        self, op: ConcatOp | TransposeOp | AddOp | MulOp, rewriter: PatternRewriter
    ) -> None:
        values = [_constant(v) for v in op.operands]
        if any(v is None for v in values):
            return
        _materialize(op, _evaluate(op, values), self.weights, rewriter)


def _evaluate(op: Operation, values: list) -> np.ndarray:
    if isinstance(op, ConcatOp):
        return np.concatenate(values, axis=op.axis.value.data)
    if isinstance(op, TransposeOp):
        return np.transpose(values[0], attr_ints(op, "perm"))
    if isinstance(op, AddOp):
        return values[0] + values[1]
    return values[0] * values[1]


@dataclass(frozen=True)
class OnnxCanonicalizePass(ModulePass):
    name = "onnx-canonicalize"

    input_contract: ClassVar[contracts.Contract] = contracts.ONNX

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        contracts.require(op, self.name, self.input_contract)
        weights = weights_of(ctx)
        patterns: list[RewritePattern] = [
            RemoveIdentity(), RemoveInferenceDropout(), FoldConstantOfShape(weights),
            FoldReshapeLike(weights), FoldConstantMath(weights), RemoveUnusedOperations(),
        ]
        PatternRewriteWalker(GreedyRewritePatternApplier(patterns)).rewrite_module(op)
