"""Loops for the sampling kernels (`dialects/kernel_detect.py`): grid_sample and roi_align,
each output element computed on its own (the parallel units are its leading dims), in f32.

- grid_sample, per output position: each spatial coordinate (grid component d - 1 - i for
  dim i) is denormalized ((g + 1) / 2 * (size - 1) with align_corners, else
  ((g + 1) * size - 1) / 2), rounded half to even for nearest; out of [0, size - 1]
  (align_corners) or [-0.5, size - 0.5] it is clamped to [0, size - 1] (border) or reflected
  into that range (reflection). Then its taps: nearest 1, linear 2 (weights 1 - t, t), cubic
  4 (Keys, a = -0.75) around floor(x); a tap outside the image reads 0 (zeros), the nearest
  edge pixel (border) or its reflection (reflection). The channel loop is innermost: the
  taps are computed once per position. This is onnx.reference's GridSample, tap for tap.
- roi_align, per (roi, channel, bin): onnxruntime's RoiAlign: the roi scaled by
  spatial_scale (shifted by -0.5 with half_pixel; else at least 1 x 1), cut into h x w bins,
  each sampled on a grid of sampling_ratio (0: ceil(roi extent / bins), a run-time loop
  bound) points per side; a sample is bilinear from its 4 pixels (a sample beyond [-1, size]
  counts 0; below 0 it is clamped to 0, at the last pixel it stays there); avg means the
  weighted sums over the samples, max the largest weighted corner value of any sample.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import product

from xdsl.dialects import arith, math
from xdsl.dialects.builtin import IndexType, i64
from xdsl.ir import SSAValue

from tcompiler.codegen.loops.builder import Idx, LoopBuilder, parallel_nest
from tcompiler.codegen.loops.detect import cmpf, fsub, to_index
from tcompiler.codegen.loops.index import _and, _or
from tcompiler.costmodel.schedules import LoopSchedule
from tcompiler.dialects.kernel import shape
from tcompiler.dialects.kernel_detect import GridSampleOp, RoiAlignOp

CUBIC_A = -0.75

Tap = tuple[Idx, SSAValue, SSAValue | None]
"""(pixel index, weight, whether the pixel is inside the image (None: always))."""


def _select(b: LoopBuilder, cond: SSAValue, a: SSAValue, c: SSAValue) -> SSAValue:
    return b.insert(arith.SelectOp(cond, a, c)).results[0]


def _fix(b: LoopBuilder, x: SSAValue, lo: float, hi: float) -> SSAValue:
    """x clamped to [lo, hi] (f32)."""
    return b.fop(arith.MinimumfOp, b.fop(arith.MaximumfOp, x, b.f32(lo)), b.f32(hi))


def _to_index(b: LoopBuilder, x: SSAValue) -> SSAValue:
    """An f32 holding a whole number, as an index (truncated)."""
    wide = b.insert(arith.FPToSIOp(x, i64)).results[0]
    return b.insert(arith.IndexCastOp(wide, IndexType())).results[0]


def _reflect(b: LoopBuilder, x: SSAValue, lo: float, hi: float) -> SSAValue:
    """x reflected by the near border until within [lo, hi] (onnx.reference's _gs_reflect)."""
    span = b.f32(hi - lo)

    def fold(distance: SSAValue, near: float, far: float) -> SSAValue:
        turns = b.unary(math.FloorOp, b.fop(arith.DivfOp, distance, span))
        rest = fsub(b, distance, b.fmul(turns, span))
        half = b.unary(math.FloorOp, b.fmul(turns, b.f32(0.5)))
        even = cmpf(b, fsub(b, turns, b.fmul(half, b.f32(2.0))), b.f32(0.0), "oeq")
        toward = b.fadd(b.f32(near), rest) if near < far else fsub(b, b.f32(near), rest)
        back = fsub(b, b.f32(far), rest) if near < far else b.fadd(b.f32(far), rest)
        return _select(b, even, toward, back)

    below = fold(fsub(b, b.f32(lo), x), lo, hi)
    above = fold(fsub(b, x, b.f32(hi)), hi, lo)
    return _select(b, cmpf(b, x, b.f32(lo), "olt"), below,
                   _select(b, cmpf(b, x, b.f32(hi), "ogt"), above, x))


class _Sampler:
    """The taps along one spatial dim of `size` pixels (module doc)."""

    def __init__(self, op: GridSampleOp, size: int):
        self.size, self.mode, self.padding = size, op.mode.data, op.padding.data
        self.align = bool(op.align_corners.value.data)
        self.lo, self.hi = (0.0, size - 1.0) if self.align else (-0.5, size - 0.5)

    def coordinate(self, b: LoopBuilder, g: SSAValue) -> SSAValue:
        plus = b.fadd(g, b.f32(1.0))
        if self.align:
            x = b.fmul(b.fmul(plus, b.f32(0.5)), b.f32(self.size - 1.0))
        else:
            x = b.fmul(fsub(b, b.fmul(plus, b.f32(float(self.size))), b.f32(1.0)), b.f32(0.5))
        if self.mode == "nearest":
            x = b.unary(math.RoundEvenOp, x)
        if self.padding == "border":
            outside = _or(b, cmpf(b, x, b.f32(self.lo), "olt"), cmpf(b, x, b.f32(self.hi), "ogt"))
            return _select(b, outside, _fix(b, x, 0.0, self.size - 1.0), x)
        if self.padding == "reflection":
            return _reflect(b, x, self.lo, self.hi)
        return x

    def pixel(self, b: LoopBuilder, position: SSAValue) -> tuple[Idx, SSAValue | None]:
        """The pixel a tap at the whole number `position` (f32) reads, and its validity."""
        if self.padding == "reflection":
            position = _reflect(b, position, self.lo, self.hi)
        inside = None
        if self.padding == "zeros":
            inside = _and(b, cmpf(b, position, b.f32(0.0), "oge"),
                          cmpf(b, position, b.f32(self.size - 1.0), "ole"))
        return _to_index(b, _fix(b, position, 0.0, self.size - 1.0)), inside

    def taps(self, b: LoopBuilder, x: SSAValue) -> list[Tap]:
        if self.mode == "nearest":
            return [self._tap(b, x, b.f32(1.0))]
        base = b.unary(math.FloorOp, x)
        t = fsub(b, x, base)
        if self.mode == "linear":
            weights = [fsub(b, b.f32(1.0), t), t]
            offsets = [0.0, 1.0]
        else:
            weights = _cubic_weights(b, t)
            offsets = [-1.0, 0.0, 1.0, 2.0]
        return [self._tap(b, b.fadd(base, b.f32(o)), w) for o, w in zip(offsets, weights)]

    def _tap(self, b: LoopBuilder, position: SSAValue, weight: SSAValue) -> Tap:
        index, inside = self.pixel(b, position)
        return index, weight, inside


def _cubic_weights(b: LoopBuilder, t: SSAValue) -> list[SSAValue]:
    """Keys' cubic convolution weights of the taps at -1, 0, 1, 2 for the fraction t."""
    a = CUBIC_A

    def far(s: SSAValue) -> SSAValue:  # |s| in [1, 2]: ((a s - 5a) s + 8a) s - 4a
        inner = b.fadd(b.fmul(fsub(b, b.fmul(b.f32(a), s), b.f32(5 * a)), s), b.f32(8 * a))
        return fsub(b, b.fmul(inner, s), b.f32(4 * a))

    def near(s: SSAValue) -> SSAValue:  # |s| in [0, 1]: ((a + 2) s - (a + 3)) s s + 1
        inner = fsub(b, b.fmul(b.f32(a + 2), s), b.f32(a + 3))
        return b.fadd(b.fmul(b.fmul(inner, s), s), b.f32(1.0))

    one_minus = fsub(b, b.f32(1.0), t)
    return [far(b.fadd(t, b.f32(1.0))), near(t), near(one_minus),
            far(fsub(b, b.f32(2.0), t))]


def emit_grid_sample(b: LoopBuilder, op: GridSampleOp, sched: LoopSchedule) -> None:
    x, y = shape(op.X), shape(op.Y)
    dims = x[2:]
    samplers = [_Sampler(op, size) for size in dims]

    def position(b: LoopBuilder, ivs: list[Idx]) -> None:
        n, at = ivs[0], ivs[1:]
        taps = []
        for i, sampler in enumerate(samplers):
            g = b.load(op.G, [n, *at, len(dims) - 1 - i])
            taps.append(sampler.taps(b, sampler.coordinate(b, g)))
        weights = [_product(b, [t[1] for t in combo]) for combo in product(*taps)]

        def channel(b: LoopBuilder, c: Idx) -> None:
            total = None
            for combo, weight in zip(product(*taps), weights):
                value = b.load(op.X, [n, c, *[t[0] for t in combo]])
                inside = [t[2] for t in combo if t[2] is not None]
                if inside:
                    valid = inside[0]
                    for more in inside[1:]:
                        valid = _and(b, valid, more)
                    value = _select(b, valid, value, b.f32(0.0))
                term = b.fmul(weight, value)
                total = term if total is None else b.fadd(total, term)
            assert total is not None
            b.store(total, op.Y, [n, c, *at])

        b.loop(0, x[1], channel)

    parallel_nest(b, [y[0], *y[2:], 1], lambda b, ivs: position(b, ivs[:-1]))


def _product(b: LoopBuilder, factors: Sequence[SSAValue]) -> SSAValue:
    result = factors[0]
    for factor in factors[1:]:
        result = b.fmul(result, factor)
    return result


def emit_roi_align(b: LoopBuilder, op: RoiAlignOp, sched: LoopSchedule) -> None:
    _, _, height, width = shape(op.X)
    pooled_h, pooled_w = shape(op.Y)[2:]
    scale, ratio = op.spatial_scale.value.data, op.sampling_ratio.value.data
    offset = 0.5 if op.half_pixel.value.data else 0.0
    is_max = op.mode.data == "max"

    def element(b: LoopBuilder, ivs: list[Idx]) -> None:
        r, c, ph, pw = ivs
        image = to_index(b, b.load(op.I, [r]))
        corners = [fsub(b, b.fmul(b.load(op.R, [r, k]), b.f32(scale)), b.f32(offset))
                   for k in range(4)]
        start_w, start_h = corners[0], corners[1]
        roi_w, roi_h = fsub(b, corners[2], corners[0]), fsub(b, corners[3], corners[1])
        if not op.half_pixel.value.data:
            roi_w = b.fop(arith.MaximumfOp, roi_w, b.f32(1.0))
            roi_h = b.fop(arith.MaximumfOp, roi_h, b.f32(1.0))
        bin_h = b.fop(arith.DivfOp, roi_h, b.f32(float(pooled_h)))
        bin_w = b.fop(arith.DivfOp, roi_w, b.f32(float(pooled_w)))
        grid_h = b.f32(float(ratio)) if ratio > 0 else b.unary(math.CeilOp, bin_h)
        grid_w = b.f32(float(ratio)) if ratio > 0 else b.unary(math.CeilOp, bin_w)
        top = b.fadd(start_h, b.fmul(b.to_f32(ph), bin_h))
        left = b.fadd(start_w, b.fmul(b.to_f32(pw), bin_w))

        def sample(b: LoopBuilder, at: list[Idx], acc: list[SSAValue]) -> list[SSAValue]:
            iy, ix = at
            yy = b.fadd(top, b.fop(arith.DivfOp, b.fmul(b.fadd(b.to_f32(iy), b.f32(0.5)),
                                                         bin_h), grid_h))
            xx = b.fadd(left, b.fop(arith.DivfOp, b.fmul(b.fadd(b.to_f32(ix), b.f32(0.5)),
                                                          bin_w), grid_w))
            terms = _bilinear(b, op, image, c, yy, xx, height, width)
            if is_max:
                best = terms[0]
                for term in terms[1:]:
                    best = b.fop(arith.MaximumfOp, best, term)
                return [b.fop(arith.MaximumfOp, acc[0], best)]
            return [b.fadd(acc[0], b.fadd(b.fadd(b.fadd(terms[0], terms[1]), terms[2]),
                                          terms[3]))]

        rows, cols = _to_index(b, grid_h), _to_index(b, grid_w)
        start = b.f32(float("-inf") if is_max else 0.0)
        total = b.reduce_many([(0, rows), (0, cols)], [start], sample)[0]
        if is_max:  # no sample: 0
            empty = _or(b, cmpf(b, grid_h, b.f32(0.0), "ole"), cmpf(b, grid_w, b.f32(0.0), "ole"))
            value = _select(b, empty, b.f32(0.0), total)
        else:
            count = b.fop(arith.MaximumfOp, b.fmul(grid_h, grid_w), b.f32(1.0))
            value = b.fop(arith.DivfOp, total, count)
        b.store(value, op.Y, [r, c, ph, pw])

    parallel_nest(b, list(shape(op.Y)), element)


def _bilinear(b: LoopBuilder, op: RoiAlignOp, image: SSAValue, c: Idx, y: SSAValue,
              x: SSAValue, height: int, width: int) -> list[SSAValue]:
    """The four weighted pixel values of a sample at (y, x) (all 0 far outside)."""
    outside = _or(b, _or(b, cmpf(b, y, b.f32(-1.0), "olt"),
                         cmpf(b, y, b.f32(float(height)), "ogt")),
                  _or(b, cmpf(b, x, b.f32(-1.0), "olt"),
                      cmpf(b, x, b.f32(float(width)), "ogt")))
    (y0, y1, ly), (x0, x1, lx) = _axis(b, y, height), _axis(b, x, width)
    hy, hx = fsub(b, b.f32(1.0), ly), fsub(b, b.f32(1.0), lx)
    terms = []
    for (row, wy), (col, wx) in product(((y0, hy), (y1, ly)), ((x0, hx), (x1, lx))):
        weight = _select(b, outside, b.f32(0.0), b.fmul(wy, wx))
        terms.append(b.fmul(weight, b.load(op.X, [image, c, row, col])))
    return terms


def _axis(b: LoopBuilder, v: SSAValue, size: int) -> tuple[SSAValue, SSAValue, SSAValue]:
    """(low pixel, high pixel, fraction) of a sample coordinate along a dim of `size`."""
    v = b.fop(arith.MaximumfOp, v, b.f32(0.0))
    low = b.unary(math.FloorOp, v)
    last = cmpf(b, low, b.f32(size - 1.0), "oge")
    low = _select(b, last, b.f32(size - 1.0), low)
    high = _select(b, last, low, b.fadd(low, b.f32(1.0)))
    v = _select(b, last, low, v)
    low_index = _to_index(b, _fix(b, low, 0.0, size - 1.0))
    high_index = _to_index(b, _fix(b, high, 0.0, size - 1.0))
    return low_index, high_index, fsub(b, v, low)


SAMPLE_EMITTERS = {
    GridSampleOp: emit_grid_sample,
    RoiAlignOp: emit_roi_align,
}
