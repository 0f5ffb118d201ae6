"""Detection kernels of issue 14 (part of the `kernel` dialect; `kernel.py` lists them in
`KERNEL_OPS` through `DETECT_KERNELS`). Destination-passing like every kernel op, except that
the data-dependent ones write two buffers: Y, their upper-bound output, and N, the last
operand, an i64 [1] holding Y's run-time extent on its dynamic axis (`program.py`); Y past
that extent is left as it was.

- nonzero: Y [rank, numel] (i64) = the indices of X's nonzero elements, in row-major order,
  one column each; N = their count.
- compress: Y = the slices of X along `axis` whose condition C is true (C shorter than the
  axis: the rest dropped), in order, packed at the start of Y's axis; N = their count.
- nms: greedy non-maximum suppression per (batch, class) of boxes [B, N, 4], scores [B, C, N]
  visited in `order` [B, C, N] (indices by descending score, ties by the lower index: a
  `kernel.topk`): a box is kept when its score is above `score_threshold` (if any), no kept
  box of its class overlaps it with IoU above `iou_threshold`, and fewer than `max_per_class`
  are kept; Y [bound, 3] = (batch, class, box) rows, batch-major then class then keep order.
  `center_point_box` 0: boxes are [y1, x1, y2, x2] (any two corners), 1: [xc, yc, w, h].
- grid_sample: Y [N, C, *out] = X [N, C, *in] sampled at grid [N, *out, d] (x first, in
  [-1, 1]), `mode` linear/nearest/cubic, `padding` zeros/border/reflection, `align_corners`.
- roi_align: Y [R, C, h, w] = X [N, C, H, W] pooled over rois R [R, 4] (x1, y1, x2, y2) of
  images I [R]: `mode` avg (mean) or max (of the bilinear corners' weighted values, as
  onnxruntime), `half_pixel` (shift by -0.5; else the roi is at least 1 x 1), `sampling_ratio`
  (0: ceil(roi extent / bins) samples a bin, per roi), `spatial_scale`.
"""

from __future__ import annotations

from xdsl.dialects.builtin import FloatAttr, IntegerAttr, MemRefType, StringAttr, i64
from xdsl.irdl import irdl_op_definition, operand_def, opt_prop_def, prop_def
from xdsl.utils.exceptions import VerifyException

from tcompiler.dialects.kernel import KernelOp, _memref, shape

GRID_MODES = ("linear", "nearest", "cubic")
PADDINGS = ("zeros", "border", "reflection")


def _length(op: KernelOp, n: object) -> None:
    if shape(n) != (1,) or _memref(n, "N").element_type != i64:  # type: ignore[arg-type]
        raise VerifyException(f"{op.name}: N must be memref<1xi64>")


@irdl_op_definition
class NonZeroOp(KernelOp):
    name = "kernel.nonzero"
    X = operand_def(MemRefType)
    Y = operand_def(MemRefType)
    N = operand_def(MemRefType)
    assembly_format = "$X `->` $Y `,` $N attr-dict `:` type($X) `->` type($Y) `,` type($N)"

    def verify_(self) -> None:
        _length(self, self.N)
        x = shape(self.X)
        if shape(self.Y) != (len(x), _count(x)):
            raise VerifyException(f"kernel.nonzero: Y must be [{len(x)}, {_count(x)}]")


def _count(dims: tuple[int, ...]) -> int:
    total = 1
    for d in dims:
        total *= d
    return total


@irdl_op_definition
class CompressOp(KernelOp):
    name = "kernel.compress"
    X = operand_def(MemRefType)
    C = operand_def(MemRefType)
    Y = operand_def(MemRefType)
    N = operand_def(MemRefType)
    axis = prop_def(IntegerAttr)
    assembly_format = ("$X `,` $C `->` $Y `,` $N attr-dict `:` type($X) `,` type($C) `->` "
                       "type($Y) `,` type($N)")

    def verify_(self) -> None:
        _length(self, self.N)
        x, y, axis = shape(self.X), shape(self.Y), self.axis.value.data
        if not 0 <= axis < len(x) or len(y) != len(x):
            raise VerifyException(f"kernel.compress: axis {axis} out of X's rank {len(x)}")
        if y[:axis] + y[axis + 1:] != x[:axis] + x[axis + 1:] or y[axis] > x[axis]:
            raise VerifyException(f"kernel.compress: Y {y} is no compression of X {x}")


@irdl_op_definition
class NmsOp(KernelOp):
    name = "kernel.nms"
    boxes = operand_def(MemRefType)
    scores = operand_def(MemRefType)
    order = operand_def(MemRefType)
    Y = operand_def(MemRefType)
    N = operand_def(MemRefType)
    center_point_box = prop_def(IntegerAttr)
    max_per_class = prop_def(IntegerAttr)
    iou_threshold = prop_def(FloatAttr)
    score_threshold = opt_prop_def(FloatAttr)
    assembly_format = ("$boxes `,` $scores `,` $order `->` $Y `,` $N attr-dict `:` "
                       "type($boxes) `,` type($scores) `,` type($order) `->` type($Y) `,` "
                       "type($N)")

    def verify_(self) -> None:
        _length(self, self.N)
        if shape(self.order) != shape(self.scores):
            raise VerifyException("kernel.nms: order must have the shape of scores")
        if len(shape(self.Y)) != 2 or shape(self.Y)[1] != 3:
            raise VerifyException("kernel.nms: Y must be [bound, 3]")


@irdl_op_definition
class GridSampleOp(KernelOp):
    name = "kernel.grid_sample"
    X = operand_def(MemRefType)
    G = operand_def(MemRefType)
    Y = operand_def(MemRefType)
    mode = prop_def(StringAttr)
    padding = prop_def(StringAttr)
    align_corners = prop_def(IntegerAttr)
    assembly_format = ("$X `,` $G `->` $Y attr-dict `:` type($X) `,` type($G) `->` type($Y)")

    def verify_(self) -> None:
        if self.mode.data not in GRID_MODES or self.padding.data not in PADDINGS:
            raise VerifyException(f"kernel.grid_sample: mode in {GRID_MODES}, padding in "
                                  f"{PADDINGS}")
        x, g, y = shape(self.X), shape(self.G), shape(self.Y)
        if y != x[:2] + g[1:-1] or g[-1] != len(x) - 2 or g[0] != x[0]:
            raise VerifyException(f"kernel.grid_sample: X {x}, grid {g}, Y {y} disagree")


@irdl_op_definition
class RoiAlignOp(KernelOp):
    name = "kernel.roi_align"
    X = operand_def(MemRefType)
    R = operand_def(MemRefType)
    I = operand_def(MemRefType)  # noqa: E741 - the batch indices
    Y = operand_def(MemRefType)
    mode = prop_def(StringAttr)
    half_pixel = prop_def(IntegerAttr)
    sampling_ratio = prop_def(IntegerAttr)
    spatial_scale = prop_def(FloatAttr)
    assembly_format = ("$X `,` $R `,` $I `->` $Y attr-dict `:` type($X) `,` type($R) `,` "
                       "type($I) `->` type($Y)")

    def verify_(self) -> None:
        x, r, y = shape(self.X), shape(self.R), shape(self.Y)
        if len(x) != 4 or r[1:] != (4,) or y[:2] != (r[0], x[1]) or shape(self.I) != r[:1]:
            raise VerifyException(f"kernel.roi_align: X {x}, rois {r}, Y {y} disagree")


DETECT_KERNELS = (NonZeroOp, CompressOp, NmsOp, GridSampleOp, RoiAlignOp)
