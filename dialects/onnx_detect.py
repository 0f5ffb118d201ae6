"""ONNX detection and segmentation ops of issue 14 (part of the `onnx` dialect; `onnx.py` lists
them in `ONNX_OPS` through `DETECT_OPS`): NonMaxSuppression, RoiAlign, GridSample, AffineGrid,
and the other ops whose output size depends on input data, NonZero and Compress.

Data-dependent sizes: a result of NonZero, Compress or NonMaxSuppression has the static shape
of its upper bound (`frontend/dynamic.py` sets it: NonZero [rank, numel], Compress the kept
axis at most the condition's length, NonMaxSuppression [batches x classes x
min(max_output_boxes_per_class, boxes), 3]); `dynamic_axis(value)` names the axis whose
extent is known only at run time. Such a value may only be a model output (the frontend
declines the rest); its kernel writes the extent to a length output beside it.

Operands, results and attributes are named as in the ONNX spec. NonMaxSuppression's
max_output_boxes_per_class, iou_threshold and score_threshold and AffineGrid's size must be
constants (the rules read them).
"""

from __future__ import annotations

from xdsl.dialects.builtin import TensorType, i1, i64
from xdsl.ir import SSAValue
from xdsl.irdl import (
    AttrSizedOperandSegments,
    IRDLOperation,
    irdl_op_definition,
    operand_def,
    opt_operand_def,
    opt_prop_def,
    result_def,
    traits_def,
)
from xdsl.traits import Pure
from xdsl.utils.exceptions import VerifyException

from tcompiler.dialects.onnx import (
    _FLOAT,
    _INT,
    _STR,
    _expect_rank,
    _index_type,
    _keeps_element_type,
    _rank,
    _result_type,
    _tensor,
    attr_int,
    attr_str,
    shape_of,
)

GRID_MODES = {"bilinear": "linear", "linear": "linear", "nearest": "nearest",
              "bicubic": "cubic", "cubic": "cubic"}
"""GridSample `mode` (opset 16 names, then the opset 20 ones) -> the interpolation."""
PADDING_MODES = ("zeros", "border", "reflection")


@irdl_op_definition
class NonZeroOp(IRDLOperation):
    name = "onnx.NonZero"
    X = operand_def(TensorType)
    Y = result_def(TensorType)
    traits = traits_def(Pure())

    def verify_(self) -> None:
        _result_type(self.Y, i64, self)
        _expect_rank(self.Y, "NonZero Y", 2, 2)
        if shape_of(self.Y)[0] != _rank(self.X, "NonZero X"):
            raise VerifyException("onnx.NonZero: Y must have one row per dim of X")


@irdl_op_definition
class CompressOp(IRDLOperation):
    name = "onnx.Compress"
    input = operand_def(TensorType)
    condition = operand_def(TensorType)
    output = result_def(TensorType)
    axis = opt_prop_def(_INT)
    traits = traits_def(Pure())

    def verify_(self) -> None:
        _keeps_element_type(self, self.input, self.output)
        _expect_rank(self.condition, "Compress condition", 1, 1)
        if _tensor(self.condition, "condition").element_type != i1:
            raise VerifyException("onnx.Compress: condition must be bool")
        rank = _rank(self.input, "Compress input")
        axis = attr_int(self, "axis", 0)
        if self.axis is not None and not -rank <= axis < rank:
            raise VerifyException(f"onnx.Compress: axis {axis} out of range for rank {rank}")


@irdl_op_definition
class NonMaxSuppressionOp(IRDLOperation):
    name = "onnx.NonMaxSuppression"
    boxes = operand_def(TensorType)
    scores = operand_def(TensorType)
    max_output_boxes_per_class = opt_operand_def(TensorType)
    iou_threshold = opt_operand_def(TensorType)
    score_threshold = opt_operand_def(TensorType)
    selected_indices = result_def(TensorType)
    center_point_box = opt_prop_def(_INT)
    traits = traits_def(Pure())
    irdl_options = (AttrSizedOperandSegments(as_property=True),)

    def verify_(self) -> None:
        _expect_rank(self.boxes, "NonMaxSuppression boxes", 3, 3)
        _expect_rank(self.scores, "NonMaxSuppression scores", 3, 3)
        _result_type(self.selected_indices, i64, self)
        batches, boxes, four = shape_of(self.boxes)
        if four != 4 or shape_of(self.scores)[::2] != (batches, boxes):
            raise VerifyException("onnx.NonMaxSuppression: boxes must be [B, N, 4] and scores "
                                  "[B, C, N]")
        if attr_int(self, "center_point_box", 0) not in (0, 1):
            raise VerifyException("onnx.NonMaxSuppression: center_point_box must be 0 or 1")
        if self.max_output_boxes_per_class is not None:
            _index_type(self.max_output_boxes_per_class, "max_output_boxes_per_class")


