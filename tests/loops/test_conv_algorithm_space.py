"""The validity rules of the convolution algorithms that are rewrites (im2col, im2win,
winograd2/4) in `ConvSchedule.check`, and how `costmodel.space` narrows a conv's space to a
forced algorithm (`space(op, conv_algorithm)`, `default_schedule`, `sample`), as
`tcc compile --conv-algorithm` and the choose-schedules pass use them."""

from __future__ import annotations

import random

import pytest
from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.parser import Parser

from tcompiler.context import make_context
from tcompiler.costmodel.schedules import (
    CONV_ALGORITHM_CHOICES,
    CONV_ALGORITHMS,
    EXPANDED_ALGORITHMS,
    ConvSchedule,
    ScheduleError,
    from_attr,
    heuristic,
)
from tcompiler.costmodel.space import default_schedule, sample, space
from tcompiler.dialects import kernel
from tcompiler.errors import OptionError
from tcompiler.kernels.conv_math import output_hw
from tcompiler.passes.choose_schedules import ChooseSchedulesPass

from .conftest import memref  # noqa: TID252


def ints(values) -> str:
    return "array<i64: " + ", ".join(map(str, values)) + ">"


def conv_text(xs, ws, strides=(1, 1), pads=(1, 1, 1, 1), dilations=(1, 1), group=1,
              name: str = "conv_0") -> str:
    if len(xs) == 4:
        ys = (xs[0], ws[0], *output_hw(xs, ws[2:], strides, pads, dilations))
    else:  # 1-d
        ys = (xs[0], ws[0], (xs[2] + pads[0] + pads[1] - dilations[0] * (ws[2] - 1) - 1)
              // strides[0] + 1)
    return (f"func.func @{name}(%x: {memref(xs)}, %w: {memref(ws)}, %y: {memref(ys)}) "
            f"attributes {{tcc.kernel}} {{\n"
            f"kernel.conv %x, %w -> %y {{strides = {ints(strides)}, pads = {ints(pads)}, "
            f"dilations = {ints(dilations)}, group = {group} : i64}} : "
            f"{memref(xs)}, {memref(ws)} -> {memref(ys)}\nfunc.return\n}}")


def conv(xs, ws, **window) -> kernel.ConvOp:
    module = Parser(make_context(), conv_text(xs, ws, **window)).parse_module()
    module.verify()
    return next(op for op in module.walk() if isinstance(op, kernel.ConvOp))


def valid(schedule: ConvSchedule, op: kernel.ConvOp) -> bool:
    try:
        schedule.check(op)
    except ScheduleError:
        return False
    return True


# a 3x3 stride-1 ungrouped conv with 16 output channels and 20-wide rows: everything is valid
BASE = dict(xs=(1, 8, 10, 20), ws=(16, 8, 3, 3))
WINOGRAD2 = ConvSchedule("winograd2", 6, 2, 16)
WINOGRAD4 = ConvSchedule("winograd4", 6, 2, 16)
IM2WIN = ConvSchedule("im2win", 6, 2, 16)
IM2COL = ConvSchedule("im2col", 6, 2, 16, "rows_channels")


def test_everything_valid_on_the_base_conv() -> None:
    op = conv(**BASE)
    for schedule in (WINOGRAD2, WINOGRAD4, IM2WIN, IM2COL, ConvSchedule("winograd4", 1, 4, 4, ic_block=8)):
        schedule.check(op)
    algorithms = {s.algorithm for s in space(op)}
    assert {"direct", "tiled", "im2col", "im2win", "winograd2", "winograd4"} <= algorithms
    assert algorithms <= set(CONV_ALGORITHMS) - {"pointwise"}


@pytest.mark.parametrize("why,window", [
    ("stride 2", dict(xs=(1, 8, 10, 40), ws=(16, 8, 3, 3), strides=(2, 2))),
    ("height stride 2 only", dict(xs=(1, 8, 10, 20), ws=(16, 8, 3, 3), strides=(2, 1))),
    ("5x5", dict(xs=(1, 8, 10, 20), ws=(16, 8, 5, 5), pads=(2, 2, 2, 2))),
    ("3x1", dict(xs=(1, 8, 10, 20), ws=(16, 8, 3, 1), pads=(1, 0, 1, 0))),
    ("grouped", dict(xs=(1, 8, 10, 20), ws=(16, 4, 3, 3), group=2)),
    ("depthwise", dict(xs=(1, 16, 10, 20), ws=(16, 1, 3, 3), group=16)),
    ("dilated", dict(xs=(1, 8, 10, 20), ws=(16, 8, 3, 3), dilations=(2, 2), pads=(2, 2, 2, 2))),
    ("1-d", dict(xs=(1, 8, 20), ws=(16, 8, 3), strides=(1,), pads=(1, 1), dilations=(1,))),
])
def test_winograd_rejected(why: str, window) -> None:
    op = conv(**window)
    for schedule in (WINOGRAD2, WINOGRAD4):
        with pytest.raises(ScheduleError, match="winograd needs|needs a 2-d conv"):
            schedule.check(op)
    assert not any(s.algorithm.startswith("winograd") for s in space(op)), why
    assert space(op, "winograd") == space(op), why  # nothing to force: the whole space


def test_winograd_output_channels_and_loop_order() -> None:
    op = conv(xs=(1, 8, 10, 20), ws=(8, 8, 3, 3))  # 8 output channels
    with pytest.raises(ScheduleError, match=">= 16 output channels"):
        WINOGRAD4.check(op)
    ConvSchedule("winograd4", 6, 2, 8).check(op)
    lanes = {s.lanes for s in space(op) if s.algorithm.startswith("winograd")}
    assert 8 in lanes and lanes <= {4, 8}
    with pytest.raises(ScheduleError, match="winograd takes no loop_order"):
        ConvSchedule("winograd2", 6, 2, 8, "rows_channels").check(conv(**BASE))
    with pytest.raises(ScheduleError, match="vector registers"):
        ConvSchedule("winograd2", 8, 4, 16).check(conv(**BASE))


@pytest.mark.parametrize("why,window,message", [
    ("1x1", dict(xs=(1, 8, 10, 20), ws=(16, 8, 1, 1), pads=(0, 0, 0, 0)), "wider than 1x1"),
    ("1x1 strided", dict(xs=(1, 8, 10, 40), ws=(16, 8, 1, 1), strides=(2, 2), pads=(0, 0, 0, 0)),
     "wider than 1x1"),
    ("narrow rows", dict(xs=(1, 8, 10, 12), ws=(16, 8, 3, 3)), "output rows >= 16 wide"),
    ("rows narrowed by the stride", dict(xs=(1, 8, 10, 30), ws=(16, 8, 3, 3), strides=(1, 2)),
     "output rows >= 16 wide"),
    ("1-d", dict(xs=(1, 8, 20), ws=(16, 8, 3), strides=(1,), pads=(1, 1), dilations=(1,)),
     "needs a 2-d conv"),
])
def test_im2win_rejected(why: str, window, message: str) -> None:
    with pytest.raises(ScheduleError, match=message):
        IM2WIN.check(conv(**window))


def test_im2win_lanes_follow_the_output_row() -> None:
    op = conv(xs=(1, 8, 10, 12), ws=(16, 8, 3, 3))  # 12-wide output rows
    assert {s.lanes for s in space(op) if s.algorithm == "im2win"} == {4, 8}
    preferred = default_schedule(op, "im2win")
    assert preferred.algorithm in CONV_ALGORITHM_CHOICES["im2win"] and valid(preferred, op)
    op = conv(xs=(1, 8, 10, 6), ws=(16, 8, 3, 3), pads=(1, 0, 1, 0))  # 4-wide rows
    assert {s.lanes for s in space(op) if s.algorithm == "im2win"} == {4}
    op = conv(xs=(1, 8, 10, 5), ws=(16, 8, 3, 3), pads=(1, 0, 1, 0))  # 3-wide rows
    assert not any(s.algorithm == "im2win" for s in space(op))
    if not any(s.algorithm in CONV_ALGORITHM_CHOICES["im2win"] for s in space(op)):
        assert space(op, "im2win") == space(op)


@pytest.mark.parametrize("window", [
    dict(xs=(2, 6, 9, 40), ws=(6, 2, 5, 3), strides=(2, 2), pads=(0, 2, 1, 0), dilations=(1, 2),
         group=3),
    dict(xs=(1, 16, 12, 33), ws=(16, 1, 3, 3), strides=(1, 1), group=16),
    dict(xs=(1, 3, 40, 60), ws=(8, 3, 7, 7), strides=(2, 2), pads=(3, 3, 3, 3)),
    dict(xs=(1, 3, 30, 70), ws=(4, 3, 11, 11), strides=(4, 4), pads=(0, 0, 0, 0)),
])
def test_im2win_and_im2col_valid_for_any_window(window) -> None:
    """Strides, asymmetric pads, dilations, groups: im2col and im2win are valid when the rows
    are wide enough (the window conv over the window tensor handles the rest)."""
    op = conv(**window)
    algorithms = {s.algorithm for s in space(op)}
    assert {"im2col", "im2win"} <= algorithms
    assert valid(ConvSchedule("im2col", 1, 1, 4), op) and valid(ConvSchedule("im2win", 1, 1, 4), op)


def test_no_window_rewrite_of_a_1x1_conv() -> None:
    """A 1x1 conv is already a gemm: no im2col/im2win/winograd, but the packed filter."""
    op = conv(xs=(1, 8, 10, 20), ws=(16, 8, 1, 1), pads=(0, 0, 0, 0))
    assert {s.algorithm for s in space(op)} == {"direct", "tiled", "pointwise", "packed"}
    for algorithm in ("im2col", "im2win", "winograd"):
        assert space(op, algorithm) == space(op)
        assert space(op, algorithm)[0] == heuristic(op)


SPACE_OPS = {
    "base": BASE,
    "strided": dict(xs=(1, 4, 9, 34), ws=(5, 4, 3, 3), strides=(2, 2)),
    "grouped_5x3": dict(xs=(2, 6, 9, 21), ws=(6, 2, 5, 3), strides=(1, 2), pads=(2, 1, 2, 1),
                        group=3),
    "depthwise": dict(xs=(1, 8, 7, 16), ws=(8, 1, 3, 3), group=8),
    "dilated": dict(xs=(1, 3, 11, 24), ws=(7, 3, 3, 3), dilations=(2, 2), pads=(2, 2, 2, 2)),
    "narrow_winograd": dict(xs=(1, 5, 7, 7), ws=(32, 5, 3, 3)),
    "1x1": dict(xs=(1, 8, 4, 20), ws=(12, 8, 1, 1), pads=(0, 0, 0, 0)),
    "1d": dict(xs=(1, 4, 30), ws=(6, 4, 5), strides=(1,), pads=(2, 2), dilations=(1,)),
    "tiny": dict(xs=(1, 1, 3, 3), ws=(1, 1, 3, 3), pads=(0, 0, 0, 0)),
}


@pytest.mark.parametrize("case", sorted(SPACE_OPS))
def test_every_listed_schedule_checks(case: str) -> None:
    op = conv(**SPACE_OPS[case])
    full = space(op)
    assert full[0] == heuristic(op) and len(set(full)) == len(full)
    for schedule in full:
        schedule.check(op)
        assert from_attr(op, schedule.to_attr()) == schedule  # the attribute round-trips
    for forced, algorithms in CONV_ALGORITHM_CHOICES.items():
        narrowed = space(op, forced)
        assert len(set(narrowed)) == len(narrowed)
        kept = [s for s in full if s.algorithm in algorithms]
        if kept:  # the forced algorithm is valid: only its schedules, all of them
            # first the default (a common tile, legal though the pruned menus may leave it out)
            assert narrowed[0] == default_schedule(op, forced)
            assert set(narrowed[1:]) <= set(kept) <= set(narrowed), forced
            assert all(valid(s, op) and s.algorithm in algorithms for s in narrowed)
        else:  # not valid for this conv: the whole space, the heuristic first
            assert narrowed == full, forced


@pytest.mark.parametrize("case", sorted(SPACE_OPS))
def test_validity_is_decided_by_check_alone(case: str) -> None:
    """An algorithm is in the space exactly when some schedule of it passes `check` (probing a
    few common tiles independently of the space's menus)."""
    op = conv(**SPACE_OPS[case])
    listed = {s.algorithm for s in space(op)}
    probes = [ConvSchedule(a, tc, tv, lanes, order)
              for a in ("im2col", "im2win", "winograd2", "winograd4")
              for tc in (1, 6) for tv in (1, 2) for lanes in (8, 16) + ((4,) if a == "im2win" else ())
              for order in ("channels_rows", "rows_channels")]
    probed = {s.algorithm for s in probes if valid(s, op)}
    w = SPACE_OPS[case]["ws"]
    if len(w) == 4 and w[2] * w[3] == 1:  # check accepts im2col of a 1x1; the space leaves it out
        probed.discard("im2col")
    assert probed == listed & {"im2col", "im2win", "winograd2", "winograd4"}


def test_forced_winograd_only_winograd() -> None:
    op = conv(**BASE)
    forced = space(op, "winograd")
    assert {s.algorithm for s in forced} == {"winograd2", "winograd4"}
    assert (forced[0].algorithm, forced[0].lanes) == ("winograd4", 16)  # 10x20: F(4x4)
    two_rows = default_schedule(conv(xs=(1, 8, 4, 20), ws=(16, 8, 3, 3), pads=(0, 0, 0, 0)),
                                "winograd")
    assert two_rows.algorithm == "winograd2"  # 2 output rows: F(2x2)
    eight = default_schedule(conv(xs=(1, 8, 10, 20), ws=(8, 8, 3, 3)), "winograd")
    assert (eight.algorithm, eight.lanes) == ("winograd4", 8)
    assert {s.algorithm for s in space(op, "im2col")} == {"im2col"}
    assert "im2win" in {s.algorithm for s in space(op, "im2win")}
    assert {s.algorithm for s in space(op, "im2win")} <= set(CONV_ALGORITHM_CHOICES["im2win"])
    assert {s.algorithm for s in space(op, "direct")} == {"direct", "tiled", "packed"}
    assert space(op, "direct")[0] == heuristic(op)
    assert space(op, "auto") == space(op)


def test_sample_respects_the_forced_algorithm() -> None:
    op = conv(**BASE)
    for forced, algorithms in CONV_ALGORITHM_CHOICES.items():
        drawn = sample(op, random.Random(1), 20, forced)
        assert len(drawn) == 20 and {s.algorithm for s in drawn} <= set(algorithms)
    everything = {s.algorithm for s in sample(op, random.Random(2), 400)}
    assert {"im2col", "im2win", "winograd2", "winograd4"} <= everything


def test_algorithm_tables_agree() -> None:
    from tcompiler.passes import choose_schedules
    from tcompiler.pipeline import CONV_ALGORITHMS as PIPELINE_CHOICES

    assert set(EXPANDED_ALGORITHMS) <= set(CONV_ALGORITHMS)
    assert {a for choice in CONV_ALGORITHM_CHOICES.values() for a in choice} == set(CONV_ALGORITHMS)
    assert set(PIPELINE_CHOICES) == set(choose_schedules.CONV_ALGORITHMS) == {"auto", *CONV_ALGORITHM_CHOICES}


def module_of(*functions: str) -> ModuleOp:
    return Parser(make_context(), "builtin.module {\n" + "\n".join(functions) + "\n}").parse_module()


@pytest.mark.parametrize("policy", ["heuristic", "random"])
@pytest.mark.parametrize("forced", sorted(CONV_ALGORITHM_CHOICES))
def test_choose_schedules_conv_algorithm(policy: str, forced: str) -> None:
    """Every conv gets a schedule of the forced algorithm where it is valid, else one from the
    whole space (the heuristic one under the heuristic policy)."""
    windows = [BASE, SPACE_OPS["strided"], SPACE_OPS["1x1"], SPACE_OPS["depthwise"],
               SPACE_OPS["narrow_winograd"]]
    module = module_of(*(conv_text(**w, name=f"conv_{i}") for i, w in enumerate(windows)))
    ChooseSchedulesPass(policy=policy, conv_algorithm=forced, seed=5).apply(Context(), module)
    for op in module.walk():
        if not isinstance(op, kernel.ConvOp):
            continue
        chosen = from_attr(op, op.schedule)
        assert chosen in space(op, forced) and valid(chosen, op), chosen
        valid_here = any(s.algorithm in CONV_ALGORITHM_CHOICES[forced] for s in space(op))
        if valid_here:
            assert chosen.algorithm in CONV_ALGORITHM_CHOICES[forced]
        elif policy == "heuristic":
            assert chosen == heuristic(op)
        if policy == "heuristic":
            assert chosen == space(op, forced)[0]


def test_choose_schedules_rejects_an_unknown_algorithm() -> None:
    with pytest.raises(OptionError, match="unknown conv_algorithm 'fft'"):
        ChooseSchedulesPass(conv_algorithm="fft").apply(Context(), module_of(conv_text(**BASE)))


@pytest.mark.parametrize("algorithm", EXPANDED_ALGORITHMS)
def test_loops_stage_refuses_an_unexpanded_algorithm(algorithm: str) -> None:
    """A conv left with a rewrite algorithm is refused, naming the kernels-stage pass to run
    (one that exists)."""
    import re

    from tcompiler.contracts import PassPreconditionError
    from tcompiler.passes.lower_kernels_to_loops import LowerKernelsToLoopsPass
    from tcompiler.stages import CONV_ALGORITHM_PIPELINE

    module = module_of(conv_text(**BASE))
    op = next(o for o in module.walk() if isinstance(o, kernel.ConvOp))
    schedule = next(s for s in space(op) if s.algorithm == algorithm)
    op.schedule = schedule.to_attr()
    with pytest.raises(PassPreconditionError, match=f"algorithm '{algorithm}'") as raised:
        LowerKernelsToLoopsPass().apply(make_context(), module)
    named = re.search(r"run (\S+) first", str(raised.value))
    assert named and named.group(1) in CONV_ALGORITHM_PIPELINE.split(","), str(raised.value)


def test_packed_validity() -> None:
    op = conv(**BASE)  # 16 output channels
    packed = ConvSchedule("packed", 7, 2, 8)
    assert valid(packed, op) and valid(ConvSchedule("packed", 7, 1, 16, ic_block=4), op)
    assert not valid(ConvSchedule("packed", 7, 2, 16, "rows_channels"), op)  # no loop order
    assert not valid(ConvSchedule("packed", 7, 2, 16), conv(xs=(1, 8, 10, 20), ws=(8, 8, 3, 3)))
    assert not valid(packed, conv(xs=(1, 8, 10, 20), ws=(16, 4, 3, 3), group=2))
    assert valid(packed, conv(xs=(1, 8, 10, 20), ws=(16, 8, 1, 1), pads=(0, 0, 0, 0)))
    assert not valid(packed, conv(xs=(1, 8, 20), ws=(16, 8, 3), strides=(1,), pads=(1, 1),
                                  dilations=(1,)))
    assert not valid(ConvSchedule("packed", 8, 4, 8), op)  # 8x4 tile: 37 vector registers


def test_loops_stage_refuses_packed_with_an_unpacked_filter() -> None:
    from tcompiler.contracts import PassPreconditionError
    from tcompiler.passes.lower_kernels_to_loops import LowerKernelsToLoopsPass

    module = module_of(conv_text((1, 8, 10, 20), (16, 8, 3, 3)))
    op = next(o for o in module.walk() if isinstance(o, kernel.ConvOp))
    op.schedule = ConvSchedule("packed", 7, 2, 8).to_attr()
    with pytest.raises(PassPreconditionError, match="run conv-to-packed first"):
        LowerKernelsToLoopsPass().apply(make_context(), module)
