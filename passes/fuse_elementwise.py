"""fuse-elementwise: inline a `kernel.map` into the `kernel.map` that alone reads its output.

A map P whose output is a `kernel.buffer` that exactly one other op reads, once, where that op
is a map C of the same output shape, is inlined into C: C reads P's inputs instead of the
buffer, and its body computes P's body in place of that scalar; P and the buffer disappear.
Maps are visited in program order, each absorbing its producers (already fused with theirs),
so a chain Add -> Mul -> Relu becomes one map.

Option `max-size` (default 24): a producer whose body, counted as an expression tree (each op
1 plus its operands' trees, block arguments 1), has `max-size` nodes or more is not inlined
(it would be recomputed in place of its scalar, and a value used twice counts twice).

The fused body lists each distinct input once, in first-use order, and computes each distinct
op once, in depth-first order from the yield (operands left to right; a constant its body
shares between ops right before its first user): the order `maps.build_map` gives the same
expression, so the fused map prints as if it had been built in one piece.

Input: each buffer written by one kernel op, none planned yet (before `plan-memory`);
else a precondition error.

Before:

    %a = kernel.buffer : memref<4xf32>
    kernel.map %x, %y -> %a : memref<4xf32>, memref<4xf32> -> memref<4xf32> {
    ^bb0(%p: f32, %q: f32):
      %s = arith.mulf %p, %q : f32
      kernel.yield %s : f32
    }
    kernel.map %a -> %out : memref<4xf32> -> memref<4xf32> {
    ^bb0(%p: f32):
      %zero = arith.constant 0.000000e+00 : f32
      %m = arith.maximumf %p, %zero : f32
      kernel.yield %m : f32
    }

After:

    kernel.map %x, %y -> %out : memref<4xf32>, memref<4xf32> -> memref<4xf32> {
    ^bb0(%p: f32, %q: f32):
      %s = arith.mulf %p, %q : f32
      %zero = arith.constant 0.000000e+00 : f32
      %m = arith.maximumf %s, %zero : f32
      kernel.yield %m : f32
    }
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from typing import ClassVar

from xdsl.context import Context
from xdsl.dialects import arith
from xdsl.dialects.builtin import MemRefType, ModuleOp
from xdsl.ir import Attribute, Block, BlockArgument, Operation, OpResult, Region, SSAValue
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


def tree_size(op: kernel.MapOp) -> int:
    """The number of nodes of the map's body unfolded into a tree from its yield (a value
    from outside the body counts 1, as an argument)."""
    block = op.body.block
    size: dict[SSAValue, int] = dict.fromkeys(block.args, 1)
    for body_op in block.ops:
        for result in body_op.results:
            size[result] = 1 + sum(size.get(v, 1) for v in body_op.operands)
    last = block.last_op
    assert isinstance(last, kernel.YieldOp)
    return size[last.value]


def _shared_constant(value: SSAValue) -> bool:
    return isinstance(value.owner, arith.ConstantOp) and len(list(value.uses)) > 1


def _element(value: SSAValue) -> Attribute:
    assert isinstance(value.type, MemRefType)
    return value.type.element_type


class _Inliner:
    """Builds the body of a consumer map with some producers' bodies inlined."""

    def __init__(self, consumer: kernel.MapOp, producers: dict[SSAValue, kernel.MapOp]):
        self.consumer = consumer
        self.producers = producers
        self.inputs: list[SSAValue] = []
        for value in consumer.inputs:
            for source in (producers[value].inputs if value in producers else [value]):
                if source not in self.inputs:
                    self.inputs.append(source)
        self.block = Block(arg_types=[_element(v) for v in self.inputs])
        self.arg_of = dict(zip(self.inputs, self.block.args))
        self.emitted: dict[SSAValue, SSAValue] = {}
        self.by_key: dict[Hashable, Operation] = {}

    def fused(self) -> kernel.MapOp:
        last = self.consumer.body.block.last_op
        assert isinstance(last, kernel.YieldOp)
        self.block.add_op(kernel.YieldOp(self.emit(last.value)))
        return kernel.MapOp(self.inputs, self.consumer.Y, Region(self.block))

    def emit(self, value: SSAValue) -> SSAValue:
        """`value` (of the consumer's or a producer's body) in the fused body."""
        if value in self.emitted:
            return self.emitted[value]
        if isinstance(value, BlockArgument):
            result = self._argument(value)
        else:
            assert isinstance(value, OpResult)
            result = self._clone(value.op).results[value.index]
        self.emitted[value] = result
        return result

    def _argument(self, arg: BlockArgument) -> SSAValue:
        body = arg.block.parent_op()
        assert isinstance(body, kernel.MapOp)
        memref = body.inputs[arg.index]
        producer = self.producers.get(memref) if body is self.consumer else None
        if producer is None:
            return self.arg_of[memref]
        last = producer.body.block.last_op
        assert isinstance(last, kernel.YieldOp)
        return self.emit(last.value)

    def _clone(self, op: Operation) -> Operation:
        """`op` on fused operands; an op equal to one already emitted is that one. Operands
        are emitted depth-first, left to right, except that a constant its body shares
        between ops comes right before its first user (the order `build_map` gives a
        composite node such as sigmoid's 1 / (1 + exp(-x)))."""
        for value in op.operands:
            if not _shared_constant(value):
                self.emit(value)
        operands = [self.emit(v) for v in op.operands]
        key = (op.name, tuple(operands), tuple(r.type for r in op.results),
               tuple(op.properties.items()), tuple(op.attributes.items()))
        if key not in self.by_key:
            new = type(op).create(operands=operands, result_types=[r.type for r in op.results],
                            properties=dict(op.properties), attributes=dict(op.attributes))
            self.block.add_op(new)
            self.by_key[key] = new
        return self.by_key[key]


@dataclass(frozen=True)
class _InlineProducers(RewritePattern):
    max_size: int

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: kernel.MapOp, rewriter: PatternRewriter) -> None:
        producers: dict[SSAValue, kernel.MapOp] = {}
        for value in op.inputs:
            producer = sole_writer(value, op)
            if (isinstance(producer, kernel.MapOp) and kernel.shape(value) == kernel.shape(op.Y)
                    and tree_size(producer) < self.max_size):
                producers[value] = producer
        if not producers:
            return
        rewriter.replace(op, _Inliner(op, producers).fused())
        for value, producer in producers.items():
            rewriter.erase(producer)
            assert isinstance(value.owner, Operation)
            rewriter.erase(value.owner)


@dataclass(frozen=True)
class FuseElementwisePass(ModulePass):
    name = "fuse-elementwise"
    input_contract: ClassVar[Contract] = contracts.KERNELS

    max_size: int = 24

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        contracts.require(op, self.name, self.input_contract)
        require_write_once(op, self.name)
        PatternRewriteWalker(_InlineProducers(self.max_size),
                             apply_recursively=False).rewrite_module(op)
