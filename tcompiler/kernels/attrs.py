"""ONNX attribute normalization for kernels: explicit pads, strides, dilations, axes.

`conv_props`, `pool_props` and `conv_transpose_props` return the kernel op's properties."""

from __future__ import annotations

from collections.abc import Sequence

from xdsl.dialects.builtin import IntegerAttr, i64
from xdsl.ir import Attribute, Operation, SSAValue

from tcompiler.dialects.kernel import ints
from tcompiler.dialects.onnx import attr_int, attr_ints, attr_str, node_name, shape_of
from tcompiler.errors import UnsupportedModelError


def normalize_axis(axis: int, rank: int) -> int:
    return axis + rank if axis < 0 else axis


def window_pads(
    op: Operation,
    in_spatial: Sequence[int],
    out_spatial: Sequence[int],
    kernel: Sequence[int],
    strides: Sequence[int],
    dilations: Sequence[int],
) -> list[int]:
    """Explicit pads (all begins, then all ends) of a Conv or Pool, resolving `auto_pad`."""
    n = len(in_spatial)
    auto_pad = attr_str(op, "auto_pad", "NOTSET")
    if auto_pad == "NOTSET":
        return attr_ints(op, "pads", [0] * (2 * n)) or [0] * (2 * n)
    if auto_pad == "VALID":
        return [0] * (2 * n)
    if auto_pad not in ("SAME_UPPER", "SAME_LOWER"):
        raise UnsupportedModelError([f"{node_name(op)}: auto_pad {auto_pad!r}"])
    begins, ends = [], []
    for i in range(n):
        extent = (kernel[i] - 1) * dilations[i] + 1
        total = max(0, (out_spatial[i] - 1) * strides[i] + extent - in_spatial[i])
        small, large = total // 2, total - total // 2
        begins.append(small if auto_pad == "SAME_UPPER" else large)
        ends.append(large if auto_pad == "SAME_UPPER" else small)
    return begins + ends


def _window(strides: Sequence[int], dilations: Sequence[int], pads: Sequence[int]
            ) -> dict[str, Attribute]:
    return {"strides": ints(strides), "pads": ints(pads), "dilations": ints(dilations)}


def conv_props(op: Operation, x_value: SSAValue | None = None,
               w_value: SSAValue | None = None) -> dict[str, Attribute]:
    """Window and group of a Conv-like `op` (input, weight: its first two operands unless
    given)."""
    x = shape_of(x_value or op.operands[0])
    w, y = shape_of(w_value or op.operands[1]), shape_of(op.results[0])
    n = len(x) - 2
    strides = attr_ints(op, "strides", [1] * n) or [1] * n
    dilations = attr_ints(op, "dilations", [1] * n) or [1] * n
    kernel = list(w[2:])
    pads = window_pads(op, x[2:], y[2:], kernel, strides, dilations)
    return {**_window(strides, dilations, pads),
            "group": IntegerAttr(attr_int(op, "group", 1), i64)}


def pool_props(op: Operation) -> dict[str, Attribute]:
    x, y = shape_of(op.operands[0]), shape_of(op.results[0])
    n = len(x) - 2
    kernel = attr_ints(op, "kernel_shape") or []
    strides = attr_ints(op, "strides", [1] * n) or [1] * n
    dilations = attr_ints(op, "dilations", [1] * n) or [1] * n
    pads = window_pads(op, x[2:], y[2:], kernel, strides, dilations)
    return {"kernel_shape": ints(kernel), **_window(strides, dilations, pads),
            "count_include_pad": IntegerAttr(attr_int(op, "count_include_pad", 0), i64)}


def conv_transpose_props(op: Operation) -> dict[str, Attribute]:
    """Strides, dilations, group and explicit pads of a ConvTranspose (Y's shape is known).

    With `output_shape` or `auto_pad` SAME_*, the padding is what makes the full output
    `stride * (in - 1) + output_padding + (k - 1) * dilation + 1` come down to Y's extent:
    SAME_UPPER puts the smaller half at the beginning (onnx.reference), otherwise the larger.
    Only the begin pads matter to the kernel; the ends are kept for the record.
    """
    x, w, y = shape_of(op.operands[0]), shape_of(op.operands[1]), shape_of(op.results[0])
    n = len(x) - 2
    strides = attr_ints(op, "strides", [1] * n) or [1] * n
    dilations = attr_ints(op, "dilations", [1] * n) or [1] * n
    output_padding = attr_ints(op, "output_padding", [0] * n) or [0] * n
    auto_pad = attr_str(op, "auto_pad", "NOTSET")
    explicit = attr_ints(op, "pads")
    if explicit is not None and auto_pad in ("NOTSET", "VALID"):
        pads = explicit
    elif auto_pad in ("SAME_UPPER", "SAME_LOWER") or attr_ints(op, "output_shape") is not None:
        begins, ends = [], []
        for i in range(n):
            full = (strides[i] * (x[2 + i] - 1) + output_padding[i]
                    + (w[2 + i] - 1) * dilations[i] + 1)
            total = full - y[2 + i]
            small, large = total // 2, total - total // 2
            begins.append(small if auto_pad == "SAME_UPPER" else large)
            ends.append(large if auto_pad == "SAME_UPPER" else small)
        pads = begins + ends
    else:
        pads = [0] * (2 * n)
    return {**_window(strides, dilations, pads),
            "group": IntegerAttr(attr_int(op, "group", 1), i64)}
