"""`costmodel.select`: the spatial convs the shipped model predates get `packed` by a fixed
rule (reductions of 128 or more, outside the convs where Winograd won), and the model never ranks
`packed` (it has no feature for it)."""

from __future__ import annotations

from tcompiler.codegen.target import Target
from tcompiler.costmodel.schedules import ConvSchedule
from tcompiler.costmodel.select import (
    costmodel_chooser,
    fixed_choice,
    packed_tile,
    winograd_schedule,
)
from tcompiler.costmodel.space import space

from .test_conv_algorithm_space import conv  # noqa: TID252


def test_packed_for_long_reductions_on_small_planes() -> None:
    deep = conv(xs=(1, 256, 14, 14), ws=(256, 256, 3, 3))
    assert fixed_choice(deep, space(deep)) == packed_tile(deep) == ConvSchedule("packed", 7, 2, 16)
    strided = conv(xs=(1, 128, 56, 56), ws=(128, 128, 3, 3), strides=(2, 2))
    stem = conv(xs=(1, 3, 64, 64), ws=(64, 3, 7, 7), strides=(2, 2), pads=(3, 3, 3, 3))
    for op in (strided, stem):
        assert fixed_choice(op, space(op)) == packed_tile(op)


def test_strided_1x1_subsamples_unless_the_plane_is_small() -> None:
    from tcompiler.costmodel.select import STRIDED_1X1

    unpadded = (0, 0, 0, 0)
    to_14 = conv(xs=(1, 512, 28, 28), ws=(1024, 512, 1, 1), strides=(2, 2), pads=unpadded)
    to_7 = conv(xs=(1, 1024, 14, 14), ws=(2048, 1024, 1, 1), strides=(2, 2), pads=unpadded)
    short = conv(xs=(1, 64, 14, 14), ws=(128, 64, 1, 1), strides=(2, 2), pads=unpadded)
    assert fixed_choice(to_14, space(to_14)) == STRIDED_1X1
    assert fixed_choice(to_7, space(to_7)) == packed_tile(to_7)
    assert fixed_choice(short, space(short)) == STRIDED_1X1


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
        assert schedule.algorithm != "packed"  # type: ignore[attr-defined]
        # the model's algorithm; Winograd's batched matmul then takes the heuristic GEMM tile
        if schedule.algorithm.startswith("winograd"):  # type: ignore[attr-defined]
            assert (schedule, source) == (winograd_schedule(op, schedule.algorithm), "heuristic")
        else:
            assert source == "model"
    deep = conv(xs=(1, 512, 7, 7), ws=(512, 512, 3, 3))
    assert choose(deep)[:2] == (packed_tile(deep), "heuristic")


def test_winograd_takes_the_heuristic_gemm_tile() -> None:
    """The shipped model ranks Winograd's tiles as badly as gemm's (1-vector tiles: VGG-19's
    F(2x2) 512-channel layers ran 1.45x slower than on the 8x3 GEMM tile)."""
    deep = conv(xs=(1, 512, 28, 28), ws=(512, 512, 3, 3))
    assert winograd_schedule(deep, "winograd4") == ConvSchedule("winograd4", 8, 3, 16,
                                                                ic_block=128)
    narrow = conv(xs=(1, 64, 28, 28), ws=(32, 64, 3, 3))
    assert winograd_schedule(narrow, "winograd2") == ConvSchedule("winograd2", 8, 2, 16)
    assert winograd_schedule(conv(xs=(1, 8, 28, 28), ws=(8, 8, 3, 3)), "winograd4") is None
