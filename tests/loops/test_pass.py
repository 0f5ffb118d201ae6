"""The pass object: registered under its name, touches only kernel ops, leaves no kernel op."""

from __future__ import annotations

from xdsl.parser import Parser

from tcompiler.context import make_context
from tcompiler.passes import PASSES
from tcompiler.passes.lower_kernels_to_loops import LowerKernelsToLoopsPass

MODULE = """
func.func @relu_0(%x: memref<2x3xf32>, %y: memref<2x3xf32>) attributes {tcc.kernel} {
  kernel.map %x -> %y : memref<2x3xf32> -> memref<2x3xf32> {
  ^bb0(%v: f32):
    %zero = arith.constant 0.0 : f32
    %r = arith.maximumf %v, %zero : f32
    kernel.yield %r : f32
  }
  func.return
}
func.func @main(%x: memref<2x3xf32>, %out: memref<2x3xf32>) attributes {tcc.graph} {
  %t = kernel.buffer : memref<2x3xf32>
  func.call @relu_0(%x, %out) : (memref<2x3xf32>, memref<2x3xf32>) -> ()
  func.return
}
"""


def test_registered_under_its_name():
    assert PASSES["lower-kernels-to-loops"]() is LowerKernelsToLoopsPass
    assert LowerKernelsToLoopsPass.name == "lower-kernels-to-loops"


def test_lowers_kernel_ops_and_keeps_graph_ops():
    ctx = make_context()
    module = Parser(ctx, MODULE).parse_module()
    LowerKernelsToLoopsPass().apply(ctx, module)
    module.verify()
    names = [op.name for op in module.walk()]
    assert "kernel.map" not in names and "kernel.yield" not in names
    assert names.count("scf.for") == 2 and "kernel.buffer" in names and "func.call" in names

