"""Rules for data movement: sources, views, Identity, Dropout, Transpose, Concat, and the
ops that become a `kernel.remap` (per-dim index tables computed here with numpy): Slice,
Split, Expand, Tile, Pad; Shape and Range become constants."""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

import numpy as np
from xdsl.dialects.builtin import (
    AnyFloat,
    FloatAttr,
    IntegerAttr,
    IntegerType,
    MemRefType,
    TensorType,
    i64,
)
from xdsl.ir import Attribute, Operation, SSAValue

from tcompiler.dialects import kernel, onnx
from tcompiler.dialects.kernel import ints
from tcompiler.dialects.onnx import (
    attr_int,
    attr_ints,
    attr_str,
    node_name,
    shape_of,
    slice_range,
)
from tcompiler.errors import UnsupportedModelError
from tcompiler.kernels.attrs import normalize_axis
from tcompiler.kernels.convert import GraphConverter
from tcompiler.kernels.values import constant_of, memref_of


def source(c: GraphConverter, op: Operation) -> None:
    """Weights and constants become buffers when (and if) a kernel reads them."""


def view(c: GraphConverter, op: Operation) -> None:
    c.bind(op.results[0], c.view(c.memref(op.operands[0]), memref_of(op.results[0].type)))


def identity(c: GraphConverter, op: Operation) -> None:
    c.alias(op.results[0], op.operands[0])


def dropout(c: GraphConverter, op: onnx.DropoutOp) -> None:
    """Inference Dropout (or training with ratio 0) is the identity; its mask all true."""
    training = constant_of(c.weights, op.training_mode) if op.training_mode else None
    ratio = constant_of(c.weights, op.ratio) if op.ratio else None
    if op.training_mode is not None and (training is None or training.any()):
        if ratio is None or ratio.any():
            raise UnsupportedModelError([
                f"Dropout ({node_name(op)}): training mode with a nonzero or unknown ratio "
                "(random output)"])
    c.alias(op.output, op.data)
    if op.mask is not None and op.mask.uses:
        mask = np.ones(shape_of(op.mask), dtype=np.bool_)
        c.bind(op.mask, c.weight(mask, f"{node_name(op) or 'dropout'}.mask"))


def transpose(c: GraphConverter, op: onnx.TransposeOp) -> None:
    rank = len(shape_of(op.data))
    perm = attr_ints(op, "perm", list(range(rank))[::-1]) or []
    c.define_kernel(op.transposed, kernel.TransposeOp, [c.memref(op.data)],
                    {"perm": ints(perm)})


def concat(c: GraphConverter, op: onnx.ConcatOp) -> None:
    axis = normalize_axis(op.axis.value.data, len(shape_of(op.concat_result)))
    inputs = [c.memref(v) for v in op.inputs]
    c.define_kernel(op.concat_result, kernel.ConcatOp, [inputs], {"axis": IntegerAttr(axis, i64)})


RULES = {
    onnx.InitializerOp: source,
    onnx.ConstantOp: source,
    onnx.ReshapeOp: view,
    onnx.FlattenOp: view,
    onnx.UnsqueezeOp: view,
    onnx.IdentityOp: identity,
    onnx.DropoutOp: dropout,
    onnx.TransposeOp: transpose,
    onnx.ConcatOp: concat,
}


# ----------------------------------------------------------------------------- issue 4


def required_constant(c: GraphConverter, op: Operation, value: SSAValue | None, what: str
                      ) -> np.ndarray | None:
    """The constant behind an optional operand (None when absent); declined when computed."""
    if value is None:
        return None
    array = constant_of(c.weights, value)
    if array is None:
        raise UnsupportedModelError([
            f"{op.name.removeprefix('onnx.')} ({node_name(op)}): {what} is computed at run time "
            "(tcc needs it constant)"])
    return array


def _fill_attr(element: Attribute, value: float | int | bool) -> Attribute:
    if isinstance(element, IntegerType):
        return IntegerAttr(int(value), element)
    return FloatAttr(float(value), cast(AnyFloat, element))


def ranked_view(c: GraphConverter, value: SSAValue, rank: int) -> SSAValue:
    """The buffer of `value` seen with leading 1s up to `rank` dims (numpy broadcasting)."""
    source = c.memref(value)
    dims = shape_of(value)
    if len(dims) == rank:
        return source
    ty = value.type
    assert isinstance(ty, TensorType)
    return c.view(source, MemRefType(ty.element_type, (1,) * (rank - len(dims)) + dims))


def remap(c: GraphConverter, op: Operation, source: SSAValue, result: SSAValue,
          tables: Sequence[np.ndarray], weights: Sequence[np.ndarray] | None = None,
          fill: float | int | bool | None = None) -> None:
    """result[i] = source[tables[0][i_0], ...] (see kernel.remap); -1 entries read `fill`.

    `tables[d]` has shape [out_d] or [out_d, taps_d] (`weights` alike). A remap that is the
    identity on every dim is a view of the source."""
    out = shape_of(result)
    tables = [t.reshape(len(t), 1) if t.ndim == 1 else t for t in tables]
    assert tuple(len(t) for t in tables) == out, (op.name, [t.shape for t in tables], out)
    identity = weights is None and all(
        t.shape[1] == 1 and np.array_equal(t[:, 0], np.arange(n))
        for t, n in zip(tables, shape_of(source)))
    if identity and len(tables) == len(shape_of(source)):
        c.alias(result, source)
        return
    name = node_name(op).replace("/", "_")
    x = ranked_view(c, source, len(out))
    ty = result.type
    assert isinstance(ty, TensorType)
    fill_dims = [d for d, t in enumerate(tables) if (t[:, 0] == -1).any()]
    props: dict[str, Attribute] = {
        "taps": ints([t.shape[1] for t in tables]), "fill_dims": ints(fill_dims)}
    if fill_dims:
        props["fill"] = _fill_attr(ty.element_type, fill if fill is not None else 0)
    t = c.weight(np.concatenate([t.ravel() for t in tables]).astype(np.int64), f"{name}.index")
    w: list[SSAValue] = []
    if weights is not None:
        flat = np.concatenate([a.ravel() for a in weights]).astype(np.float32)
        w = [c.weight(flat, f"{name}.weight")]
    c.define_kernel(result, kernel.RemapOp, [x, t, w], props)


