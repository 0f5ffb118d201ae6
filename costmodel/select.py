"""Choosing a kernel's schedule at compile time: the tuning database first, then the model.

    choose = costmodel_chooser(model_path, db_path, target)
    schedule, source, predicted_us = choose(kernel_op)

- `db`: the fastest valid measurement of this kernel on this CPU in the tuning database;
- `model`: the top of the op's space ranked by the cost model; the heuristic schedule is kept
  unless the model predicts the top one at least `MARGIN` faster (a model that is unsure
  never makes a kernel slower than tcc's fixed rules would);
- `heuristic`: kernels the shipped model predates (`fixed_choice`): gemm and matmul,
  strided or padded 1x1 convs (im2col), other 1x1 convs on planes of 100 pixels or more (the
  pointwise GEMM's tile, fused epilogue and shifted last vector are newer than the model), and
  the convs `packed` is valid for (the model never ranks `packed`: it has no feature for it);
  and the tile of a conv the model puts on
  Winograd, whose batched matmul gets the heuristic GEMM tile (`winograd_schedule`);
- `weight-budget`: a conv moved to a smaller filter by `fit_weight_budget`.

A database with records, none of them of this CPU, is ignored with one notice.
"""

from __future__ import annotations

import dataclasses
import logging
import math
from collections.abc import Callable
from dataclasses import dataclass

from xdsl.dialects import func

from tcompiler.codegen.target import Target
from tcompiler.costmodel.db import TuningDB, best
from tcompiler.costmodel.kernel import KernelSpec
from tcompiler.costmodel.model import CostModel
from tcompiler.costmodel.schedules import (
    FAMILIES,
    GEMM_K_BLOCK,
    GEMM_TILE,
    ConvSchedule,
    Schedule,
    ScheduleError,
    filter_elements,
    is_winograd,
    winograd_tile,
)
from tcompiler.costmodel.space import space
from tcompiler.dialects import kernel
from tcompiler.memplan.lifetimes import nbytes

log = logging.getLogger(__name__)

MARGIN = 0.10
"""The model's top schedule replaces the heuristic one when predicted >= 10% faster."""

Choice = tuple[Schedule, str, float | None]
Chooser = Callable[..., Choice]
"""choose(op, exclude=frozenset()): the op's choice among schedules of algorithms not excluded."""

STRIDED_1X1 = ConvSchedule("im2col", tile_channels=6, tile_vectors=2, lanes=16,
                           loop_order="rows_channels")
"""A strided or padded 1x1 conv subsamples its input into columns, then runs the pointwise
GEMM with the pointwise heuristic's tile, unless its output plane is small enough that the
GEMM's pixel vectors waste lanes (`POINTWISE_MAX_WASTE`) and `packed` can take it: ResNet-50's
1024->2048 projection to 7x7 took 3.5 ms that way and 1.6 ms `packed` (onnxruntime 1.5; its
512->1024 to 14x14 1.7 ms against `packed`'s 1.9; Xeon, 1 thread, single-conv models). It is
1.6-1.9x faster than the tiled direct conv the
shipped model ranks first (ResNet-50's projection shortcuts, measured)."""


POINTWISE_1X1 = ConvSchedule("pointwise", tile_channels=8, tile_vectors=3, lanes=16,
                             loop_order="rows_channels")
POINTWISE_MAX_WASTE = 1.1
"""A 1x1 conv (stride 1, unpadded) is the GEMM W @ X over the flattened plane: 8 output
channels x 3 vectors of 16 pixels (`GEMM_TILE`), bias, residual and activation in the tile's
registers, the last vector shifted to end at the plane's edge (`microkernel.gemm_tiles`), where
its vectors of pixels waste at most 10% of their lanes (planes of 100 pixels or more: 13x13's
169 in 11 vectors, 14x14's 196 in 13). On a Xeon (Emerald Rapids, two 512-bit FMA ports, 1
thread), chains of 1x1 convs 1024->256->1024 ran at 149 GFLOP/s on 12x16 planes (onnxruntime
149) and 133 on 14x14 (onnxruntime 145) against `packed`'s 7 x 2 tile's 109 and 120, and
ResNet-50 whole at 1.15x onnxruntime against 1.24x. On 7x7 planes (49 pixels in 4 vectors)
`packed` keeps them: it beat the pointwise GEMM 1.6-1.7x there on Zen 4 (measured when the
GEMM's last column was a scalar dot product)."""

