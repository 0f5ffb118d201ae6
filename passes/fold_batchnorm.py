"""fold-batchnorm: fold an inference BatchNormalization into the Conv that feeds it.

With `s = scale / sqrt(var + epsilon)` per output channel, `BN(Conv(x, W, b))` equals
`Conv(x, W * s, (b - mean) * s + B)`. The pass applies when the Conv result has no other use
and every tensor involved is a known constant (`onnx.Constant`, or `onnx.initializer` in the
context's `WeightStore`). The math runs in float64, the results are stored as float32 under
fresh names (`WeightStore.add`); a bias of at most `SMALL` elements stays inline. Without a
store (plain `tcc-opt` with no `--weights`) the pass changes nothing. Input contract: the onnx
dialect in func.func (`contracts.ONNX`).

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
    PatternRewriter,
    PatternRewriteWalker,
    RewritePattern,
    op_type_rewrite_pattern,
)

from tcompiler import contracts
from tcompiler.dialects.onnx import (
    BatchNormalizationOp,
    ConstantOp,
    ConvOp,
    InitializerOp,
    attr_float,
    attr_int,
    dense_attr,
    dense_value,
)
from tcompiler.weights import SMALL, WeightStore, weights_of


@dataclass
class FoldBatchNormIntoConv(RewritePattern):
    weights: WeightStore

    def value(self, value: SSAValue) -> np.ndarray | None:
        owner = value.owner
        if isinstance(owner, ConstantOp):
            return dense_value(owner.value)
        if isinstance(owner, InitializerOp) and owner.weight_name.data in self.weights:
            return self.weights[owner.weight_name.data]
        return None

    @op_type_rewrite_pattern
    def match_and_rewrite(self, bn: BatchNormalizationOp, rewriter: PatternRewriter) -> None:
        conv = bn.X.owner
        if not isinstance(conv, ConvOp) or not conv.Y.has_one_use():
            return
        w_type = conv.W.type
        if not isinstance(w_type, TensorType):
            return
        if attr_int(bn, "training_mode", 0):
            return
        stats = [self.value(v) for v in (bn.scale, bn.B, bn.input_mean, bn.input_var)]
        weight = self.value(conv.W)
        bias = self.value(conv.B) if conv.B is not None else np.zeros(w_type.get_shape()[0])
        if weight is None or bias is None or any(s is None for s in stats):
            return
        scale, shift, mean, var = (np.asarray(s, np.float64) for s in stats)
        factor = scale / np.sqrt(var + attr_float(bn, "epsilon", 1e-5))
        new_weight = weight.astype(np.float64) * factor.reshape((-1,) + (1,) * (weight.ndim - 1))
        new_bias = (bias.astype(np.float64) - mean) * factor + shift
        w_op = InitializerOp(
            self.weights.add(f"{_name(conv.W, 'conv_w')}_bn", new_weight.astype(np.float32)),
            w_type,
        )
        b_op = self._bias(new_bias.astype(np.float32), _name(conv.B, "conv_b") + "_bn")
        w_op.output.name_hint = conv.W.name_hint
        b_op.results[0].name_hint = (conv.B.name_hint if conv.B is not None else None) or "bias"
        folded = ConvOp.build(
            operands=[conv.X, w_op.output, [b_op.results[0]]], result_types=[bn.Y.type],
            properties=dict(conv.properties), attributes=dict(conv.attributes),
        )
        inputs = [conv.W, bn.scale, bn.B, bn.input_mean, bn.input_var]
        dead = [v.owner for v in inputs + ([conv.B] if conv.B is not None else [])]
        rewriter.replace(bn, [w_op, b_op, folded])
        rewriter.erase(conv)
        for op in dict.fromkeys(dead):
            if isinstance(op, ConstantOp | InitializerOp) and op.results[0].first_use is None:
                rewriter.erase(op)

    def _bias(self, bias: np.ndarray, name: str) -> Operation:
        ty = TensorType(f32, bias.shape)
        if bias.size <= SMALL:
            return ConstantOp.build(properties={"value": dense_attr(bias)}, result_types=[ty])
        return InitializerOp(self.weights.add(name, bias), ty)


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
        PatternRewriteWalker(FoldBatchNormIntoConv(weights)).rewrite_module(op)
