"""fuse-conv-epilogue: fold a `kernel.map` that finishes a conv (or gemm) into that op.

A `kernel.map` that reads the output buffer of a `kernel.conv` (no residual, no activation
yet) and nothing else reads that buffer becomes part of the conv when the map is
- a residual add (`residual`): `Y = A + B` on two distinct inputs of Y's shape, one of them
  the conv's output: the other becomes the conv's `R` operand;
- a Relu (`activation`): `Y = max(X, 0.0)`: the conv's (or a `kernel.gemm`'s) activation
  `relu`;
- a constant Clip (`activation`): `Y = min(max(X, lo), hi)`: the conv's activation `clip` with
  `clip_min = lo`, `clip_max = hi` (ReLU6).
The conv then writes the map's output, in the map's place; its own buffer disappears. Maps
are visited in program order, so conv -> add -> relu folds both.

Options: `residual` (default true), `activation` (default true).

Input: each buffer written by one kernel op, none planned yet (before `plan-memory`);
else a precondition error.

Before:

    %c = kernel.buffer : memref<1x4x8x8xf32>
    kernel.conv %x, %w -> %c {...} : ...
    %a = kernel.buffer : memref<1x4x8x8xf32>
    kernel.map %c, %r -> %a : memref<1x4x8x8xf32>, memref<1x4x8x8xf32> -> memref<1x4x8x8xf32> {
    ^bb0(%p: f32, %q: f32):
      %s = arith.addf %p, %q : f32
      kernel.yield %s : f32
    }
    kernel.map %a -> %y : memref<1x4x8x8xf32> -> memref<1x4x8x8xf32> {
    ^bb0(%p: f32):
      %zero = arith.constant 0.000000e+00 : f32
      %m = arith.maximumf %p, %zero : f32
      kernel.yield %m : f32
    }

After:

    kernel.conv %x, %w residual %r -> %y {..., activation = "relu"} : ...
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, NamedTuple

from xdsl.context import Context
from xdsl.dialects import arith
from xdsl.dialects.builtin import FloatAttr, ModuleOp, StringAttr, f32
from xdsl.ir import Attribute, Block, Operation, SSAValue
from xdsl.passes import ModulePass
from xdsl.pattern_rewriter import (
    PatternRewriter,
    PatternRewriteWalker,
    RewritePattern,
    op_type_rewrite_pattern,
)

from tcompiler import contracts
from tcompiler.contracts import Contract
from tcompiler.dialects import kernel
from tcompiler.kernels.buffers import require_write_once, sole_writer


def _yielded(op: kernel.MapOp) -> Operation | None:
    """The body op whose result the map yields."""
    last = op.body.block.last_op
    if not isinstance(last, kernel.YieldOp) or not isinstance(last.value.owner, Operation):
        return None
    return last.value.owner


def _constant_operand(op: Operation | Block | None, kind: type[Operation], x: SSAValue
                      ) -> float | None:
    """c when `op` is `kind(x, c)` or `kind(c, x)` with c an f32 `arith.constant`."""
    if not isinstance(op, kind):
        return None
    lhs, rhs = op.operands
    other = rhs if lhs is x else lhs if rhs is x else None
    if other is None or not isinstance(other.owner, arith.ConstantOp):
        return None
    value = other.owner.value
    return value.value.data if isinstance(value, FloatAttr) and value.type == f32 else None


def _relu(op: kernel.MapOp) -> bool:
    """The map computes max(x, 0.0) of its one input."""
    if len(op.inputs) != 1:
        return False
    return _constant_operand(_yielded(op), arith.MaximumfOp, op.body.block.args[0]) == 0.0


def _clip(op: kernel.MapOp) -> tuple[float, float] | None:
    """(lo, hi) when the map computes min(max(x, lo), hi) of its one input."""
    high = _yielded(op)
    if len(op.inputs) != 1 or not isinstance(high, arith.MinimumfOp):
        return None
    for low in high.operands:
        lo = _constant_operand(low.owner, arith.MaximumfOp, op.body.block.args[0])
        hi = _constant_operand(high, arith.MinimumfOp, low)
        if lo is not None and hi is not None:
            return lo, hi
    return None


def _add(op: kernel.MapOp) -> bool:
    """The map computes A + B of its two inputs."""
    add = _yielded(op)
    return (len(op.inputs) == 2 and isinstance(add, arith.AddfOp)
            and set(add.operands) == set(op.body.block.args))


def _open(buffer: SSAValue, reader: kernel.MapOp, kinds: tuple[type[Operation], ...]
          ) -> kernel.ConvOp | kernel.GemmOp | None:
    """The op of `kinds` writing `buffer` for `reader` alone, with no activation yet, when
    `buffer` has the reader's output shape."""
    writer = sole_writer(buffer, reader)
    if not isinstance(writer, (kernel.ConvOp, kernel.GemmOp)) or not isinstance(writer, kinds):
        return None
    if writer.activation is not None and writer.activation.data != "none":
        return None
    if kernel.shape(buffer) != kernel.shape(reader.Y):
        return None
    return writer


