"""`onnx.reference` with the ops it computes differently from the ONNX spec (and from
onnxruntime) replaced; the frontend's constant folding and the interpreter's onnx stage use it.

    evaluator = reference_evaluator(node, opsets={"": 17})     # as ReferenceEvaluator(...)

- Slice: onnx.reference slices with numpy, whose clamping differs from ONNX's for negative
  steps (`tcompiler.dialects.onnx.slice_range`): [-2::-2] of one element is that element in
  ONNX, nothing in numpy.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from onnx.reference import ReferenceEvaluator
from onnx.reference.op_run import OpRun

from tcompiler.dialects.onnx import slice_range


class Slice(OpRun):
    """ONNX Slice (opset 10 and later: starts, ends, axes and steps are inputs)."""

    op_domain = ""

    def _run(self, data: np.ndarray, starts: np.ndarray, ends: np.ndarray,
             axes: np.ndarray | None = None, steps: np.ndarray | None = None
             ) -> tuple[np.ndarray]:
        starts, ends = np.atleast_1d(starts), np.atleast_1d(ends)
        axes = np.arange(len(starts)) if axes is None else np.atleast_1d(axes)
        steps = np.ones(len(starts), np.int64) if steps is None else np.atleast_1d(steps)
        index: list[Any] = [slice(None)] * data.ndim
        for start, end, axis, step in zip(starts, ends, axes, steps, strict=True):
            axis = int(axis) + data.ndim if axis < 0 else int(axis)
            index[axis] = np.array(slice_range(data.shape[axis], int(start), int(end),
                                               int(step)), np.int64)
        return (data[np.ix_(*[np.arange(n) if isinstance(i, slice) else i
                              for n, i in zip(data.shape, index)])],)


FIXED_OPS = (Slice,)


def reference_evaluator(proto: Any, **kwargs: Any) -> ReferenceEvaluator:
    """`ReferenceEvaluator(proto, **kwargs)` with `FIXED_OPS` in place of its own."""
    return ReferenceEvaluator(proto, new_ops=list(FIXED_OPS), **kwargs)
