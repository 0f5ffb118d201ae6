"""fold-batchnorm: fold an inference BatchNormalization, and per-channel Mul and Add, into
the Conv that feeds it.

With `s = scale / sqrt(var + epsilon)` per output channel, `BN(Conv(x, W, b))` equals
`Conv(x, W * s, (b - mean) * s + B)`. A Mul by a constant that is one value per output channel
(shape [C_out, 1, 1], [1, C_out, 1, 1], a scalar, ...: it broadcasts along every other dim)
folds the same way, `Conv(x, W, b) * s = Conv(x, W * s, b * s)`, and an Add of one
`Conv(x, W, b) + t = Conv(x, W, b + t)`: exporters write a BatchNormalization as Mul and Add
(Inception-v2's 69 convs are Conv, BatchNormalization, Mul, Add, Relu; unfolded, the Mul and
Add ran as a map over every conv output, 2.5 ms of its 37). Each applies when the Conv result
has no other use and every tensor involved is a known constant (`onnx.Constant`, or
`onnx.initializer` in the context's `WeightStore`). The math runs in float64, the results are
stored as float32 under fresh names (`WeightStore.add`); a bias of at most `SMALL` elements
stays inline. Without a store (plain `tcc-opt` with no `--weights`) the pass changes nothing.
Input contract: the onnx dialect in func.func (`contracts.ONNX`).

Before:

    %w = onnx.initializer "conv.w" : tensor<8x3x3x3xf32>
    %c = "onnx.Conv"(%x, %w) : (tensor<1x3x8x8xf32>, tensor<8x3x3x3xf32>) -> tensor<1x8x6x6xf32>
    %y = "onnx.BatchNormalization"(%c, %scale, %b, %mean, %var)
        : (tensor<1x8x6x6xf32>, tensor<8xf32>, ...) -> tensor<1x8x6x6xf32>

After:

    %w = onnx.initializer "conv.w_bn" : tensor<8x3x3x3xf32>
    %b = "onnx.Constant"() <{value = dense<[...]> : tensor<8xf32>}> : () -> tensor<8xf32>
    %y = "onnx.Conv"(%x, %w, %b) : (...) -> tensor<1x8x6x6xf32>
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp, TensorType, f32
from xdsl.ir import Operation, SSAValue
from xdsl.passes import ModulePass
from xdsl.pattern_rewriter import (
    GreedyRewritePatternApplier,
    PatternRewriter,
    PatternRewriteWalker,
    RewritePattern,
    op_type_rewrite_pattern,
)

from tcompiler import contracts
from tcompiler.dialects.onnx import (
    AddOp,
    BatchNormalizationOp,
    ConstantOp,
    ConvOp,
    InitializerOp,
    MulOp,
    attr_float,
    attr_int,
    dense_attr,
    dense_value,
)
from tcompiler.weights import SMALL, WeightStore, weights_of


@dataclass
class _FoldIntoConv(RewritePattern):
    """What the patterns share: constants' values, and the rewrite of a conv into one with a
    new filter and bias."""

    weights: WeightStore

    def value(self, value: SSAValue) -> np.ndarray | None:
        owner = value.owner
        if isinstance(owner, ConstantOp):
            return dense_value(owner.value)
        if isinstance(owner, InitializerOp) and owner.weight_name.data in self.weights:
            return self.weights[owner.weight_name.data]
        return None

    def operands(self, conv: ConvOp) -> tuple[np.ndarray, np.ndarray] | None:
        """The conv's filter and bias (zeros without one) as float64, when both are known."""
        if not isinstance(conv.W.type, TensorType):
            return None
        weight = self.value(conv.W)
        bias = self.value(conv.B) if conv.B is not None else np.zeros(conv.W.type.get_shape()[0])
        if weight is None or bias is None:
            return None
        return weight.astype(np.float64), np.asarray(bias, np.float64)

    def fold(self, conv: ConvOp, after: Operation, weight: np.ndarray | None, bias: np.ndarray,
             rewriter: PatternRewriter, suffix: str, inputs: list[SSAValue]) -> None:
        """Replace `after` (the op the conv feeds) by the conv with `weight` (None: its own)
        and `bias`; erase the conv and the constants nothing uses any more."""
        w_type = conv.W.type
        assert isinstance(w_type, TensorType)
        new_ops: list[Operation] = []
        w_value = conv.W
        if weight is not None:
            w_op = InitializerOp(
                self.weights.add(f"{_name(conv.W, 'conv_w')}_{suffix}", weight.astype(np.float32)),
                w_type)
            w_op.output.name_hint = conv.W.name_hint
            w_value = w_op.output
            new_ops.append(w_op)
        b_op = self._bias(bias.astype(np.float32), f"{_name(conv.B, 'conv_b')}_{suffix}")
        b_op.results[0].name_hint = (conv.B.name_hint if conv.B is not None else None) or "bias"
        folded = ConvOp.build(
            operands=[conv.X, w_value, [b_op.results[0]]], result_types=[after.results[0].type],
            properties=dict(conv.properties), attributes=dict(conv.attributes),
        )
        dead = [v.owner for v in inputs + ([conv.B] if conv.B is not None else [])]
        if weight is not None:
            dead.append(conv.W.owner)
        rewriter.replace(after, [*new_ops, b_op, folded])
        rewriter.erase(conv)
        for op in dict.fromkeys(dead):
            if isinstance(op, ConstantOp | InitializerOp) and op.results[0].first_use is None:
                rewriter.erase(op)

    def _bias(self, bias: np.ndarray, name: str) -> Operation:
        ty = TensorType(f32, bias.shape)
        if bias.size <= SMALL:
            return ConstantOp.build(properties={"value": dense_attr(bias)}, result_types=[ty])
        return InitializerOp(self.weights.add(name, bias), ty)

    def per_channel(self, value: SSAValue, conv: ConvOp) -> np.ndarray | None:
        """`value` as one float64 per output channel of `conv`, when it is a constant that
        broadcasts along every other dim of the conv's output (and not beyond it)."""
        found = self.value(value)
        out = conv.Y.type
        if found is None or not isinstance(out, TensorType) or found.dtype != np.float32:
            return None
        dims = out.get_shape()
        if found.ndim > len(dims):
            return None
        shape = (1,) * (len(dims) - found.ndim) + found.shape  # aligned right, as broadcast
        if any(d != 1 for i, d in enumerate(shape) if i != 1) or shape[1] not in (1, dims[1]):
            return None
        return np.broadcast_to(found.astype(np.float64).reshape(-1), (dims[1],)).copy()


