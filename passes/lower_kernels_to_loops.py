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

After (the two rows are independent units: the function takes the range [lo, hi) to run):

    func.func @relu_0(%x: memref<2x3xf32>, %y: memref<2x3xf32>, %lo: index, %hi: index)
        attributes {tcc.kernel, tcc.parallel = 2 : i64} {
      %c1 = arith.constant 1 : index
      %c3 = arith.constant 3 : index
      %c0 = arith.constant 0 : index
      scf.for %i = %lo to %hi step %c1 {
        scf.for %j = %c0 to %c3 step %c1 {
          %v = memref.load %x[%i, %j] : memref<2x3xf32>
          %zero = arith.constant 0.0 : f32
          %r = arith.maximumf %v, %zero : f32
          memref.store %r, %y[%i, %j] : memref<2x3xf32>
        }
      } {tcc.parallel = 2 : i64}
      func.return
    }

A kernel whose emitter splits into independent units (`LoopBuilder.parallel`) gains two
trailing `index` arguments, the unit range [lo, hi) a call runs, and `tcc.parallel = units`;
calls in the module pass the whole range (the runtime splits it among threads).

The emitters (loop orders, semantics) live in `tcompiler.codegen.loops`, one module per op
family. Input contract: kernel-level IR (`contracts.KERNELS`), each kernel compute op inside a
kernel function (`tcc.kernel`) whose arguments are its operands. The output is the `loops`
contract (`contracts.LOOPS`), the input of `lower-to-llvm`: scf loops of scalar arith/math
and 1-D `vector` ops (load/store/broadcast/fma/shuffle/insert: the register-tiled conv and
matrix-multiply microkernels), `memref.load/store` on the function's arguments, no allocation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from xdsl.context import Context
from xdsl.dialects import arith, func
from xdsl.dialects.builtin import IndexType, IntegerAttr, ModuleOp
from xdsl.ir import Operation
from xdsl.passes import ModulePass
from xdsl.rewriter import InsertPoint, Rewriter

from tcompiler import contracts, ir_names
from tcompiler.codegen.loops import EMITTERS, lower_kernel
from tcompiler.codegen.loops.builder import check_parallel
from tcompiler.costmodel.schedules import EXPANDED_ALGORITHMS, ScheduleError, schedule_of
from tcompiler.dialects import kernel

REWRITE_PASS = {"im2col": "conv-to-im2col", "im2win": "conv-to-im2win",
                "im2win_nhwc": "conv-to-im2win", "winograd2": "conv-to-winograd",
                "winograd4": "conv-to-winograd"}
"""The pass that rewrites a conv of each multi-kernel algorithm (`EXPANDED_ALGORITHMS`)."""


def in_kernel_function(op: Operation) -> bool:
    fn = op.parent_op()
    return isinstance(fn, func.FuncOp) and ir_names.KERNEL in fn.attributes


def whole_range_calls(module: ModuleOp, parallel: dict[str, int]) -> None:
    """Calls of the kernels that became parallel (`LoopBuilder.parallel`: two trailing unit
    range arguments) pass the whole range [0, units): the graph keeps its meaning, and the
    runtime, which splits the range, reads the steps before this stage."""
    for call in [o for o in module.walk() if isinstance(o, func.CallOp)]:
        units = parallel.get(call.callee.string_value())
        if units is None:
            continue
        bounds = [arith.ConstantOp(IntegerAttr(v, IndexType())) for v in (0, units)]
        Rewriter.insert_op(bounds, InsertPoint.before(call))
        new = func.CallOp(call.callee, [*call.arguments, *(c.result for c in bounds)],
                          [r.type for r in call.res])
        new.attributes.update(call.attributes)
        Rewriter.replace_op(call, new)


@dataclass(frozen=True)
class LowerKernelsToLoopsPass(ModulePass):
    name = "lower-kernels-to-loops"

    input_contract: ClassVar[contracts.Contract] = contracts.KERNELS

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        contracts.require(op, self.name, self.input_contract)
        kernels = [inner for inner in op.walk()
                   if isinstance(inner, kernel.KernelOp) and type(inner) in EMITTERS]
        for kernel_op in kernels:
            contracts.precondition(
                in_kernel_function(kernel_op), self.name,
                f"op {contracts.describe(kernel_op)} is not directly in a kernel function "
                f"(a func.func with {ir_names.KERNEL})")
            try:
                schedule = schedule_of(kernel_op)
            except ScheduleError as err:
                raise contracts.PassPreconditionError(
                    self.name, f"op {contracts.describe(kernel_op)} has an invalid schedule: "
                    f"{err}") from None
            algorithm = getattr(schedule, "algorithm", "")
            contracts.precondition(
                algorithm not in EXPANDED_ALGORITHMS, self.name,
                f"op {contracts.describe(kernel_op)} has algorithm {algorithm!r}: run "
                f"{REWRITE_PASS.get(algorithm)} first (the kernels stage does)")
            contracts.precondition(
                algorithm != "packed" or (isinstance(kernel_op, kernel.ConvOp)
                                          and kernel_op.packed), self.name,
                f"op {contracts.describe(kernel_op)} has algorithm 'packed' and an unpacked "
                "filter: run conv-to-packed first (the kernels stage does)")
            contracts.precondition(
                not (isinstance(kernel_op, kernel.GemmOp) and algorithm == "tiled"
                     and kernel_op.trans_b.value.data), self.name,
                f"op {contracts.describe(kernel_op)} is scheduled 'tiled' with trans_b = 1: run "
                "pack-weights first, which packs its B in panels (the kernels stage does)")
        parallel: dict[str, int] = {}
        for kernel_op in kernels:
            function = kernel_op.parent_op()
            lower_kernel(kernel_op)
            assert isinstance(function, func.FuncOp)
            check_parallel(function)
            units = function.attributes.get(ir_names.PARALLEL)
            if isinstance(units, IntegerAttr):
                parallel[function.sym_name.data] = units.value.data
        whole_range_calls(op, parallel)
