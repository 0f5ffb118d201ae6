"""pack-weights: the constant B of a gemm or matmul scheduled `pack_b` is packed at compile
time into the microkernel's column panels (`tcompiler/kernels/panels.py`).

For every call of such a kernel function whose B is a weight of the context's weight store (or
a view of one), a new weight "<B>.panels<NR>" [ceil(N/NR), K, NR] (NR = the schedule's
tile_vectors x lanes; stored once however many calls share it) replaces B, and the call goes to
a new kernel function whose op has `b_panel = NR` (and trans_b = 0: a gemm's transposed B is
packed as the [K, N] matrix it means): the same meaning, read panel by panel with unit stride.
A call whose B is computed at run time (or `tcc-opt` without `--weights`) keeps the kernel
function, whose schedule then says `pack_b = false` (`loops` for a transposed B). The module
must not be memory-planned yet; `dedup-kernels` after this pass merges equal packed kernels.

Before (weight "w" [64, 96], schedule tiled 8 x 3 x 16, pack_b):

    %w = kernel.weight "w" : memref<64x96xf32>
    func.call @gemm_0(%x, %w, %y) : (memref<32x64xf32>, memref<64x96xf32>,
                                     memref<32x96xf32>) -> ()

After:

    %p = kernel.weight "w.panels48" : memref<2x64x48xf32>
    func.call @gemm_1(%x, %p, %y) : (memref<32x64xf32>, memref<2x64x48xf32>, ...) -> ()
    func.func @gemm_1(...) attributes {tcc.kernel} {
      kernel.gemm %0, %1 -> %2 {..., b_panel = 48 : i64, schedule = {..., pack_b = true}} : ...
    }
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from xdsl.context import Context
from xdsl.dialects import func
from xdsl.dialects.builtin import IntegerAttr, MemRefType, ModuleOp, f32, i64
from xdsl.ir import BlockArgument, SSAValue
from xdsl.passes import ModulePass
from xdsl.rewriter import InsertPoint, Rewriter

from tcompiler import contracts, ir_names
from tcompiler.costmodel.schedules import GemmSchedule, schedule_of
from tcompiler.dialects import kernel
from tcompiler.kernels.conv_rewrite import fresh_name
from tcompiler.kernels.panels import pack_panels
from tcompiler.passes.outline_kernels import graph_function, kernel_kind, outline
from tcompiler.weights import WeightStore, weights_of

log = logging.getLogger(__name__)

Packable = kernel.GemmOp | kernel.MatMulOp


def constant_b(call: func.CallOp, op: Packable, store: WeightStore | None) -> tuple[
        str, np.ndarray] | None:
    """(weight name, values in B's shape) of the B a call passes, if it is a stored weight."""
    assert isinstance(op.B, BlockArgument)
    owner = call.arguments[op.B.index].owner
    while isinstance(owner, kernel.ViewOp):
        owner = owner.source.owner
    if store is None or not isinstance(owner, kernel.WeightOp) \
            or owner.weight_name.data not in store:
        return None
    name = owner.weight_name.data
    return name, store[name].reshape(kernel.shape(op.B))


def _drop_if_unused(value: SSAValue) -> None:
    owner = value.owner
    while isinstance(owner, kernel.WeightOp | kernel.ViewOp) and owner.results[0].first_use is None:
        source = owner.source if isinstance(owner, kernel.ViewOp) else None
        Rewriter.erase_op(owner)
        owner = source.owner if source is not None else None


@dataclass(frozen=True)
class PackWeightsPass(ModulePass):
    """Pack the constant B of gemms and matmuls scheduled `pack_b` (module docstring)."""

    name = "pack-weights"
    input_contract: ClassVar[contracts.Contract] = contracts.KERNELS

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        contracts.require(op, self.name, self.input_contract)
        main = graph_function(op)
        if main is None:
            return
        contracts.precondition(
            ir_names.MEMORY_PLAN not in main.attributes, self.name,
            "the module is already memory-planned: pack weights before plan-memory")
        calls: dict[str, list[func.CallOp]] = {}
        for call in main.body.block.ops:
            if isinstance(call, func.CallOp):
                calls.setdefault(call.callee.root_reference.data, []).append(call)
        taken = {f.sym_name.data for f in op.body.block.ops if isinstance(f, func.FuncOp)}
        made: dict[tuple[str, int], str] = {}
        store = weights_of(ctx)
        for fn in [f for f in op.body.block.ops if isinstance(f, func.FuncOp)
                   and ir_names.KERNEL in f.attributes]:
            target = next((o for o in fn.body.walk() if isinstance(o, Packable)), None)
            if target is None or target.b_panel is not None:
                continue
            schedule = schedule_of(target)
            if not isinstance(schedule, GemmSchedule) or not schedule.pack_b:
                continue
            sites = calls.get(fn.sym_name.data, [])
            kept = [c for c in sites if not _pack_call(op, c, target, schedule, store, made, taken)]
            if sites and not kept:
                Rewriter.erase_op(fn)
                continue
            log.info("%s: B is not a constant weight at %d call(s); its layout is kept",
                     fn.sym_name.data, len(kept))
            target.schedule = unpacked(target, schedule).to_attr()


def unpacked(op: Packable, schedule: GemmSchedule) -> GemmSchedule:
    """The schedule of `op` with B as given: `pack_b` off, or `loops` for a gemm whose B is
    transposed (the microkernel reads B along N only once packed)."""
    if isinstance(op, kernel.GemmOp) and op.trans_b.value.data:
        return GemmSchedule("loops")
    return dataclasses.replace(schedule, pack_b=False)


def _pack_call(module: ModuleOp, call: func.CallOp, op: Packable, schedule: GemmSchedule,
               store: WeightStore | None, made: dict[tuple[str, int], str],
               taken: set[str]) -> bool:
    """Send `call` to a new kernel function reading a packed B; False if B is not constant."""
    found = constant_b(call, op, store)
    if found is None:
        return False
    assert store is not None
    name, values = found
    transposed = isinstance(op, kernel.GemmOp) and op.trans_b.value.data
    nr = schedule.tile_vectors * schedule.lanes
    packed = pack_panels(values.T if transposed else values, nr)
    if (name, nr) not in made:
        made[name, nr] = store.add(f"{name}.panels{nr}", packed)
    weight = kernel.WeightOp(made[name, nr], MemRefType(f32, packed.shape))
    Rewriter.insert_op(weight, InsertPoint.before(call))
    new = op.clone()
    operands = [call.arguments[v.index] for v in op.operands if isinstance(v, BlockArgument)]
    old_b = operands[1]  # B: the second operand of gemm and matmul
    operands[1] = weight.results[0]
    new.operands = operands
    new.properties["b_panel"] = IntegerAttr(nr, i64)
    if transposed:
        new.properties["trans_b"] = IntegerAttr(0, i64)
    Rewriter.insert_op(new, InsertPoint.before(call))
    fn = outline(new, fresh_name(taken, kernel_kind(new)))
    kernel_fn = op.parent_op()
    assert isinstance(kernel_fn, func.FuncOp)
    for attr in (ir_names.SCHEDULE_SOURCE, ir_names.PREDICTED_US):
        if attr in kernel_fn.attributes:
            fn.attributes[attr] = kernel_fn.attributes[attr]
    module.body.block.add_op(fn)
    Rewriter.erase_op(call)
    _drop_if_unused(old_b)
    return True
