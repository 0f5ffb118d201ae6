"""The arithmetic of the convolution algorithms (im2col, im2win, Winograd), in one place.

The dialect's verifiers, the interpreter, the rewriting passes (`conv-to-im2col`,
`conv-to-im2win`, `conv-to-winograd`) and the loop emitters all read their shapes and
transform matrices from here, so they cannot disagree.

- im2col: X [N, C, H, W] -> cols [N, C*KH*KW, OH, OW], one row per (c, kh, kw):
  cols[n, (c*KH + kh)*KW + kw, oh, ow] = X[n, c, oh*sh + kh*dh - pt, ow*sw + kw*dw - pl]
  (zero in the padding). The conv is then a 1x1 conv over cols (a GEMM per image and group).
- im2win (Lu et al.): X -> win [N, C*KH*P, OH, WQ], the K_h-row strip of every output row
  materialized once (K_h/s_h copies of X instead of im2col's K_h*K_w):
  win[n, (c*KH + kh)*P + p, oh, m] = X[n, c, oh*sh + kh*dh - pt, m*sw + p - pl].
  The width stride is split into P phases (P = 1 when sw = 1 or dw is a multiple of sw), so
  tap kw of output column ow reads win column ow + q with kw*dw = q*sw + p: the conv becomes a
  stride-1, unpadded 1 x Q conv over C*KH*P channels, which runs on the register-tiled direct
  conv with contiguous vector loads and no bounds checks.
- im2win, NHWC (`im2win_nhwc`; the paper's window layout, channels last as in its follow-up):
  win [N, OH, W_p*KH*C], each output pixel's KW x KH x C window one contiguous run; a GEMM
  per image (`kernel.window_gemm`: pixels x output channels, the pixel rows overlapping in
  win) with the filter packed [KW*KH*C, C_out] at compile time, vectorized along output
  channels, into Z [N, OH*OW, C_out], then `kernel.to_nchw` (+ bias, residual, activation).
- packed (`conv-to-packed`): the filter laid out [ceil(C_out/B), C_in, KH, KW, B], the B
  output channels of one tap contiguous (zero past C_out), for a direct conv vectorized along
  output channels (`conv_packed.py`).
- Winograd F(m x m, 3 x 3) (Lavin & Gray), alpha = m + 2: V = B^T d B per alpha x alpha input
  tile d (stride m), U = G g G^T per filter (at compile time), M = U . V as alpha^2 batched
  GEMMs over channels, Y = A^T M A per m x m output tile.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np


def conv_out(size: int, kernel: int, stride: int, pad_total: int, dilation: int) -> int:
    return (size + pad_total - dilation * (kernel - 1) - 1) // stride + 1


def output_hw(x: Sequence[int], kernel: Sequence[int], strides: Sequence[int],
              pads: Sequence[int], dilations: Sequence[int]) -> tuple[int, int]:
    return (conv_out(x[2], kernel[0], strides[0], pads[0] + pads[2], dilations[0]),
            conv_out(x[3], kernel[1], strides[1], pads[1] + pads[3], dilations[1]))


# ----------------------------------------------------------------------------- im2col


def im2col_shape(x: Sequence[int], kernel: Sequence[int], strides: Sequence[int],
                 pads: Sequence[int], dilations: Sequence[int]) -> tuple[int, int, int, int]:
    oh, ow = output_hw(x, kernel, strides, pads, dilations)
    return (x[0], x[1] * kernel[0] * kernel[1], oh, ow)


# ----------------------------------------------------------------------------- im2win


def im2win_phases(stride_w: int, dilation_w: int) -> int:
    """P: 1 when every tap's column is a whole number of strides away, else the stride."""
    return 1 if dilation_w % stride_w == 0 else stride_w


