"""Features of (kernel, schedule): what the learned cost model sees, a pure function.

    features(op, schedule, native_lanes=16) -> np.ndarray[len(FEATURE_NAMES)]

Ansor-style loop-program features, computed from the kernel's shapes and the schedule's
knobs (tcc knows the loop nest each schedule produces, so no IR walk is needed): the work
(FLOPs, bytes, arithmetic intensity, reduction length, trip counts, all log2), the register
tile (rows, vectors, lanes, accumulators, vector-register pressure, loads per FMA), how well
the tile covers the output (useful lanes of the vector columns, scalar-tail and remainder-row
fractions), cache footprints of a tile's working set against L1 and L2 (input rows per
input-channel block, the weight slice of a channel tile, the B panel of a GEMM block), the
loop order and blocking, the convolution window (kernel, stride, dilation, groups,
depthwise, padding), and the unroll of elementwise loops. They generalize across shapes:
every size enters as a log or a ratio. A conv whose algorithm is rewritten into several
kernels (im2col, im2win, Winograd) is described by the kernel that does its arithmetic
(`costmodel.expanded`) plus the bytes its transforms write, how much larger its filter gets
and how many multiplies it saves.
"""

from __future__ import annotations

import functools
import math

import numpy as np

from tcompiler.codegen.loops.microkernel import narrow_columns
from tcompiler.costmodel.expanded import expansion
from tcompiler.costmodel.facts import facts
from tcompiler.costmodel.kernel import flops
from tcompiler.costmodel.schedules import (
    EXPANDED_ALGORITHMS,
    MAX_VECTOR_REGISTERS,
    ConvSchedule,
    GemmSchedule,
    LoopSchedule,
    Schedule,
    gemm_n,
)
from tcompiler.dialects import kernel

FEATURE_VERSION = 2
L1_BYTES = 32 * 1024
L2_BYTES = 1024 * 1024
ALGORITHMS = ("direct", "tiled", "pointwise", "loops", "dot", "im2col", "im2win", "im2win_nhwc",
              "winograd2", "winograd4")
FAMILIES = ("conv", "gemm", "loops")

FEATURE_NAMES: tuple[str, ...] = (
    *(f"family_{f}" for f in FAMILIES), *(f"algorithm_{a}" for a in ALGORITHMS),
    "log_flops", "log_bytes", "log_outputs", "log_intensity", "log_reduction",
    "tile_rows", "tile_vectors", "lanes", "lanes_over_native", "accumulators",
    "register_pressure", "loads_per_fma", "lane_efficiency", "tail_fraction",
    "remainder_rows_fraction", "log_row_tiles", "log_column_tiles",
    "rows_outside", "reduction_blocks", "log_block", "x_rows_over_l1", "x_rows_over_l2",
    "weights_tile_over_l1", "panel_over_l1", "panel_over_l2",
    "kernel_h", "kernel_w", "stride_h", "stride_w", "dilated", "log_groups", "depthwise",
    "padded", "log_out_h", "log_out_w", "log_batch", "unroll", "log_inner_extent",
    "log_transform_bytes", "transform_over_l2", "weight_inflation", "multiplies_saved",
)


def _log(x: float) -> float:
    return math.log2(max(x, 0) + 1.0)


def _tile(rows: int, vectors: int, lanes: int, native: int, f: dict[str, float]) -> None:
    f["tile_rows"], f["tile_vectors"], f["lanes"] = rows, vectors, lanes
    f["lanes_over_native"] = lanes / native
    f["accumulators"] = rows * vectors
    f["register_pressure"] = (rows * vectors + vectors + 1) / MAX_VECTOR_REGISTERS
    f["loads_per_fma"] = (rows + vectors) / (rows * vectors)