class _Fold(NamedTuple):
    producer: kernel.ConvOp | kernel.GemmOp
    residual: SSAValue | None
    properties: dict[str, Attribute]


def _residual(op: kernel.MapOp) -> _Fold | None:
    """A conv's output plus a same-shaped buffer: the conv with residual R."""
    if not _add(op):
        return None
    a, b = op.inputs
    for this, other in ((a, b), (b, a)):
        conv = _open(this, op, (kernel.ConvOp,))
        if isinstance(conv, kernel.ConvOp) and conv.R is None \
                and kernel.shape(other) == kernel.shape(op.Y):
            return _Fold(conv, other, {})
    return None


def _activation(op: kernel.MapOp) -> _Fold | None:
    """Relu of a conv or gemm output, or a constant clip of a conv output."""
    if _relu(op):
        producer = _open(op.inputs[0], op, (kernel.ConvOp, kernel.GemmOp))
        return None if producer is None else _Fold(
            producer, None, {"activation": StringAttr("relu")})
    bounds = _clip(op)
    conv = _open(op.inputs[0], op, (kernel.ConvOp,)) if bounds is not None else None
    if conv is None or bounds is None:
        return None
    return _Fold(conv, None, {"clip_min": FloatAttr(bounds[0], f32),
                              "clip_max": FloatAttr(bounds[1], f32),
                              "activation": StringAttr("clip")})


def _rebuilt(fold: _Fold, output: SSAValue) -> Operation:
    """The producer writing `output`, with the fold's residual and properties added."""
    op = fold.producer
    properties = {k: v for k, v in op.properties.items() if k != "operandSegmentSizes"}
    properties.update(fold.properties)
    if isinstance(op, kernel.ConvOp):
        residual = fold.residual if fold.residual is not None else op.R
        operands = [op.X, op.W, op.B, residual, output]
    else:
        operands = [op.A, op.B, op.C, output]
    return type(op).build(operands=operands, properties=properties, attributes=op.attributes)


@dataclass(frozen=True)
class _FoldEpilogue(RewritePattern):
    residual: bool
    activation: bool

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: kernel.MapOp, rewriter: PatternRewriter) -> None:
        fold = _residual(op) if self.residual else None
        if fold is None and self.activation:
            fold = _activation(op)
        if fold is None:
            return
        buffer = fold.producer.operands[-1].owner
        assert isinstance(buffer, kernel.BufferOp)
        rewriter.replace(op, _rebuilt(fold, op.Y))
        rewriter.erase(fold.producer)
        rewriter.erase(buffer)


@dataclass(frozen=True)
class FuseConvEpiloguePass(ModulePass):
    name = "fuse-conv-epilogue"
    input_contract: ClassVar[Contract] = contracts.KERNELS

    residual: bool = True
    activation: bool = True

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        contracts.require(op, self.name, self.input_contract)
        require_write_once(op, self.name)
        PatternRewriteWalker(_FoldEpilogue(self.residual, self.activation),
                             apply_recursively=False).rewrite_module(op)
