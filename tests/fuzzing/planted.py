"""A plug-in with planted bugs, loaded with `--load-plugin tests/fuzzing/planted.py:UNIVERSE`.

The passes declare the stage they work at (`input_contract`), as a plug-in author's passes
should: the fuzzer's pass mutators then insert them where they apply.

- `drop-conv-bias`: every onnx.Conv with a bias loses it (a miscompile: valid IR, other
  outputs);
- `crash-on-gemm`: raises KeyError on any onnx.Gemm (a crash);
- `drop-return`: erases the terminator of every function (invalid IR);
- `spin`: never returns (a hang);
- `overlap-plan`: after `plan-memory`, moves every planned buffer to offset 0 (a memory-plan
  violation: live tensors overlap);
- `oob-store`: at the loops level, makes every memref/vector store write far out of bounds (the
  native code segfaults).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from xdsl.context import Context
from xdsl.dialects import arith, func, memref, vector
from xdsl.dialects.builtin import IndexType, IntegerAttr, ModuleOp
from xdsl.passes import ModulePass
from xdsl.rewriter import InsertPoint, Rewriter
from xdsl.universe import Universe

from tcompiler import contracts
from tcompiler.dialects.kernel import BufferOp
from tcompiler.dialects.onnx import ConvOp, GemmOp


@dataclass(frozen=True)
class DropConvBiasPass(ModulePass):
    name = "drop-conv-bias"
    input_contract: ClassVar[contracts.Contract] = contracts.ONNX

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        for conv in [o for o in op.walk() if isinstance(o, ConvOp) and o.B is not None]:
            Rewriter.replace_op(conv, ConvOp.build(
                operands=[conv.X, conv.W, []], result_types=[conv.Y.type],
                properties=dict(conv.properties), attributes=dict(conv.attributes)))


@dataclass(frozen=True)
class CrashOnGemmPass(ModulePass):
    name = "crash-on-gemm"
    input_contract: ClassVar[contracts.Contract] = contracts.ONNX

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        for gemm in op.walk():
            if isinstance(gemm, GemmOp):
                raise KeyError(gemm.name)


@dataclass(frozen=True)
class DropReturnPass(ModulePass):
    name = "drop-return"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        for ret in [o for o in op.walk() if isinstance(o, func.ReturnOp)]:
            ret.detach()
            ret.erase()


@dataclass(frozen=True)
class SpinPass(ModulePass):
    name = "spin"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        while True:
            pass


@dataclass(frozen=True)
class OverlapPlanPass(ModulePass):
    name = "overlap-plan"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        for buffer in op.walk():
            if isinstance(buffer, BufferOp) and buffer.offset is not None:
                buffer.offset = IntegerAttr(0, buffer.offset.type)


@dataclass(frozen=True)
class OobStorePass(ModulePass):
    name = "oob-store"
    input_contract: ClassVar[contracts.Contract] = contracts.LOOPS

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        for store in [o for o in op.walk() if isinstance(o, memref.StoreOp | vector.StoreOp)]:
            far = arith.ConstantOp(IntegerAttr(1 << 40, IndexType()))
            Rewriter.insert_op(far, InsertPoint.before(store))
            operands = list(store.operands)
            operands[2] = far.result  # (value, buffer, first index, ...)
            store.operands = operands


UNIVERSE = Universe(all_passes={"drop-conv-bias": lambda: DropConvBiasPass,
                                "crash-on-gemm": lambda: CrashOnGemmPass,
                                "drop-return": lambda: DropReturnPass,
                                "spin": lambda: SpinPass,
                                "overlap-plan": lambda: OverlapPlanPass,
                                "oob-store": lambda: OobStorePass})
