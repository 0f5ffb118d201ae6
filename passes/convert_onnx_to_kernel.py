"""convert-onnx-to-kernel: onnx ops on tensors -> kernel ops on buffers, one op at a time.

`@main` takes memrefs (its inputs, then one destination per output) and holds, for each onnx
op, the kernel op that computes it into a `kernel.buffer` (or straight into the output it is
returned as), a `kernel.view` (Reshape, Flatten, Unsqueeze, Squeeze) or nothing (Identity,
Dropout); weights and constants become `kernel.weight`. Elementwise ops are single-op
`kernel.map`s, splat constants inlined into their bodies. Nothing is fused or outlined here
(`fuse-conv-epilogue`, `fuse-elementwise`, `outline-kernels` and `dedup-kernels` follow in the
`kernels` stage; see `tcompiler.kernels.KERNELS_PIPELINE` and `tcompiler.kernels.convert`).

Before:

    func.func @main(%x: tensor<1x4xf32>) -> tensor<1x4xf32> {
      %w = onnx.initializer "w" : tensor<4x4xf32>
      %y = "onnx.Gemm"(%x, %w) : (tensor<1x4xf32>, tensor<4x4xf32>) -> tensor<1x4xf32>
      %r = "onnx.Relu"(%y) : (tensor<1x4xf32>) -> tensor<1x4xf32>
      func.return %r : tensor<1x4xf32>
    }

After:

    func.func @main(%x: memref<1x4xf32>, %out: memref<1x4xf32>) attributes {tcc.graph} {
      %w = kernel.weight "w" : memref<4x4xf32>
      %y = kernel.buffer : memref<1x4xf32>
      kernel.gemm %x, %w -> %y {trans_a = 0 : i64, ...} : ...
      kernel.map %y -> %out : memref<1x4xf32> -> memref<1x4xf32> {
      ^bb0(%v: f32):
        %zero = arith.constant 0.000000e+00 : f32
        %r = arith.maximumf %v, %zero : f32
        kernel.yield %r : f32
      }
      func.return
    }

Constants that must become buffers are added to the context's WeightStore (an empty store is
used when the context has none).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp, TensorType
from xdsl.passes import ModulePass

from tcompiler import contracts
from tcompiler.contracts import Contract
from tcompiler.kernels.convert import GraphConverter, find_main
from tcompiler.kernels.rules import RULES
from tcompiler.weights import WeightStore, weights_of


@dataclass(frozen=True)
class ConvertOnnxToKernelPass(ModulePass):
    name = "convert-onnx-to-kernel"
    input_contract: ClassVar[Contract] = contracts.ONNX

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        contracts.require(op, self.name, self.input_contract)
        main = find_main(op)
        contracts.precondition(main is not None, self.name, "the module has no func.func @main")
        assert main is not None
        types = [*main.function_type.inputs, *main.function_type.outputs]
        contracts.precondition(all(isinstance(t, TensorType) for t in types), self.name,
                               "@main must take and return tensors")
        weights = weights_of(ctx)
        GraphConverter(op, weights if weights is not None else WeightStore(), RULES).run()
