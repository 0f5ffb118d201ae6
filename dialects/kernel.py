"""The `kernel` dialect: fused kernels on buffers (the `kernels` and `schedule` stages).

A module at this level holds one graph function and one function per distinct kernel:

    func.func @main(%x: memref<1x3x8x8xf32>, %out: memref<1x4x8x8xf32>)
        attributes {tcc.graph, tcc.input_names = ["x"], tcc.output_names = ["y"]} {
      %w = kernel.weight "conv.w" : memref<4x3x3x3xf32>
      %t = kernel.buffer : memref<1x4x8x8xf32>
      func.call @conv_0(%x, %w, %t) : (...) -> ()
      func.call @map_0(%t, %out) : (...) -> ()
      func.return
    }
    func.func @conv_0(%x: memref<1x3x8x8xf32>, %w: memref<4x3x3x3xf32>, %y: memref<1x4x8x8xf32>)
        attributes {tcc.kernel} {
      kernel.conv %x, %w, %y {pads = array<i64: 1, 1, 1, 1>, ...}
      func.return
    }

Graph-level ops (`weight`, `buffer`, `view`) name storage; the planner gives each `buffer` an
`offset` in the arena. Kernel ops (`conv`, `gemm`, `pool`, `map`, `softmax`, `lrn`,
`transpose`, `concat`, `copy`) are destination-passing: they read their input memrefs and
write their last operand, have no results, and are the only op (besides `func.return`) of
their kernel function, whose arguments are the op's operands in order. Every memref is
static, contiguous, row-major, f32 unless stated.

Semantics (all shapes are known, so output shapes are in the types):
- conv: Y = act(conv(X, W) + B + R), N-d (rank >= 3), NC[spatial] layout, grouped,
  `pads` = begins then ends, B (shape [C_out]) and R (shape of Y) optional; act is none,
  relu, or clip: min(max(v, `clip_min`), `clip_max`) (ReLU6 is clip 0, 6).
- gemm: Y = act(alpha * op(A) op(B) + beta * C), C broadcast to Y (numpy rules), optional.
  gemm and matmul with `b_panel` = NR take B packed in column panels (`pack-weights`): B
  [ceil(N/NR), K, NR] holds the [K, N] matrix as B[j // NR, k, j % NR] (zeros past N), and
  trans_b is 0; the meaning is that of the [K, N] matrix (`kernels/panels.py`).
- pool: `kind` "max", "avg" or "sum" over windows of X; padding is never read (max ignores
  it, avg divides by the count of real elements, or with `count_include_pad` by the count of
  elements inside the padded extent).
- map: Y[i] = body(X0[bcast(i)], X1[bcast(i)], ...): each input is broadcast to Y's shape by
  numpy rules; the body takes one scalar per input, of that input's element type (f32, i64,
  i32 or i1), and yields one of Y's element type.
- softmax: along `axis`; lrn: ONNX LRN over dim 1; transpose: Y = X.transpose(perm);
  concat: along `axis`; copy: Y = X (same element count).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import cast

from xdsl.dialects.builtin import (
    DenseArrayBase,
    DictionaryAttr,
    FloatAttr,
    IntegerAttr,
    IntegerType,
    MemRefType,
    StringAttr,
    UnitAttr,
    f32,
    i64,
)
from xdsl.ir import Attribute, Block, Dialect, Region, SSAValue
from xdsl.irdl import (
    AttrSizedOperandSegments,
    IRDLOperation,
    ParsePropInAttrDict,
    irdl_op_definition,
    operand_def,
    opt_operand_def,
    opt_prop_def,
    prop_def,
    region_def,
    result_def,
    traits_def,
    var_operand_def,
)
from xdsl.traits import HasParent, IsTerminator, Pure
from xdsl.utils.exceptions import VerifyException

ACTIVATIONS = ("none", "relu", "clip")


def ints(values: Sequence[int]) -> DenseArrayBase:
    return DenseArrayBase.from_list(i64, list(values))


def int_values(attr: DenseArrayBase) -> list[int]:
    return [int(v) for v in cast(DenseArrayBase[IntegerType], attr).iter_values()]


def shape(value: SSAValue) -> tuple[int, ...]:
    assert isinstance(value.type, MemRefType)
    return tuple(value.type.get_shape())


def _memref(value: SSAValue, what: str) -> MemRefType[Attribute]:
    if not isinstance(value.type, MemRefType):
        raise VerifyException(f"{what} must be a memref, got {value.type}")
    return value.type


def _check_activation(attr: StringAttr | None, allowed: Sequence[str] = ("none", "relu")) -> None:
    if attr is not None and attr.data not in allowed:
        raise VerifyException(f"activation must be one of {tuple(allowed)}, got {attr.data!r}")


def _check_window_op(op: IRDLOperation, w: tuple[int, ...] | None = None
                     ) -> tuple[tuple[int, ...], ...]:
    """Shapes (X, W, Y) of a conv-like op (W: its filter's, or `w`), after checking ranks and
    window attributes."""
    x, y = shape(op.X), shape(op.Y)  # type: ignore[attr-defined]
    w = shape(op.W) if w is None else w  # type: ignore[attr-defined]
    spatial = len(x) - 2
    if len(w) != len(x) or len(y) != len(x) or spatial < 1:
        raise VerifyException(f"{op.name}: X {x}, W {w}, Y {y} must share one rank >= 3")
    for what, n in (("strides", spatial), ("dilations", spatial), ("pads", 2 * spatial)):
        if len(int_values(getattr(op, what))) != n:
            raise VerifyException(f"{op.name}: {what} needs {n} values")
    return x, w, y


# ----------------------------------------------------------------------------- graph level


@irdl_op_definition
class WeightOp(IRDLOperation):
    """A read-only weight buffer: the WeightStore tensor `name`."""

    name = "kernel.weight"
    weight_name = prop_def(StringAttr, prop_name="name")
    result = result_def(MemRefType)
    traits = traits_def(Pure())
    assembly_format = "$name attr-dict `:` type($result)"

    def __init__(self, weight_name: str, result_type: MemRefType[Attribute]):
        super().__init__(properties={"name": StringAttr(weight_name)}, result_types=[result_type])


@irdl_op_definition
class BufferOp(IRDLOperation):
    """An intermediate tensor. The planner sets `offset`, its byte offset in the arena."""

    name = "kernel.buffer"
    offset = opt_prop_def(IntegerAttr)
    result = result_def(MemRefType)
    irdl_options = (ParsePropInAttrDict(),)
    assembly_format = "attr-dict `:` type($result)"

    def __init__(self, result_type: MemRefType[Attribute]):
        super().__init__(result_types=[result_type])


@irdl_op_definition
class ViewOp(IRDLOperation):
    """The same bytes as `source`, seen with another shape (Reshape, Flatten, Unsqueeze); with
    an `offset`, the contiguous run of `source`'s elements from element `offset` on, as many as
    the result holds (a concat input placed in its output's bytes: `concat-in-place`)."""

    name = "kernel.view"
    source = operand_def(MemRefType)
    offset = opt_prop_def(IntegerAttr)
    result = result_def(MemRefType)
    traits = traits_def(Pure())
    irdl_options = (ParsePropInAttrDict(),)
    assembly_format = "$source attr-dict `:` type($source) `to` type($result)"

    def __init__(self, source: SSAValue, result_type: MemRefType[Attribute],
                 offset: int | None = None):
        super().__init__(operands=[source], result_types=[result_type], properties={} if (
            offset is None) else {"offset": IntegerAttr(offset, i64)})

    @property
    def element_offset(self) -> int:
        return self.offset.value.data if self.offset is not None else 0

    def is_whole(self) -> bool:
        """The view names every element of its source (a reshape)."""
        return (self.element_offset == 0 and _memref(self.source, "view source").element_count()
                == _memref(self.result, "view result").element_count())

    def verify_(self) -> None:
        a, b = _memref(self.source, "view source"), _memref(self.result, "view result")
        start = self.element_offset
        if a.element_type != b.element_type:
            raise VerifyException(f"kernel.view: {a} and {b} do not hold the same elements")
        if start < 0 or start + b.element_count() > a.element_count():
            raise VerifyException(f"kernel.view: {b} at element {start} does not fit in {a}")
        if self.offset is None and a.element_count() != b.element_count():
            raise VerifyException(f"kernel.view: {a} and {b} do not hold the same elements")


# ----------------------------------------------------------------------------- kernel ops


class KernelOp(IRDLOperation):
    """Destination-passing: the last operand is the output; a `schedule` may be attached."""

    schedule = opt_prop_def(DictionaryAttr)
    irdl_options = (ParsePropInAttrDict(),)

    @property
    def output(self) -> SSAValue:
        return self.operands[-1]

    def inplace_inputs(self) -> tuple[int, ...]:
        """Operand positions of the inputs the output may share a buffer with (MLIR's
        destination-style idea): the kernel reads such an input at an index before it writes
        the output there, and never reads it afterwards. The memory planner reads this; the
        emitters honour it. Default: none (the kernel uses its output as scratch)."""
        return ()


@irdl_op_definition
class ConvOp(KernelOp):
    name = "kernel.conv"
    X = operand_def(MemRefType)
    W = operand_def(MemRefType)
    B = opt_operand_def(MemRefType)
    R = opt_operand_def(MemRefType)
    Y = operand_def(MemRefType)
    strides = prop_def(DenseArrayBase)
    pads = prop_def(DenseArrayBase)
    dilations = prop_def(DenseArrayBase)
    group = prop_def(IntegerAttr)
    activation = opt_prop_def(StringAttr)
    clip_min = opt_prop_def(FloatAttr)
    clip_max = opt_prop_def(FloatAttr)
    irdl_options = (AttrSizedOperandSegments(as_property=True), ParsePropInAttrDict())
    assembly_format = (
        "$X `,` $W (`bias` $B^)? (`residual` $R^)? `->` $Y attr-dict `:` "
        "type($X) `,` type($W) (`bias` type($B)^)? (`residual` type($R)^)? `->` type($Y)"
    )

    @property
    def packed(self) -> bool:
        """W is packed for the `packed` algorithm (`conv-to-packed`): [ceil(C_out/B), C_in,
        *K, B], the B output channels of a tap contiguous, zero past C_out."""
        return len(shape(self.W)) == len(shape(self.X)) + 1

    def filter_shape(self) -> tuple[int, ...]:
        """W's shape as [C_out, C_in/group, *K], whether W is packed or not."""
        w = shape(self.W)
        return (shape(self.Y)[1], *w[1:-1]) if self.packed else w

    def verify_(self) -> None:
        x, w, y = _check_window_op(self, self.filter_shape())
        group = self.group.value.data
        if self.packed:
            wp = shape(self.W)
            if group != 1 or not (wp[0] - 1) * wp[-1] < y[1] <= wp[0] * wp[-1]:
                raise VerifyException(f"kernel.conv: a packed filter {wp} needs group 1 and "
                                      f"{wp[0]} blocks of {wp[-1]} covering the {y[1]} "
                                      "output channels")
        if x[1] != w[1] * group or y[1] != w[0] or w[0] % group:
            raise VerifyException(
                f"kernel.conv: channels of X {x}, W {w}, Y {y} disagree (group {group})")
        if self.B is not None and shape(self.B) != (w[0],):
            raise VerifyException(f"kernel.conv: bias must have shape ({w[0]},)")
        if self.R is not None and shape(self.R) != y:
            raise VerifyException("kernel.conv: residual must have the shape of Y")
        _check_activation(self.activation, ACTIVATIONS)
        clip = self.activation is not None and self.activation.data == "clip"
        if clip != (self.clip_min is not None and self.clip_max is not None):
            raise VerifyException("kernel.conv: clip_min and clip_max go with activation clip")

    def inplace_inputs(self) -> tuple[int, ...]:
        """The residual R: each tile reads R before it stores Y at the same place."""
        return () if self.R is None else (list(self.operands).index(self.R),)


@irdl_op_definition
class GemmOp(KernelOp):
    name = "kernel.gemm"
    A = operand_def(MemRefType)
    B = operand_def(MemRefType)
    C = opt_operand_def(MemRefType)
    Y = operand_def(MemRefType)
    trans_a = prop_def(IntegerAttr)
    trans_b = prop_def(IntegerAttr)
    alpha = prop_def(FloatAttr)
    beta = prop_def(FloatAttr)
    activation = opt_prop_def(StringAttr)
    b_panel = opt_prop_def(IntegerAttr)
    assembly_format = (
        "$A `,` $B (`bias` $C^)? `->` $Y attr-dict `:` "
        "type($A) `,` type($B) (`bias` type($C)^)? `->` type($Y)"
    )

    def verify_(self) -> None:
        a, y = shape(self.A), shape(self.Y)
        if len(a) != 2 or len(y) != 2:
            raise VerifyException("kernel.gemm: A and Y must be 2-d")
        if self.b_panel is not None and self.trans_b.value.data:
            raise VerifyException("kernel.gemm: a B packed in panels (b_panel) has trans_b = 0")
        b = unpacked_b_shape(self, y[1])
        if len(b) != 2:
            raise VerifyException("kernel.gemm: B must be 2-d")
        m, k = (a[1], a[0]) if self.trans_a.value.data else a
        k2, n = (b[1], b[0]) if self.trans_b.value.data else b
        if k != k2 or y != (m, n):
            raise VerifyException(f"kernel.gemm: shapes A {a}, B {b}, Y {y} disagree")
        _check_activation(self.activation)


@irdl_op_definition
class PoolOp(KernelOp):
    name = "kernel.pool"
    X = operand_def(MemRefType)
    Y = operand_def(MemRefType)
    kind = prop_def(StringAttr)
    kernel_shape = prop_def(DenseArrayBase)
    strides = prop_def(DenseArrayBase)
    pads = prop_def(DenseArrayBase)
    dilations = prop_def(DenseArrayBase)
    count_include_pad = prop_def(IntegerAttr)
    storage_order = opt_prop_def(IntegerAttr)  # argmax: 1 = column-major spatial indices
    assembly_format = "$kind $X `->` $Y attr-dict `:` type($X) `->` type($Y)"

    def verify_(self) -> None:
        if self.kind.data not in ("max", "avg", "sum", "argmax"):
            raise VerifyException(
                f"kernel.pool: kind must be max, avg, sum or argmax, got {self.kind.data!r}")
        if (self.kind.data == "argmax") != (_memref(self.Y, "Y").element_type == i64):
            raise VerifyException("kernel.pool: Y must be i64 exactly for kind argmax")
        spatial = len(shape(self.X)) - 2
        if (len(int_values(self.kernel_shape)) != spatial
                or len(int_values(self.pads)) != 2 * spatial):
            raise VerifyException("kernel.pool: kernel_shape/pads do not match the input rank")


@irdl_op_definition
class MapOp(KernelOp):
    """Elementwise with broadcasting; the body maps one scalar per input to one scalar."""

    name = "kernel.map"
    inputs = var_operand_def(MemRefType)
    Y = operand_def(MemRefType)
    body = region_def("single_block")
    assembly_format = "$inputs `->` $Y attr-dict `:` type($inputs) `->` type($Y) $body"

    def __init__(self, inputs: Sequence[SSAValue], output: SSAValue, body: Region):
        super().__init__(operands=[inputs, output], regions=[body])

    def verify_(self) -> None:
        out = shape(self.Y)
        for value in self.inputs:
            s = shape(value)
            if len(s) > len(out) or any(a not in (1, b) for a, b in zip(s[::-1], out[::-1])):
                raise VerifyException(f"kernel.map: input shape {s} does not broadcast to {out}")
        block: Block = self.body.block
        if len(block.args) != len(self.inputs):
            raise VerifyException(
                f"kernel.map: body takes {len(block.args)} scalars for {len(self.inputs)} inputs"
            )
        for i, (arg, value) in enumerate(zip(block.args, self.inputs)):
            element = _memref(value, "map input").element_type
            if arg.type != element:
                raise VerifyException(
                    f"kernel.map: body argument {i} is {arg.type}, input {i} holds {element}")
        last = block.last_op
        element = _memref(self.Y, "map output").element_type
        if isinstance(last, YieldOp) and last.value.type != element:
            raise VerifyException(f"kernel.map: body yields {last.value.type}, Y holds {element}")

    def inplace_inputs(self) -> tuple[int, ...]:
        """Inputs of Y's shape and element type: Y[i] is written after X[i] is read."""
        y = _memref(self.Y, "Y")
        return tuple(i for i, v in enumerate(self.inputs) if v.type == y)


@irdl_op_definition
class YieldOp(IRDLOperation):
    name = "kernel.yield"
    value = operand_def()
    traits = traits_def(IsTerminator(), HasParent(MapOp))
    assembly_format = "$value attr-dict `:` type($value)"

    def __init__(self, value: SSAValue):
        super().__init__(operands=[value])


@irdl_op_definition
class SoftmaxOp(KernelOp):
    name = "kernel.softmax"
    X = operand_def(MemRefType)
    Y = operand_def(MemRefType)
    axis = prop_def(IntegerAttr)
    log = opt_prop_def(UnitAttr)  # log-softmax
    assembly_format = "$X `->` $Y attr-dict `:` type($X) `->` type($Y)"

    def verify_(self) -> None:
        if shape(self.X) != shape(self.Y):
            raise VerifyException("kernel.softmax: X and Y must have one shape")
        if not 0 <= self.axis.value.data < max(len(shape(self.X)), 1):
            raise VerifyException("kernel.softmax: axis out of range (it must be normalized)")


@irdl_op_definition
class LRNOp(KernelOp):
    name = "kernel.lrn"
    X = operand_def(MemRefType)
    Y = operand_def(MemRefType)
    size = prop_def(IntegerAttr)
    alpha = prop_def(FloatAttr)
    beta = prop_def(FloatAttr)
    bias = prop_def(FloatAttr)
    assembly_format = "$X `->` $Y attr-dict `:` type($X) `->` type($Y)"


@irdl_op_definition
class TransposeOp(KernelOp):
    name = "kernel.transpose"
    X = operand_def(MemRefType)
    Y = operand_def(MemRefType)
    perm = prop_def(DenseArrayBase)
    assembly_format = "$X `->` $Y attr-dict `:` type($X) `->` type($Y)"

    def verify_(self) -> None:
        perm, x, y = int_values(self.perm), shape(self.X), shape(self.Y)
        if sorted(perm) != list(range(len(x))) or tuple(x[p] for p in perm) != y:
            raise VerifyException(f"kernel.transpose: perm {perm} does not map {x} to {y}")


@irdl_op_definition
class ConcatOp(KernelOp):
    name = "kernel.concat"
    inputs = var_operand_def(MemRefType)
    Y = operand_def(MemRefType)
    axis = prop_def(IntegerAttr)
    assembly_format = "$inputs `->` $Y attr-dict `:` type($inputs) `->` type($Y)"

    def verify_(self) -> None:
        axis, y = self.axis.value.data, shape(self.Y)
        total = 0
        for value in self.inputs:
            s = shape(value)
            if len(s) != len(y) or any(a != b for i, (a, b) in enumerate(zip(s, y)) if i != axis):
                raise VerifyException(
                    f"kernel.concat: input {s} does not fit output {y} on axis {axis}")
            total += s[axis]
        if total != y[axis]:
            raise VerifyException(
                f"kernel.concat: inputs sum to {total} along axis {axis}, not {y[axis]}")


@irdl_op_definition
class CopyOp(KernelOp):
    name = "kernel.copy"
    X = operand_def(MemRefType)
    Y = operand_def(MemRefType)
    assembly_format = "$X `->` $Y attr-dict `:` type($X) `->` type($Y)"

    def verify_(self) -> None:
        if _memref(self.X, "X").element_count() != _memref(self.Y, "Y").element_count():
            raise VerifyException("kernel.copy: X and Y must hold the same number of elements")

    def inplace_inputs(self) -> tuple[int, ...]:
        """X when it holds Y's element type: the copy runs in flat order (a no-op in place)."""
        x, y = _memref(self.X, "X"), _memref(self.Y, "Y")
        return (0,) if x.element_type == y.element_type else ()


# ---- data movement kernels (issue 4)
# remap: separable resampling through per-dim index tables; it is Slice, Split, Pad, Tile,
#   Expand and every Resize mode. T (i64) concatenates, for each dim d of Y, a table of
#   shape [Y.shape[d], taps[d]]; W (f32, optional) holds the matching weights. Then
#   Y[i] = sum over tap choices t of prod_d W_d[i_d, t_d] * X[T_0[i_0, t_0], ..., T_n[i_n, t_n]]
#   (without W every tap count is 1 and Y[i] = X[T_0[i_0, 0], ...], any element type).
#   Where T_d[i_d, 0] == -1 for a dim d of `fill_dims`, Y[i] = `fill` (constant Pad,
#   tf_crop_and_resize extrapolation). X and Y have one rank.
# gather: Y[a, j, b] = X[a, I[j], b] (a: dims before `axis`, j: the dims of I); I is i64 or
#   i32, negative indices count from the end. gather_elements: Y[i] = X[i with i[axis] =
#   I[i]]. gather_nd: Y[b, q, r] = X[b, I[b, q, :], r] with `batch_dims` leading dims b.


def _remap_tables(op: IRDLOperation, table: SSAValue, what: str, taps: list[int]) -> None:
    count = sum(n * t for n, t in zip(shape(op.operands[-1]), taps))
    if shape(table) != (count,):
        raise VerifyException(
            f"kernel.remap: {what} must have shape ({count},), got {shape(table)}")


@irdl_op_definition
class RemapOp(KernelOp):
    name = "kernel.remap"
    X = operand_def(MemRefType)
    T = operand_def(MemRefType)
    W = opt_operand_def(MemRefType)
    Y = operand_def(MemRefType)
    taps = prop_def(DenseArrayBase)
    fill_dims = prop_def(DenseArrayBase)
    fill = opt_prop_def(Attribute)
    irdl_options = (AttrSizedOperandSegments(as_property=True), ParsePropInAttrDict())
    assembly_format = (
        "$X `,` $T (`weights` $W^)? `->` $Y attr-dict `:` "
        "type($X) `,` type($T) (`weights` type($W)^)? `->` type($Y)"
    )

    def verify_(self) -> None:
        x, y, taps = shape(self.X), shape(self.Y), int_values(self.taps)
        if len(x) != len(y) or len(taps) != len(y):
            raise VerifyException(f"kernel.remap: X {x}, Y {y} and taps {taps} need one rank")
        _remap_tables(self, self.T, "T", taps)
        if self.W is not None:
            _remap_tables(self, self.W, "W", taps)
        elif any(t != 1 for t in taps):
            raise VerifyException("kernel.remap: several taps need weights W")
        if int_values(self.fill_dims) and self.fill is None:
            raise VerifyException("kernel.remap: fill_dims without a fill value")
        if 0 in x and 0 not in y and self.fill is None:
            raise VerifyException("kernel.remap: an empty X needs a fill value")


class _GatherKernel(KernelOp):
    X = operand_def(MemRefType)
    I = operand_def(MemRefType)  # noqa: E741 - the ONNX name
    Y = operand_def(MemRefType)
    assembly_format = "$X `,` $I `->` $Y attr-dict `:` type($X) `,` type($I) `->` type($Y)"


@irdl_op_definition
class GatherOp(_GatherKernel):
    name = "kernel.gather"
    axis = prop_def(IntegerAttr)

    def verify_(self) -> None:
        x, i, y, axis = shape(self.X), shape(self.I), shape(self.Y), self.axis.value.data
        if not 0 <= axis < len(x):
            raise VerifyException(f"kernel.gather: axis {axis} is not a dim of X {x}")
        if y != x[:axis] + i + x[axis + 1:]:
            raise VerifyException(f"kernel.gather: X {x}, I {i}, Y {y} disagree on axis {axis}")


@irdl_op_definition
class GatherElementsOp(_GatherKernel):
    name = "kernel.gather_elements"
    axis = prop_def(IntegerAttr)

    def verify_(self) -> None:
        x, i, axis = shape(self.X), shape(self.I), self.axis.value.data
        if i != shape(self.Y) or len(x) != len(i):
            raise VerifyException("kernel.gather_elements: I and Y need one shape, X their rank")
        if not 0 <= axis < len(x):
            raise VerifyException(f"kernel.gather_elements: axis {axis} is not a dim of X {x}")
        if any(n > m for d, (n, m) in enumerate(zip(i, x)) if d != axis):
            raise VerifyException(f"kernel.gather_elements: I {i} is larger than X {x} off "
                                  f"axis {axis}")


@irdl_op_definition
class GatherNDOp(_GatherKernel):
    name = "kernel.gather_nd"
    batch_dims = prop_def(IntegerAttr)

    def verify_(self) -> None:
        x, i, y, b = shape(self.X), shape(self.I), shape(self.Y), self.batch_dims.value.data
        if y != i[:-1] + x[b + i[-1]:] or x[:b] != i[:b]:
            raise VerifyException(f"kernel.gather_nd: X {x}, I {i}, Y {y} disagree")


DATA_MOVEMENT_KERNELS = (RemapOp, GatherOp, GatherElementsOp, GatherNDOp)


# ---- nn and reduction kernels (issue 4)
# - reduce: Y = kind-reduction of X over `axes` (normalized, ascending); kind sum, mean, max,
#   min, prod; Y has X's rank with 1 at the axes (keepdims) or the axes dropped. Element type f32,
#   or i64/i32/i1 for sum/max/min/prod (i1: max is `or`, min and prod are `and`). An empty
#   reduction gives 0 (sum, mean: as onnxruntime), 1 (prod), -inf/+inf (max/min; for ints the
#   type's min/max).
# - matmul: ONNX MatMul (numpy matmul): A [..., M, K] or [K], B [..., K, N] or [K], batch dims
#   broadcast; Y has the numpy result shape. f32.
# - conv_transpose: Y = conv_transpose(X, W) + B; X [N, C_in, s...], W [C_in, C_out/group, k...];
#   an input position i feeds outputs i*stride - pad_begin + k*dilation (`pads` begins, ends).
# - normalize: mean and (population) variance of X over `axes`; `part` says what Y holds:
#   "normalize": Y = (X - mean) / sqrt(var + epsilon) * Scale + Bias (Scale, Bias optional,
#   numpy-broadcast to X); "rms": the same with mean 0 (var the mean square: RMSNormalization);
#   "mean", "var", "inv_std_dev": the statistic, shaped like a reduce result (keepdims or
#   axes dropped).


def _reduced_shape_ok(x: tuple[int, ...], y: tuple[int, ...], axes: list[int]) -> bool:
    keep = tuple(1 if d in axes else e for d, e in enumerate(x))
    drop = tuple(e for d, e in enumerate(x) if d not in axes)
    return y in (keep, drop)


def _check_axes(name: str, axes: list[int], rank: int) -> None:
    if axes != sorted(set(axes)) or any(not 0 <= a < rank for a in axes):
        raise VerifyException(f"{name}: axes {axes} must be distinct, ascending, in 0..{rank - 1}")


REDUCE_KINDS = ("sum", "mean", "max", "min", "prod")


@irdl_op_definition
class ReduceOp(KernelOp):
    name = "kernel.reduce"
    X = operand_def(MemRefType)
    Y = operand_def(MemRefType)
    kind = prop_def(StringAttr)
    axes = prop_def(DenseArrayBase)
    assembly_format = "$kind $X `->` $Y attr-dict `:` type($X) `->` type($Y)"

    def verify_(self) -> None:
        if self.kind.data not in REDUCE_KINDS:
            raise VerifyException(
                f"kernel.reduce: kind must be one of {REDUCE_KINDS}, got {self.kind.data!r}")
        x, y, axes = shape(self.X), shape(self.Y), int_values(self.axes)
        _check_axes("kernel.reduce", axes, len(x))
        if not _reduced_shape_ok(x, y, axes):
            raise VerifyException(f"kernel.reduce: Y {y} is not X {x} reduced over axes {axes}")
        if _memref(self.X, "X").element_type != _memref(self.Y, "Y").element_type:
            raise VerifyException("kernel.reduce: X and Y must share one element type")


def unpacked_b_shape(op: GemmOp | MatMulOp, n: int) -> tuple[int, ...]:
    """B's shape as the op means it: [K, N] for a B packed in panels of `b_panel` columns
    ([ceil(N/NR), K, NR], N = `n`, the columns of Y), else B's own shape."""
    b = shape(op.B)
    if op.b_panel is None:
        return b
    nr = op.b_panel.value.data
    if nr < 1 or len(b) != 3 or b[2] != nr or b[0] != -(-n // nr):
        raise VerifyException(f"{op.name}: B {b} is not [ceil(N/NR), K, NR] for N = {n}, NR ="
                              f" b_panel = {nr}")
    return (b[1], n)


def matmul_shape(a: tuple[int, ...], b: tuple[int, ...]) -> tuple[int, ...] | None:
    """The numpy matmul result shape of `a @ b`, None if they do not match."""
    a2 = (1, *a) if len(a) == 1 else a
    b2 = (*b, 1) if len(b) == 1 else b
    if a2[-1] != b2[-2]:
        return None
    batch_a, batch_b = a2[:-2], b2[:-2]
    rank = max(len(batch_a), len(batch_b))
    pa = (1,) * (rank - len(batch_a)) + batch_a
    pb = (1,) * (rank - len(batch_b)) + batch_b
    if any(p != q and 1 not in (p, q) for p, q in zip(pa, pb)):
        return None
    batch = tuple(max(p, q) if 0 not in (p, q) else 0 for p, q in zip(pa, pb))
    return (*batch, *((a2[-2],) if len(a) > 1 else ()), *((b2[-1],) if len(b) > 1 else ()))


@irdl_op_definition
class MatMulOp(KernelOp):
    name = "kernel.matmul"
    A = operand_def(MemRefType)
    B = operand_def(MemRefType)
    Y = operand_def(MemRefType)
    b_panel = opt_prop_def(IntegerAttr)
    assembly_format = "$A `,` $B `->` $Y attr-dict `:` type($A) `,` type($B) `->` type($Y)"

    def verify_(self) -> None:
        a, y = shape(self.A), shape(self.Y)
        b = unpacked_b_shape(self, y[-1] if y else 1)
        if self.b_panel is not None and (len(a) < 2 or len(b) != 2):
            raise VerifyException("kernel.matmul: a B packed in panels (b_panel) is a matrix "
                                  f"and A has rows, got A {a}")
        if not a or not b or matmul_shape(a, b) != y:
            raise VerifyException(f"kernel.matmul: shapes A {a}, B {b}, Y {y} disagree")


@irdl_op_definition
class ConvTransposeOp(KernelOp):
    name = "kernel.conv_transpose"
    X = operand_def(MemRefType)
    W = operand_def(MemRefType)
    B = opt_operand_def(MemRefType)
    Y = operand_def(MemRefType)
    strides = prop_def(DenseArrayBase)
    pads = prop_def(DenseArrayBase)
    dilations = prop_def(DenseArrayBase)
    group = prop_def(IntegerAttr)
    assembly_format = (
        "$X `,` $W (`bias` $B^)? `->` $Y attr-dict `:` "
        "type($X) `,` type($W) (`bias` type($B)^)? `->` type($Y)"
    )

    def verify_(self) -> None:
        x, w, y = _check_window_op(self)
        group = self.group.value.data
        if x[1] != w[0] or y[1] != w[1] * group or x[1] % group:
            raise VerifyException(
                f"kernel.conv_transpose: channels of X {x}, W {w}, Y {y} disagree (group {group})")
        if self.B is not None and shape(self.B) != (y[1],):
            raise VerifyException(f"kernel.conv_transpose: bias must have shape ({y[1]},)")


def _check_epilogue(op: IRDLOperation, y: tuple[int, ...]) -> None:
    """Bias [C], residual (Y's shape) and activation of a conv's epilogue kernel."""
    b, r = op.B, op.R  # type: ignore[attr-defined]
    if b is not None and shape(b) != (y[1],):
        raise VerifyException(f"{op.name}: bias must have shape ({y[1]},)")
    if r is not None and shape(r) != y:
        raise VerifyException(f"{op.name}: residual must have the shape of Y")
    activation = op.activation  # type: ignore[attr-defined]
    _check_activation(activation, ACTIVATIONS)
    clip = activation is not None and activation.data == "clip"
    if clip != (op.clip_min is not None and op.clip_max is not None):  # type: ignore[attr-defined]
        raise VerifyException(f"{op.name}: clip_min and clip_max go with activation clip")


def _check_conv_window(op: IRDLOperation) -> tuple[list[int], ...]:
    """(kernel_shape, strides, pads, dilations) of a 2-d conv transform, checked."""
    values = [int_values(getattr(op, a)) for a in ("kernel_shape", "strides", "pads", "dilations")]
    for what, got, n in zip(("kernel_shape", "strides", "pads", "dilations"), values, (2, 2, 4, 2)):
        if len(got) != n:
            raise VerifyException(f"{op.name}: {what} needs {n} values")
    kernel_shape, strides, pads, dilations = values
    if min(kernel_shape + strides + dilations) < 1 or min(pads) < 0:
        raise VerifyException(f"{op.name}: window attributes must be positive (pads >= 0)")
    return kernel_shape, strides, pads, dilations


class _ConvTransformOp(KernelOp):
    """X [N, C, H, W] -> Y: a layout transform of a 2-d convolution's input (conv_math.py)."""

    X = operand_def(MemRefType)
    Y = operand_def(MemRefType)
    kernel_shape = prop_def(DenseArrayBase)
    strides = prop_def(DenseArrayBase)
    pads = prop_def(DenseArrayBase)
    dilations = prop_def(DenseArrayBase)
    assembly_format = "$X `->` $Y attr-dict `:` type($X) `->` type($Y)"

    def expected_shape(self, x: tuple[int, ...]) -> tuple[int, ...]:
        raise NotImplementedError

    def verify_(self) -> None:
        from tcompiler.kernels.conv_math import output_hw

        x, y = shape(self.X), shape(self.Y)
        if len(x) != 4:
            raise VerifyException(f"{self.name}: X {x} must be 4-d [N, C, H, W]")
        window = _check_conv_window(self)
        if min(output_hw(x, *window)) < 1:
            raise VerifyException(f"{self.name}: the window does not fit X {x}")
        if y != self.expected_shape(x):
            raise VerifyException(f"{self.name}: Y {y} must be {self.expected_shape(x)}")


@irdl_op_definition
class Im2ColOp(_ConvTransformOp):
    """Y [N, C*KH*KW, OH, OW]: each output pixel's window as a column (conv_math.py)."""

    name = "kernel.im2col"

    def expected_shape(self, x: tuple[int, ...]) -> tuple[int, ...]:
        from tcompiler.kernels.conv_math import im2col_shape

        return im2col_shape(x, *_check_conv_window(self))


@irdl_op_definition
class Im2WinOp(_ConvTransformOp):
    """Y [N, C*KH*P, OH, WQ]: the K_h-row strip of each output row (conv_math.py)."""

    name = "kernel.im2win"

    def expected_shape(self, x: tuple[int, ...]) -> tuple[int, ...]:
        from tcompiler.kernels.conv_math import im2win_shape

        return im2win_shape(x, *_check_conv_window(self))


@irdl_op_definition
class Im2WinNhwcOp(_ConvTransformOp):
    """Y [N, OH, W_p*KH*C]: every output pixel's window one contiguous run, channels
    innermost (conv_math.py). Width dilation 1."""

    name = "kernel.im2win_nhwc"

    def expected_shape(self, x: tuple[int, ...]) -> tuple[int, ...]:
        from tcompiler.kernels.conv_math import im2win_nhwc_shape

        window = _check_conv_window(self)
        if window[3][1] != 1:
            raise VerifyException(f"{self.name}: needs width dilation 1")
        return im2win_nhwc_shape(x, *window)


@irdl_op_definition
class WindowGemmOp(KernelOp):
    """Z[n, oh*OW + ow, :] = sum_k X[n, oh, ow*`stride`*R + k] * W[k, :] for k < K: a GEMM
    whose rows are the overlapping windows of an `kernel.im2win_nhwc` tensor X [N, OH, L]
    (W [K, C_out] with K = `kernel_w`*R, R = KH*C the values of one input column; L = W_p*R,
    OW = (W_p - `kernel_w`) / `stride` + 1)."""

    name = "kernel.window_gemm"
    X = operand_def(MemRefType)
    W = operand_def(MemRefType)
    Y = operand_def(MemRefType)
    kernel_w = prop_def(IntegerAttr)
    stride = prop_def(IntegerAttr)
    assembly_format = "$X `,` $W `->` $Y attr-dict `:` type($X) `,` type($W) `->` type($Y)"

    def geometry(self) -> tuple[int, int, int]:
        """(R, W_p, OW) from the shapes."""
        x, w = shape(self.X), shape(self.W)
        kw, stride = self.kernel_w.value.data, self.stride.value.data
        column = w[0] // kw
        width = x[2] // column
        return column, width, (width - kw) // stride + 1

    def verify_(self) -> None:
        x, w, y = shape(self.X), shape(self.W), shape(self.Y)
        kw, stride = self.kernel_w.value.data, self.stride.value.data
        if len(x) != 3 or len(w) != 2 or len(y) != 3 or kw < 1 or stride < 1:
            raise VerifyException(f"{self.name}: needs X [N, OH, L], W [K, C_out], Y [N, P, "
                                  "C_out], kernel_w >= 1, stride >= 1")
        if w[0] % kw or x[2] % max(w[0] // kw, 1) or x[2] // max(w[0] // kw, 1) < kw:
            raise VerifyException(f"{self.name}: X {x} is not a window tensor of W {w}")
        ow = self.geometry()[2]
        if y != (x[0], x[1] * ow, w[1]):
            raise VerifyException(f"{self.name}: Y {y} must be {(x[0], x[1] * ow, w[1])}")


class _EpilogueKernel(KernelOp):
    """X -> Y = act(f(X) + B + R): a conv's epilogue (bias [C], residual of Y's shape,
    activation none/relu/clip) after the kernel that did its arithmetic."""

    X = operand_def(MemRefType)
    B = opt_operand_def(MemRefType)
    R = opt_operand_def(MemRefType)
    Y = operand_def(MemRefType)
    activation = opt_prop_def(StringAttr)
    clip_min = opt_prop_def(FloatAttr)
    clip_max = opt_prop_def(FloatAttr)
    irdl_options = (AttrSizedOperandSegments(as_property=True), ParsePropInAttrDict())
    assembly_format = (
        "$X (`bias` $B^)? (`residual` $R^)? `->` $Y attr-dict `:` "
        "type($X) (`bias` type($B)^)? (`residual` type($R)^)? `->` type($Y)"
    )

    def inplace_inputs(self) -> tuple[int, ...]:
        """The residual R: each output element reads R before it stores Y there."""
        return () if self.R is None else (list(self.operands).index(self.R),)


@irdl_op_definition
class ToNchwOp(_EpilogueKernel):
    """Y [N, C, *spatial] = act(X[n, p, c] + B[c] + R) with X [N, P, C] (channels last), P the
    flattened spatial dims."""

    name = "kernel.to_nchw"

    def verify_(self) -> None:
        x, y = shape(self.X), shape(self.Y)
        if len(x) != 3 or len(y) < 3 or x != (y[0], math.prod(y[2:]), y[1]):
            raise VerifyException(f"{self.name}: X {x} is not Y {y} with channels last")
        _check_epilogue(self, y)


@irdl_op_definition
class WinogradInputOp(KernelOp):
    """V [alpha^2, N*TH*TW, C] = B^T d B of the input tiles of F(m x m, 3 x 3), alpha = m + 2,
    for a 3x3 stride-1 conv with `pads` (conv_math.py)."""

    name = "kernel.winograd_input"
    X = operand_def(MemRefType)
    Y = operand_def(MemRefType)
    tile = prop_def(IntegerAttr)
    pads = prop_def(DenseArrayBase)
    assembly_format = "$X `->` $Y attr-dict `:` type($X) `->` type($Y)"

    def verify_(self) -> None:
        from tcompiler.kernels.conv_math import WINOGRAD, output_hw, winograd_v_shape

        x, y, pads = shape(self.X), shape(self.Y), int_values(self.pads)
        if self.tile.value.data not in WINOGRAD or len(x) != 4 or len(pads) != 4 or min(pads) < 0:
            raise VerifyException(f"{self.name}: needs a 4-d X, tile in {tuple(WINOGRAD)} and "
                                  "4 pads >= 0")
        if min(output_hw(x, (3, 3), (1, 1), pads, (1, 1))) < 1:
            raise VerifyException(f"{self.name}: a 3x3 window does not fit X {x}")
        expected = winograd_v_shape(x, pads, self.tile.value.data)
        if y != expected:
            raise VerifyException(f"{self.name}: Y {y} must be {expected}")


@irdl_op_definition
class WinogradOutputOp(_EpilogueKernel):
    """Y [N, K, OH, OW] = act(A^T M A + B + R) of the tiles of M [alpha^2, N*TH*TW, K]."""

    name = "kernel.winograd_output"
    tile = prop_def(IntegerAttr)

    def verify_(self) -> None:
        from tcompiler.kernels.conv_math import WINOGRAD, winograd_tiles

        m_shape, y, tile = shape(self.X), shape(self.Y), self.tile.value.data
        if tile not in WINOGRAD or len(y) != 4 or len(m_shape) != 3:
            raise VerifyException(f"{self.name}: needs a 3-d X, 4-d Y and tile in "
                                  f"{tuple(WINOGRAD)}")
        th, tw = winograd_tiles(y[2], y[3], tile)
        if m_shape != ((tile + 2) ** 2, y[0] * th * tw, y[1]):
            raise VerifyException(f"{self.name}: X {m_shape} does not hold the tiles of Y {y}")
        _check_epilogue(self, y)


CONV_TRANSFORMS = (Im2ColOp, Im2WinOp, Im2WinNhwcOp, WindowGemmOp, ToNchwOp, WinogradInputOp,
                   WinogradOutputOp)
"""The kernels the convolution-algorithm passes (conv-to-im2col, ...) introduce."""


NORMALIZE_PARTS = ("normalize", "rms", "mean", "var", "inv_std_dev")


@irdl_op_definition
class NormalizeOp(KernelOp):
    name = "kernel.normalize"
    X = operand_def(MemRefType)
    Scale = opt_operand_def(MemRefType)
    Bias = opt_operand_def(MemRefType)
    Y = operand_def(MemRefType)
    axes = prop_def(DenseArrayBase)
    epsilon = prop_def(FloatAttr)
    part = prop_def(StringAttr)
    irdl_options = (AttrSizedOperandSegments(as_property=True), ParsePropInAttrDict())
    assembly_format = (
        "$part $X (`scale` $Scale^)? (`bias` $Bias^)? `->` $Y attr-dict `:` type($X) "
        "(`scale` type($Scale)^)? (`bias` type($Bias)^)? `->` type($Y)"
    )

    def verify_(self) -> None:
        x, y, axes = shape(self.X), shape(self.Y), int_values(self.axes)
        _check_axes("kernel.normalize", axes, len(x))
        if self.part.data not in NORMALIZE_PARTS:
            raise VerifyException(f"kernel.normalize: part must be one of {NORMALIZE_PARTS}")
        whole = self.part.data in ("normalize", "rms")
        if whole and y != x:
            raise VerifyException(f"kernel.normalize: Y {y} must have the shape of X {x}")
        if not whole and not _reduced_shape_ok(x, y, axes):
            raise VerifyException(f"kernel.normalize: Y {y} is not X {x} reduced over axes {axes}")
        for value in (self.Scale, self.Bias):
            if value is None:
                continue
            s = shape(value)
            if len(s) > len(x) or any(a not in (1, b) for a, b in zip(s[::-1], x[::-1])):
                raise VerifyException(f"kernel.normalize: {s} does not broadcast to {x}")


from tcompiler.dialects.kernel_detect import DETECT_KERNELS  # noqa: E402 - they import KernelOp
from tcompiler.dialects.kernel_index import INDEX_KERNELS  # noqa: E402
from tcompiler.dialects.kernel_quant import QUANT_KERNELS  # noqa: E402

KERNEL_OPS = (ConvOp, GemmOp, PoolOp, MapOp, SoftmaxOp, LRNOp, TransposeOp, ConcatOp, CopyOp,
              ReduceOp, MatMulOp, ConvTransposeOp, NormalizeOp,
              *DATA_MOVEMENT_KERNELS, *CONV_TRANSFORMS, *INDEX_KERNELS, *DETECT_KERNELS,
              *QUANT_KERNELS)

Kernel = Dialect(
    "kernel",
    [WeightOp, BufferOp, ViewOp, YieldOp, *KERNEL_OPS],
    [],
)

__all__ = ["ACTIVATIONS", "KERNEL_OPS", "Kernel", "KernelOp", "f32", "i64", "int_values", "ints",
           "shape"]