PACKED_MIN_REDUCTION = 128
"""`packed` needs a reduction (C_in*KH*KW) long enough to pay for its per-tile shuffle
epilogue: a 3x3 stride-2 stem over 3 channels (27) ran 0.93-1.10x onnxruntime against the
tiled conv's 0.81x; ResNet-50's 7x7 stem (147) 0.89x against 1.23x, a 5x5 conv over 16
channels (400) 0.86x against 1.06x (single-conv models, fastest of 31 alternating runs).

It also beat the pointwise GEMM on 1x1 convs over >= 128 input channels on small planes, where
the GEMM's pixel vectors are few: ResNet-50's 7x7 layers (1024->2048, 512->2048, 2048->512)
1.6-1.7x faster, 1024->512 at 14x14 1.13x, 512->1000 at 13x13 (SqueezeNet's classifier) 1.2x;
ties at 28x28 and 56x56 (Zen 4, 1 thread, medians of 21 alternating turns,
`benchmarks/conv_packed.py layers --tiles 7,2,0`), before the GEMM fused its epilogue and
covered its last columns with a full vector (`POINTWISE_1X1`, which now takes the planes of 100
pixels or more)."""

WINOGRAD_PLANE = 28 * 28
WINOGRAD_REDUCTION = 512
"""Winograd-valid convs with output planes of 28x28 or more, or reductions under 512, are left
to the model (which picks Winograd there): Winograd tied or won (128 channels at 28x28: 0.68x
onnxruntime against `packed`'s 0.89x; 64 at 56x56: 0.89x against 0.88x; 32 at 27x27: 0.77x
against 0.91x; 48 at 13x13: 0.84x against 0.84x). On smaller planes with longer reductions
its batched GEMMs have few tiles and 4x larger filters and `packed` won (256 at 14x14: 0.94x
against 1.33x; 512 at 7x7: 1.3x against 3.0x)."""


def packed_tile(op: kernel.ConvOp) -> ConvSchedule:
    """The `packed` tile: 7 pixels (ResNet's and Inception's rows are multiples of 7; 7 x 2
    vectors of 16 channels was the fastest tile measured on ResNet-50's 3x3 convs) x 2
    vectors of the widest lanes the output channels fill."""
    y = kernel.shape(op.Y)
    lanes = 16 if y[1] >= 32 else 8 if y[1] >= 16 else 4
    return ConvSchedule("packed", tile_channels=min(7, y[3]), tile_vectors=2, lanes=lanes)


