"""The schedule space of a kernel op: every legal schedule, with the validity rules in one place.

    space(op)            -> list[Schedule]   all legal schedules (heuristic first), deduplicated
    sample(op, rng, n)   -> list[Schedule]   n distinct random legal schedules (or all of them)

Each knob takes its values from a small menu (`CONV_MENU`, `GEMM_MENU`, `UNROLLS`); a
combination is in the space when `Schedule.check(op)` accepts it, so the rules live only in
`costmodel.schedules`. Menus are pruned per op before the product is taken (no blocks as large
as the reduction, no more output channels per tile than the group has), so spaces stay in
the hundreds to low thousands and are listed whole. A 2-d conv's space also holds `packed`
(its filter re-laid out by a pass) and the algorithms that rewrite it into several kernels
(im2col, im2win, im2win_nhwc, Winograd), on a coarser menu (`REWRITE_BLOCKS`, lanes 8/16 or
the two widest that fit); `space(op, "winograd")` keeps one algorithm family (`tcc compile
--conv-algorithm`).
"""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Iterator

from xdsl.ir import Operation

from tcompiler.costmodel.schedules import (
    CONV_ALGORITHM_CHOICES,
    LANES,
    UNROLLS,
    ConvSchedule,
    GemmSchedule,
    LoopSchedule,
    Schedule,
    ScheduleError,
    heuristic,
    is_pointwise,
    is_winograd,
    packable_b,
)
from tcompiler.dialects import kernel
from tcompiler.dialects.kernel import shape

TILE_CHANNELS = (1, 2, 3, 4, 5, 6, 7, 8)
TILE_VECTORS = (1, 2, 3, 4)
REDUCTION_BLOCKS = (0, 8, 16, 32, 64, 128, 256, 512)
REWRITE_BLOCKS = (0, 32, 128)
REWRITE_LANES = (8, 16)


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
    w = shape(op.W)
    cin_g, taps = w[1], math.prod(w[2:])
    channels = [c for c in TILE_CHANNELS if c <= max(cout_g, 1)]
    orders = ("channels_rows", "rows_channels")
    algorithms = ["pointwise", "tiled"] if is_pointwise(op, grouped=True) else ["tiled"]
    for algorithm, tc, tv, lanes, order, block in itertools.product(
            algorithms, channels, TILE_VECTORS, LANES, orders, _blocks(cin_g)):
        yield ConvSchedule(algorithm, tc, tv, lanes, order, block)
    if len(w) != 4:
        return
    for tc, tv, lanes, block in itertools.product(TILE_CHANNELS, TILE_VECTORS, LANES,
                                                  [0, *(b for b in (64, 128) if b < cin_g)]):
        yield ConvSchedule("packed", tc, tv, lanes, "channels_rows", block)
    if is_pointwise(op, grouped=True):
        return
    # the rewritten kernels: a coarser menu (lanes 8 and 16, three reduction blocks), so the
    # five algorithms together stay near the size of the direct conv's space. Reductions: im2col
    # over C/G*KH*KW rows, im2win over C/G*KH(*P) channels, the window GEMM over KW*KH*C,
    # Winograd over C (its tile_channels tile the Winograd tiles, not output channels)
    def coarse(extent: int) -> list[int]:
        return [b for b in REWRITE_BLOCKS if b < extent]

    for tc, tv, lanes, order, block in itertools.product(
            channels, TILE_VECTORS, REWRITE_LANES, orders, coarse(cin_g * taps)):
        yield ConvSchedule("im2col", tc, tv, lanes, order, block)
    if taps == 1:  # a strided or padded 1x1 conv: im2col subsamples, then a GEMM
        return
    for tc, tv, lanes, order, block in itertools.product(
            channels, TILE_VECTORS, LANES, orders, coarse(cin_g * w[2])):
        yield ConvSchedule("im2win", tc, tv, lanes, order, block)
    if shape(op.Y)[1] >= min(LANES) and op.group.value.data == 1 \
            and kernel.int_values(op.dilations)[1] == 1:
        for tc, tv, lanes, block in itertools.product(
                TILE_CHANNELS, TILE_VECTORS, LANES, coarse(cin_g * taps)):
            yield ConvSchedule("im2win_nhwc", tc, tv, lanes, "channels_rows", block)
    if is_winograd(op):  # vectors along the output channels: the two widest that fit
        fitting = [lanes for lanes in LANES if lanes <= shape(op.Y)[1]][-2:]
        for algorithm, tc, tv, lanes, block in itertools.product(
                ("winograd2", "winograd4"), TILE_CHANNELS, TILE_VECTORS, fitting,
                coarse(cin_g)):
            yield ConvSchedule(algorithm, tc, tv, lanes, "channels_rows", block)


