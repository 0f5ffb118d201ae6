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


def test_planned_takeovers_stay_checkable_after_lowering():
    """`plan-memory` records its takeovers on the calls (`tcc.inplace`), so the plan of a
    lowered module (no kernel op left to ask) still validates. Found by `tcc fuzz`: the
    validator called a correct in-place plan an overlap once the kernels were loops."""
    from pathlib import Path

    from xdsl.dialects import func

    from tcompiler.memplan.graph import KernelGraph
    from tcompiler.memplan.plans import ArenaPlan
    from tcompiler.memplan.validate import validate_arena
    from tcompiler.passes import PASSES
    from tcompiler.passes.plan_memory import PlanMemoryPass

    text = (Path(__file__).parents[1] / "filecheck/passes/plan_memory.mlir").read_text()
    module = Parser(make_context(), text).parse_module()
    ctx = make_context()
    PlanMemoryPass(method="ilp", workers=1).apply(ctx, module)
    PASSES["lower-kernels-to-loops"]()().apply(ctx, module)
    main = next(op for op in module.ops if isinstance(op, func.FuncOp) and "tcc.graph" in op.attributes)
    graph, owners = KernelGraph.from_main(main)
    offsets = {t: o.offset.value.data for t, o in enumerate(owners)
               if o is not None and o.offset is not None}
    assert [op.inplace for op in graph.ops] == [(), (1,), (2,), ()]  # %a, %b (0 is %x)
    plan = ArenaPlan("ir", tuple(range(len(graph.ops))), offsets, 256, 0, inplace={1: 1, 2: 2})
    assert validate_arena(graph, plan) == []
