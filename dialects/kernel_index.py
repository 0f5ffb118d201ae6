"""Index kernels of issue 14 (part of the `kernel` dialect; `kernel.py` lists them in
`KERNEL_OPS` through `INDEX_KERNELS`). Destination-passing like every kernel op: the last
operand Y is written, the others read; all shapes static.

- arg_reduce: Y (i64) = the index along `axis` of the largest (`kind` max) or smallest (min)
  element of X; ties go to the first index, or the last with `select_last`. Y has X's rank
  with 1 at `axis` (keepdims) or `axis` dropped. NaN never wins a comparison.
- scan: Y = the running `kind` (sum or prod) of X along `axis`, inclusive, or `exclusive`
  (Y[0] the identity); `reverse` runs from the end.
- topk: Y (i64) [.., k, ..] = the indices along `axis` of the k largest (`largest` 1) or
  smallest elements of X, best first, ties by the lower index (k = Y's extent on `axis`).
- scatter_elements: Y = X, then for each index i of I: Y[i with i[axis] = I[i]] =
  U[i] (`reduction` none) or combined with it (add, mul, max, min), in row-major order of I.
- scatter_nd: Y = X, then for each q over I's leading dims: the slice Y[I[q, :]] = U[q]
  (or combined with it), in row-major order of q.
Indices (I) are i64 or i32; negative ones count from the end of their dim.
"""

from __future__ import annotations

from xdsl.dialects.builtin import IntegerAttr, MemRefType, StringAttr, i64
from xdsl.irdl import irdl_op_definition, operand_def, prop_def
from xdsl.utils.exceptions import VerifyException

from tcompiler.dialects.kernel import KernelOp, _memref, shape

SCATTER_REDUCTIONS = ("none", "add", "mul", "max", "min")


def _axis(op: KernelOp, axis: IntegerAttr, rank: int) -> int:
    value = axis.value.data
    if not 0 <= value < rank:
        raise VerifyException(f"{op.name}: axis {value} must be normalized into 0..{rank - 1}")
    return value


@irdl_op_definition
class ArgReduceOp(KernelOp):
    name = "kernel.arg_reduce"
    X = operand_def(MemRefType)
    Y = operand_def(MemRefType)
    kind = prop_def(StringAttr)
    axis = prop_def(IntegerAttr)
    select_last = prop_def(IntegerAttr)
    assembly_format = "$kind $X `->` $Y attr-dict `:` type($X) `->` type($Y)"

    def verify_(self) -> None:
        if self.kind.data not in ("max", "min"):
            raise VerifyException(f"kernel.arg_reduce: kind must be max or min, "
                                  f"got {self.kind.data!r}")
        x, y = shape(self.X), shape(self.Y)
        axis = _axis(self, self.axis, len(x))
        if y not in (x[:axis] + (1,) + x[axis + 1:], x[:axis] + x[axis + 1:]):
            raise VerifyException(f"kernel.arg_reduce: Y {y} is not X {x} reduced on {axis}")
        if _memref(self.Y, "Y").element_type != i64:
            raise VerifyException("kernel.arg_reduce: Y must be i64")


@irdl_op_definition
class ScanOp(KernelOp):
    name = "kernel.scan"
    X = operand_def(MemRefType)
    Y = operand_def(MemRefType)
    kind = prop_def(StringAttr)
    axis = prop_def(IntegerAttr)
    exclusive = prop_def(IntegerAttr)
    reverse = prop_def(IntegerAttr)
    assembly_format = "$kind $X `->` $Y attr-dict `:` type($X) `->` type($Y)"

    def verify_(self) -> None:
        if self.kind.data not in ("sum", "prod"):
            raise VerifyException(f"kernel.scan: kind must be sum or prod, got {self.kind.data!r}")
        if self.X.type != self.Y.type:
            raise VerifyException("kernel.scan: X and Y must have one type")
        _axis(self, self.axis, max(len(shape(self.X)), 1))


@irdl_op_definition
class TopKOp(KernelOp):
    name = "kernel.topk"
    X = operand_def(MemRefType)
    Y = operand_def(MemRefType)
    axis = prop_def(IntegerAttr)
    largest = prop_def(IntegerAttr)
    assembly_format = "$X `->` $Y attr-dict `:` type($X) `->` type($Y)"

    def verify_(self) -> None:
        x, y = shape(self.X), shape(self.Y)
        axis = _axis(self, self.axis, len(x))
        if len(y) != len(x) or any(a != b for d, (a, b) in enumerate(zip(x, y)) if d != axis):
            raise VerifyException(f"kernel.topk: Y {y} differs from X {x} off axis {axis}")
        if y[axis] > x[axis] or _memref(self.Y, "Y").element_type != i64:
            raise VerifyException(f"kernel.topk: Y must be i64 with k <= {x[axis]} on the axis")


class _ScatterKernel(KernelOp):
    X = operand_def(MemRefType)
    I = operand_def(MemRefType)  # noqa: E741 - the ONNX name
    U = operand_def(MemRefType)
    Y = operand_def(MemRefType)
    reduction = prop_def(StringAttr)
    assembly_format = ("$X `,` $I `,` $U `->` $Y attr-dict `:` type($X) `,` type($I) `,` "
                       "type($U) `->` type($Y)")

    def verify_(self) -> None:
        if self.reduction.data not in SCATTER_REDUCTIONS:
            raise VerifyException(f"{self.name}: reduction must be one of {SCATTER_REDUCTIONS}")
        if self.X.type != self.Y.type:
            raise VerifyException(f"{self.name}: X and Y must have one type")


@irdl_op_definition
class ScatterElementsOp(_ScatterKernel):
    name = "kernel.scatter_elements"
    axis = prop_def(IntegerAttr)

    def verify_(self) -> None:
        super().verify_()
        x, i = shape(self.X), shape(self.I)
        _axis(self, self.axis, len(x))
        if i != shape(self.U) or len(i) != len(x):
            raise VerifyException(f"{self.name}: I and U need one shape, X their rank")


@irdl_op_definition
class ScatterNDOp(_ScatterKernel):
    name = "kernel.scatter_nd"

    def verify_(self) -> None:
        super().verify_()
        x, i, u = shape(self.X), shape(self.I), shape(self.U)
        if not i or i[-1] > len(x) or u != i[:-1] + x[i[-1]:]:
            raise VerifyException(f"{self.name}: X {x}, I {i}, U {u} disagree")


INDEX_KERNELS = (ArgReduceOp, ScanOp, TopKOp, ScatterElementsOp, ScatterNDOp)
