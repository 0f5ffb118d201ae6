"""`onnx.reference` with the ops it computes differently from the ONNX spec (and from
onnxruntime) replaced; the frontend's constant folding and the interpreter's onnx stage use it.

    evaluator = reference_evaluator(node, opsets={"": 17})     # as ReferenceEvaluator(...)

- Slice: onnx.reference slices with numpy, whose clamping differs from ONNX's for negative
  steps (`tcompiler.dialects.onnx.slice_range`): [-2::-2] of one element is that element in
  ONNX, nothing in numpy.
- Resize: the spec (and onnxruntime) maps coordinates with the output's integer length,
  onnx.reference with the fractional `scale * length`: align_corners and tf_crop_and_resize
  divide by 9.5 instead of 9 for 6 * 1.75 = 10.5 -> 10 rows, and for ONE output element
  pytorch_half_pixel samples -0.5 or 0.5 / scale - 0.5 instead of 0 and tf_crop_and_resize
  the roi's start instead of its middle (`spec_resize_coordinates`, which tcc's Resize
  tables use too; found by `tcc fuzz`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import numpy as np
from onnx.reference import ReferenceEvaluator
from onnx.reference.op_run import OpRun
from onnx.reference.ops import op_resize

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


@contextlib.contextmanager
def spec_resize_coordinates() -> Iterator[None]:
    """Within: onnx.reference's Resize maps a one-element output dim as the spec does."""
    original = op_resize._compute_x_ori

    def spec(mode: str, y: np.ndarray, scale: float, width: int, out_width: float,
             out_int: int, roi: Any) -> Any:
        if out_int == 1 and mode == "pytorch_half_pixel":
            return np.zeros(1), None
        if mode in ("align_corners", "tf_crop_and_resize"):
            out_width = float(out_int)  # the spec's length_resized is the output's length
        return original(mode, y, scale, width, out_width, out_int, roi)

    op_resize._compute_x_ori = spec  # pyright: ignore[reportAttributeAccessIssue]
    try:
        yield
    finally:
        op_resize._compute_x_ori = original  # pyright: ignore[reportAttributeAccessIssue]


class Resize(op_resize.Resize):
    """onnx.reference's Resize under `spec_resize_coordinates`."""

    def _run(self, *args: Any, **kwargs: Any) -> Any:
        with spec_resize_coordinates():
            return super()._run(*args, **kwargs)


FIXED_OPS = (Slice, Resize)


def reference_evaluator(proto: Any, **kwargs: Any) -> ReferenceEvaluator:
    """`ReferenceEvaluator(proto, **kwargs)` with `FIXED_OPS` in place of its own."""
    return ReferenceEvaluator(proto, new_ops=list(FIXED_OPS), **kwargs)
