"""fold-reshapes: fold consecutive onnx.Reshape ops into one, and drop no-op ones.

`Reshape(Reshape(x, s1), s2)` is `Reshape(x, s2)` whenever `s2` cannot copy a dimension from
its input, that is when `s2` is an `onnx.Constant` with no 0 entry (or `allowzero = 1`):
the outer result type is already known, so the inner shape does not matter. A Reshape whose
result type equals its input type is removed. The inner Reshape (and its shape constant) is
erased once nothing else uses it.

Before:

    %a = "onnx.Reshape"(%x, %s1) : (tensor<2x3x4xf32>, tensor<2xi64>) -> tensor<6x4xf32>
    %b = "onnx.Reshape"(%a, %s2) : (tensor<6x4xf32>, tensor<1xi64>) -> tensor<24xf32>

After:

    %b = "onnx.Reshape"(%x, %s2) : (tensor<2x3x4xf32>, tensor<1xi64>) -> tensor<24xf32>
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects.builtin import DenseIntOrFPElementsAttr, ModuleOp
from xdsl.passes import ModulePass
from xdsl.pattern_rewriter import (
    GreedyRewritePatternApplier,
    PatternRewriter,
    PatternRewriteWalker,
    RewritePattern,
    op_type_rewrite_pattern,
)

from tcompiler.dialects.onnx import ConstantOp, ReshapeOp, attr_int, dense_value


def copies_input_dims(op: ReshapeOp) -> bool:
    """True unless the shape operand is a constant that cannot copy input dimensions (0s)."""
    owner = op.shape.owner
    if not isinstance(owner, ConstantOp) or not isinstance(owner.value, DenseIntOrFPElementsAttr):
        return True
    return attr_int(op, "allowzero", 0) == 0 and bool((dense_value(owner.value) == 0).any())


class RemoveNoOpReshape(RewritePattern):
    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: ReshapeOp, rewriter: PatternRewriter) -> None:
        if op.data.type != op.reshaped.type:
            return
        rewriter.replace(op, [], [op.data])


class FoldReshapeOfReshape(RewritePattern):
    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: ReshapeOp, rewriter: PatternRewriter) -> None:
        inner = op.data.owner
        if not isinstance(inner, ReshapeOp) or copies_input_dims(op):
            return
        rewriter.replace(op, [ReshapeOp.build(
            operands=[inner.data, op.shape], result_types=[op.reshaped.type],
            properties=dict(op.properties), attributes=dict(op.attributes))])
        if inner.reshaped.uses:
            return
        shape = inner.shape.owner
        rewriter.erase(inner)
        if isinstance(shape, ConstantOp) and not shape.output.uses:
            rewriter.erase(shape)


@dataclass(frozen=True)
class FoldReshapesPass(ModulePass):
    """Fold consecutive onnx.Reshape ops into one; remove Reshapes that change nothing."""

    name = "fold-reshapes"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        PatternRewriteWalker(GreedyRewritePatternApplier(
            [RemoveNoOpReshape(), FoldReshapeOfReshape()])).rewrite_module(op)
