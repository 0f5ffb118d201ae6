"""`lower-kernels-to-loops`: every kernel-dialect compute op becomes explicit loops.

Before (a kernel function: the op's operands are the function's arguments):

    func.func @relu_0(%x: memref<2x3xf32>, %y: memref<2x3xf32>) attributes {tcc.kernel} {
      kernel.map %x -> %y : memref<2x3xf32> -> memref<2x3xf32> {
      ^bb0(%v: f32):
        %zero = arith.constant 0.0 : f32
        %r = arith.maximumf %v, %zero : f32
        kernel.yield %r : f32
      }
      func.return
    }

After:

    func.func @relu_0(%x: memref<2x3xf32>, %y: memref<2x3xf32>) attributes {tcc.kernel} {
      %c1 = arith.constant 1 : index
      %c3 = arith.constant 3 : index
      %c2 = arith.constant 2 : index
      %c0 = arith.constant 0 : index
      scf.for %i = %c0 to %c2 step %c1 {
        scf.for %j = %c0 to %c3 step %c1 {
          %v = memref.load %x[%i, %j] : memref<2x3xf32>
          %zero = arith.constant 0.0 : f32
          %r = arith.maximumf %v, %zero : f32
          memref.store %r, %y[%i, %j] : memref<2x3xf32>
        }
      }
      func.return
    }

The emitters (loop orders, semantics) live in `tcompiler.codegen.loops`, one module per op
family. The output uses only scf/arith/math/memref.load/store on the arguments: the input
contract of `lower-to-llvm`.
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.passes import ModulePass

from tcompiler.codegen.loops import EMITTERS, lower_kernel


@dataclass(frozen=True)
class LowerKernelsToLoopsPass(ModulePass):
    name = "lower-kernels-to-loops"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        kernels = [inner for inner in op.walk() if type(inner) in EMITTERS]
        for kernel_op in kernels:
            lower_kernel(kernel_op)
