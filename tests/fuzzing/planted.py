"""A plug-in with planted bugs, loaded with `--load-plugin tests/fuzzing/planted.py:UNIVERSE`.

- `drop-conv-bias`: rewrites every onnx.Conv with a bias into one without (a miscompile: the
  IR stays valid, the outputs change);
- `crash-on-gemm`: raises KeyError on any onnx.Gemm (a crash);
- `break-relu`: gives every onnx.Relu a result type of another shape (invalid IR).
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp, TensorType
from xdsl.passes import ModulePass
from xdsl.rewriter import Rewriter
from xdsl.universe import Universe

from tcompiler.dialects.onnx import ConvOp, GemmOp, ReluOp


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
class BreakReluPass(ModulePass):
    name = "break-relu"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        for relu in [o for o in op.walk() if isinstance(o, ReluOp)]:
            ty = relu.results[0].type
            assert isinstance(ty, TensorType)
            relu.results[0].type = TensorType(ty.element_type, [*ty.get_shape(), 1])


UNIVERSE = Universe(all_passes={"drop-conv-bias": lambda: DropConvBiasPass,
                                "crash-on-gemm": lambda: CrashOnGemmPass,
                                "break-relu": lambda: BreakReluPass})
