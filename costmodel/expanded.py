"""What the cost model sees of a conv whose algorithm is a rewrite into several kernels.

`conv-to-im2col`, `conv-to-im2win` and `conv-to-winograd` turn such a conv into a transform
kernel (plus, for Winograd, an output transform) and one kernel that does the arithmetic: a
pointwise conv over the columns, a tiled conv over the window tensor, a window GEMM
(im2win, NHWC) or a batched matmul (Winograd).
`expansion(op, schedule)` builds that arithmetic kernel (shapes only, detached from any
module) with the schedule the pass would give it, and the bytes the transforms write and the
filter the arithmetic reads, so `features` can describe the rewritten program with the same
loop-program features as any other kernel.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

from xdsl.dialects.builtin import IntegerAttr, MemRefType, f32, i64
from xdsl.ir import Block

from tcompiler.costmodel.facts import facts
from tcompiler.costmodel.schedules import ConvSchedule, GemmSchedule, Schedule
from tcompiler.dialects import kernel
from tcompiler.dialects.kernel import ints
from tcompiler.kernels.conv_math import (
    im2col_shape,
    im2win_nhwc_shape,
    im2win_phases,
    im2win_shape,
    im2win_taps,
    winograd_v_shape,
)


@dataclass(frozen=True)
class Expansion:
    op: kernel.KernelOp  # the kernel that does the arithmetic
    schedule: Schedule  # its schedule
    transform_bytes: int  # written by the transforms (im2col / im2win / Winograd buffers)
    weight_bytes: int  # the arithmetic kernel's filter


def _detached(types: list[tuple[int, ...]]) -> list:
    return list(Block(arg_types=[MemRefType(f32, t) for t in types]).args)


@functools.lru_cache(maxsize=256)
def _arithmetic(op: kernel.ConvOp, algorithm: str) -> tuple[kernel.KernelOp, int, int]:
    f = facts(op)
    x, w, y = f.shape("X"), f.shape("W"), f.shape("Y")
    strides, pads, dilations = f.ints("strides"), f.ints("pads"), f.ints("dilations")
    group = f.int("group")
    if algorithm.startswith("winograd"):
        m = int(algorithm.removeprefix("winograd"))
        v = winograd_v_shape(x, pads, m)
        a, b, out = _detached([v, (v[0], x[1], y[1]), (v[0], v[1], y[1])])
        matmul = kernel.MatMulOp.build(operands=[a, b, out])
        return matmul, 4 * (math.prod(v) + v[0] * v[1] * y[1]), 4 * v[0] * x[1] * y[1]
    if algorithm == "im2win_nhwc":
        win = im2win_nhwc_shape(x, w[2:], strides, pads, dilations)
        packed = (w[1] * w[2] * w[3], w[0])
        z = (x[0], y[2] * y[3], y[1])
        a, b, out = _detached([win, packed, z])
        gemm = kernel.WindowGemmOp.build(operands=[a, b, out], properties={
            "kernel_w": IntegerAttr(w[3], i64), "stride": IntegerAttr(strides[1], i64)})
        return gemm, 4 * (math.prod(win) + 2 * math.prod(z)), 4 * math.prod(packed)
    if algorithm == "im2col":
        cols = im2col_shape(x, w[2:], strides, pads, dilations)
        filt, conv_dilation = (w[0], cols[1] // group, 1, 1), 1
    else:
        cols = im2win_shape(x, w[2:], strides, pads, dilations)
        taps = im2win_taps(w[3], strides[1], dilations[1])
        phases = im2win_phases(strides[1], dilations[1])
        width = w[3] if phases == 1 else max(q for _, q in taps) + 1
        filt = (w[0], cols[1] // group, 1, width)
        conv_dilation = dilations[1] // strides[1] if phases == 1 else 1
    xs, ws, ys = _detached([cols, filt, y])
    conv = kernel.ConvOp.build(
        operands=[xs, ws, [], [], ys],
        properties={"strides": ints([1, 1]), "pads": ints([0, 0, 0, 0]),
                    "dilations": ints([1, conv_dilation]), "group": IntegerAttr(group, i64)})
    return conv, 4 * math.prod(cols), 4 * math.prod(filt)


def expansion(op: kernel.ConvOp, schedule: ConvSchedule) -> Expansion:
    inner, transform_bytes, weight_bytes = _arithmetic(op, schedule.algorithm)
    knobs = (schedule.tile_channels, schedule.tile_vectors, schedule.lanes)
    if schedule.algorithm.startswith("winograd") or schedule.algorithm == "im2win_nhwc":
        inner_schedule: Schedule = GemmSchedule("tiled", *knobs, schedule.ic_block)
    else:
        algorithm = "pointwise" if schedule.algorithm == "im2col" else "tiled"
        inner_schedule = ConvSchedule(algorithm, *knobs, schedule.loop_order, schedule.ic_block)
    return Expansion(inner, inner_schedule, transform_bytes, weight_bytes)
