"""`convert-vector-to-llvm`: 1-D `vector` value ops to the `llvm` dialect.

Input: no scf and no memref access left (`vector.load`/`vector.store` address memrefs, so
`convert-memref-to-llvm` lowers them); arith, math and llvm ops may be anywhere around.

- `vector.broadcast %s : T to vector<NxT>` -> `insertelement` into lane 0 + zero-mask
  `shufflevector`;
- `vector.shuffle` -> `llvm.shufflevector` (i32 mask);
- `vector.insert` of a scalar at a static lane -> `llvm.insertelement`;
- `vector.fma` -> `llvm.intr.fma` on vectors (no fastmath flags: xDSL's translator rejects them);
- `vector.reduction <add>` on floats -> `llvm.intr.vector.reduce.fadd` from 0 (or the acc).

Before:

    %v = vector.broadcast %s : f32 to vector<4xf32>
    %r = vector.fma %v, %v, %v : vector<4xf32>

After:

    %0 = llvm.mlir.undef : vector<4xf32>
    %1 = llvm.mlir.constant(0 : i32) : i32
    %2 = llvm.insertelement %s, %0[%1 : i32] : vector<4xf32>
    %v = llvm.shufflevector %2, %2 [0, 0, 0, 0] : vector<4xf32>
    %r = llvm.intr.fma(%v, %v, %v) : (vector<4xf32>, vector<4xf32>, vector<4xf32>) -> vector<4xf32>
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from xdsl.context import Context
from xdsl.dialects import llvm, vector
from xdsl.dialects.builtin import DenseArrayBase, FloatAttr, IntegerAttr, ModuleOp, VectorType, i32
from xdsl.ir import Attribute, Operation
from xdsl.passes import ModulePass

from tcompiler import contracts
from tcompiler.codegen.llvm_rules import Lowered, LowerEnv, Rule, apply_rules

NAME = "convert-vector-to-llvm"


def _vector_type(t: Attribute, op: Operation) -> VectorType:
    if not isinstance(t, VectorType) or t.get_num_dims() != 1:
        raise contracts.PassPreconditionError(NAME, f"{op.name} needs a 1-D vector, got {t}")
    return t


def broadcast(op: vector.BroadcastOp, env: LowerEnv) -> Lowered:
    t = _vector_type(op.vector.type, op)
    if isinstance(op.source.type, VectorType):
        raise contracts.PassPreconditionError(NAME, "vector.broadcast of a vector")
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
        raise contracts.PassPreconditionError(
            NAME, "vector.insert of a scalar at one static lane only")
    lane = llvm.ConstantOp(IntegerAttr(positions[0], i32), i32)
    new = llvm.InsertElementOp(op.dest, op.source, lane.result)
    return [lane, new], new.res


def fma(op: vector.FMAOp, env: LowerEnv) -> Lowered:
    new = llvm.FMAOp(op.lhs, op.rhs, op.acc)
    return [new], new.res


def reduction(op: vector.ReductionOp, env: LowerEnv) -> Lowered:
    if op.kind.data.value != "add":
        raise contracts.PassPreconditionError(
            NAME, f"vector.reduction <{op.kind.data.value}> (only <add>)")
    element = op.dest.type
    ops: list[Operation] = []
    start = op.acc
    if start is None:
        zero = llvm.ConstantOp(FloatAttr(0.0, element), element)  # type: ignore[arg-type]
        ops.append(zero)
        start = zero.result
    new = llvm.VectorReduceFAddOp(start, op.vector, llvm.FastMathAttr(env.fastmath))
    return [*ops, new], new.res


RULES: dict[type[Operation], Rule] = {
    vector.BroadcastOp: broadcast,
    vector.FMAOp: fma,
    vector.ShuffleOp: shuffle,
    vector.InsertOp: insert,
    vector.ReductionOp: reduction,
}


@dataclass(frozen=True)
class ConvertVectorToLLVMPass(ModulePass):
    """Every 1-D vector value op by rule; see module doc."""

    name = NAME

    input_contract: ClassVar[contracts.Contract] = contracts.contract(
        "no memref access, vector ops with a rule", contracts.LOOPS_PTR.dialects,
        {o for o in contracts.LOOPS_PTR.ops if not o.startswith("vector.")}
        | {op.name for op in RULES})

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        contracts.require(op, self.name, self.input_contract)
        apply_rules(op, RULES, LowerEnv.for_module(op))
