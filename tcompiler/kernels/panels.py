"""B of a matrix multiply packed in column panels: the layout the GEMM microkernel reads.

A [K, N] matrix becomes P = ceil(N / NR) panels of NR columns, each K x NR contiguous:

    packed[p, k, c] = B[k, p * NR + c]      (0 past column N)

so the microkernel's K loop reads each panel with unit stride and full vector loads instead
of striding over B's rows (N x 4 bytes apart, which also map to the same cache sets when N x 4
is a multiple of 4 KiB). `pack-weights` packs constant B operands at compile time; the
interpreter unpacks them to run the op's original meaning.
"""

from __future__ import annotations

import numpy as np


def pack_panels(b: np.ndarray, nr: int) -> np.ndarray:
    """[K, N] -> [ceil(N/NR), K, NR], zero-padded past N."""
    k, n = b.shape
    panels = -(-n // nr)
    padded = np.zeros((k, panels * nr), b.dtype)
    padded[:, :n] = b
    return np.ascontiguousarray(padded.reshape(k, panels, nr).transpose(1, 0, 2))


def unpack_panels(packed: np.ndarray, n: int) -> np.ndarray:
    """[P, K, NR] -> the [K, N] matrix it packs."""
    panels, k, nr = packed.shape
    return packed.transpose(1, 0, 2).reshape(k, panels * nr)[:, :n]
