"""Rules for the detection and segmentation ops of issue 14 (`dialects/onnx_detect.py`).

- NonZero, Compress: `kernel.nonzero`, `kernel.compress` (Compress without `axis` on X seen
  flat), writing the result (its upper bound) and its length output (`GraphConverter.length`).
- NonMaxSuppression: a `kernel.topk` ranks each (batch, class)'s scores (all of them, best
  first, ties by the lower index), then `kernel.nms` walks them. max_output_boxes_per_class,
  iou_threshold and score_threshold must be constants (the backend bakes them in).
- RoiAlign, GridSample: `kernel.roi_align`, `kernel.grid_sample`.
- AffineGrid: grid [N, S, d] = base [S, d + 1] @ theta^T [N, d + 1, d], a `kernel.matmul` of
  a constant base grid (x, y(, z), 1 per output position, normalized as align_corners says)
  and the transposed theta, seen with the grid's shape.
"""

from __future__ import annotations

from math import prod

import numpy as np
from xdsl.dialects.builtin import FloatAttr, IntegerAttr, MemRefType, StringAttr, f32, i64
from xdsl.ir import Attribute, SSAValue

from tcompiler.dialects import kernel
from tcompiler.dialects import onnx_detect as od
from tcompiler.dialects.kernel import ints
from tcompiler.dialects.kernel_detect import (
    CompressOp,
    GridSampleOp,
    NmsOp,
    NonZeroOp,
    RoiAlignOp,
)
from tcompiler.dialects.kernel_index import TopKOp
from tcompiler.dialects.onnx import attr_float, attr_int, attr_str, node_name, shape_of
from tcompiler.errors import UnsupportedModelError
from tcompiler.kernels.convert import GraphConverter
from tcompiler.kernels.values import constant_of


def _element(value: SSAValue) -> Attribute:
    return value.type.element_type  # type: ignore[attr-defined]


def nonzero(c: GraphConverter, op: od.NonZeroOp) -> None:
    if not c.needed(op.Y):
        return
    if not shape_of(op.X):
        raise UnsupportedModelError([f"NonZero of a scalar (node {node_name(op)})"])
    x = c.memref(op.X)
    c.define(op.Y, lambda dest: NonZeroOp.build(operands=[x, dest, c.length(op.Y)]))


def compress(c: GraphConverter, op: od.CompressOp) -> None:
    if not c.needed(op.output):
        return
    dims = shape_of(op.input)
    x, axis = c.memref(op.input), 0
    if op.axis is None:
        x = c.view(x, MemRefType(_element(op.input), (prod(dims),)))
    else:
        axis = attr_int(op, "axis", 0) % len(dims)
    condition = c.memref(op.condition)
    c.define(op.output, lambda dest: CompressOp.build(
        operands=[x, condition, dest, c.length(op.output)],
        properties={"axis": IntegerAttr(axis, i64)}))


def _scalar(c: GraphConverter, op: od.NonMaxSuppressionOp, value: SSAValue | None,
            what: str) -> float | int | None:
    if value is None:
        return None
    known = constant_of(c.weights, value)
    if known is None:
        raise UnsupportedModelError([f"NonMaxSuppression {what} computed at run time (node "
                                     f"{node_name(op)}): tcc needs it constant"])
    return known.reshape(-1)[0].item()


def non_max_suppression(c: GraphConverter, op: od.NonMaxSuppressionOp) -> None:
    if not c.needed(op.selected_indices):
        return
    limit = _scalar(c, op, op.max_output_boxes_per_class, "max_output_boxes_per_class")
    iou = _scalar(c, op, op.iou_threshold, "iou_threshold")
    score = _scalar(c, op, op.score_threshold, "score_threshold")
    boxes, scores = c.memref(op.boxes), c.memref(op.scores)
    order = c.buffer(MemRefType(i64, shape_of(op.scores)))
    c.insert(TopKOp.build(operands=[scores, order], properties={
        "axis": IntegerAttr(2, i64), "largest": IntegerAttr(1, i64)}))
    props: dict[str, Attribute] = {
        "center_point_box": IntegerAttr(attr_int(op, "center_point_box", 0), i64),
        "max_per_class": IntegerAttr(int(limit or 0), i64),
        "iou_threshold": FloatAttr(float(iou or 0.0), f32)}
    if score is not None:
        props["score_threshold"] = FloatAttr(float(score), f32)
    c.define(op.selected_indices, lambda dest: NmsOp.build(
        operands=[boxes, scores, order, dest, c.length(op.selected_indices)],
        properties=props))