class FoldBatchNormIntoConv(_FoldIntoConv):
    @op_type_rewrite_pattern
    def match_and_rewrite(self, bn: BatchNormalizationOp, rewriter: PatternRewriter) -> None:
        conv = bn.X.owner
        if not isinstance(conv, ConvOp) or not conv.Y.has_one_use():
            return
        if attr_int(bn, "training_mode", 0):
            return
        stats = [self.value(v) for v in (bn.scale, bn.B, bn.input_mean, bn.input_var)]
        found = self.operands(conv)
        if found is None or any(s is None for s in stats):
            return
        weight, bias = found
        scale, shift, mean, var = (np.asarray(s, np.float64) for s in stats)
        factor = scale / np.sqrt(var + attr_float(bn, "epsilon", 1e-5))
        self.fold(conv, bn, weight * factor.reshape((-1,) + (1,) * (weight.ndim - 1)),
                  (bias - mean) * factor + shift, rewriter, "bn",
                  [bn.scale, bn.B, bn.input_mean, bn.input_var])


def _conv_and_other(op: MulOp | AddOp) -> tuple[ConvOp, SSAValue] | None:
    for mine, other in ((op.A, op.B), (op.B, op.A)):
        if isinstance(mine.owner, ConvOp) and mine.has_one_use() and mine.type == op.C.type:
            return mine.owner, other
    return None


class FoldScaleIntoConv(_FoldIntoConv):
    @op_type_rewrite_pattern
    def match_and_rewrite(self, mul: MulOp, rewriter: PatternRewriter) -> None:
        found = _conv_and_other(mul)
        if found is None:
            return
        conv, other = found
        scale, operands = self.per_channel(other, conv), self.operands(conv)
        if scale is None or operands is None:
            return
        weight, bias = operands
        self.fold(conv, mul, weight * scale.reshape((-1,) + (1,) * (weight.ndim - 1)),
                  bias * scale, rewriter, "scaled", [other])


class FoldShiftIntoConv(_FoldIntoConv):
    @op_type_rewrite_pattern
    def match_and_rewrite(self, add: AddOp, rewriter: PatternRewriter) -> None:
        found = _conv_and_other(add)
        if found is None:
            return
        conv, other = found
        shift = self.per_channel(other, conv)
        bias = self.value(conv.B) if conv.B is not None else np.zeros(
            conv.Y.type.get_shape()[1])  # type: ignore[attr-defined]
        if shift is None or bias is None:
            return
        self.fold(conv, add, None, np.asarray(bias, np.float64) + shift, rewriter, "shifted",
                  [other])


def _name(value: SSAValue | None, default: str) -> str:
    if value is None:
        return default
    if isinstance(value.owner, InitializerOp):
        return value.owner.weight_name.data
    return value.name_hint or default


@dataclass(frozen=True)
class FoldBatchnormPass(ModulePass):
    name = "fold-batchnorm"

    input_contract: ClassVar[contracts.Contract] = contracts.ONNX

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        contracts.require(op, self.name, self.input_contract)
        weights = weights_of(ctx)
        if weights is None:
            return
        PatternRewriteWalker(GreedyRewritePatternApplier([
            FoldBatchNormIntoConv(weights), FoldScaleIntoConv(weights),
            FoldShiftIntoConv(weights)])).rewrite_module(op)