def squeeze(c: GraphConverter, op: onnx.SqueezeOp) -> None:
    view(c, op)


def slice_(c: GraphConverter, op: onnx.SliceOp) -> None:
    dims = shape_of(op.data)
    starts = required_constant(c, op, op.starts, "starts")
    ends = required_constant(c, op, op.ends, "ends")
    assert starts is not None and ends is not None
    axes = required_constant(c, op, op.axes, "axes")
    steps = required_constant(c, op, op.steps, "steps")
    axes_list = list(range(len(starts))) if axes is None else [int(a) for a in axes]
    steps_list = [1] * len(starts) if steps is None else [int(s) for s in steps]
    tables = [np.arange(n) for n in dims]
    for start, end, axis, step in zip(starts, ends, axes_list, steps_list, strict=True):
        axis = normalize_axis(axis, len(dims))
        tables[axis] = np.array(slice_range(dims[axis], int(start), int(end), step), np.int64)
    remap(c, op, op.data, op.output, tables)


def split(c: GraphConverter, op: onnx.SplitOp) -> None:
    dims = shape_of(op.input)
    axis = normalize_axis(attr_int(op, "axis", 0), len(dims))
    c.memref(op.input)  # several results read it: no output may take it over
    offset = 0
    for result in op.outputs:
        extent = shape_of(result)[axis]
        tables = [np.arange(n) for n in dims]
        tables[axis] = np.arange(offset, offset + extent)
        offset += extent
        if c.needed(result):
            remap(c, op, op.input, result, tables)


def expand(c: GraphConverter, op: onnx.ExpandOp) -> None:
    out = shape_of(op.output)
    dims = (1,) * (len(out) - len(shape_of(op.input))) + shape_of(op.input)
    tables = [np.zeros(m, np.int64) if n == 1 else np.arange(m) for n, m in zip(dims, out)]
    remap(c, op, op.input, op.output, tables)


def tile(c: GraphConverter, op: onnx.TileOp) -> None:
    repeats = required_constant(c, op, op.repeats, "repeats")
    assert repeats is not None
    tables = [np.tile(np.arange(n), int(r)) for n, r in zip(shape_of(op.input), repeats)]
    remap(c, op, op.input, op.output, tables)


_PAD_MODES = {"reflect": "reflect", "edge": "edge", "wrap": "wrap"}


def pad(c: GraphConverter, op: onnx.PadOp) -> None:
    dims = shape_of(op.data)
    pads = required_constant(c, op, op.pads, "pads")
    assert pads is not None
    axes = required_constant(c, op, op.axes, "axes")
    axes_list = list(range(len(dims))) if axes is None else [
        normalize_axis(int(a), len(dims)) for a in axes]
    begins, ends = [0] * len(dims), [0] * len(dims)
    for k, axis in enumerate(axes_list):
        begins[axis], ends[axis] = int(pads[k]), int(pads[k + len(axes_list)])
    value = required_constant(c, op, op.constant_value, "constant_value")
    fill = value.ravel()[0].item() if value is not None and value.size else 0
    mode = attr_str(op, "mode", "constant")
    tables = []
    for n, begin, end in zip(dims, begins, ends):
        index = np.arange(n)
        grow = (max(begin, 0), max(end, 0))
        if mode != "constant" and n == 0 and grow != (0, 0):
            raise UnsupportedModelError([f"Pad ({node_name(op)}): mode {mode!r} pads an empty "
                                         "dim (there is nothing to reflect or repeat)"])
        if mode == "constant":
            index = np.pad(index, grow, constant_values=-1)
        elif n > 0 and grow != (0, 0):
            index = np.pad(index, grow, mode=_PAD_MODES[mode])  # type: ignore[call-overload]
        tables.append(index[max(-begin, 0): len(index) - max(-end, 0)])
    remap(c, op, op.data, op.output, tables, fill=fill)


def shape(c: GraphConverter, op: onnx.ShapeOp) -> None:
    """Shapes are static: the result is a constant (frontend folding usually got it first)."""
    dims = shape_of(op.data)
    start, end = attr_int(op, "start", 0), attr_int(op, "end", len(dims))
    c.bind(op.shape, c.weight(np.array(dims[start:end], np.int64), node_name(op)))


def range_(c: GraphConverter, op: onnx.RangeOp) -> None:
    start, limit, delta = (required_constant(c, op, v, "an input")
                           for v in (op.start, op.limit, op.delta))
    assert start is not None and limit is not None and delta is not None
    count = shape_of(op.output)[0]
    values = start + np.arange(count, dtype=start.dtype) * delta
    c.bind(op.output, c.weight(values.astype(start.dtype), node_name(op)))


RULES.update({
    onnx.SqueezeOp: squeeze,
    onnx.SliceOp: slice_,
    onnx.SplitOp: split,
    onnx.ExpandOp: expand,
    onnx.TileOp: tile,
    onnx.PadOp: pad,
    onnx.ShapeOp: shape,
    onnx.RangeOp: range_,
})