def pixel_vector_waste(op: kernel.ConvOp) -> float:
    """Lanes over pixels when 16-pixel vectors cover the output plane (1.0: none wasted)."""
    plane = math.prod(kernel.shape(op.Y)[2:])
    return -(-plane // 16) * 16 / plane


def winograd_schedule(op: kernel.ConvOp, algorithm: str) -> ConvSchedule | None:
    """A Winograd conv's schedule with the tile of the heuristic GEMM (`heuristic_gemm`: 8 rows x
    3 vectors of 16, K blocks of 128 over long reductions) for its batched matmul, or None
    where that tile does not fit (fewer than 16 output channels)."""
    out_channels, reduction = kernel.shape(op.Y)[1], op.filter_shape()[1]
    if out_channels < 16:
        return None
    vectors = GEMM_TILE[1] if out_channels >= 48 else out_channels // 16
    block = GEMM_K_BLOCK if reduction > 2 * GEMM_K_BLOCK else 0
    schedule = ConvSchedule(algorithm, GEMM_TILE[0], vectors, 16, "channels_rows", block)
    try:
        schedule.check(op)
    except ScheduleError:
        return None
    return schedule


def fixed_choice(op: kernel.KernelOp, candidates: list[Schedule]) -> Schedule | None:
    """The schedule a kernel the shipped model ranks wrongly gets instead of the model's (None:
    ask the model). The model was trained before the column-panel loop order of gemm's and
    matmul's `tiled` existed (it picks K blocks of 8 for BERT's FFN matmul, at half the speed
    of the heuristic), before im2col was offered to 1x1 convs, before the pointwise GEMM ran
    its epilogue in registers (1x1 convs on planes of 100 pixels or more get `POINTWISE_1X1`),
    and before `packed` existed (which it has no feature for: spatial convs get `packed_tile`)."""
    if isinstance(op, kernel.GemmOp | kernel.MatMulOp):
        return candidates[0]
    if not isinstance(op, kernel.ConvOp):
        return None
    reduction = math.prod(kernel.shape(op.W)[1:])
    planar = len(kernel.shape(op.Y)) == 4
    packed = planar and packed_tile(op) in candidates and reduction >= PACKED_MIN_REDUCTION
    if STRIDED_1X1 in candidates and all(k == 1 for k in kernel.shape(op.W)[2:]):
        if packed and pixel_vector_waste(op) > POINTWISE_MAX_WASTE:
            return packed_tile(op)
        return STRIDED_1X1
    if not planar:
        return None
    if POINTWISE_1X1 in candidates and pixel_vector_waste(op) <= POINTWISE_MAX_WASTE:
        return POINTWISE_1X1
    if not packed:
        return None
    winograd_offered = any(getattr(c, "algorithm", "").startswith("winograd") for c in candidates)
    if winograd_offered and is_winograd(op) and (
            math.prod(kernel.shape(op.Y)[2:]) >= WINOGRAD_PLANE or reduction < WINOGRAD_REDUCTION):
        return None
    return packed_tile(op)


def costmodel_chooser(model_path: str | None, db_path: str | None, target: Target,
                      conv_algorithm: str = "auto") -> Chooser:
    model = CostModel.load(model_path)
    cpu = {"cpu": target.cpu, "features": target.features}
    records = TuningDB(db_path).read() if db_path else []
    mine = [r for r in records if r.same_target(cpu)]
    if records and not mine:
        log.warning("tuning db %s holds no records of this CPU (%s); it is ignored",
                    db_path, target.cpu)

    def choose(op: kernel.KernelOp, exclude: frozenset[str] = frozenset()) -> Choice:
        """`exclude`: conv algorithms not to choose (`fit_weight_budget`'s fallbacks)."""
        fn = op.parent_op()
        assert isinstance(fn, func.FuncOp)
        spec = KernelSpec.from_function(fn)
        candidates = [c for c in space(op, conv_algorithm)
                      if getattr(c, "algorithm", None) not in exclude]
        allowed = set(candidates)
        measured = best([r for r in mine if r.signature == spec.signature
                         and _schedule(r.family, r.knobs) in allowed], spec.signature, cpu)
        if measured is not None:
            return FAMILIES[measured.family](**measured.knobs), "db", measured.median_us
        fixed = fixed_choice(op, candidates)
        if fixed is not None:
            return fixed, "heuristic", model.predict_us(op, [fixed], target.features)[0]
        known = [c for c in candidates if getattr(c, "algorithm", "") != "packed"]
        schedule, source, predicted = model_choice(model, op, target.features, known)
        algorithm = getattr(schedule, "algorithm", "")
        if algorithm.startswith("winograd") and conv_algorithm == "auto":
            tiled = winograd_schedule(op, algorithm)  # type: ignore[arg-type]
            if tiled is not None and tiled != schedule:
                return tiled, "heuristic", model.predict_us(op, [tiled], target.features)[0]
        return schedule, source, predicted

    return choose


def _schedule(family: str, knobs: dict[str, object]) -> Schedule | None:
    try:
        return FAMILIES[family](**knobs)  # type: ignore[arg-type]
    except TypeError:  # a record of knobs this version does not have
        return None


def model_choice(model: CostModel, op: kernel.KernelOp, cpu_features: str,
                 candidates: list[Schedule] | None = None) -> Choice:
    """The model's top candidate (default: the op's space), unless the first candidate (the
    heuristic or forced default) is predicted within `MARGIN` of it."""
    candidates = candidates if candidates is not None else space(op)
    ranked = model.rank(op, candidates, cpu_features)
    chosen, top_relative = ranked[0]
    fallback = candidates[0]
    relative = next(r for s, r in ranked if s == fallback)
    if relative <= top_relative * (1 + MARGIN):
        chosen = fallback
    return chosen, "model", model.predict_us(op, [chosen], cpu_features)[0]


MIN_GROWTH_BYTES = 16 << 20
"""However small the model, its filters may grow by 16 MiB (`fit_weight_budget`)."""

BUDGET_SOURCE = "weight-budget"
"""The schedule source of a conv `fit_weight_budget` moved to a smaller filter."""


@dataclass
class HeldConv:
    """A conv kernel's chosen schedule, and how many calls (each with its own filter) run it."""

    op: kernel.ConvOp
    calls: int
    choice: Choice

    def growth(self, schedule: Schedule | None = None) -> int:
        """The bytes its filters grow by under `schedule` (default: the chosen one)."""
        schedule = schedule or self.choice[0]
        if not isinstance(schedule, ConvSchedule):
            return 0
        width = nbytes(self.op.W) // math.prod(kernel.shape(self.op.W))
        return self.calls * width * (filter_elements(self.op, schedule)
                                     - math.prod(self.op.filter_shape()))

    def multiplies(self, schedule: Schedule | None = None) -> int:
        """Its calls' multiplies under `schedule`: alpha^2 per Winograd tile and channel pair,
        KH*KW per output pixel and channel pair for the direct kernels."""
        schedule = schedule or self.choice[0]
        w, y = self.op.filter_shape(), kernel.shape(self.op.Y)
        pairs = w[0] * w[1] * self.calls * y[0]
        if isinstance(schedule, ConvSchedule) and schedule.algorithm.startswith("winograd"):
            m = winograd_tile(schedule)
            tiles = math.ceil(y[2] / m) * math.ceil(y[3] / m)
            return pairs * (m + 2) ** 2 * tiles
        return pairs * math.prod(w[2:]) * math.prod(y[2:])


def smaller_filter(held: HeldConv, choose: Chooser) -> Choice | None:
    """The next choice down in filter size: F(4x4) -> F(2x2) (on the heuristic GEMM tile) ->
    `packed` (no growth but padding) -> the chooser's pick without the algorithms tried."""
    schedule = held.choice[0]
    assert isinstance(schedule, ConvSchedule)
    tried = {schedule.algorithm, "winograd4"}
    if schedule.algorithm.startswith("winograd"):
        tried.add("winograd2")
        smaller = [winograd_schedule(held.op, "winograd2")
                   or dataclasses.replace(schedule, algorithm="winograd2")] \
            if schedule.algorithm == "winograd4" else []
        for candidate in [*smaller, packed_tile(held.op)]:
            try:
                candidate.check(held.op)
            except ScheduleError:
                continue
            return candidate, BUDGET_SOURCE, None
    schedule, _, predicted = choose(held.op, exclude=frozenset(tried))
    return (schedule, BUDGET_SOURCE, predicted) if held.growth(schedule) < held.growth() else None


def fit_weight_budget(convs: dict[str, HeldConv], budget: int, choose: Chooser
                      ) -> dict[str, Choice]:
    """Hold the bytes re-laid-out filters add (Winograd's grow alpha^2/9: 1.8x for F(2x2,3x3),
    4x for F(4x4,3x3)) within `budget`. While over it, the conv whose next smaller filter
    (`smaller_filter`) adds the fewest multiplies per byte it saves takes it: F(4x4) -> F(2x2)
    costs 1.75 multiplies per output and channel pair for 20 floats of filter, F(2x2) ->
    direct 5 for 7, so convs leave F(4x4) first, smallest planes first. Multiplies, not
    the cost model: it has no feature for `packed` and cannot rank it. Returns the convs whose
    choice changed."""
    changed: dict[str, Choice] = {}
    next_down: dict[str, Choice | None] = {}  # smaller_filter of each conv's current choice
    growth = sum(held.growth() for held in convs.values())
    while growth > budget:
        steps = []
        for name, held in convs.items():
            if name not in next_down:
                next_down[name] = smaller_filter(held, choose) if held.growth() > 0 else None
            smaller = next_down[name]
            if smaller is not None:
                saved = held.growth() - held.growth(smaller[0])
                added = held.multiplies(smaller[0]) - held.multiplies()
                steps.append((added / saved, name, smaller))
        if not steps:
            break
        _, name, smaller = min(steps, key=lambda step: step[0])
        held = convs[name]
        growth -= held.growth() - held.growth(smaller[0])
        log.info("%s: %s -> %s, to hold the filters within the weight budget",
                 name, held.choice[0], smaller[0])
        held.choice = changed[name] = smaller
        del next_down[name]
    return changed