def _gemm(op: kernel.GemmOp | kernel.MatMulOp | kernel.WindowGemmOp) -> Iterator[Schedule]:
    if isinstance(op, kernel.WindowGemmOp):
        for tc, tv, lanes, block in itertools.product(TILE_CHANNELS, TILE_VECTORS, LANES,
                                                      _blocks(shape(op.W)[0])):
            yield GemmSchedule("tiled", tc, tv, lanes, block)
        return
    yield GemmSchedule("loops")
    k = shape(op.A)[-1] if not (isinstance(op, kernel.GemmOp) and op.trans_a.value.data) \
        else shape(op.A)[0]
    packs = (False, True) if packable_b(op) else (False,)
    for tc, tv, lanes, block, pack in itertools.product(TILE_CHANNELS, TILE_VECTORS, LANES,
                                                        _blocks(k), packs):
        yield GemmSchedule("tiled", tc, tv, lanes, block, pack)
    for tc, lanes in itertools.product(TILE_CHANNELS, LANES):
        yield GemmSchedule("dot", tc, 1, lanes, 0)


def _loops(op: Operation) -> Iterator[Schedule]:
    for unroll in UNROLLS:
        yield LoopSchedule(unroll)


def space(op: Operation, conv_algorithm: str = "auto") -> list[Schedule]:
    """Every legal schedule of `op`, the heuristic one first. `conv_algorithm` (`tcc compile
    --conv-algorithm`) keeps a conv's schedules of that algorithm, when it has any."""
    if isinstance(op, kernel.ConvOp):
        candidates = _conv(op)
    elif isinstance(op, kernel.GemmOp | kernel.MatMulOp | kernel.WindowGemmOp):
        candidates = _gemm(op)
    else:
        candidates = _loops(op)
    first = heuristic(op)
    found: dict[Schedule, None] = {first: None}
    for schedule in _legal(op, candidates):
        found.setdefault(schedule, None)
    schedules = list(found)
    if isinstance(op, kernel.ConvOp) and conv_algorithm != "auto":
        wanted = CONV_ALGORITHM_CHOICES[conv_algorithm]
        kept = [s for s in schedules if isinstance(s, ConvSchedule) and s.algorithm in wanted]
        if kept:
            preferred = default_schedule(op, conv_algorithm)
            return [preferred, *(s for s in kept if s != preferred)]
    return schedules


def default_schedule(op: kernel.ConvOp, conv_algorithm: str) -> ConvSchedule:
    """The schedule a forced `conv_algorithm` starts from (the heuristic policy's choice):
    the heuristic one if it is of that algorithm, else a common tile, else the first legal."""
    first = heuristic(op)
    assert isinstance(first, ConvSchedule)
    wanted = CONV_ALGORITHM_CHOICES[conv_algorithm]
    if first.algorithm in wanted:
        return first
    y = shape(op.Y)
    if conv_algorithm == "winograd":
        lanes = 16 if y[1] >= 16 else 8 if y[1] >= 8 else 4
        candidate = ConvSchedule("winograd4", 6, 2, lanes)
        try:
            candidate.check(op)
        except ScheduleError:
            candidate = ConvSchedule("winograd2", 6, 2, lanes)
    elif conv_algorithm == "im2win" and y[-1] >= 16:
        candidate = ConvSchedule("im2win", 6, 2, 16, "rows_channels")
    elif conv_algorithm == "im2win":  # rows narrower than a vector: vectors along channels
        lanes = 16 if y[1] >= 16 else 8 if y[1] >= 8 else 4
        candidate = ConvSchedule("im2win_nhwc", 6, 2, lanes)
    else:
        candidate = ConvSchedule(wanted[0], 6, 2, 16, "rows_channels")
    try:
        candidate.check(op)
        return candidate
    except ScheduleError:
        pass
    for schedule in _legal(op, _conv(op)):
        assert isinstance(schedule, ConvSchedule)
        if schedule.algorithm in wanted:
            return schedule
    return first


def sample(op: Operation, rng: random.Random, count: int, conv_algorithm: str = "auto"
           ) -> list[Schedule]:
    """`count` distinct legal schedules of `op` drawn uniformly (all of them if fewer)."""
    schedules = space(op, conv_algorithm)
    if count >= len(schedules):
        return schedules
    return rng.sample(schedules, count)
