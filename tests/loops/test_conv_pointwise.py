"""1x1 convolutions run on the register-tiled microkernel: full tiles, remainder rows (C_out
not a multiple of 6), remainder vectors, a last vector shifted to end at the plane's edge
(planes of 16 or more pixels, not a multiple of 16), 8- and 4-wide vectors and scalar tail
columns (planes under 16), batches, bias, residual and activations, with the init and the
activation in the tiles' registers (one input-channel block) or as passes over Y (several)."""

from __future__ import annotations

import numpy as np
import pytest

from tcompiler.costmodel.schedules import ConvSchedule
from tests.loops.conftest import build, run_native

HEURISTIC = ConvSchedule("pointwise", tile_channels=6, tile_vectors=2, lanes=16)
MR, VL = HEURISTIC.tile_channels, HEURISTIC.lanes
NR = HEURISTIC.tile_vectors * VL

ATTRS = ("strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, "
         "dilations = array<i64: 1, 1>, group = 1 : i64")


def rand(*shape: int) -> np.ndarray:
    return np.random.default_rng(sum(shape)).standard_normal(shape).astype(np.float32)


def pointwise(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    return np.einsum("nchw,oc->nohw", x.astype(np.float64), w[:, :, 0, 0].astype(np.float64))


@pytest.mark.parametrize("batch,cin,cout,h,w", [
    (1, 5, 2 * MR + 1, 7, 7),      # remainder rows; 49 = 32 + 16 + 1 columns
    (2, 3, MR, 4, NR // 4),        # exactly one NR block per image, two images
    (1, 4, 3, 1, VL - 1),          # only tail columns
])
def test_pointwise_conv_tiles_and_tails(run_kernel, batch, cin, cout, h, w) -> None:
    x, wt, b, r = rand(batch, cin, h, w), rand(cout, cin, 1, 1), rand(cout), rand(batch, cout, h, w)
    ref = np.maximum(pointwise(x, wt) + b[None, :, None, None] + r, 0)
    op = (f'kernel.conv %a0, %a1 bias %a2 residual %a3 -> %a4 {{{ATTRS}, activation = "relu"}} '
          ": $0, $1 bias $2 residual $3 -> $4")
    out = run_kernel(op, [x, wt, b, r, np.zeros(ref.shape, np.float32)])
    np.testing.assert_allclose(out, ref, rtol=1e-4, atol=1e-4)


def test_pointwise_conv_plain_and_clipped(run_kernel) -> None:
    x, wt = rand(1, 6, 5, 9), rand(8, 6, 1, 1)
    out = run_kernel(f"kernel.conv %a0, %a1 -> %a2 {{{ATTRS}}} : $0, $1 -> $2",
                     [x, wt, np.zeros((1, 8, 5, 9), np.float32)])
    np.testing.assert_allclose(out, pointwise(x, wt), rtol=1e-4, atol=1e-4)
    clipped = run_kernel(
        f'kernel.conv %a0, %a1 -> %a2 {{{ATTRS}, activation = "clip", clip_min = 0.0 : f32, '
        'clip_max = 0.5 : f32} : $0, $1 -> $2', [x, wt, np.zeros((1, 8, 5, 9), np.float32)])
    np.testing.assert_allclose(clipped, np.clip(pointwise(x, wt), 0, 0.5), rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("loop_order", ["rows_channels", "channels_rows"])
@pytest.mark.parametrize("h,w", [(13, 13), (1, 15), (2, 6)])
def test_pointwise_conv_narrow_tail_vectors(run_kernel, loop_order: str, h: int, w: int) -> None:
    """Columns past the last 16-wide vector: 169 = 160 + 8 + 1, 15 = 8 + 4 + 3, 12 = 8 + 4,
    in both tile loop orders and with an input-channel block."""
    x, wt, b = rand(1, 10, h, w), rand(7, 10, 1, 1), rand(7)
    schedule = ('{family = "conv", algorithm = "pointwise", tile_channels = 3 : i64, '
                f'tile_vectors = 2 : i64, lanes = 16 : i64, loop_order = "{loop_order}", '
                "ic_block = 4 : i64}")
    out = run_kernel(f"kernel.conv %a0, %a1 bias %a2 -> %a3 {{{ATTRS}, schedule = {schedule}}}"
                     " : $0, $1 bias $2 -> $3", [x, wt, b, np.zeros((1, 7, h, w), np.float32)])
    np.testing.assert_allclose(out, pointwise(x, wt) + b[None, :, None, None], rtol=1e-4,
                               atol=1e-4)


FUSED = ('{family = "conv", algorithm = "pointwise", tile_channels = 8 : i64, '
         'tile_vectors = 3 : i64, lanes = 16 : i64, loop_order = "LOOP", ic_block = BLOCK : i64}')


@pytest.mark.parametrize("loop_order", ["rows_channels", "channels_rows"])
@pytest.mark.parametrize("h,w,block", [(14, 14, 0), (13, 13, 0), (1, 17, 0), (14, 14, 8),
                                       (4, 12, 0)])
def test_pointwise_conv_shifted_last_vector(run_kernel, loop_order: str, h: int, w: int,
                                            block: int) -> None:
    """196 = 3 x 48 + 3 x 16 + a vector shifted over the last 4, 169 (9 left), 17 (1 left),
    48 (none): bias, residual and relu in registers (one input-channel block), or through Y
    (blocks of 8 of the 20 channels: the shifted vector adds each block's partial sums)."""
    x, wt, b, r = rand(1, 20, h, w), rand(11, 20, 1, 1), rand(11), rand(1, 11, h, w)
    schedule = FUSED.replace("LOOP", loop_order).replace("BLOCK", str(block))
    op = (f'kernel.conv %a0, %a1 bias %a2 residual %a3 -> %a4 {{{ATTRS}, activation = "relu", '
          f"schedule = {schedule}}} : $0, $1 bias $2 residual $3 -> $4")
    out = run_kernel(op, [x, wt, b, r, np.zeros((1, 11, h, w), np.float32)])
    ref = np.maximum(pointwise(x, wt) + b[None, :, None, None] + r, 0)
    np.testing.assert_allclose(out, ref, rtol=1e-4, atol=1e-4)


def test_pointwise_conv_fused_residual_in_place() -> None:
    """The residual may be Y itself (the memory planner's in-place add): each tile reads its
    residual before it writes Y, and the shifted last vector's lanes over columns the tile
    before it finished are stored back as they were, not recomputed from the new Y."""
    pytest.importorskip("llvmlite")
    x, wt, b = rand(1, 20, 14, 14), rand(11, 20, 1, 1), rand(11)
    y = rand(1, 11, 14, 14)
    ref = np.clip(pointwise(x, wt) + b[None, :, None, None] + y, 0, 1.5)
    schedule = FUSED.replace("LOOP", "rows_channels").replace("BLOCK", "0")
    op = (f'kernel.conv %a0, %a1 bias %a2 residual %a3 -> %a3 {{{ATTRS}, activation = "clip", '
          f"clip_min = 0.0 : f32, clip_max = 1.5 : f32, schedule = {schedule}}} "
          ": $0, $1 bias $2 residual $3 -> $3")
    run_native(build(op, [x.shape, wt.shape, b.shape, y.shape]), [x, wt, b, y])
    np.testing.assert_allclose(y, ref, rtol=1e-4, atol=1e-4)
