"""Rules lowering 1-D `vector` ops to the `llvm` dialect (used by `lower-to-llvm`).

Memory (run while memref types are in place, like `lower_memory`):
- `vector.load %m[%i, ..., %j] : memref<...xT>, vector<NxT>` -> one GEP to element
  `[%i, ..., %j]` + `llvm.load` of `vector<NxT>` with `alignment = 4` (numpy buffers and
  arena slices are only element-aligned; an unaligned vector access is as fast as an aligned
  one on current x86 when it does not cross a cache line);
- `vector.store` likewise.

Values (same contract as `lower_scalar.RULES`):
- `vector.broadcast %s : T to vector<NxT>` -> `insertelement` into lane 0 + zero-mask
  `shufflevector`;
- `vector.shuffle` -> `llvm.shufflevector` (i32 mask);
- `vector.insert` of a scalar at a static lane -> `llvm.insertelement`;
- `vector.fma` -> `llvm.intr.fma` on vectors (no fastmath flags: xDSL's translator rejects them);
- `vector.reduction <add>` on floats -> `llvm.intr.vector.reduce.fadd` from 0 (or the acc).
"""

from __future__ import annotations

from xdsl.dialects import llvm, vector
from xdsl.dialects.builtin import (
    DenseArrayBase,
    FloatAttr,
    IntegerAttr,
    VectorType,
    i32,
    i64,
)
from xdsl.ir import Operation
from xdsl.rewriter import Rewriter
from xdsl.utils.exceptions import DiagnosticException

from tcompiler.codegen.lower_memory import check_static_identity, element_address
from tcompiler.codegen.lower_scalar import Lowered, LowerEnv

VECTOR_ALIGNMENT = 4


def _vector_type(t: object, op: Operation) -> VectorType:
    if not isinstance(t, VectorType) or t.get_num_dims() != 1:
        raise DiagnosticException(f"lower-to-llvm: {op.name} needs a 1-D vector, got {t}")
    return t


def lower_vector_load(op: vector.LoadOp) -> None:
    t = check_static_identity(op.base.type, op)
    result = _vector_type(op.result.type, op)
    ops, address = element_address(op.base, t, tuple(op.indices))
    load = llvm.LoadOp(address, result, alignment=VECTOR_ALIGNMENT)
    Rewriter.replace_op(op, [*ops, load], [load.dereferenced_value])


def lower_vector_store(op: vector.StoreOp) -> None:
    t = check_static_identity(op.base.type, op)
    _vector_type(op.vector.type, op)
    ops, address = element_address(op.base, t, tuple(op.indices))
    store = llvm.StoreOp(op.vector, address, alignment=VECTOR_ALIGNMENT)
    Rewriter.replace_op(op, [*ops, store], [])


def lower_vector_memory_ops(region_ops: list[Operation]) -> None:
    for op in region_ops:
        if isinstance(op, vector.LoadOp):
            lower_vector_load(op)
        elif isinstance(op, vector.StoreOp):
            lower_vector_store(op)


def broadcast(op: vector.BroadcastOp, env: LowerEnv) -> Lowered:
    t = _vector_type(op.vector.type, op)
    if isinstance(op.source.type, VectorType):
        raise DiagnosticException("lower-to-llvm: vector.broadcast of a vector")
    undef = llvm.UndefOp(t)
    zero = llvm.ConstantOp(IntegerAttr(0, i32), i32)
    insert = llvm.InsertElementOp(undef.res, op.source, zero.result)
    mask = DenseArrayBase.from_list(i32, [0] * t.get_shape()[0])
    shuffle = llvm.ShuffleVectorOp(insert.res, insert.res, mask, t)
    return [undef, zero, insert, shuffle], shuffle.res


def shuffle(op: vector.ShuffleOp, env: LowerEnv) -> Lowered:
    result = _vector_type(op.result.type, op)
    mask = DenseArrayBase.from_list(i32, [int(v) for v in op.mask.iter_values()])
    new = llvm.ShuffleVectorOp(op.v1, op.v2, mask, result)
    return [new], new.res


def insert(op: vector.InsertOp, env: LowerEnv) -> Lowered:
    _vector_type(op.result.type, op)
    positions = [int(p) for p in op.static_position.iter_values()]
    if op.dynamic_position or len(positions) != 1 or isinstance(op.source.type, VectorType):
        raise DiagnosticException("lower-to-llvm: vector.insert of a scalar at one static lane only")
    lane = llvm.ConstantOp(IntegerAttr(positions[0], i32), i32)
    new = llvm.InsertElementOp(op.dest, op.source, lane.result)
    return [lane, new], new.res


def fma(op: vector.FMAOp, env: LowerEnv) -> Lowered:
    new = llvm.FMAOp(op.lhs, op.rhs, op.acc)
    return [new], new.res


def reduction(op: vector.ReductionOp, env: LowerEnv) -> Lowered:
    if op.kind.data.value != "add":
        raise DiagnosticException(f"lower-to-llvm: vector.reduction <{op.kind.data.value}>")
    element = op.dest.type
    ops: list[Operation] = []
    start = op.acc
    if start is None:
        zero = llvm.ConstantOp(FloatAttr(0.0, element), element)  # type: ignore[arg-type]
        ops.append(zero)
        start = zero.result
    new = llvm.VectorReduceFAddOp(start, op.vector, llvm.FastMathAttr(env.fastmath))
    return [*ops, new], new.res


VECTOR_RULES = {
    vector.BroadcastOp: broadcast,
    vector.FMAOp: fma,
    vector.ShuffleOp: shuffle,
    vector.InsertOp: insert,
    vector.ReductionOp: reduction,
}

__all__ = ["VECTOR_RULES", "lower_vector_memory_ops", "i64"]
