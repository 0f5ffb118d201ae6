"""In-place legality is an interface of the kernel ops (`KernelOp.inplace_inputs`)."""

from xdsl.parser import Parser

from tcompiler.context import make_context
from tcompiler.dialects import kernel

IR = """
func.func @k(%x: memref<2x3xf32>, %b: memref<3xf32>, %i: memref<2x3xi64>, %y: memref<2x3xf32>,
             %w: memref<4x2x3x3xf32>, %img: memref<1x2x5x5xf32>, %r: memref<1x4x5x5xf32>,
             %o: memref<1x4x5x5xf32>, %flat: memref<6xf32>) {
  kernel.map %x, %b, %i -> %y : memref<2x3xf32>, memref<3xf32>, memref<2x3xi64> -> memref<2x3xf32> {
  ^bb0(%p: f32, %q: f32, %n: i64):
    %s = arith.addf %p, %q : f32
    kernel.yield %s : f32
  }
  kernel.conv %img, %w residual %r -> %o {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64} : memref<1x2x5x5xf32>, memref<4x2x3x3xf32> residual memref<1x4x5x5xf32> -> memref<1x4x5x5xf32>
  kernel.conv %img, %w -> %o {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64} : memref<1x2x5x5xf32>, memref<4x2x3x3xf32> -> memref<1x4x5x5xf32>
  kernel.copy %flat -> %y : memref<6xf32> -> memref<2x3xf32>
  kernel.softmax %x -> %y {axis = 1 : i64} : memref<2x3xf32> -> memref<2x3xf32>
  func.return
}
"""


def test_inplace_inputs_per_kernel():
    module = Parser(make_context(), IR).parse_module()
    module.verify()
    ops = [op for op in module.walk() if isinstance(op, kernel.KernelOp)]
    assert [op.inplace_inputs() for op in ops] == [
        (0,),  # map: only the input of Y's shape and type (not the broadcast bias, not i64)
        (2,),  # conv: the residual R (operands X, W, R, Y)
        (),  # conv without residual
        (0,),  # copy: flat order, same element type
        (),  # softmax uses Y as scratch
    ]
