"""Rules lowering `memref.load/store/alloca` on static identity-layout memrefs to the `llvm` dialect.

A memref value becomes a bare `!llvm.ptr` to its first element (the kernel ABI). Element
`[i0, i1, ..., in]` of `memref<d0 x d1 x ... x dn x T>` is addressed with ONE typed GEP,

    llvm.getelementptr inbounds %p[%i0, %i1, ..., %in] : (...) -> !llvm.ptr, !llvm.array<d1 x ... x T>

never with ptrtoint/inttoptr, which stops LLVM's vectoriser. `memref.alloca` (static shape)
becomes an `llvm.alloca` of the element count at the start of the function's entry block,
where LLVM's SROA/mem2reg expect it.

These rules run while memref types are still in place (they read shapes from operand types);
the caller converts value types afterwards.
"""

from __future__ import annotations

from xdsl.dialects import llvm, memref
from xdsl.dialects.builtin import (
    IndexType,
    IntegerAttr,
    MemRefType,
    NoneAttr,
    i64,
)
from xdsl.ir import Attribute, Block, Operation, SSAValue
from xdsl.rewriter import InsertPoint, Rewriter
from xdsl.utils.exceptions import DiagnosticException


def element_type(t: MemRefType) -> Attribute:
    elem = t.element_type
    return i64 if isinstance(elem, IndexType) else elem


def check_static_identity(t: Attribute, op: Operation) -> MemRefType:
    if not isinstance(t, MemRefType):
        raise DiagnosticException(f"lower-to-llvm: {op.name} on non-memref {t}")
    if any(d < 0 for d in t.get_shape()):
        raise DiagnosticException(f"lower-to-llvm: dynamic memref {t} is not supported")
    if not isinstance(t.layout, NoneAttr):
        raise DiagnosticException(f"lower-to-llvm: memref {t} has a non-identity layout")
    return t


def element_address(
    base: SSAValue, t: MemRefType, indices: tuple[SSAValue, ...]
) -> tuple[list[Operation], SSAValue]:
    """The GEP to `base[indices]`; rank 0 needs none."""
    if not indices:
        return [], base
    pointee: Attribute = element_type(t)
    for dim in reversed(t.get_shape()[1:]):
        pointee = llvm.LLVMArrayType(dim, pointee)
    gep = llvm.GEPOp.from_mixed_indices(base, list(indices), pointee, inbounds=True)
    return [gep], gep.result


def lower_load(op: memref.LoadOp) -> None:
    t = check_static_identity(op.memref.type, op)
    ops, address = element_address(op.memref, t, tuple(op.indices))
    load = llvm.LoadOp(address, element_type(t))
    Rewriter.replace_op(op, [*ops, load], [load.dereferenced_value])


def lower_store(op: memref.StoreOp) -> None:
    t = check_static_identity(op.memref.type, op)
    ops, address = element_address(op.memref, t, tuple(op.indices))
    Rewriter.replace_op(op, [*ops, llvm.StoreOp(op.value, address)], [])


def lower_alloca(op: memref.AllocaOp, entry: Block) -> None:
    t = check_static_identity(op.memref.type, op)
    count = llvm.ConstantOp(IntegerAttr(max(t.element_count(), 1), i64), i64)
    alignment = op.alignment.value.data if op.alignment is not None else 64
    alloca = llvm.AllocaOp(count.result, element_type(t), alignment=alignment)
    Rewriter.insert_op([count, alloca], InsertPoint.at_start(entry))
    # Keep the memref type until the caller converts types; users read the shape from it.
    Rewriter.replace_op(op, [], [alloca.res])
    Rewriter.replace_value_with_new_type(alloca.res, t)


def lower_memory_ops(region_ops: list[Operation], entry: Block) -> None:
    """Lowers the memref ops among `region_ops` (allocas first, so loads see their types)."""
    for op in region_ops:
        if isinstance(op, memref.AllocaOp):
            lower_alloca(op, entry)
    for op in region_ops:
        if isinstance(op, memref.LoadOp):
            lower_load(op)
        elif isinstance(op, memref.StoreOp):
            lower_store(op)
