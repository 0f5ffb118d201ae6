"""`convert-memref-to-llvm`: every access through a memref becomes GEP addressing, and memref
values become `!llvm.ptr` (the kernel ABI: a bare pointer to the first element).

Input: functions without scf (`convert-scf-to-cf` ran) on static, identity-layout memrefs.
Element `[i0, ..., in]` of `memref<d0 x ... x dn x T>` is addressed with ONE typed GEP,

    llvm.getelementptr inbounds %p[%i0, ..., %in] : (...) -> !llvm.ptr, !llvm.array<d1 x ... x T>

never with ptrtoint/inttoptr, which stops LLVM's vectoriser. This pass retires the memref
type, so it lowers every op that addresses a memref:

- `memref.load` / `memref.store` -> GEP + `llvm.load` / `llvm.store`;
- `vector.load` / `vector.store` of a 1-D vector -> GEP + `llvm.load` / `llvm.store` with
  `alignment = 4` (numpy buffers and arena slices are only element-aligned; an unaligned
  vector access is as fast as an aligned one on current x86 when it does not cross a line);
- `memref.alloca` -> `llvm.alloca` of the element count at the start of the function's entry
  block, where LLVM's SROA/mem2reg expect it.

Shapes are read from the memref types before they change; then every memref value (function
arguments, allocas) and every `func.func` signature is retyped to `!llvm.ptr` in place. GEP
indices must be integers while the loop indices are still `index`: each index value gets one
`arith.index_cast` to i64, which `convert-arith-to-llvm` (index -> i64) folds away.

Before:

    func.func @k(%a: memref<4x8xf32>) {
      %c1 = arith.constant 1 : index
      %x = memref.load %a[%c1, %c1] : memref<4x8xf32>
      memref.store %x, %a[%c1, %c1] : memref<4x8xf32>
      func.return
    }

After:

    func.func @k(%a: !llvm.ptr) {
      %c1 = arith.constant 1 : index
      %0 = arith.index_cast %c1 : index to i64
      %1 = llvm.getelementptr inbounds %a[%0, %0]
          : (!llvm.ptr, i64, i64) -> !llvm.ptr, !llvm.array<8 x f32>
      %x = llvm.load %1 : !llvm.ptr -> f32
      %2 = llvm.getelementptr inbounds %a[%0, %0]
          : (!llvm.ptr, i64, i64) -> !llvm.ptr, !llvm.array<8 x f32>
      llvm.store %x, %2 : f32, !llvm.ptr
      func.return
    }
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from xdsl.context import Context
from xdsl.dialects import arith, func, llvm, memref, vector
from xdsl.dialects.builtin import (
    IndexType,
    IntegerAttr,
    MemRefType,
    ModuleOp,
    NoneAttr,
    VectorType,
    i64,
)
from xdsl.ir import Attribute, Block, BlockArgument, Operation, SSAValue
from xdsl.passes import ModulePass
from xdsl.rewriter import InsertPoint, Rewriter

from tcompiler import contracts
from tcompiler.codegen.llvm_rules import llvm_type, retype

NAME = "convert-memref-to-llvm"
VECTOR_ALIGNMENT = 4


def element_type(t: MemRefType) -> Attribute:
    return llvm_type(t.element_type)


def is_static_identity(t: MemRefType) -> bool:
    return all(d >= 0 for d in t.get_shape()) and isinstance(t.layout, NoneAttr)


def memref_type(value: SSAValue) -> MemRefType:
    t = value.type
    contracts.precondition(isinstance(t, MemRefType) and is_static_identity(t), NAME,
                           f"{t} is not a static, identity-layout memref")
    assert isinstance(t, MemRefType)
    return t


def vector_type(t: Attribute, op: Operation) -> VectorType:
    contracts.precondition(isinstance(t, VectorType) and t.get_num_dims() == 1, NAME,
                           f"{op.name} needs a 1-D vector, got {t}")
    assert isinstance(t, VectorType)
    return t


@dataclass
class Addressing:
    """GEPs for one function; each `index` value is cast to i64 once, right after its
    definition (the casts vanish when convert-arith-to-llvm makes index i64)."""

    casts: dict[SSAValue, SSAValue]

    def integer(self, value: SSAValue) -> SSAValue:
        if not isinstance(value.type, IndexType):
            return value
        if value not in self.casts:
            cast = arith.IndexCastOp(value, i64)
            where = (InsertPoint.at_start(value.block) if isinstance(value, BlockArgument)
                     else InsertPoint.after(value.owner))  # type: ignore[arg-type]
            Rewriter.insert_op(cast, where)
            self.casts[value] = cast.result
        return self.casts[value]

    def element(self, base: SSAValue, t: MemRefType, indices: tuple[SSAValue, ...]
                ) -> tuple[list[Operation], SSAValue]:
        """The GEP to `base[indices]`; rank 0 needs none."""
        if not indices:
            return [], base
        pointee: Attribute = element_type(t)
        for dim in reversed(t.get_shape()[1:]):
            pointee = llvm.LLVMArrayType(dim, pointee)
        offsets = [self.integer(i) for i in indices]
        gep = llvm.GEPOp.from_mixed_indices(base, offsets, pointee, inbounds=True)
        return [gep], gep.result


def lower_load(op: memref.LoadOp, at: Addressing) -> None:
    t = memref_type(op.memref)
    ops, address = at.element(op.memref, t, tuple(op.indices))
    load = llvm.LoadOp(address, element_type(t))
    Rewriter.replace_op(op, [*ops, load], [load.dereferenced_value])


def lower_store(op: memref.StoreOp, at: Addressing) -> None:
    t = memref_type(op.memref)
    ops, address = at.element(op.memref, t, tuple(op.indices))
    Rewriter.replace_op(op, [*ops, llvm.StoreOp(op.value, address)], [])


def lower_vector_load(op: vector.LoadOp, at: Addressing) -> None:
    t = memref_type(op.base)
    result = vector_type(op.result.type, op)
    ops, address = at.element(op.base, t, tuple(op.indices))
    load = llvm.LoadOp(address, result, alignment=VECTOR_ALIGNMENT)
    Rewriter.replace_op(op, [*ops, load], [load.dereferenced_value])


def lower_vector_store(op: vector.StoreOp, at: Addressing) -> None:
    t = memref_type(op.base)
    vector_type(op.vector.type, op)
    ops, address = at.element(op.base, t, tuple(op.indices))
    store = llvm.StoreOp(op.vector, address, alignment=VECTOR_ALIGNMENT)
    Rewriter.replace_op(op, [*ops, store], [])


def lower_alloca(op: memref.AllocaOp, entry: Block) -> None:
    t = memref_type(op.memref)
    count = llvm.ConstantOp(IntegerAttr(max(t.element_count(), 1), i64), i64)
    alignment = op.alignment.value.data if op.alignment is not None else 64
    alloca = llvm.AllocaOp(count.result, element_type(t), alignment=alignment)
    Rewriter.insert_op([count, alloca], InsertPoint.at_start(entry))
    # Keep the memref type until `retype`; the accesses read the shape from it.
    Rewriter.replace_op(op, [], [alloca.res])
    Rewriter.replace_value_with_new_type(alloca.res, t)


ACCESS_RULES = {
    memref.LoadOp: lower_load, memref.StoreOp: lower_store,
    vector.LoadOp: lower_vector_load, vector.StoreOp: lower_vector_store,
}


def lower_function(fn: func.FuncOp) -> None:
    """Allocas first (so the accesses see their types), then every access in walk order."""
    entry = fn.body.blocks.first
    if entry is None:
        return
    ops = list(fn.body.walk())
    for op in ops:
        if isinstance(op, memref.AllocaOp):
            lower_alloca(op, entry)
    addressing = Addressing({})
    for op in ops:
        rule = ACCESS_RULES.get(type(op))
        if rule is not None:
            rule(op, addressing)  # type: ignore[operator]


def pointer_type(t: Attribute) -> Attribute:
    return llvm.LLVMPointerType() if isinstance(t, MemRefType) else t


@dataclass(frozen=True)
class ConvertMemrefToLLVMPass(ModulePass):
    """Memref accesses to GEP + llvm.load/store, memref values to `!llvm.ptr`; see module doc."""

    name = NAME

    input_contract: ClassVar[contracts.Contract] = contracts.LOOPS_CF

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        contracts.require(op, self.name, self.input_contract)
        for fn in [f for f in op.ops if isinstance(f, func.FuncOp)]:
            lower_function(fn)
        retype(op, pointer_type)
