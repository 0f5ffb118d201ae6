"""Semantics of the int8 kernels (`dialects/kernel_quant.py`) for the kernel interpreter
(`kernel.py` merges `QUANT_RULES` into its table): the byte layouts unpacked with numpy and
the products summed in int64, then wrapped to int32.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from xdsl.ir import Operation, SSAValue

from tcompiler.dialects.kernel import int_values
from tcompiler.dialects.kernel_quant import QGemmOp, QPackIm2ColOp, QPackRowsOp
from tcompiler.interp import nn
from tcompiler.kernels.conv_math import output_hw

Operands = Callable[[SSAValue | None], Any]


def _bytes(x: np.ndarray, flip: int) -> np.ndarray:
    """x's bits as int8, xor 0x80 when `flip`."""
    raw = x.view(np.uint8) ^ np.uint8(0x80 if flip else 0)
    return raw.view(np.int8)


def _pad_groups(rows: np.ndarray, k: int) -> np.ndarray:
    """rows [..., K] padded with zeros to [..., 4*ceil(K/4)]."""
    widths = [(0, 0)] * (rows.ndim - 1) + [(0, -k % 4)]
    return np.pad(rows, widths)


def _qpack_im2col(op: QPackIm2ColOp, v: Operands) -> np.ndarray:
    x = v(op.X)
    n, c = x.shape[:2]
    kernel_shape = int_values(op.kernel_shape)
    strides, pads, dilations = (int_values(a) for a in (op.strides, op.pads, op.dilations))
    y = v(op.Y)
    pixels = y.shape[2] // 4
    zero = np.int8(np.uint8(op.zero.value.data & 0xFF).view(np.int8))
    flipped = _bytes(x, op.flip.value.data)
    out = output_hw(x.shape, kernel_shape, strides, pads, dilations)
    view = nn.windows(flipped, out, kernel_shape, strides, pads, dilations, zero)
    columns = view.transpose(0, 1, 4, 5, 2, 3).reshape(n, c * kernel_shape[0] * kernel_shape[1],
                                                       pixels)
    padded = _pad_groups(columns.transpose(0, 2, 1), columns.shape[1])  # [N, P, 4Kq]
    return padded.reshape(n, pixels, -1, 4).transpose(0, 2, 1, 3).reshape(y.shape)


def _qpack_rows(op: QPackRowsOp, v: Operands) -> np.ndarray:
    x = v(op.X)
    return _pad_groups(_bytes(x, op.flip.value.data), x.shape[-1])


def _qgemm(op: QGemmOp, v: Operands) -> np.ndarray:
    a, b = v(op.A), v(op.B)
    unsigned_a = op.unsigned.data == "a"
    a_values = (a.view(np.uint8) if unsigned_a else a).astype(np.int64)
    b_values = (b if unsigned_a else b.view(np.uint8)).astype(np.int64)
    kq, n = b.shape[1], b.shape[2] // 4
    b_matrix = b_values.reshape(b.shape[0], kq, n, 4).transpose(0, 1, 3, 2).reshape(
        b.shape[0], 4 * kq, n)
    acc = (v(op.C).astype(np.int64) + a_values @ b_matrix).astype(np.int32)  # wraps
    if op.S is None:
        return acc
    assert op.zero is not None
    info = np.iinfo(v(op.Y).dtype)
    scaled = np.rint(acc.astype(np.float32) * v(op.S)) + np.float32(op.zero.value.data)
    return np.clip(scaled, info.min, info.max)


QUANT_RULES: dict[type[Operation], Callable[[Any, Operands], np.ndarray]] = {
    QPackIm2ColOp: _qpack_im2col, QPackRowsOp: _qpack_rows, QGemmOp: _qgemm,
}