def _conv(op: kernel.ConvOp, s: ConvSchedule, native: int, f: dict[str, float]) -> None:
    facts_ = facts(op)
    x, w, y = list(facts_.shape("X")), list(facts_.shape("W")), list(facts_.shape("Y"))
    group = facts_.int("group")
    cout_g, cin_g = y[1] // group, w[1]
    spatial = w[2:]
    strides, dilations = facts_.ints("strides"), facts_.ints("dilations")
    pads = facts_.ints("pads")
    f["log_reduction"] = _log(cin_g * math.prod(spatial))
    f["kernel_h"] = spatial[0]
    f["kernel_w"] = spatial[-1]
    f["stride_h"], f["stride_w"] = strides[0], strides[-1]
    f["dilated"] = float(any(d > 1 for d in dilations))
    f["log_groups"] = _log(group)
    f["depthwise"] = float(cin_g == 1 and group > 1)
    f["padded"] = float(any(pads))
    f["log_out_h"] = _log(y[2]) if len(y) > 3 else 0.0
    f["log_out_w"] = _log(y[-1])
    f["log_batch"] = _log(y[0])
    if s.algorithm == "direct":
        return
    rows = min(s.tile_channels, cout_g)
    _tile(rows, s.tile_vectors, s.lanes, native, f)
    f["remainder_rows_fraction"] = (cout_g % rows) / cout_g
    f["log_row_tiles"] = _log(math.ceil(cout_g / rows) * group)
    block = s.ic_block if 0 < s.ic_block < cin_g else cin_g
    f["reduction_blocks"] = math.ceil(cin_g / block)
    f["log_block"] = _log(block)
    f["rows_outside"] = float(s.loop_order == "channels_rows")
    f["weights_tile_over_l1"] = rows * block * math.prod(spatial) * 4 / L1_BYTES
    if s.algorithm == "pointwise":
        plane = math.prod(y[2:])
        n_vec = plane - plane % s.lanes
        narrow = narrow_columns(n_vec, plane, s.lanes)
        f["tail_fraction"] = (plane - sum(width for _, width in narrow) - n_vec) / plane
        f["lane_efficiency"] = 1.0
        f["log_column_tiles"] = _log(math.ceil(n_vec / (s.tile_vectors * s.lanes)))
        f["panel_over_l1"] = block * s.tile_vectors * s.lanes * 4 / L1_BYTES
        f["panel_over_l2"] = block * plane * 4 / L2_BYTES
        return
    width = y[3]
    columns = max(1, math.ceil(width / s.lanes))
    f["lane_efficiency"] = width / (columns * s.lanes)
    f["log_column_tiles"] = _log(math.ceil(columns / s.tile_vectors))
    rows_bytes = block * spatial[0] * x[3] * 4
    f["x_rows_over_l1"] = rows_bytes / L1_BYTES
    f["x_rows_over_l2"] = rows_bytes * max(1, y[2] // 4) / L2_BYTES


def _gemm(op: kernel.GemmOp | kernel.MatMulOp | kernel.WindowGemmOp, s: GemmSchedule,
          native: int, f: dict[str, float]) -> None:
    facts_ = facts(op)
    y = facts_.shape("Y")
    if isinstance(op, kernel.WindowGemmOp):
        m, n, k = y[1], y[2], facts_.shape("W")[0]
    elif isinstance(op, kernel.GemmOp):
        a = facts_.shape("A")
        m, n = y
        k = a[0] if facts_.int("trans_a") else a[1]
    else:
        a = facts_.shape("A")
        k = a[-1]
        m = a[-2] if len(a) > 1 else 1
        n = gemm_n(op)  # Y's columns: also right for a B packed in panels
    m, n, k = max(m, 1), max(n, 1), max(k, 1)  # an empty GEMM (a batch of 0) runs nothing
    f["log_reduction"] = _log(k)
    f["log_out_h"], f["log_out_w"] = _log(m), _log(n)
    f["log_batch"] = _log(math.prod(y) // max(m * n, 1))
    if s.algorithm == "loops":
        return
    rows = min(s.tile_channels, m) if s.algorithm == "tiled" else min(s.tile_channels, n)
    _tile(rows, s.tile_vectors, s.lanes, native, f)
    block = s.k_block if 0 < s.k_block < k else k
    f["reduction_blocks"] = math.ceil(k / block)
    f["log_block"] = _log(block)
    if s.algorithm == "dot":
        k_vec = k - k % s.lanes
        f["tail_fraction"] = (k - k_vec) / k
        f["remainder_rows_fraction"] = (n % rows) / n
        f["log_row_tiles"] = _log(math.ceil(n / rows) * m)
        f["panel_over_l1"] = rows * k * 4 / L1_BYTES
        f["panel_over_l2"] = n * k * 4 / L2_BYTES
        return
    n_vec = n - n % s.lanes
    f["tail_fraction"] = (n - n_vec) / n
    f["lane_efficiency"] = 1.0
    f["remainder_rows_fraction"] = (m % rows) / m
    f["log_row_tiles"] = _log(math.ceil(m / rows))
    f["log_column_tiles"] = _log(math.ceil(n_vec / (s.tile_vectors * s.lanes)))
    f["panel_over_l1"] = block * s.tile_vectors * s.lanes * 4 / L1_BYTES
    f["panel_over_l2"] = block * n * 4 / L2_BYTES


def _loops(op: kernel.KernelOp, s: LoopSchedule, f: dict[str, float]) -> None:
    f["unroll"] = s.unroll
    output = facts(op).output
    f["log_inner_extent"] = _log(output[-1] if output else 1)
    if isinstance(op, kernel.PoolOp):
        window = facts(op).ints("kernel_shape")
        f["kernel_h"], f["kernel_w"] = window[0], window[-1]
        strides = facts(op).ints("strides")
        f["stride_h"], f["stride_w"] = strides[0], strides[-1]


def features(op: kernel.KernelOp, schedule: Schedule, native_lanes: int = 16) -> np.ndarray:
    if isinstance(schedule, ConvSchedule) and schedule.algorithm in EXPANDED_ALGORITHMS:
        assert isinstance(op, kernel.ConvOp)
        f = _expanded(op, schedule, native_lanes)
    else:
        f = _features(op, schedule, native_lanes)
    return np.array([f[name] for name in FEATURE_NAMES], dtype=np.float64)


def _expanded(op: kernel.ConvOp, schedule: ConvSchedule, native: int) -> dict[str, float]:
    """The arithmetic kernel's features (`costmodel.expanded`), with the conv's window, the
    algorithm, and what the transforms cost."""
    parts = expansion(op, schedule)
    f = _features(parts.op, parts.schedule, native)
    window = _window_features(op, native)
    for name in ("kernel_h", "kernel_w", "stride_h", "stride_w", "dilated", "log_groups",
                 "depthwise", "padded", "log_out_h", "log_out_w", "log_batch"):
        f[name] = window[name]
    for name in FEATURE_NAMES[:len(FAMILIES) + len(ALGORITHMS)]:
        f[name] = 0.0
    f["family_conv"] = f[f"algorithm_{schedule.algorithm}"] = 1.0
    f["log_transform_bytes"] = _log(parts.transform_bytes)
    f["transform_over_l2"] = parts.transform_bytes / L2_BYTES
    f["weight_inflation"] = parts.weight_bytes / max(4 * math.prod(facts(op).shape("W")), 1)
    f["multiplies_saved"] = math.log2(max(flops(op), 1) / max(flops(parts.op), 1))
    return f


@functools.lru_cache(maxsize=256)
def _window_features(op: kernel.ConvOp, native: int) -> dict[str, float]:
    return _features(op, ConvSchedule("direct"), native)


def _features(op: kernel.KernelOp, schedule: Schedule, native_lanes: int) -> dict[str, float]:
    f: dict[str, float] = dict.fromkeys(FEATURE_NAMES, 0.0)
    f[f"family_{schedule.FAMILY}"] = 1.0
    algorithm = getattr(schedule, "algorithm", "loops")
    f[f"algorithm_{algorithm}"] = 1.0
    work, moved = flops(op), facts(op).bytes
    f["log_flops"], f["log_bytes"] = _log(work), _log(moved)
    f["log_outputs"] = _log(math.prod(facts(op).output))
    f["log_intensity"] = math.log2((work + 1) / (moved + 1))
    if isinstance(schedule, ConvSchedule):
        assert isinstance(op, kernel.ConvOp)
        _conv(op, schedule, native_lanes, f)
    elif isinstance(schedule, GemmSchedule):
        assert isinstance(op, kernel.GemmOp | kernel.MatMulOp | kernel.WindowGemmOp)
        _gemm(op, schedule, native_lanes, f)
    elif isinstance(schedule, LoopSchedule):
        _loops(op, schedule, f)
    return f


def native_lanes(cpu_features: str) -> int:
    """f32 lanes of the widest native vector register of a CPU feature string."""
    if "+avx512f" in cpu_features:
        return 16
    return 8 if "+avx" in cpu_features else 4