def _float32(op: od.RoiAlignOp | od.GridSampleOp, value: SSAValue) -> None:
    if _element(value) != f32:
        raise UnsupportedModelError([f"{op.name.removeprefix('onnx.')} on {_element(value)} "
                                     f"(node {node_name(op)}): tcc samples float32 only"])


def roi_align(c: GraphConverter, op: od.RoiAlignOp) -> None:
    _float32(op, op.X)
    props = {
        "mode": StringAttr(attr_str(op, "mode", "avg")),
        "half_pixel": IntegerAttr(int(attr_str(op, "coordinate_transformation_mode",
                                               "half_pixel") == "half_pixel"), i64),
        "sampling_ratio": IntegerAttr(attr_int(op, "sampling_ratio", 0), i64),
        "spatial_scale": FloatAttr(attr_float(op, "spatial_scale", 1.0), f32)}
    c.define_kernel(op.Y, RoiAlignOp,
                    [c.memref(op.X), c.memref(op.rois), c.memref(op.batch_indices)], props)


def grid_sample(c: GraphConverter, op: od.GridSampleOp) -> None:
    _float32(op, op.X)
    props = {
        "mode": StringAttr(od.GRID_MODES[attr_str(op, "mode", "linear")]),
        "padding": StringAttr(attr_str(op, "padding_mode", "zeros")),
        "align_corners": IntegerAttr(attr_int(op, "align_corners", 0), i64)}
    c.define_kernel(op.Y, GridSampleOp, [c.memref(op.X), c.memref(op.grid)], props)


def base_grid(spatial: tuple[int, ...], align_corners: bool) -> np.ndarray:
    """[prod(spatial), d + 1]: (x, y(, z), 1) at every position, row-major over `spatial`
    (outermost first: x runs along the last dim), normalized into [-1, 1]."""
    axes = []
    for n in spatial:
        i = np.arange(n, dtype=np.float64)
        if align_corners:
            axes.append(-1.0 + 2.0 * i / (n - 1) if n > 1 else np.full(n, -1.0))
        else:
            axes.append(-1.0 + (2.0 * i + 1.0) / n)
    mesh = np.meshgrid(*axes, indexing="ij")
    coords = [m.reshape(-1) for m in reversed(mesh)]  # x (the last dim) first
    return np.stack([*coords, np.ones(prod(spatial))], axis=1).astype(np.float32)


def affine_grid(c: GraphConverter, op: od.AffineGridOp) -> None:
    if not c.needed(op.grid):
        return
    out = shape_of(op.grid)
    n, d = out[0], out[-1]
    base = c.weight(base_grid(out[1:-1], bool(attr_int(op, "align_corners", 0))),
                    f"{node_name(op)}_base_grid")
    theta_t = c.buffer(MemRefType(f32, (n, d + 1, d)))
    c.insert(kernel.TransposeOp.build(operands=[c.memref(op.theta), theta_t],
                                      properties={"perm": ints((0, 2, 1))}))
    flat = MemRefType(f32, (n, prod(out[1:-1]), d))
    c.define(op.grid, lambda dest: kernel.MatMulOp.build(
        operands=[base, theta_t, c.view(dest, flat)]))


RULES = {
    od.NonZeroOp: nonzero,
    od.CompressOp: compress,
    od.NonMaxSuppressionOp: non_max_suppression,
    od.RoiAlignOp: roi_align,
    od.GridSampleOp: grid_sample,
    od.AffineGridOp: affine_grid,
}
