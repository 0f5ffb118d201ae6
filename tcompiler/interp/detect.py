"""Semantics of the detection kernels (`dialects/kernel_detect.py`) for the kernel
interpreter (`kernel.py` merges `DETECT_RULES` into its table). nonzero, compress and nms
write Y in place and return N, their count (Y past it keeps its contents, as the native
loops); grid_sample and roi_align run as one-node models through `onnx.reference`'s public
evaluator, whose semantics the native loops follow.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from onnx import TensorProto, helper
from onnx.reference import ReferenceEvaluator
from xdsl.ir import Operation, SSAValue

from tcompiler.dialects.kernel_detect import CompressOp, GridSampleOp, NmsOp, NonZeroOp, RoiAlignOp

Operands = Callable[[SSAValue | None], Any]


def _nonzero(op: NonZeroOp, v: Operands) -> np.ndarray:
    found = np.array(np.nonzero(v(op.X)), dtype=np.int64).reshape(len(v(op.X).shape), -1)
    v(op.Y)[:, :found.shape[1]] = found
    return np.array([found.shape[1]], np.int64)


def _compress(op: CompressOp, v: Operands) -> np.ndarray:
    x, axis = v(op.X), op.axis.value.data
    keep = np.flatnonzero(v(op.C)[:x.shape[axis]])
    y = v(op.Y)
    y[(slice(None),) * axis + (slice(0, len(keep)),)] = np.take(x, keep, axis=axis)
    return np.array([len(keep)], np.int64)


def _extents(box: np.ndarray, center: bool) -> tuple[float, float, float, float]:
    """(x min, x max, y min, y max) of a box."""
    if center:
        return (box[0] - box[2] / 2, box[0] + box[2] / 2, box[1] - box[3] / 2,
                box[1] + box[3] / 2)
    return (min(box[1], box[3]), max(box[1], box[3]), min(box[0], box[2]),
            max(box[0], box[2]))


def _iou_above(a: np.ndarray, b: np.ndarray, center: bool, threshold: np.float32) -> bool:
    ax1, ax2, ay1, ay2 = _extents(a, center)
    bx1, bx2, by1, by2 = _extents(b, center)
    width, height = min(ax2, bx2) - max(ax1, bx1), min(ay2, by2) - max(ay1, by1)
    if width <= 0 or height <= 0:
        return False
    inter = width * height
    area_a, area_b = (ax2 - ax1) * (ay2 - ay1), (bx2 - bx1) * (by2 - by1)
    union = area_a + area_b - inter
    return bool(area_a > 0 and area_b > 0 and union > 0 and inter / union > threshold)


def _nms(op: NmsOp, v: Operands) -> np.ndarray:
    boxes, scores, order, y = v(op.boxes), v(op.scores), v(op.order), v(op.Y)
    center = bool(op.center_point_box.value.data)
    limit = op.max_per_class.value.data
    iou = np.float32(op.iou_threshold.value.data)
    threshold = op.score_threshold
    count = 0
    for batch, cls in np.ndindex(*scores.shape[:2]):
        kept: list[int] = []
        for box in order[batch, cls]:
            if len(kept) >= limit:
                break
            if threshold is not None and not scores[batch, cls, box] > threshold.value.data:
                continue
            if any(_iou_above(boxes[batch, box], boxes[batch, k], center, iou) for k in kept):
                continue
            kept.append(int(box))
            y[count] = (batch, cls, box)
            count += 1
    return np.array([count], np.int64)


def _reference(node_op: str, inputs: list[np.ndarray], out_shape: tuple[int, ...],
               **attrs: Any) -> np.ndarray:
    names = [f"i{k}" for k in range(len(inputs))]
    types = {np.dtype(np.float32): TensorProto.FLOAT, np.dtype(np.int64): TensorProto.INT64,
             np.dtype(np.int32): TensorProto.INT32}
    graph = helper.make_graph(
        [helper.make_node(node_op, names, ["y"], **attrs)], "k",
        [helper.make_tensor_value_info(n, types[a.dtype], a.shape) for n, a in zip(names, inputs)],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, out_shape)])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 22)])
    results = ReferenceEvaluator(model).run(None, dict(zip(names, inputs)))
    assert isinstance(results, list)
    return np.asarray(results[0], np.float32)


def _grid_sample(op: GridSampleOp, v: Operands) -> np.ndarray:
    return _reference("GridSample", [v(op.X), v(op.G)], v(op.Y).shape, mode=op.mode.data,
                      padding_mode=op.padding.data, align_corners=op.align_corners.value.data)


def _roi_align(op: RoiAlignOp, v: Operands) -> np.ndarray:
    y = v(op.Y)
    mode = "half_pixel" if op.half_pixel.value.data else "output_half_pixel"
    return _reference("RoiAlign", [v(op.X), v(op.R), v(op.I).astype(np.int64)], y.shape,
                      mode=op.mode.data, coordinate_transformation_mode=mode,
                      output_height=y.shape[2], output_width=y.shape[3],
                      sampling_ratio=op.sampling_ratio.value.data,
                      spatial_scale=op.spatial_scale.value.data)


DETECT_RULES: dict[type[Operation], Callable[[Any, Operands], np.ndarray]] = {
    NonZeroOp: _nonzero, CompressOp: _compress, NmsOp: _nms, GridSampleOp: _grid_sample,
    RoiAlignOp: _roi_align,
}
