"""A loop-nest builder for the `loops` stage: emits scf/arith/math/memref ops before an anchor.

Index expressions are `Idx = int | SSAValue`. Python ints fold while building (`x + 0`,
`x * 1`, `x * 0`, `int op int`), so the static parts of an address cost no ops. A loop whose
trip count is statically 1 is not emitted (its body gets the lower bound as an int) and one
whose trip count is statically <= 0 emits nothing. Constants are hoisted to the start of the
function's entry block and shared.

Bodies are callbacks: `b.loop(lo, hi, lambda b, i: ...)` hands the body a builder that
appends inside the new `scf.for`; `b.reduce(lo, hi, init, body)` threads one `iter_args`
value and returns the loop's result.

Threads: `b.parallel(extent, body)` is the kernel's parallel loop. Its iterations (units) must
be independent: unit u writes outputs no other unit reads or writes. The first call gives the
function two trailing `index` arguments, the unit range [lo, hi) one call runs, and the
attribute `tcc.parallel = extent` (the object exports it as the i64 `<kernel>.units`); the
runtime splits [0, extent) among its threads. A kernel may have several parallel loops of the
same extent (unit u of each runs on the same thread, in order) and then no other loop at its
top level: everything it does must be inside them (`check_parallel` verifies it).

The builder's own helpers emit scf.for/yield, index and f32 arith, math and
memref.load/store; emitters add 1-D vector ops (load/store/broadcast/fma/shuffle/insert, the
register-tiled conv and matrix-multiply microkernels) through `insert`. All of it stays inside
`contracts.LOOPS`, the input contract of `lower-to-llvm`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from math import prod
from typing import cast

from xdsl.dialects import arith, func, memref, scf
from xdsl.dialects.builtin import (
    AnyFloat,
    FloatAttr,
    FunctionType,
    IndexType,
    IntegerAttr,
    IntegerType,
    f32,
    i64,
)
from xdsl.ir import Attribute, Block, Operation, SSAValue

from tcompiler import ir_names

Idx = int | SSAValue
LoopBody = Callable[["LoopBuilder", Idx], None]
ReduceBody = Callable[["LoopBuilder", Idx, SSAValue], SSAValue]
NestBody = Callable[["LoopBuilder", list[Idx]], None]
ReduceNestBody = Callable[["LoopBuilder", list[Idx], SSAValue], SSAValue]
ReduceManyBody = Callable[["LoopBuilder", list[Idx], list[SSAValue]], list[SSAValue]]


@dataclass
class _Constants:
    """Constants of one function, inserted at the top of its entry block."""

    block: Block
    cache: dict[tuple[float | int, Attribute], SSAValue] = field(default_factory=dict)

    def get(self, value: float | int, type_: Attribute) -> SSAValue:
        key = (value, type_)
        if key in self.cache:
            return self.cache[key]
        if isinstance(type_, IndexType | IntegerType):
            op = arith.ConstantOp(IntegerAttr(int(value), type_))
        else:
            op = arith.ConstantOp(FloatAttr(float(value), cast(AnyFloat, type_)))
        first = self.block.first_op
        if first is None:
            self.block.add_op(op)
        else:
            self.block.insert_op_before(op, first)
        self.cache[key] = op.result
        return op.result


class LoopBuilder:
    """Appends ops to `block` before `anchor` (or at its end when `anchor` is None)."""

    def __init__(self, block: Block, anchor: Operation | None, constants: _Constants):
        self.block, self.anchor, self.constants = block, anchor, constants

    @staticmethod
    def before(op: Operation) -> LoopBuilder:
        """A builder emitting just before `op`, which sits in a `func.func`."""
        function, block = op.parent_op(), op.parent_block()
        assert isinstance(function, func.FuncOp) and block is not None
        entry = function.body.blocks.first
        assert entry is not None
        return LoopBuilder(block, op, _Constants(entry))

    def insert(self, op: Operation) -> Operation:
        if self.anchor is None:
            self.block.add_op(op)
        else:
            self.block.insert_op_before(op, self.anchor)
        return op

    def _inner(self, block: Block) -> LoopBuilder:
        return LoopBuilder(block, None, self.constants)

    # ------------------------------------------------------------------ values

    def index(self, value: Idx) -> SSAValue:
        return self.constants.get(value, IndexType()) if isinstance(value, int) else value

    def f32(self, value: float) -> SSAValue:
        return self.constants.get(float(value), f32)

    # ------------------------------------------------------------------ index arithmetic

    def add(self, a: Idx, b: Idx) -> Idx:
        if isinstance(a, int) and isinstance(b, int):
            return a + b
        if a == 0:
            return b
        if b == 0:
            return a
        return self.insert(arith.AddiOp(self.index(a), self.index(b))).results[0]

    def sub(self, a: Idx, b: Idx) -> Idx:
        if isinstance(a, int) and isinstance(b, int):
            return a - b
        if b == 0:
            return a
        return self.insert(arith.SubiOp(self.index(a), self.index(b))).results[0]

    def mul(self, a: Idx, b: Idx) -> Idx:
        if isinstance(a, int) and isinstance(b, int):
            return a * b
        if a == 0 or b == 0:
            return 0
        if a == 1:
            return b
        if b == 1:
            return a
        return self.insert(arith.MuliOp(self.index(a), self.index(b))).results[0]

    def ceildiv(self, a: Idx, b: int) -> Idx:
        if isinstance(a, int):
            return -(-a // b)
        if b == 1:
            return a
        return self.insert(arith.CeilDivSIOp(a, self.index(b))).results[0]

    def floordiv(self, a: Idx, b: int) -> Idx:
        if isinstance(a, int):
            return a // b
        if b == 1:
            return a
        return self.insert(arith.FloorDivSIOp(a, self.index(b))).results[0]

    def rem(self, a: Idx, b: int) -> Idx:
        if isinstance(a, int):
            return a % b
        if b == 1:
            return 0
        return self.insert(arith.RemSIOp(a, self.index(b))).results[0]

    def min(self, a: Idx, b: Idx) -> Idx:
        if isinstance(a, int) and isinstance(b, int):
            return min(a, b)
        return self.insert(arith.MinSIOp(self.index(a), self.index(b))).results[0]

    def max(self, a: Idx, b: Idx) -> Idx:
        if isinstance(a, int) and isinstance(b, int):
            return max(a, b)
        return self.insert(arith.MaxSIOp(self.index(a), self.index(b))).results[0]

    # ------------------------------------------------------------------ f32 arithmetic

    def fop(self, op_type: Callable[[SSAValue, SSAValue], Operation], a: SSAValue,
            b: SSAValue) -> SSAValue:
        return self.insert(op_type(a, b)).results[0]

    def fadd(self, a: SSAValue, b: SSAValue) -> SSAValue:
        return self.fop(arith.AddfOp, a, b)

    def fmul(self, a: SSAValue, b: SSAValue) -> SSAValue:
        return self.fop(arith.MulfOp, a, b)

    def unary(self, op_type: type[Operation], a: SSAValue) -> SSAValue:
        return self.insert(op_type(a)).results[0]  # pyright: ignore[reportCallIssue]

    def scale(self, a: SSAValue, factor: float) -> SSAValue:
        """`a * factor`, or `a` itself when the factor is 1."""
        return a if factor == 1.0 else self.fmul(a, self.f32(factor))

    def to_f32(self, a: Idx) -> SSAValue:
        """An index as f32 (index_cast to i64, then sitofp)."""
        if isinstance(a, int):
            return self.f32(float(a))
        wide = self.insert(arith.IndexCastOp(a, i64)).results[0]
        return self.insert(arith.SIToFPOp(wide, f32)).results[0]

    def relu(self, a: SSAValue) -> SSAValue:
        return self.fop(arith.MaximumfOp, a, self.f32(0.0))

    # ------------------------------------------------------------------ memory

    def load(self, ref: SSAValue, indices: Sequence[Idx]) -> SSAValue:
        return self.insert(memref.LoadOp.get(ref, [self.index(i) for i in indices])).results[0]

    def store(self, value: SSAValue, ref: SSAValue, indices: Sequence[Idx]) -> None:
        self.insert(memref.StoreOp.get(value, ref, [self.index(i) for i in indices]))

    # ------------------------------------------------------------------ loops

    def loop(self, lo: Idx, hi: Idx, body: LoopBody, step: int = 1) -> None:
        """`for i in range(lo, hi, step): body(builder, i)`."""
        if isinstance(lo, int) and isinstance(hi, int):
            if hi <= lo:
                return
            if hi - lo <= step:
                body(self, lo)
                return
        block = Block(arg_types=[IndexType()])
        body(self._inner(block), block.args[0])
        block.add_op(scf.YieldOp())
        self.insert(scf.ForOp(self.index(lo), self.index(hi), self.index(step), [], block))

    def parallel(self, extent: int, body: LoopBody) -> None:
        """`for u in range(extent): body(builder, u)` with independent iterations that the
        runtime may split among threads (module doc). An extent of 1 is a plain loop."""
        if extent <= 1:
            self.loop(0, extent, body)
            return
        lo, hi = parallel_range(self.constants.block, extent)
        block = Block(arg_types=[IndexType()])
        body(self._inner(block), block.args[0])
        block.add_op(scf.YieldOp())
        loop = scf.ForOp(lo, hi, self.index(1), [], block)
        loop.attributes[ir_names.PARALLEL] = IntegerAttr(extent, i64)
        self.insert(loop)

    def delinearize(self, u: Idx, extents: Sequence[int]) -> list[Idx]:
        """Row-major indices into `extents` of the flat index `u` (0 <= u < prod(extents))."""
        out: list[Idx] = [0] * len(extents)
        for d in reversed(range(len(extents))):
            if extents[d] == 1:
                continue
            if prod(extents[:d]) == 1:
                out[d] = u
                break
            out[d] = self.rem(u, extents[d])
            u = self.floordiv(u, extents[d])
        return out

    def when_equal(self, a: Idx, value: int, then: Callable[[LoopBuilder], None],
                   otherwise: Callable[[LoopBuilder], None]) -> None:
        """`then(builder)` if a == value else `otherwise(builder)` (scf.if; folded for an int)."""
        self._branch("eq", a, value, then, otherwise)

    def when_less(self, a: Idx, value: int, then: Callable[[LoopBuilder], None],
                  otherwise: Callable[[LoopBuilder], None]) -> None:
        """`then(builder)` if a < value else `otherwise(builder)` (scf.if; folded for an int)."""
        self._branch("slt", a, value, then, otherwise)

    def _branch(self, predicate: str, a: Idx, value: int, then: Callable[[LoopBuilder], None],
                otherwise: Callable[[LoopBuilder], None]) -> None:
        if isinstance(a, int):
            (then if (a == value if predicate == "eq" else a < value) else otherwise)(self)
            return
        self.when(self.insert(arith.CmpiOp(a, self.index(value), predicate)).results[0],
                  then, otherwise)

    def when(self, cond: SSAValue, then: Callable[[LoopBuilder], None],
             otherwise: Callable[[LoopBuilder], None] | None = None) -> None:
        """`then(builder)` if the i1 `cond` else `otherwise(builder)` (scf.if)."""
        blocks = []
        for body in (then, otherwise or (lambda b: None)):
            block = Block()
            body(self._inner(block))
            block.add_op(scf.YieldOp())
            blocks.append(block)
        self.insert(scf.IfOp(cond, [], [blocks[0]], [blocks[1]]))

    def reduce(self, lo: Idx, hi: Idx, init: SSAValue, body: ReduceBody) -> SSAValue:
        """`acc = init; for i in range(lo, hi): acc = body(builder, i, acc)`; returns acc."""
        if isinstance(lo, int) and isinstance(hi, int):
            if hi <= lo:
                return init
            if hi - lo == 1:
                return body(self, lo, init)
        block = Block(arg_types=[IndexType(), init.type])
        result = body(self._inner(block), block.args[0], block.args[1])
        block.add_op(scf.YieldOp(result))
        loop = self.insert(scf.ForOp(self.index(lo), self.index(hi), self.index(1), [init], block))
        return loop.results[0]

    def reduce_many(self, ranges: Sequence[tuple[Idx, Idx]], inits: list[SSAValue],
                    body: ReduceManyBody) -> list[SSAValue]:
        """`accs = inits; for ivs in product(ranges): accs = body(builder, ivs, accs)`: scf.for
        nests threading several values (vector accumulators of a register tile)."""

        def level(b: LoopBuilder, depth: int, ivs: list[Idx], accs: list[SSAValue]
                  ) -> list[SSAValue]:
            if depth == len(ranges):
                return body(b, ivs, accs)
            lo, hi = ranges[depth]
            block = Block(arg_types=[IndexType(), *[a.type for a in accs]])
            results = level(b._inner(block), depth + 1, [*ivs, block.args[0]], list(block.args[1:]))
            block.add_op(scf.YieldOp(*results))
            loop = b.insert(scf.ForOp(b.index(lo), b.index(hi), b.index(1), accs, block))
            return list(loop.results)

        return level(self, 0, [], inits)

    def nest(self, bounds: Sequence[tuple[Idx, Idx]] | Sequence[int], body: NestBody,
             unroll: int = 1) -> None:
        """Nested loops, outermost first; `bounds` are (lo, hi) pairs or extents. The
        innermost loop, when its bounds are static, is unrolled `unroll` times (a loop of
        step `unroll` whose body runs `body` for i .. i + unroll - 1, then the remainder)."""
        ranges = [(0, b) if isinstance(b, int) else b for b in bounds]

        def level(b: LoopBuilder, depth: int, ivs: list[Idx]) -> None:
            if depth == len(ranges):
                body(b, ivs)
                return
            lo, hi = ranges[depth]
            if depth == len(ranges) - 1 and unroll > 1:
                b.unrolled(lo, hi, unroll, lambda b2, i: body(b2, [*ivs, i]))
                return
            b.loop(lo, hi, lambda b2, i: level(b2, depth + 1, [*ivs, i]))

        level(self, 0, [])

    def unrolled(self, lo: Idx, hi: Idx, factor: int, body: LoopBody) -> None:
        """`for i in range(lo, hi): body(builder, i)`, `factor` bodies per iteration."""
        if not (isinstance(lo, int) and isinstance(hi, int)) or hi - lo < factor:
            self.loop(lo, hi, body)
            return
        main = hi - (hi - lo) % factor

        def copies(b: LoopBuilder, i: Idx) -> None:
            for u in range(factor):
                body(b, b.add(i, u))

        self.loop(lo, main, copies, step=factor)
        self.loop(main, hi, body)

    def reduce_nest(self, ranges: Sequence[tuple[Idx, Idx]], init: SSAValue,
                    body: ReduceNestBody) -> SSAValue:
        """Nested `reduce` loops over `ranges` (outermost first) threading one value."""

        def level(b: LoopBuilder, depth: int, ivs: list[Idx], acc: SSAValue) -> SSAValue:
            if depth == len(ranges):
                return body(b, ivs, acc)
            lo, hi = ranges[depth]
            return b.reduce(lo, hi, acc, lambda b2, i, a: level(b2, depth + 1, [*ivs, i], a))

        return level(self, 0, [], init)


PARALLEL_UNITS = 16
"""`parallel_nest` makes its leading dims parallel up to at least this many units."""


def parallel_nest(b: LoopBuilder, bounds: Sequence[int], body: NestBody, unroll: int = 1
                  ) -> None:
    """`b.nest(bounds, body, unroll)` whose leading dims (the fewest giving `PARALLEL_UNITS`
    units, never the innermost) are one parallel loop: for a nest whose iterations are
    independent, as an elementwise kernel's are."""
    lead, units = 0, 1
    while lead < len(bounds) - 1 and units < PARALLEL_UNITS:
        units *= bounds[lead]
        lead += 1
    if units <= 1:
        b.nest(bounds, body, unroll=unroll)
        return

    def unit(b: LoopBuilder, u: Idx) -> None:
        outer = b.delinearize(u, bounds[:lead])
        b.nest(bounds[lead:], lambda b, ivs: body(b, [*outer, *ivs]), unroll=unroll)

    b.parallel(units, unit)


