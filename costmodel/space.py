"""The schedule space of a kernel op: every legal schedule, with the validity rules in one place.

    space(op)            -> list[Schedule]   all legal schedules (heuristic first), deduplicated
    sample(op, rng, n)   -> list[Schedule]   n distinct random legal schedules (or all of them)

Each knob takes its values from a small menu (`CONV_MENU`, `GEMM_MENU`, `UNROLLS`); a
combination is in the space when `Schedule.check(op)` accepts it, so the rules live only in
`costmodel.schedules`. Menus are pruned per op before the product is taken (no blocks as large
as the reduction, no more output channels per tile than the group has), so spaces stay in
the hundreds to low thousands and are listed whole.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator

from xdsl.ir import Operation

from tcompiler.costmodel.schedules import (
    LANES,
    UNROLLS,
    ConvSchedule,
    GemmSchedule,
    LoopSchedule,
    Schedule,
    ScheduleError,
    heuristic,
    is_pointwise,
)
from tcompiler.dialects import kernel
from tcompiler.dialects.kernel import shape

TILE_CHANNELS = (1, 2, 3, 4, 5, 6, 7, 8)
TILE_VECTORS = (1, 2, 3, 4)
REDUCTION_BLOCKS = (0, 8, 16, 32, 64, 128, 256, 512)


def _legal(op: Operation, candidates: Iterator[Schedule]) -> Iterator[Schedule]:
    for schedule in candidates:
        try:
            schedule.check(op)
        except ScheduleError:
            continue
        yield schedule


def _blocks(extent: int) -> list[int]:
    return [b for b in REDUCTION_BLOCKS if b < extent]


def _conv(op: kernel.ConvOp) -> Iterator[Schedule]:
    yield ConvSchedule("direct")
    cout_g = shape(op.Y)[1] // op.group.value.data
    cin_g = shape(op.W)[1]
    channels = [c for c in TILE_CHANNELS if c <= max(cout_g, 1)]
    algorithms = ["pointwise", "tiled"] if is_pointwise(op) else ["tiled"]
    for algorithm, tc, tv, lanes, order, block in itertools.product(
            algorithms, channels, TILE_VECTORS, LANES, ("channels_rows", "rows_channels"),
            _blocks(cin_g)):
        yield ConvSchedule(algorithm, tc, tv, lanes, order, block)


def _gemm(op: kernel.GemmOp | kernel.MatMulOp) -> Iterator[Schedule]:
    yield GemmSchedule("loops")
    k = shape(op.A)[-1] if not (isinstance(op, kernel.GemmOp) and op.trans_a.value.data) \
        else shape(op.A)[0]
    for tc, tv, lanes, block in itertools.product(TILE_CHANNELS, TILE_VECTORS, LANES,
                                                  _blocks(k)):
        yield GemmSchedule("tiled", tc, tv, lanes, block)
    for tc, lanes in itertools.product(TILE_CHANNELS, LANES):
        yield GemmSchedule("dot", tc, 1, lanes, 0)


def _loops(op: Operation) -> Iterator[Schedule]:
    for unroll in UNROLLS:
        yield LoopSchedule(unroll)


def space(op: Operation) -> list[Schedule]:
    """Every legal schedule of `op`, the heuristic one first."""
    if isinstance(op, kernel.ConvOp):
        candidates = _conv(op)
    elif isinstance(op, kernel.GemmOp | kernel.MatMulOp):
        candidates = _gemm(op)
    else:
        candidates = _loops(op)
    first = heuristic(op)
    found: dict[Schedule, None] = {first: None}
    for schedule in _legal(op, candidates):
        found.setdefault(schedule, None)
    return list(found)


def sample(op: Operation, rng: random.Random, count: int) -> list[Schedule]:
    """`count` distinct legal schedules of `op` drawn uniformly (all of them if fewer)."""
    schedules = space(op)
    if count >= len(schedules):
        return schedules
    return rng.sample(schedules, count)
