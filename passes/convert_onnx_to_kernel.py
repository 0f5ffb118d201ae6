"""convert-onnx-to-kernel: the `kernels` stage (see `tcompiler.kernels.convert`).

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
      func.call @gemm_0(%x, %w, %out) : (memref<1x4xf32>, memref<4x4xf32>, memref<1x4xf32>) -> ()
      func.return
    }
    func.func @gemm_0(%a: memref<1x4xf32>, %b: memref<4x4xf32>, %y: memref<1x4xf32>)
        attributes {tcc.kernel} {
      kernel.gemm %a, %b -> %y {activation = "relu", ...} : ...
      func.return
    }

Constants that must become buffers are added to the context's WeightStore (an empty store is
used when the context has none).
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.passes import ModulePass

from tcompiler.kernels.convert import GraphConverter
from tcompiler.weights import WeightStore, weights_of


@dataclass(frozen=True)
class ConvertOnnxToKernelPass(ModulePass):
    name = "convert-onnx-to-kernel"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        weights = weights_of(ctx)
        GraphConverter(op, weights if weights is not None else WeightStore()).run()
