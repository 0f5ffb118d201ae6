"""Numpy reference implementations of the windowed and reducing kernels (no IR here).

Each function takes and returns numpy arrays and computes in the inputs' precision (f32
in, f32 accumulation; matrix products go through numpy's BLAS sgemm, so summation order
differs from the native loops by the usual f32 reassociation noise). Window geometry is
ONNX's: `pads` = begins then ends, output position o and tap t read input position
o * stride - pad_begin + t * dilation; the output extents are given (Y's shape), which fixes
ceil_mode. `kernel.py` maps the kernel-dialect ops onto these.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import as_strided

LOWEST_F32 = np.float32(-3.4028234663852886e38)
"""The initial value of a max pool (onnxruntime's): a window of padding only gives it."""


def windows(x: np.ndarray, out: Sequence[int], kernel: Sequence[int], strides: Sequence[int],
            pads: Sequence[int], dilations: Sequence[int], fill: Any) -> np.ndarray:
    """A read-only view [N, C, *out, *kernel] of the windows of `x` [N, C, *spatial], padded
    with `fill` (at the end as far as the given output extents reach)."""
    spatial = len(kernel)
    widths = [(0, 0), (0, 0)]
    for d in range(spatial):
        reach = (out[d] - 1) * strides[d] + (kernel[d] - 1) * dilations[d] + 1
        widths.append((pads[d], max(reach - pads[d] - x.shape[2 + d], 0)))
    padded = np.pad(x, widths, constant_values=fill)
    step = padded.strides
    view_strides = (*step[:2], *(step[2 + d] * strides[d] for d in range(spatial)),
                    *(step[2 + d] * dilations[d] for d in range(spatial)))
    return as_strided(padded, (*x.shape[:2], *out, *kernel), view_strides, writeable=False)


def conv(x: np.ndarray, w: np.ndarray, out: Sequence[int], strides: Sequence[int],
         pads: Sequence[int], dilations: Sequence[int], group: int) -> np.ndarray:
    """Grouped N-d convolution (no bias): Y [N, C_out, *out]."""
    n, c_in = x.shape[:2]
    c_out, kernel = w.shape[0], w.shape[2:]
    spatial = len(kernel)
    view = windows(x, out, kernel, strides, pads, dilations, x.dtype.type(0))
    # [N, C_in, *out, *k] -> [G, N * P, C_in/G * K]: im2col, one matrix per group, one copy
    view = view.reshape(n, group, c_in // group, *out, *kernel)
    order = (1, 0, *range(3, 3 + spatial), 2, *range(3 + spatial, 3 + 2 * spatial))
    cols = view.transpose(order).reshape(group, n * math.prod(out), -1)
    mats = w.reshape(group, c_out // group, -1).transpose(0, 2, 1)
    y = np.matmul(cols, mats)  # [G, N * P, C_out / G]
    y = y.reshape(group, n, math.prod(out), c_out // group).transpose(1, 0, 3, 2)
    return np.ascontiguousarray(y.reshape(n, c_out, *out))


def conv_transpose(x: np.ndarray, w: np.ndarray, out: Sequence[int], strides: Sequence[int],
                   pads: Sequence[int], dilations: Sequence[int], group: int) -> np.ndarray:
    """Grouped N-d transposed convolution (no bias): input position i and tap k add
    W * X into output position i * stride - pad_begin + k * dilation."""
    n, c_in = x.shape[:2]
    c_out_g, kernel = w.shape[1], w.shape[2:]
    spatial, size = len(kernel), x.shape[2:]
    c_in_g = c_in // group
    xg = x.reshape(n, group, c_in_g, -1)
    wg = w.reshape(group, c_in_g, c_out_g, -1)
    contrib = np.einsum("ngcp,gcok->ngokp", xg, wg)  # [N, G, C_out/G, K, P]
    contrib = contrib.reshape(n, group * c_out_g, math.prod(kernel), *size)
    full = [max((size[d] - 1) * strides[d] + (kernel[d] - 1) * dilations[d] + 1,
                pads[d] + out[d]) for d in range(spatial)]
    y = np.zeros((n, group * c_out_g, *full), dtype=x.dtype)
    for t, ks in enumerate(np.ndindex(*kernel)):
        where = tuple(slice(k * dilations[d], k * dilations[d] + (size[d] - 1) * strides[d] + 1,
                            strides[d]) for d, k in enumerate(ks))
        y[(slice(None), slice(None), *where)] += contrib[:, :, t]
    crop = tuple(slice(pads[d], pads[d] + out[d]) for d in range(spatial))
    return np.ascontiguousarray(y[(slice(None), slice(None), *crop)])


def _tap_axes(spatial: int) -> tuple[int, ...]:
    return tuple(range(2 + spatial, 2 + 2 * spatial))


def max_pool(x: np.ndarray, out: Sequence[int], kernel: Sequence[int],
             strides: Sequence[int], pads: Sequence[int], dilations: Sequence[int]
             ) -> np.ndarray:
    """Max over the real taps of each window, NaN ignored, from LOWEST_F32 (as onnxruntime)."""
    view = windows(x, out, kernel, strides, pads, dilations, np.nan)
    return np.fmax.reduce(view, axis=_tap_axes(len(kernel)), initial=LOWEST_F32)


def avg_pool(x: np.ndarray, out: Sequence[int], kernel: Sequence[int], strides: Sequence[int],
             pads: Sequence[int], dilations: Sequence[int], count_include_pad: bool
             ) -> np.ndarray:
    """Sum over the real taps, divided by the count of real taps, or with
    `count_include_pad` of the taps inside the padded extent (never beyond it)."""
    spatial = len(kernel)
    axes = _tap_axes(spatial)
    total = windows(x, out, kernel, strides, pads, dilations, x.dtype.type(0)).sum(
        axis=axes, dtype=x.dtype)
    inside = np.ones((1, 1, *x.shape[2:]), dtype=x.dtype)
    if count_include_pad:
        inside = np.pad(inside, [(0, 0), (0, 0), *zip(pads[:spatial], pads[spatial:])],
                        constant_values=1)
        pads = [0] * (2 * spatial)
    count = windows(inside, out, kernel, strides, pads, dilations, x.dtype.type(0)).sum(
        axis=axes, dtype=x.dtype)
    return total / count


def sum_pool(x: np.ndarray, out: Sequence[int], kernel: Sequence[int], strides: Sequence[int],
             pads: Sequence[int], dilations: Sequence[int]) -> np.ndarray:
    """Sum over the real taps of each window."""
    return windows(x, out, kernel, strides, pads, dilations, x.dtype.type(0)).sum(
        axis=_tap_axes(len(kernel)), dtype=x.dtype)


def argmax_pool(x: np.ndarray, out: Sequence[int], kernel: Sequence[int],
                strides: Sequence[int], pads: Sequence[int], dilations: Sequence[int],
                column_major: bool) -> np.ndarray:
    """MaxPool's Indices: per window the flat index into X of the first tap holding the
    largest value (NaN never wins); a window without a value above -inf gives the index of
    its first in-bounds position."""
    n, c, spatial = x.shape[0], x.shape[1], len(kernel)
    view = windows(np.where(np.isnan(x), -np.inf, x), out, kernel, strides, pads, dilations,
                   -np.inf).reshape(n, c, *out, -1)
    best = np.argmax(view, axis=-1)
    found = np.take_along_axis(view, best[..., None], axis=-1)[..., 0] > -np.inf
    taps = np.unravel_index(best, tuple(kernel))
    dims = x.shape[2:]
    place = [math.prod(dims[:d]) if column_major else math.prod(dims[d + 1:])
             for d in range(spatial)]
    grid = np.indices((n, c, *out), sparse=True)
    index = (grid[0] * c + grid[1]) * math.prod(dims)
    first = index.copy()
    for d in range(spatial):
        start = grid[2 + d] * strides[d] - pads[d]
        index = index + (start + taps[d] * dilations[d]) * place[d]
        first = first + np.maximum(start, 0) * place[d]
    return np.where(found, index, first).astype(np.int64)


def softmax(x: np.ndarray, axis: int, log: bool) -> np.ndarray:
    peak = np.max(x, axis=axis, keepdims=True)
    shifted = x - peak
    total = np.sum(np.exp(shifted), axis=axis, keepdims=True, dtype=x.dtype)
    if log:
        return x - (peak + np.log(total))
    return np.exp(shifted) / total


def lrn(x: np.ndarray, size: int, alpha: float, beta: float, bias: float) -> np.ndarray:
    """ONNX LRN across dim 1: X / (bias + alpha / size * sum of squares) ^ beta."""
    before = (size - 1) // 2
    squares = np.pad(x * x, [(0, 0), (before, size - 1 - before)] + [(0, 0)] * (x.ndim - 2))
    total = np.zeros_like(x)
    for j in range(size):
        total = total + squares[:, j:j + x.shape[1]]
    f32 = x.dtype.type
    return x / np.power(f32(bias) + total * f32(alpha / size), f32(beta))


def reduce(x: np.ndarray, kind: str, axes: tuple[int, ...], keepdims: bool) -> np.ndarray:
    """sum / mean / max / min / prod over `axes`; an empty reduction gives the identity (mean:
    0, as onnxruntime; ONNX leaves it undefined, onnx.reference gives NaN); integer sums and
    products wrap; on i1 sum is xor, max is or, min and prod are and."""
    if x.dtype == np.bool_:
        ufunc = {"sum": np.logical_xor, "max": np.logical_or, "min": np.logical_and,
                 "prod": np.logical_and}[kind]
        return ufunc.reduce(x, axis=axes, keepdims=keepdims)
    if kind == "prod":
        return np.prod(x, axis=axes, keepdims=keepdims, dtype=x.dtype)
    if kind in ("sum", "mean"):
        total = np.sum(x, axis=axes, keepdims=keepdims, dtype=x.dtype)
        count = math.prod(x.shape[a] for a in axes)
        return total / x.dtype.type(count) if kind == "mean" and count else total
    low, high = _extremes(x.dtype)
    if kind == "max":
        return np.max(x, axis=axes, keepdims=keepdims, initial=low)
    return np.min(x, axis=axes, keepdims=keepdims, initial=high)


def _extremes(dtype: np.dtype[Any]) -> tuple[Any, Any]:
    if dtype.kind == "f":
        return dtype.type(-np.inf), dtype.type(np.inf)
    info = np.iinfo(dtype)
    return dtype.type(info.min), dtype.type(info.max)


def moments(x: np.ndarray, axes: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Mean and population variance over `axes` (two passes, keepdims)."""
    count = x.dtype.type(math.prod(x.shape[a] for a in axes))
    mean = np.sum(x, axis=axes, keepdims=True, dtype=x.dtype) / count
    diff = x - mean
    return mean, np.sum(diff * diff, axis=axes, keepdims=True, dtype=x.dtype) / count
