"""Resize as a `kernel.remap`: separable per-dim resampling tables.

Every Resize mode (nearest with each `nearest_mode`, linear, cubic, with or without
antialias, each coordinate transformation, `exclude_outside`, tf_crop_and_resize with its
extrapolation value) is separable: along dim d the output is `M_d @ X` for an [out_d, in_d]
matrix. `M_d` is computed here by resampling the identity matrix with `onnx.reference`'s own
1-d routine (corrected where it departs from the spec: `spec_resize_coordinates`), so the
tables follow the spec's reference; its nonzero columns become the dim's taps (index table
+ weights). A row whose coordinate falls outside the input under
tf_crop_and_resize is found by resampling twice with two extrapolation values; its tap 0 is
-1 (the remap's `fill`). Nearest tables have one tap of weight 1: no weights, any type.
"""

from __future__ import annotations

import math

import numpy as np

from tcompiler.dialects import onnx
from tcompiler.dialects.onnx import attr_float, attr_int, attr_ints, attr_str, node_name, shape_of
from tcompiler.errors import ModelError, UnsupportedModelError
from tcompiler.frontend.reference import spec_resize_coordinates
from tcompiler.kernels.convert import GraphConverter
from tcompiler.kernels.expr import const, type_of
from tcompiler.kernels.rules.shape import remap, required_constant


def _coefficients(op: onnx.ResizeOp):  # type: ignore[no-untyped-def]
    """The reference's coefficient function for the op's mode (see Resize._run)."""
    from onnx.reference.ops import op_resize as ref

    mode, antialias = attr_str(op, "mode", "nearest"), attr_int(op, "antialias", 0)
    if mode == "nearest":
        if antialias:
            raise UnsupportedModelError([f"Resize ({node_name(op)}): antialias with nearest"])
        nearest_mode = attr_str(op, "nearest_mode", "round_prefer_floor")
        return lambda ratio, scale: ref._nearest_coeffs(ratio, mode=nearest_mode)
    if mode == "linear":
        return ref._linear_coeffs_antialias if antialias else ref._linear_coeffs
    cubic = ref._cubic_coeffs_antialias if antialias else ref._cubic_coeffs
    a = attr_float(op, "cubic_coeff_a", -0.75)
    return lambda ratio, scale: cubic(ratio, scale, A=a)


def _scales(op: onnx.ResizeOp, c: GraphConverter, axes: list[int]) -> list[float]:
    x, y = shape_of(op.X), shape_of(op.Y)
    scales = required_constant(c, op, op.scales, "scales")
    full = [1.0] * len(x)
    if scales is not None and scales.size:
        for axis, s in zip(axes, scales.ravel()):
            full[axis] = float(s)
        return full
    for axis in axes:
        full[axis] = y[axis] / x[axis] if x[axis] else 1.0  # an empty dim stays empty
    policy = attr_str(op, "keep_aspect_ratio_policy", "stretch")
    if policy != "stretch":
        sizes = required_constant(c, op, op.sizes, "sizes")
        assert sizes is not None
        ratios = [int(s) / x[a] if x[a] else 1.0 for a, s in zip(axes, sizes.ravel())]
        scale = min(ratios) if policy == "not_larger" else max(ratios)
        for axis in axes:
            full[axis] = scale
    return full


TRANSFORMS = ("half_pixel", "half_pixel_symmetric", "pytorch_half_pixel", "align_corners",
              "asymmetric", "tf_crop_and_resize")
"""The coordinate transforms the tables support (opset 11's tf_half_pixel_for_nn is not one)."""


def resize(c: GraphConverter, op: onnx.ResizeOp) -> None:
    from onnx.reference.ops import op_resize as ref

    x, y = shape_of(op.X), shape_of(op.Y)
    if 0 in y:  # an empty output: nothing to interpolate
        c.define_map(op.Y, const(0.0, type_of(c.expr(op.X))))
        return
    if 0 in x:
        raise ModelError(f"Resize ({node_name(op)}): cannot interpolate the empty input "
                         f"{list(x)} to {list(y)}")
    rank = len(x)
    axes = [a + rank if a < 0 else a for a in attr_ints(op, "axes", list(range(rank))) or []]
    scales = _scales(op, c, axes)
    roi_value = required_constant(c, op, op.roi, "roi")
    mode = attr_str(op, "coordinate_transformation_mode", "half_pixel")
    if mode not in TRANSFORMS:
        raise UnsupportedModelError([f"Resize ({node_name(op)}): coordinate_transformation_mode "
                                     f"{mode!r}"])
    roi = [0.0] * rank + [1.0] * rank
    if mode == "tf_crop_and_resize" and roi_value is not None and roi_value.size:
        flat = [float(v) for v in roi_value.ravel()]
        for k, axis in enumerate(axes):
            roi[axis], roi[rank + axis] = flat[k], flat[len(axes) + k]
    coefficients = _coefficients(op)
    options = {"coordinate_transformation_mode": mode,
               "exclude_outside": bool(attr_int(op, "exclude_outside", 0))}
    tables, weights = [], []
    fill = attr_float(op, "extrapolation_value", 0.0)
    for d in range(rank):
        trivial = (math.isclose(scales[d], 1.0) and x[d] == y[d]
                   and (mode != "tf_crop_and_resize" or (roi[d], roi[rank + d]) == (0.0, 1.0)))
        if trivial or d not in axes:
            tables.append(np.arange(y[d]).reshape(-1, 1))
            weights.append(np.ones((y[d], 1)))
            continue
        eye = np.eye(x[d])
        roi_d = [roi[d], roi[rank + d]]
        with spec_resize_coordinates():
            matrix = ref._interpolate_1d_along_axis(eye, 0, scales[d], y[d], coefficients,
                                                    roi=roi_d, extrapolation_value=0.0,
                                                    **options)
            shifted = ref._interpolate_1d_along_axis(eye, 0, scales[d], y[d], coefficients,
                                                     roi=roi_d, extrapolation_value=1.0,
                                                     **options)
        outside = (shifted != matrix).any(axis=1)
        taps = max(1, int((matrix != 0).sum(axis=1).max()))
        index = np.zeros((y[d], taps), np.int64)
        weight = np.zeros((y[d], taps))
        for i, row in enumerate(matrix):
            columns = np.flatnonzero(row)
            index[i, :len(columns)] = columns
            weight[i, :len(columns)] = row[columns]
        index[outside, 0] = -1
        tables.append(index)
        weights.append(weight)
    exact = all(t.shape[1] == 1 and ((w[:, 0] == 1) | (t[:, 0] == -1)).all()
                for t, w in zip(tables, weights))
    remap(c, op, op.X, op.Y, tables, None if exact else weights, fill=fill)


RULES = {onnx.ResizeOp: resize}
