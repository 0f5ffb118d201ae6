"""Semantics of the index kernels (`dialects/kernel_index.py`) in numpy, for the kernel
interpreter (`kernel.py` merges `INDEX_RULES` into its table). Ties and NaN as the native
loops (`codegen/loops/index.py`): arg_reduce takes the first (or last) best and NaN never
wins; topk ranks by (value, index).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from xdsl.ir import Operation, SSAValue

from tcompiler.dialects.kernel import shape
from tcompiler.dialects.kernel_index import (
    ArgReduceOp,
    ScanOp,
    ScatterElementsOp,
    ScatterNDOp,
    TopKOp,
)

Operands = Callable[[SSAValue | None], Any]


def _arg_reduce(op: ArgReduceOp, v: Operands) -> np.ndarray:
    x, axis = v(op.X), op.axis.value.data
    moved = np.moveaxis(x, axis, -1)
    if op.select_last.value.data:
        moved = moved[..., ::-1]
    if x.dtype.kind == "f":  # NaN never wins: it ranks below (max) or above (min) everything
        fill = -np.inf if op.kind.data == "max" else np.inf
        moved = np.where(np.isnan(moved), fill, moved)
    found = np.argmax(moved, axis=-1) if op.kind.data == "max" else np.argmin(moved, axis=-1)
    if op.select_last.value.data:
        found = x.shape[axis] - 1 - found
    return found.reshape(shape(op.Y))


def _scan(op: ScanOp, v: Operands) -> np.ndarray:
    x, axis = v(op.X), op.axis.value.data
    if x.ndim == 0:
        return x.dtype.type(1 if op.kind.data == "prod" else 0) if op.exclusive.value.data else x
    run = np.cumsum if op.kind.data == "sum" else np.cumprod
    flipped = np.flip(x, axis) if op.reverse.value.data else x
    total = run(flipped, axis=axis, dtype=x.dtype)
    if op.exclusive.value.data:
        first = np.full_like(np.take(total, [0], axis=axis), 1 if op.kind.data == "prod" else 0)
        total = np.concatenate([first, np.take(total, range(x.shape[axis] - 1), axis=axis)],
                               axis=axis)
    return np.flip(total, axis) if op.reverse.value.data else total


def _topk(op: TopKOp, v: Operands) -> np.ndarray:
    x, axis = v(op.X), op.axis.value.data
    k = shape(op.Y)[axis]
    keys = -x if op.largest.value.data else x
    order = np.argsort(keys, axis=axis, kind="stable")
    return np.take(order, range(k), axis=axis).astype(np.int64)


def _combine(reduction: str) -> Callable[[Any, Any], Any]:
    return {"none": lambda old, new: new, "add": np.add, "mul": np.multiply,
            "max": np.maximum, "min": np.minimum}[reduction]


def _scatter_elements(op: ScatterElementsOp, v: Operands) -> np.ndarray:
    y, indices, updates = v(op.X).copy(), v(op.I), v(op.U)
    axis, combine = op.axis.value.data, _combine(op.reduction.data)
    for at in np.ndindex(*indices.shape):
        target = list(at)
        target[axis] = int(indices[at]) % y.shape[axis]
        y[tuple(target)] = combine(y[tuple(target)], updates[at])
    return y


def _scatter_nd(op: ScatterNDOp, v: Operands) -> np.ndarray:
    y, indices, updates = v(op.X).copy(), v(op.I), v(op.U)
    combine = _combine(op.reduction.data)
    for q in np.ndindex(*indices.shape[:-1]):
        target = tuple(int(i) % y.shape[d] for d, i in enumerate(indices[q]))
        y[target] = combine(y[target], updates[q])
    return y


INDEX_RULES: dict[type[Operation], Callable[[Any, Operands], np.ndarray]] = {
    ArgReduceOp: _arg_reduce, ScanOp: _scan, TopKOp: _topk,
    ScatterElementsOp: _scatter_elements, ScatterNDOp: _scatter_nd,
}