Block2 = Callable[["LoopBuilder", list[Idx], Idx, int, Idx, int], None]
"""(builder, outer indices, row start, rows, column start, columns): one block of a matrix."""


def parallel_blocks(b: LoopBuilder, outer: Sequence[int], m: int, n: int, rows: int,
                    cols: int, body: Block2) -> None:
    """A parallel loop over `outer` x the [m, n] matrix cut into blocks of rows x cols; the
    last block of each dim is smaller when it does not divide, and the body gets every block
    size as a static int (a branch per ragged dim picks the last block's size)."""
    counts = [-(-m // rows), -(-n // cols)]

    def unit(b: LoopBuilder, u: Idx) -> None:
        *idx, bi, bj = b.delinearize(u, [*outer, *counts])

        def with_cols(b: LoopBuilder, r: int) -> None:
            run = lambda c: lambda b: body(b, idx, b.mul(bi, rows), r, b.mul(bj, cols), c)  # noqa: E731
            if n % cols:
                b.when_equal(bj, counts[1] - 1, run(n % cols), run(cols))
            else:
                run(cols)(b)

        if m % rows:
            b.when_equal(bi, counts[0] - 1, lambda b: with_cols(b, m % rows),
                         lambda b: with_cols(b, rows))
        else:
            with_cols(b, rows)

    b.parallel(prod(outer) * counts[0] * counts[1], unit)


def block_sizes(m: int, n: int, mr: int, nr: int, outer: int = 1,
                units: int = 2 * PARALLEL_UNITS) -> tuple[int, int]:
    """Block sizes (multiples of mr rows and nr columns, or the whole dim) cutting an [m, n]
    matrix (`outer` times over) into about `units` blocks, halving the dim with more tiles."""
    rows, cols = m, n
    while outer * -(-m // rows) * -(-n // cols) < units:
        row_tiles, col_tiles = -(-rows // mr), -(-cols // nr)
        if col_tiles >= 2 and col_tiles >= row_tiles:
            cols = nr * -(-col_tiles // 2)
        elif row_tiles >= 2:
            rows = mr * -(-row_tiles // 2)
        else:
            break
    return rows, cols


def parallel_range(entry: Block, extent: int) -> tuple[SSAValue, SSAValue]:
    """The unit range arguments (lo, hi) of the function whose entry block is `entry`, added
    with the `tcc.parallel` attribute on first use."""
    function = entry.parent_op()
    assert isinstance(function, func.FuncOp)
    declared = function.attributes.get(ir_names.PARALLEL)
    if declared is None:
        for _ in range(2):
            entry.insert_arg(IndexType(), len(entry.args))
        signature = function.function_type
        function.function_type = FunctionType.from_lists(
            [*signature.inputs, IndexType(), IndexType()], list(signature.outputs))
        function.attributes[ir_names.PARALLEL] = IntegerAttr(extent, i64)
    else:
        assert isinstance(declared, IntegerAttr) and declared.value.data == extent, (
            f"parallel loops of extents {declared} and {extent} in one kernel")
    return entry.args[-2], entry.args[-1]


def check_parallel(function: func.FuncOp) -> None:
    """A kernel with parallel loops does all its work inside them: at its top level only the
    parallel loops, arith ops and loads. Raises AssertionError naming the first other op."""
    if ir_names.PARALLEL not in function.attributes:
        return
    for block in function.body.blocks:
        for op in block.ops:
            if isinstance(op, scf.ForOp) and ir_names.PARALLEL in op.attributes:
                continue
            pure = op.name.startswith("arith.") or isinstance(op, memref.LoadOp | func.ReturnOp)
            assert pure, f"@{function.sym_name.data}: {op.name} beside its parallel loops"


def broadcast_indices(ivs: Sequence[Idx], shape: Sequence[int]) -> list[Idx]:
    """Indices into a numpy-broadcast operand of `shape` for output indices `ivs`."""
    lead = len(ivs) - len(shape)
    return [0 if extent == 1 else ivs[lead + d] for d, extent in enumerate(shape)]
