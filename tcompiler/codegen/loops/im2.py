"""Loops for kernel.im2col and kernel.im2win: copies of input rows, padding written as zeros.

Both transforms are row copies (`tcompiler/kernels/conv_math.py` has the index maps). For each
output row (n, r, oh) of Y the source is one input row (or none, in the padding), and the
columns of Y that read inside that row form one range [lo, hi), so the emitted nest is

    for n, c, kh, (kw | phase), oh:                   r = the row of Y this (c, kh, ...) fills
      ih = oh*sh + kh*dh - pt
      if ih is inside X (oh in [oh_lo, oh_hi)):        (rows outside are zero-filled)
        Y[n, r, oh, 0:lo] = 0
        Y[n, r, oh, j] = X[n, c, ih, j*s + off]       for j in [lo, hi): LLVM vectorizes it
        Y[n, r, oh, hi:] = 0

with off = kw*dw - pl (im2col, s = sw) or p - pl (im2win, s = sw). No bounds checks inside the
innermost loop; nothing outside X is read. Y must not overlap X.
"""

from __future__ import annotations

from tcompiler.codegen.loops.builder import Idx, LoopBuilder, parallel_nest
from tcompiler.codegen.loops.conv import valid_range
from tcompiler.codegen.loops.conv_tiled import row_range
from tcompiler.dialects.kernel import Im2ColOp, Im2WinNhwcOp, Im2WinOp, int_values, shape
from tcompiler.kernels.conv_math import im2win_phases


def _rows(b: LoopBuilder, op: Im2ColOp | Im2WinOp, n: Idx, c: Idx, kh: Idx, r: Idx,
          col_offset: Idx, col_stride: int) -> None:
    """Fill rows Y[n, r, :, :] from X[n, c, oh*sh + kh*dh - pt, j*col_stride + col_offset]."""
    x, y = shape(op.X), shape(op.Y)
    sh, dh, pt = int_values(op.strides)[0], int_values(op.dilations)[0], int_values(op.pads)[0]
    out_h, out_w = y[2], y[3]
    oh_lo, oh_hi = valid_range(b, kh, out_h, x[2], sh, pt, dh)
    oh_lo = b.min(oh_lo, out_h)
    # columns j with 0 <= j*col_stride + col_offset < W, i.e. valid_range with k*d = offset
    lo, hi = valid_range(b, col_offset, out_w, x[3], col_stride, 0, 1)
    lo = b.min(lo, out_w)

    def zero_row(b: LoopBuilder, oh: Idx, start: Idx, stop: Idx) -> None:
        b.loop(start, stop, lambda b, j: b.store(b.f32(0.0), op.Y, [n, r, oh, j]))

    def copy_row(b: LoopBuilder, oh: Idx) -> None:
        ih = b.add(b.mul(oh, sh), b.sub(b.mul(kh, dh), pt))
        zero_row(b, oh, 0, lo)
        b.loop(lo, hi, lambda b, j: b.store(
            b.load(op.X, [n, c, ih, b.add(b.mul(j, col_stride), col_offset)]), op.Y, [n, r, oh, j]))
        zero_row(b, oh, b.max(hi, lo), out_w)

    padded = any(int_values(op.pads))
    if padded:
        b.loop(0, oh_lo, lambda b, oh: zero_row(b, oh, 0, out_w))
    b.loop(oh_lo, oh_hi, copy_row)
    if padded:
        b.loop(b.max(oh_hi, oh_lo), out_h, lambda b, oh: zero_row(b, oh, 0, out_w))


def emit_im2col(b: LoopBuilder, op: Im2ColOp, sched: object) -> None:
    x = shape(op.X)
    kh_n, kw_n = int_values(op.kernel_shape)
    sw, dw, pl = int_values(op.strides)[1], int_values(op.dilations)[1], int_values(op.pads)[1]

    def body(b: LoopBuilder, iv: list[Idx]) -> None:
        n, c, kh, kw = iv
        r = b.add(b.mul(b.add(b.mul(c, kh_n), kh), kw_n), kw)
        _rows(b, op, n, c, kh, r, b.sub(b.mul(kw, dw), pl), sw)

    parallel_nest(b, [x[0], x[1], kh_n, kw_n], body)


def emit_im2win(b: LoopBuilder, op: Im2WinOp, sched: object) -> None:
    x = shape(op.X)
    kh_n = int_values(op.kernel_shape)[0]
    sw, dw, pl = int_values(op.strides)[1], int_values(op.dilations)[1], int_values(op.pads)[1]
    phases = im2win_phases(sw, dw)

    def body(b: LoopBuilder, iv: list[Idx]) -> None:
        n, c, kh, p = iv
        r = b.add(b.mul(b.add(b.mul(c, kh_n), kh), phases), p)
        _rows(b, op, n, c, kh, r, b.sub(p, pl), sw)

    parallel_nest(b, [x[0], x[1], kh_n, phases], body)


def emit_im2win_nhwc(b: LoopBuilder, op: Im2WinNhwcOp, sched: object) -> None:
    """win[n, oh, (m*KH + kh)*C + c] = X[n, c, oh*sh + kh*dh - pt, m - pl] (zero outside X).
    One output row's strip (W_p*KH*C values) at a time, so its writes stay in cache: for each
    (kh, c) inside X a run of input columns is copied (read contiguously), the kernel rows
    outside X are zero-filled."""
    x, y = shape(op.X), shape(op.Y)
    kh_n = int_values(op.kernel_shape)[0]
    sh, dh = int_values(op.strides)[0], int_values(op.dilations)[0]
    pt, pl = int_values(op.pads)[:2]
    channels = x[1]
    width = y[2] // (kh_n * channels)
    lo, hi = min(pl, width), min(x[3] + pl, width)  # the columns inside X, static

    def at(b: LoopBuilder, m: Idx, kh: Idx, c: Idx) -> Idx:
        return b.add(b.mul(b.add(b.mul(m, kh_n), kh), channels), c)

    def per_row(b: LoopBuilder, n: Idx, oh: Idx) -> None:
        kh_lo, kh_hi = row_range(b, oh, sh, pt, dh, x[2], kh_n)
        kh_lo = b.min(kh_lo, kh_n)

        def zero(b: LoopBuilder, kh: Idx, c: Idx, start: Idx, stop: Idx) -> None:
            b.loop(start, stop, lambda b, m: b.store(b.f32(0.0), op.Y, [n, oh, at(b, m, kh, c)]))

        def copy(b: LoopBuilder, iv: list[Idx]) -> None:
            kh, c = iv
            ih = b.add(b.mul(oh, sh), b.sub(b.mul(kh, dh), pt))
            zero(b, kh, c, 0, lo)
            b.loop(lo, hi, lambda b, m: b.store(b.load(op.X, [n, c, ih, b.sub(m, pl)]), op.Y,
                                                [n, oh, at(b, m, kh, c)]))
            zero(b, kh, c, hi, width)

        def zero_rows(b: LoopBuilder, start: Idx, stop: Idx) -> None:
            b.nest([(start, stop), (0, channels)], lambda b, iv: zero(b, iv[0], iv[1], 0, width))

        if any(int_values(op.pads)):
            zero_rows(b, 0, kh_lo)
            zero_rows(b, b.max(kh_hi, kh_lo), kh_n)
        b.nest([(kh_lo, kh_hi), (0, channels)], copy)

    b.parallel(x[0] * y[1], lambda b, u: per_row(b, *b.delinearize(u, [x[0], y[1]])))