def im2win_taps(kernel_w: int, stride_w: int, dilation_w: int) -> list[tuple[int, int]]:
    """(phase p, column offset q) of each kernel column kw: kw*dw = q*sw + p (p < P)."""
    phases = im2win_phases(stride_w, dilation_w)
    taps = []
    for kw in range(kernel_w):
        q, p = divmod(kw * dilation_w, stride_w)
        taps.append((p, q) if phases > 1 else (0, kw * dilation_w // stride_w))
    return taps


def im2win_shape(x: Sequence[int], kernel: Sequence[int], strides: Sequence[int],
                 pads: Sequence[int], dilations: Sequence[int]) -> tuple[int, int, int, int]:
    oh, ow = output_hw(x, kernel, strides, pads, dilations)
    phases = im2win_phases(strides[1], dilations[1])
    reach = max(q for _, q in im2win_taps(kernel[1], strides[1], dilations[1]))
    return (x[0], x[1] * kernel[0] * phases, oh, ow + reach)


def im2win_filter(w: np.ndarray, strides: Sequence[int], dilations: Sequence[int]
                  ) -> tuple[np.ndarray, int]:
    """The filter of the conv over the window tensor, [C_out, C_g*KH*P, 1, Q], and its
    width dilation. With one phase it is W itself seen with another shape (taps q = kw*d)."""
    c_out, c_g, kh, kw = w.shape
    phases = im2win_phases(strides[1], dilations[1])
    if phases == 1:
        return w.reshape(c_out, c_g * kh, 1, kw), dilations[1] // strides[1]
    taps = im2win_taps(kw, strides[1], dilations[1])
    width = max(q for _, q in taps) + 1
    out = np.zeros((c_out, c_g, kh, phases, width), dtype=w.dtype)
    for k, (p, q) in enumerate(taps):
        out[:, :, :, p, q] = w[:, :, :, k]
    return out.reshape(c_out, c_g * kh * phases, 1, width), 1


# ----------------------------------------------------------------------------- im2win, NHWC


def im2win_nhwc_width(x: Sequence[int], kernel: Sequence[int], strides: Sequence[int],
                      pads: Sequence[int], dilations: Sequence[int]) -> int:
    """W_p: the padded input columns the windows of one output row reach (dilation_w 1)."""
    ow = output_hw(x, kernel, strides, pads, dilations)[1]
    return (ow - 1) * strides[1] + kernel[1]


def im2win_nhwc_shape(x: Sequence[int], kernel: Sequence[int], strides: Sequence[int],
                      pads: Sequence[int], dilations: Sequence[int]) -> tuple[int, int, int]:
    """win [N, OH, W_p*KH*C]: win[n, oh, (m*KH + kh)*C + c] = X[n, c, oh*sh + kh*dh - pt,
    m - pl], so output column ow's window is the contiguous run of KW*KH*C values starting
    at ow*sw*KH*C (the paper's window layout, channels innermost as in its NHWC follow-up)."""
    oh = output_hw(x, kernel, strides, pads, dilations)[0]
    return (x[0], oh, im2win_nhwc_width(x, kernel, strides, pads, dilations) * kernel[0] * x[1])


def im2win_nhwc_filter(w: np.ndarray) -> np.ndarray:
    """The filter packed for the window GEMM: [KW*KH*C, C_out], row (kw*KH + kh)*C + c."""
    c_out, c, kh, kw = w.shape
    return np.ascontiguousarray(w.transpose(3, 2, 1, 0).reshape(kw * kh * c, c_out))


def packed_filter(w: np.ndarray, block: int) -> np.ndarray:
    """W [C_out, C_in, KH, KW] -> [ceil(C_out/block), C_in, KH, KW, block], zero past C_out."""
    c_out = w.shape[0]
    blocks = -(-c_out // block)
    padded = np.zeros((blocks * block, *w.shape[1:]), dtype=w.dtype)
    padded[:c_out] = w
    return np.ascontiguousarray(
        padded.reshape(blocks, block, *w.shape[1:]).transpose(0, 2, 3, 4, 1))


def unpacked_filter(wp: np.ndarray, c_out: int) -> np.ndarray:
    """The inverse of `packed_filter`: [C_out, C_in, KH, KW]."""
    return np.ascontiguousarray(wp.transpose(0, 4, 1, 2, 3).reshape(-1, *wp.shape[1:4])[:c_out])


# ----------------------------------------------------------------------------- winograd


def _frac(rows: list[list[float]]) -> np.ndarray:
    return np.array(rows, dtype=np.float64)


WINOGRAD = {
    2: (_frac([[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]]),  # B^T
        _frac([[1, 0, 0], [.5, .5, .5], [.5, -.5, .5], [0, 0, 1]]),  # G
        _frac([[1, 1, 1, 0], [0, 1, -1, -1]])),  # A^T
    4: (_frac([[4, 0, -5, 0, 1, 0], [0, -4, -4, 1, 1, 0], [0, 4, -4, -1, 1, 0],
               [0, -2, -1, 2, 1, 0], [0, 2, -1, -2, 1, 0], [0, 4, 0, -5, 0, 1]]),
        _frac([[1 / 4, 0, 0], [-1 / 6, -1 / 6, -1 / 6], [-1 / 6, 1 / 6, -1 / 6],
               [1 / 24, 1 / 12, 1 / 6], [1 / 24, -1 / 12, 1 / 6], [0, 0, 1]]),
        _frac([[1, 1, 1, 1, 1, 0], [0, 1, -1, 2, -2, 0], [0, 1, 1, 4, 4, 0],
               [0, 1, -1, 8, -8, 1]])),
}
"""Output tile m -> (B^T, G, A^T) of F(m x m, 3 x 3)."""
WINOGRAD_TILES = tuple(WINOGRAD)


def winograd_tiles(oh: int, ow: int, m: int) -> tuple[int, int]:
    return math.ceil(oh / m), math.ceil(ow / m)


def winograd_v_shape(x: Sequence[int], pads: Sequence[int], m: int) -> tuple[int, int, int]:
    """V [alpha^2, T, C] of a 3x3 stride-1 conv: T = N * tiles_h * tiles_w."""
    oh, ow = output_hw(x, (3, 3), (1, 1), pads, (1, 1))
    th, tw = winograd_tiles(oh, ow, m)
    return ((m + 2) ** 2, x[0] * th * tw, x[1])


def winograd_filter(w: np.ndarray, m: int) -> np.ndarray:
    """U [alpha^2, C_in, C_out] = G g G^T of every (C_out, C_in) 3x3 filter, in float64."""
    g = WINOGRAD[m][1]
    u = np.einsum("ai,ocij,bj->abco", g, w.astype(np.float64), g)
    alpha = m + 2
    return u.reshape(alpha * alpha, w.shape[1], w.shape[0])


def winograd_input(x: np.ndarray, pads: Sequence[int], m: int) -> np.ndarray:
    """V [alpha^2, T, C] = B^T d B of every input tile (numpy reference)."""
    bt = WINOGRAD[m][0]
    alpha = m + 2
    n, c, h, w = x.shape
    oh, ow = output_hw(x.shape, (3, 3), (1, 1), pads, (1, 1))
    th, tw = winograd_tiles(oh, ow, m)
    padded = np.zeros((n, c, th * m + 2, tw * m + 2), dtype=np.float64)
    rows, cols = min(h, th * m + 2 - pads[0]), min(w, tw * m + 2 - pads[1])
    padded[:, :, pads[0]:pads[0] + rows, pads[1]:pads[1] + cols] = x[:, :, :rows, :cols]
    tiles = np.lib.stride_tricks.sliding_window_view(padded, (alpha, alpha), axis=(2, 3))
    tiles = tiles[:, :, ::m, ::m][:, :, :th, :tw]  # [N, C, th, tw, alpha, alpha]
    v = np.einsum("ar,nchwrs,bs->abnhwc", bt, tiles, bt)
    return v.reshape(alpha * alpha, n * th * tw, c)


def winograd_output(mt: np.ndarray, y_shape: Sequence[int], m: int) -> np.ndarray:
    """Y [N, K, OH, OW] = A^T M A of every tile (numpy reference, no epilogue)."""
    at = WINOGRAD[m][2]
    alpha = m + 2
    n, k, oh, ow = y_shape
    th, tw = winograd_tiles(oh, ow, m)
    tiles = mt.astype(np.float64).reshape(alpha, alpha, n, th, tw, k)
    y = np.einsum("ia,abnhwk,jb->nkhiwj", at, tiles, at).reshape(n, k, th * m, tw * m)
    return y[:, :, :oh, :ow]
