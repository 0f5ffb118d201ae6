"""`costmodel.select`: the spatial convs the shipped model predates get `packed` by a fixed
rule (reductions of 128 or more, outside the convs where Winograd won), and the model never ranks
`packed` (it has no feature for it)."""

from __future__ import annotations

from tcompiler.codegen.target import Target
from tcompiler.costmodel.schedules import ConvSchedule
from tcompiler.costmodel.select import costmodel_chooser, fixed_choice, packed_tile
from tcompiler.costmodel.space import space

from .test_conv_algorithm_space import conv  # noqa: TID252


def test_packed_for_long_reductions_on_small_planes() -> None:
    deep = conv(xs=(1, 256, 14, 14), ws=(256, 256, 3, 3))
    assert fixed_choice(deep, space(deep)) == packed_tile(deep) == ConvSchedule("packed", 7, 2, 16)
    strided = conv(xs=(1, 128, 56, 56), ws=(128, 128, 3, 3), strides=(2, 2))
    stem = conv(xs=(1, 3, 64, 64), ws=(64, 3, 7, 7), strides=(2, 2), pads=(3, 3, 3, 3))
    for op in (strided, stem):
        assert fixed_choice(op, space(op)) == packed_tile(op)


def test_no_packed_where_it_lost() -> None:
    wide_winograd = conv(xs=(1, 64, 56, 56), ws=(64, 64, 3, 3))  # Winograd's many tiles
    short = conv(xs=(1, 32, 27, 27), ws=(128, 32, 3, 3))  # Winograd-valid, 288 long
    stem = conv(xs=(1, 3, 64, 64), ws=(64, 3, 3, 3), strides=(2, 2))  # 27 long
    one_d = conv(xs=(1, 64, 20), ws=(64, 64, 9), strides=(1,), pads=(4, 4), dilations=(1,))
    for op in (wide_winograd, short, stem, one_d):
        assert fixed_choice(op, space(op)) is None


def test_the_model_never_ranks_packed() -> None:
    choose = costmodel_chooser(None, None, Target.host())
    for op in (conv(xs=(1, 64, 56, 56), ws=(64, 64, 3, 3)),
               conv(xs=(1, 32, 27, 27), ws=(128, 32, 3, 3))):
        schedule, source, _ = choose(op)
        assert source == "model" and schedule.algorithm != "packed"  # type: ignore[attr-defined]
    deep = conv(xs=(1, 512, 7, 7), ws=(512, 512, 3, 3))
    assert choose(deep)[:2] == (packed_tile(deep), "heuristic")
