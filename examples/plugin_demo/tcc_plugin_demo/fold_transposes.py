"""fold-transposes: fold consecutive onnx.Transpose ops into one, and drop identity ones.

`Transpose(Transpose(x, p), q)` reads `x` through the permutation `r[i] = p[q[i]]`: it becomes
one `Transpose(x, r)`, or `x` itself when `r` is the identity. A Transpose whose permutation
is the identity is removed. A missing `perm` means "reverse the axes", as in ONNX. The inner
Transpose is erased once nothing else uses it.

Before:

    %t = "onnx.Transpose"(%x) <{perm = array<i64: 0, 2, 3, 1>}>
        : (tensor<1x3x4x5xf32>) -> tensor<1x4x5x3xf32>
    %u = "onnx.Transpose"(%t) <{perm = array<i64: 0, 3, 1, 2>}>
        : (tensor<1x4x5x3xf32>) -> tensor<1x3x4x5xf32>
    %r = "onnx.Relu"(%u) : (tensor<1x3x4x5xf32>) -> tensor<1x3x4x5xf32>

After:

    %r = "onnx.Relu"(%x) : (tensor<1x3x4x5xf32>) -> tensor<1x3x4x5xf32>
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects.builtin import DenseArrayBase, ModuleOp, TensorType, i64
from xdsl.passes import ModulePass
from xdsl.pattern_rewriter import (
    GreedyRewritePatternApplier,
    PatternRewriter,
    PatternRewriteWalker,
    RewritePattern,
    op_type_rewrite_pattern,
)

from tcompiler.dialects.onnx import TransposeOp, attr_ints


def permutation(op: TransposeOp) -> list[int]:
    rank = len(op.data.type.get_shape()) if isinstance(op.data.type, TensorType) else 0
    return attr_ints(op, "perm") or list(reversed(range(rank)))


class RemoveIdentityTranspose(RewritePattern):
    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: TransposeOp, rewriter: PatternRewriter) -> None:
        perm = permutation(op)
        if perm != list(range(len(perm))) or op.data.type != op.transposed.type:
            return
        rewriter.replace(op, [], [op.data])


class FoldTransposeOfTranspose(RewritePattern):
    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: TransposeOp, rewriter: PatternRewriter) -> None:
        inner = op.data.owner
        if not isinstance(inner, TransposeOp):
            return
        p, q = permutation(inner), permutation(op)
        folded = [p[i] for i in q]
        if folded == list(range(len(folded))):
            rewriter.replace(op, [], [inner.data])
        else:
            new = TransposeOp.build(operands=[inner.data], result_types=[op.transposed.type],
                                    properties={"perm": DenseArrayBase.from_list(i64, folded)},
                                    attributes=dict(op.attributes))
            rewriter.replace(op, [new])
        if not inner.transposed.uses:
            rewriter.erase(inner)


@dataclass(frozen=True)
class FoldTransposesPass(ModulePass):
    """Fold consecutive onnx.Transpose ops into one; remove identity Transposes."""

    name = "fold-transposes"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        PatternRewriteWalker(GreedyRewritePatternApplier(
            [RemoveIdentityTranspose(), FoldTransposeOfTranspose()])).rewrite_module(op)
