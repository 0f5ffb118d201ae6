"""A plug-in with planted bugs, loaded with `--load-plugin tests/fuzzing/planted.py:UNIVERSE`.

- `drop-conv-bias`: every onnx.Conv with a bias loses it (a miscompile: valid IR, other
  outputs);
- `crash-on-gemm`: raises KeyError on any onnx.Gemm (a crash);
- `drop-return`: erases the terminator of every function (invalid IR);
- `spin`: never returns (a hang);
- `oob-store`: at the loops level, makes every memref/vector store write far out of bounds (the
  native code segfaults).
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects import arith, func, memref, vector
from xdsl.dialects.builtin import IndexType, IntegerAttr, ModuleOp
from xdsl.passes import ModulePass
from xdsl.rewriter import InsertPoint, Rewriter
from xdsl.universe import Universe

from tcompiler.dialects.onnx import ConvOp, GemmOp


@dataclass(frozen=True)
class DropConvBiasPass(ModulePass):
    name = "drop-conv-bias"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        for conv in [o for o in op.walk() if isinstance(o, ConvOp) and o.B is not None]:
            Rewriter.replace_op(conv, ConvOp.build(
                operands=[conv.X, conv.W, []], result_types=[conv.Y.type],
                properties=dict(conv.properties), attributes=dict(conv.attributes)))


@dataclass(frozen=True)
class CrashOnGemmPass(ModulePass):
    name = "crash-on-gemm"

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
class OobStorePass(ModulePass):
    name = "oob-store"

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
                                "oob-store": lambda: OobStorePass})