@irdl_op_definition
class RoiAlignOp(IRDLOperation):
    name = "onnx.RoiAlign"
    X = operand_def(TensorType)
    rois = operand_def(TensorType)
    batch_indices = operand_def(TensorType)
    Y = result_def(TensorType)
    coordinate_transformation_mode = opt_prop_def(_STR)
    mode = opt_prop_def(_STR)
    output_height = opt_prop_def(_INT)
    output_width = opt_prop_def(_INT)
    sampling_ratio = opt_prop_def(_INT)
    spatial_scale = opt_prop_def(_FLOAT)
    traits = traits_def(Pure())

    def verify_(self) -> None:
        _expect_rank(self.X, "RoiAlign X", 4, 4)
        _keeps_element_type(self, self.X, self.rois, self.Y)
        _index_type(self.batch_indices, "RoiAlign batch_indices")
        if attr_str(self, "mode", "avg") not in ("avg", "max"):
            raise VerifyException("onnx.RoiAlign: mode must be avg or max")
        if attr_str(self, "coordinate_transformation_mode", "half_pixel") not in (
                "half_pixel", "output_half_pixel"):
            raise VerifyException("onnx.RoiAlign: coordinate_transformation_mode must be "
                                  "half_pixel or output_half_pixel")


@irdl_op_definition
class GridSampleOp(IRDLOperation):
    name = "onnx.GridSample"
    X = operand_def(TensorType)
    grid = operand_def(TensorType)
    Y = result_def(TensorType)
    align_corners = opt_prop_def(_INT)
    mode = opt_prop_def(_STR)
    padding_mode = opt_prop_def(_STR)
    traits = traits_def(Pure())

    def verify_(self) -> None:
        _keeps_element_type(self, self.X, self.grid, self.Y)
        rank = _rank(self.X, "GridSample X")
        if _rank(self.grid, "GridSample grid") != rank or shape_of(self.grid)[-1] != rank - 2:
            raise VerifyException(f"onnx.GridSample: grid must be [N, ..., {rank - 2}] of rank "
                                  f"{rank}")
        if attr_str(self, "mode", "linear") not in GRID_MODES:
            raise VerifyException(f"onnx.GridSample: mode must be one of {tuple(GRID_MODES)}")
        if attr_str(self, "padding_mode", "zeros") not in PADDING_MODES:
            raise VerifyException(f"onnx.GridSample: padding_mode must be one of "
                                  f"{PADDING_MODES}")


@irdl_op_definition
class AffineGridOp(IRDLOperation):
    name = "onnx.AffineGrid"
    theta = operand_def(TensorType)
    size = operand_def(TensorType)
    grid = result_def(TensorType)
    align_corners = opt_prop_def(_INT)
    traits = traits_def(Pure())

    def verify_(self) -> None:
        _keeps_element_type(self, self.theta, self.grid)
        _expect_rank(self.theta, "AffineGrid theta", 3, 3)
        spatial = shape_of(self.theta)[1]
        if spatial not in (2, 3) or shape_of(self.theta)[2] != spatial + 1:
            raise VerifyException("onnx.AffineGrid: theta must be [N, 2, 3] or [N, 3, 4]")
        if shape_of(self.grid)[-1] != spatial:
            raise VerifyException(f"onnx.AffineGrid: grid must end in {spatial}")


def dynamic_axis(value: SSAValue) -> int | None:
    """The axis of `value` whose extent only the run time knows (its static extent is the
    upper bound), or None for a value of static shape."""
    owner = value.owner
    if isinstance(owner, NonZeroOp):
        return 1
    if isinstance(owner, NonMaxSuppressionOp):
        return 0
    if isinstance(owner, CompressOp):
        if owner.axis is None:
            return 0
        return attr_int(owner, "axis", 0) % _rank(owner.input, "Compress input")
    return None


DETECT_OPS: tuple[type[IRDLOperation], ...] = (
    NonZeroOp, CompressOp, NonMaxSuppressionOp, RoiAlignOp, GridSampleOp, AffineGridOp,
)
"""The ops of this module, for `ONNX_OPS`."""
