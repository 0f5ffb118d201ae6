"""KxK convolutions with width stride 1 or 2 run register-tiled (an overlapping last column
block; windows reaching into padding are shifted loads): check against a float64 reference
across lane widths (16, 8 and 4), row strides, dilations, asymmetric and large pads, channel
remainders, batches, bias, residual and activations."""

from __future__ import annotations

import numpy as np
import pytest

from tcompiler.dialects.kernel import ConvOp

from .test_conv_gemm import conv_reference  # noqa: TID252

CASES = {
    # name: (x shape, w shape, strides, pads (t, l, b, r), dilations[, group])
    "3x3_wide": ((1, 3, 6, 20), (7, 3, 3, 3), [1, 1], [1, 1, 1, 1], [1, 1]),
    "3x3_narrow_lanes8": ((2, 2, 5, 12), (6, 2, 3, 3), [1, 1], [1, 1, 1, 1], [1, 1]),
    "3x3_7x7_lanes4": ((1, 3, 7, 7), (8, 3, 3, 3), [1, 1], [1, 1, 1, 1], [1, 1]),
    "3x3_stride2_pad1": ((1, 3, 9, 34), (5, 3, 3, 3), [2, 2], [1, 1, 1, 1], [1, 1]),
    "1x1_stride2": ((1, 4, 6, 40), (6, 4, 1, 1), [2, 2], [0, 0, 0, 0], [1, 1]),
    "7x7_stride2_pad3_stem": ((1, 3, 20, 40), (4, 3, 7, 7), [2, 2], [3, 3, 3, 3], [1, 1]),
    "3x3_stride2_odd_narrow": ((1, 2, 9, 15), (3, 2, 3, 3), [2, 2], [1, 1, 1, 1], [1, 1]),
    "depthwise_3x3": ((1, 5, 6, 40), (5, 1, 3, 3), [1, 1], [1, 1, 1, 1], [1, 1], 5),
    "depthwise_stride2": ((2, 4, 7, 33), (4, 1, 3, 3), [2, 2], [1, 1, 1, 1], [1, 1], 4),
    "grouped_1x1_g3": ((1, 6, 4, 20), (9, 2, 1, 1), [1, 1], [0, 0, 0, 0], [1, 1], 3),
    "grouped_3x3_g2_remainder": ((1, 4, 5, 18), (14, 2, 3, 3), [1, 1], [1, 1, 1, 1], [1, 1], 2),
    "row_stride2_asym": ((1, 2, 9, 21), (5, 2, 3, 3), [2, 1], [0, 2, 1, 0], [1, 1]),
    "dilation2": ((1, 2, 8, 24), (4, 2, 3, 3), [1, 1], [2, 2, 2, 2], [2, 2]),
    "5x5_no_pad": ((1, 3, 7, 26), (13, 3, 5, 5), [1, 1], [0, 0, 0, 0], [1, 1]),
    "7x7_pad3": ((1, 2, 9, 16), (3, 2, 7, 7), [1, 1], [3, 3, 3, 3], [1, 1]),
    "wide_pad_beyond_lanes": ((1, 1, 3, 8), (2, 1, 3, 11), [1, 1], [1, 9, 1, 9], [1, 1]),
}


def rand(*shape: int) -> np.ndarray:
    return np.random.default_rng(sum(shape)).standard_normal(shape).astype(np.float32)


def ints(values: list[int]) -> str:
    return "array<i64: " + ", ".join(map(str, values)) + ">"


@pytest.mark.parametrize("case", sorted(CASES))
def test_tiled_conv_bias_residual_relu(run_kernel, case: str) -> None:
    xs, ws, strides, pads, dilations, *rest = CASES[case]
    group = rest[0] if rest else 1
    x, w = rand(*xs), rand(*ws)
    ref = conv_reference(x, w, strides, pads, dilations, group)
    b, r = rand(ws[0]), rand(*ref.shape)
    ref = np.maximum(ref + b[None, :, None, None] + r, 0)
    attrs = (f"strides = {ints(strides)}, pads = {ints(pads)}, dilations = {ints(dilations)}, "
             f'group = {group} : i64, activation = "relu"')
    op = f"kernel.conv %a0, %a1 bias %a2 residual %a3 -> %a4 {{{attrs}}} : $0, $1 bias $2 residual $3 -> $4"
    out = run_kernel(op, [x, w, b, r, np.zeros(ref.shape, np.float32)])
    np.testing.assert_allclose(out, ref, rtol=1e-4, atol=1e-4)


def test_tiled_conv_plain_and_clip(run_kernel) -> None:
    x, w = rand(1, 4, 6, 18), rand(5, 4, 3, 3)
    ref = conv_reference(x, w, [1, 1], [1, 1, 1, 1], [1, 1], 1)
    attrs = "strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64"
    out = run_kernel(f"kernel.conv %a0, %a1 -> %a2 {{{attrs}}} : $0, $1 -> $2",
                     [x, w, np.zeros(ref.shape, np.float32)])
    np.testing.assert_allclose(out, ref, rtol=1e-4, atol=1e-4)
    clipped = run_kernel(
        f'kernel.conv %a0, %a1 -> %a2 {{{attrs}, activation = "clip", clip_min = 0.0 : f32, '
        'clip_max = 6.0 : f32} : $0, $1 -> $2', [x, w, np.zeros(ref.shape, np.float32)])
    np.testing.assert_allclose(clipped, np.clip(ref, 0, 6), rtol=1e-4, atol=1e-4)


def test_cases_take_the_tiled_path() -> None:
    from xdsl.parser import Parser

    from tcompiler.context import make_context
    from tcompiler.costmodel.schedules import heuristic

    for xs, ws, strides, pads, dilations, *rest in CASES.values():
        group = rest[0] if rest else 1
        ref = conv_reference(np.zeros(xs, np.float32), np.zeros(ws, np.float32), strides, pads,
                             dilations, group)
        mem = lambda s: "memref<" + "x".join(map(str, s)) + "xf32>"  # noqa: E731
        text = (f"func.func @k(%x: {mem(xs)}, %w: {mem(ws)}, %y: {mem(ref.shape)}) {{\n"
                f"kernel.conv %x, %w -> %y {{strides = {ints(strides)}, pads = {ints(pads)}, "
                f"dilations = {ints(dilations)}, group = {group} : i64}} : {mem(xs)}, {mem(ws)} -> {mem(ref.shape)}\n"
                "func.return\n}")
        conv = next(o for o in Parser(make_context(), text).parse_module().walk() if isinstance(o, ConvOp))
        assert heuristic(conv).algorithm == "tiled"
