"""The `packed` conv (vectors along output channels over a filter packed at compile time):
against a float64 reference across tiles (pixels x vectors x lanes), strides, dilations,
asymmetric pads, rows narrower than the tile, output channels that leave a partial block,
batches, input-channel blocks, bias, residual and activations; and the filter packing itself."""

from __future__ import annotations

import numpy as np
import pytest

from tcompiler.kernels.conv_math import packed_filter, unpacked_filter

from .test_conv_gemm import conv_reference  # noqa: TID252
from .test_conv_tiled import ints, rand  # noqa: TID252

CASES = {
    # name: (x shape, w shape, strides, pads (t, l, b, r), dilations,
    #        (pixels, vectors, lanes, ic_block))
    "3x3_7x7_one_tile_per_row": ((1, 8, 7, 7), (32, 8, 3, 3), [1, 1], [1, 1, 1, 1], [1, 1],
                                 (7, 2, 16, 0)),
    "ic_blocks_of_3_and_a_rest": ((1, 8, 7, 7), (32, 8, 3, 3), [1, 1], [1, 1, 1, 1], [1, 1],
                                  (7, 2, 16, 3)),
    "ic_blocks_stride2_partial": ((2, 6, 9, 9), (20, 6, 3, 3), [2, 2], [1, 1, 1, 1], [1, 1],
                                  (4, 1, 16, 2)),
    "3x3_stride2_partial_block": ((1, 5, 15, 15), (20, 5, 3, 3), [2, 2], [1, 1, 1, 1], [1, 1],
                                  (3, 2, 8, 0)),
    "3x3_wide_rows_middle_loop": ((2, 3, 6, 40), (16, 3, 3, 3), [1, 1], [1, 1, 1, 1], [1, 1],
                                  (5, 1, 16, 0)),
    "1x1_7x7_pointwise": ((1, 40, 7, 7), (48, 40, 1, 1), [1, 1], [0, 0, 0, 0], [1, 1],
                          (7, 2, 16, 0)),
    "1x1_13x13_ic_blocks": ((1, 24, 13, 13), (20, 24, 1, 1), [1, 1], [0, 0, 0, 0], [1, 1],
                            (7, 2, 8, 16)),
    "row_narrower_than_tile": ((1, 4, 5, 5), (8, 4, 3, 3), [1, 1], [1, 1, 1, 1], [1, 1],
                               (8, 1, 8, 0)),
    "7x7_stride2_pad3_stem": ((1, 3, 20, 24), (12, 3, 7, 7), [2, 2], [3, 3, 3, 3], [1, 1],
                              (4, 3, 4, 0)),
    "asym_pads_row_stride2": ((1, 2, 9, 21), (6, 2, 3, 3), [2, 1], [0, 2, 1, 0], [1, 1],
                              (6, 2, 4, 0)),
    "dilation2": ((1, 2, 8, 24), (8, 2, 3, 3), [1, 1], [2, 2, 2, 2], [2, 2], (7, 1, 8, 0)),
    "5x5_no_pad_one_pixel": ((1, 3, 7, 9), (16, 3, 5, 5), [1, 1], [0, 0, 0, 0], [1, 1],
                             (1, 4, 4, 0)),
    "1x3_stride3_wide_pad": ((1, 2, 3, 10), (4, 2, 1, 3), [1, 3], [0, 4, 0, 4], [1, 1],
                             (2, 1, 4, 0)),
    # a filter larger than the input: units split output-channel blocks first (split_units)
    "big_filter_channels_first": ((2, 16, 5, 6), (70, 16, 3, 3), [1, 1], [1, 1, 1, 1], [1, 1],
                                  (6, 1, 16, 4)),
}


def schedule(pixels: int, vectors: int, lanes: int, ic_block: int = 0) -> str:
    return (f'schedule = {{family = "conv", algorithm = "packed", tile_channels = {pixels} : i64, '
            f"tile_vectors = {vectors} : i64, lanes = {lanes} : i64, "
            f'loop_order = "channels_rows", ic_block = {ic_block} : i64}}')


@pytest.mark.parametrize("case", sorted(CASES))
def test_packed_conv_bias_residual_relu(run_kernel, case: str) -> None:
    xs, ws, strides, pads, dilations, (pixels, vectors, lanes, ic_block) = CASES[case]
    x, w = rand(*xs), rand(*ws)
    ref = conv_reference(x, w, strides, pads, dilations, 1)
    b, r = rand(ws[0]), rand(*ref.shape)
    ref = np.maximum(ref + b[None, :, None, None] + r, 0)
    attrs = (f"strides = {ints(strides)}, pads = {ints(pads)}, dilations = {ints(dilations)}, "
             f'group = 1 : i64, activation = "relu", {schedule(pixels, vectors, lanes, ic_block)}')
    op = f"kernel.conv %a0, %a1 bias %a2 residual %a3 -> %a4 {{{attrs}}} : $0, $1 bias $2 residual $3 -> $4"
    packed = packed_filter(w, lanes * vectors)
    out = run_kernel(op, [x, packed, b, r, np.zeros(ref.shape, np.float32)])
    np.testing.assert_allclose(out, ref, rtol=1e-4, atol=1e-4)


def test_packed_conv_plain_and_clip(run_kernel) -> None:
    x, w = rand(1, 4, 6, 18), rand(10, 4, 3, 3)
    ref = conv_reference(x, w, [1, 1], [1, 1, 1, 1], [1, 1], 1)
    attrs = ("strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = "
             f"array<i64: 1, 1>, group = 1 : i64, {schedule(7, 2, 4, 3)}")
    packed = packed_filter(w, 8)
    out = run_kernel(f"kernel.conv %a0, %a1 -> %a2 {{{attrs}}} : $0, $1 -> $2",
                     [x, packed, np.zeros(ref.shape, np.float32)])
    np.testing.assert_allclose(out, ref, rtol=1e-4, atol=1e-4)
    clipped = run_kernel(
        f'kernel.conv %a0, %a1 -> %a2 {{{attrs}, activation = "clip", clip_min = 0.0 : f32, '
        'clip_max = 6.0 : f32} : $0, $1 -> $2', [x, packed, np.zeros(ref.shape, np.float32)])
    np.testing.assert_allclose(clipped, np.clip(ref, 0, 6), rtol=1e-4, atol=1e-4)


def test_packed_filter_layout() -> None:
    w = rand(20, 3, 2, 3)
    packed = packed_filter(w, 16)
    assert packed.shape == (2, 3, 2, 3, 16)
    assert packed[1, 2, 1, 0, 3] == w[19, 2, 1, 0]
    assert not packed[1, ..., 4:].any()  # zero past the 20 output channels
    np.testing.assert_array_equal(unpacked_filter(packed, 20), w)


def test_split_units_rows_or_channels_first() -> None:
    from tcompiler.codegen.loops.conv_tiled import split_units

    # ResNet-50's 7x7 stage: 16 blocks of output channels, 7 rows, one image
    assert split_units(1, 16, 7) == (3, 6, 7, 1)  # rows first: each row a unit
    assert split_units(1, 16, 7, channels_first=True) == (16, 1, 1, 7)  # a block, all rows
    assert split_units(1, 5, 7, channels_first=True) == (5, 1, 4, 2)
    assert split_units(2, 40, 3, channels_first=True) == (8, 5, 1, 3)
    # an empty batch or plane (tcc fuzz: a conv over a batch of 0 divided by zero here)
    assert split_units(0, 4, 5) == split_units(1, 4, 5)
    assert split_units(1, 4, 0, channels_first=True) == (4, 1, 1, 1)
