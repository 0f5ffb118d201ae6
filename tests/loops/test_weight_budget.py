"""`costmodel.select.fit_weight_budget`: filters re-laid out by their schedules (Winograd's
grow 4x) stay within the weight budget, the convs that lose the fewest multiplies per byte
falling back first (F(4x4) -> F(2x2) -> packed); `--max-weight-growth` sets the budget."""

from __future__ import annotations

import pytest

from tcompiler.codegen.target import Target
from tcompiler.costmodel.schedules import ConvSchedule
from tcompiler.costmodel.select import (
    BUDGET_SOURCE,
    HeldConv,
    costmodel_chooser,
    fit_weight_budget,
    packed_tile,
    smaller_filter,
    winograd_schedule,
)
from tcompiler.errors import OptionError
from tcompiler.pipeline import CompileOptions

from .test_conv_algorithm_space import conv  # noqa: TID252

W4 = ConvSchedule("winograd4", 4, 3, 16)
MIB = 1 << 20


def held(channels: int, plane: int, calls: int = 1) -> HeldConv:
    op = conv(xs=(1, channels, plane, plane), ws=(channels, channels, 3, 3))
    return HeldConv(op, calls, (W4, "model", 100.0))


def test_growth_counts_every_call_and_the_filter_transform() -> None:
    one, three = held(256, 28), held(256, 28, calls=3)
    filter_bytes = 256 * 256 * 9 * 4
    assert one.growth() == 3 * filter_bytes  # 36/9 = 4x: three filters more
    assert three.growth() == 3 * one.growth()
    assert one.growth(ConvSchedule("winograd2", 4, 3, 16)) == filter_bytes * 7 // 9
    assert one.growth(packed_tile(one.op)) == 0 and one.growth(ConvSchedule("tiled")) == 0
    # F(4x4) multiplies 36 per 16 outputs, F(2x2) 16 per 4, direct 9 per output
    assert one.multiplies() * 4 == one.multiplies(ConvSchedule("winograd2", 4, 3, 16)) * 2.25


def test_fallbacks_go_down_in_filter_size() -> None:
    choose = costmodel_chooser(None, None, Target.host())
    conv_ = held(512, 28)
    w2, source, _ = smaller_filter(conv_, choose)  # on the heuristic GEMM tile
    assert w2 == winograd_schedule(conv_.op, "winograd2") and source == BUDGET_SOURCE
    conv_.choice = (w2, source, None)
    assert smaller_filter(conv_, choose)[0] == packed_tile(conv_.op)
    conv_.choice = (packed_tile(conv_.op), source, None)
    assert smaller_filter(conv_, choose) is None  # packed adds nothing here: nothing smaller


def test_smallest_planes_fall_back_first_and_only_as_far_as_needed() -> None:
    choose = costmodel_chooser(None, None, Target.host())
    convs = {"wide": held(256, 56), "deep": held(512, 28)}
    growth = sum(c.growth() for c in convs.values())
    # room for all but the deep conv's F(4x4)->F(2x2) saving: only that conv moves
    deep_saving = convs["deep"].growth() - convs["deep"].growth(ConvSchedule("winograd2", 4, 3, 16))
    changed = fit_weight_budget(convs, growth - deep_saving, choose)
    assert list(changed) == ["deep"] and changed["deep"][0].algorithm == "winograd2"
    assert convs["wide"].choice[0] == W4
    # a budget of nothing moves both off Winograd
    changed = fit_weight_budget(convs, 0, choose)
    assert {c.choice[0].algorithm for c in convs.values()} == {"packed"}


def test_within_budget_nothing_moves() -> None:
    convs = {"a": held(512, 28)}
    assert fit_weight_budget(convs, 64 * MIB, costmodel_chooser(None, None, Target.host())) == {}


@pytest.mark.parametrize("value", [-0.5, float("nan")])
def test_a_negative_growth_is_refused(value: float) -> None:
    with pytest.raises(OptionError, match="max weight growth"):
        CompileOptions(max_weight_growth=value)
