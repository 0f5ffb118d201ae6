"""Every schedule in a kernel's space computes the same result: random samples of the space of
each family (conv tiled/pointwise/direct, gemm tiled/dot/loops, matmul tiled, unrolled maps
and pools) against float64 references, natively and in the reference evaluator."""

from __future__ import annotations

import io
import random
import zlib

import numpy as np
import pytest
from xdsl.parser import Parser
from xdsl.printer import Printer

from tcompiler.context import make_context
from tcompiler.costmodel.schedules import EXPANDED_ALGORITHMS, ConvSchedule, Schedule
from tcompiler.costmodel.space import space
from tcompiler.dialects import kernel
from tcompiler.kernels.conv_math import packed_filter
from tcompiler.kernels.panels import pack_panels

from .conftest import memref  # noqa: TID252
from .test_conv_gemm import conv_reference  # noqa: TID252
from .test_conv_tiled import CASES, ints, rand  # noqa: TID252


def attr_text(schedule: Schedule) -> str:
    stream = io.StringIO()
    Printer(stream=stream).print_attribute(schedule.to_attr())
    return stream.getvalue()


def kernel_op(op_text: str, shapes: list[tuple[int, ...]]) -> kernel.KernelOp:
    for i in reversed(range(len(shapes))):
        op_text = op_text.replace(f"${i}", memref(shapes[i]))
    args = ", ".join(f"%a{i}: {memref(s)}" for i, s in enumerate(shapes))
    module = Parser(make_context(), f"func.func @k({args}) {{\n{op_text}\nfunc.return\n}}").parse_module()
    return next(op for op in module.walk() if isinstance(op, kernel.KernelOp))


def with_schedule(op_text: str, schedule: Schedule) -> str:
    """`op_text` (whose attribute dictionary ends with `}} :`) with `schedule = ...` added."""
    head, sep, tail = op_text.partition("} :")
    comma = "" if head.endswith("{") else ", "
    return f"{head}{comma}schedule = {attr_text(schedule)}{sep}{tail}"


def schedules(op: kernel.KernelOp, seed: int, count: int) -> list[Schedule]:
    """Random schedules of the space that lower as one kernel (the algorithms that rewrite a
    conv into several kernels are tested through their passes: tests/kernels)."""
    single = [s for s in space(op) if getattr(s, "algorithm", "") not in EXPANDED_ALGORITHMS]
    return random.Random(seed).sample(single, min(count, len(single)))


@pytest.mark.parametrize("case", sorted(CASES))
def test_conv_space_samples(run_kernel, case: str) -> None:
    xs, ws, strides, pads, dilations, *rest = CASES[case]
    group = rest[0] if rest else 1
    x, w = rand(*xs), rand(*ws)
    ref = conv_reference(x, w, strides, pads, dilations, group)
    b, r = rand(ws[0]), rand(*ref.shape)
    ref = np.maximum(ref + b[None, :, None, None] + r, 0)
    attrs = (f"strides = {ints(strides)}, pads = {ints(pads)}, dilations = {ints(dilations)}, "
             f'group = {group} : i64, activation = "relu"')
    op = (f"kernel.conv %a0, %a1 bias %a2 residual %a3 -> %a4 {{{attrs}}} : "
          "$0, $1 bias $2 residual $3 -> $4")
    args = [x, w, b, r, np.zeros(ref.shape, np.float32)]
    op_ = kernel_op(op, [a.shape for a in args])
    picked = schedules(op_, zlib.crc32(case.encode()), 3)
    picked += [s for s in space(op_) if s.algorithm == "packed"][:1]
    for schedule in picked:
        if schedule.algorithm != "packed":
            out = run_kernel(with_schedule(op, schedule), args)
        else:  # as conv-to-packed leaves it: the filter in blocks of the tile's channels
            w_packed = packed_filter(w, schedule.lanes * schedule.tile_vectors)
            out = run_kernel(with_schedule(op, schedule), [x, w_packed, *args[2:]])
        np.testing.assert_allclose(out, ref, rtol=1e-4, atol=1e-4, err_msg=str(schedule))


@pytest.mark.parametrize("schedule", [
    ConvSchedule("tiled", 3, 1, 8, "rows_channels", 2),  # middle input-channel blocks loop
    ConvSchedule("tiled", 4, 2, 4, "channels_rows", 3),  # a short last block
    ConvSchedule("pointwise", 5, 1, 8, "channels_rows", 4),
    ConvSchedule("pointwise", 2, 3, 4, "rows_channels", 3),
])
def test_reduction_blocks(run_kernel, schedule: ConvSchedule) -> None:
    kernel_hw = 1 if schedule.algorithm == "pointwise" else 3
    pad = kernel_hw // 2
    x, w = rand(1, 9, 5, 19), rand(7, 9, kernel_hw, kernel_hw)
    ref = conv_reference(x, w, [1, 1], [pad] * 4, [1, 1], 1)
    b = rand(7)
    ref = np.clip(ref + b[None, :, None, None], 0, 6)
    op = (f"kernel.conv %a0, %a1 bias %a2 -> %a3 {{strides = {ints([1, 1])}, "
          f"pads = {ints([pad] * 4)}, dilations = {ints([1, 1])}, group = 1 : i64, "
          'activation = "clip", clip_min = 0.0 : f32, clip_max = 6.0 : f32} : $0, $1 bias $2 -> $3')
    out = run_kernel(with_schedule(op, schedule), [x, w, b, np.zeros(ref.shape, np.float32)])
    np.testing.assert_allclose(out, ref, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("trans_a,trans_b", [(0, 0), (1, 0), (0, 1), (1, 1)])
def test_gemm_space_samples(run_kernel, trans_a: int, trans_b: int) -> None:
    m, k, n = 5, 37, 41
    a = rand(*((k, m) if trans_a else (m, k)))
    bm = rand(*((n, k) if trans_b else (k, n)))
    c = rand(n)
    ref = 0.5 * (a.T if trans_a else a).astype(np.float64) @ (bm.T if trans_b else bm) + 2.0 * c
    ref = np.maximum(ref, 0)
    op = (f"kernel.gemm %a0, %a1 bias %a2 -> %a3 {{trans_a = {trans_a} : i64, "
          f"trans_b = {trans_b} : i64, alpha = 0.5 : f32, beta = 2.0 : f32, "
          'activation = "relu"} : $0, $1 bias $2 -> $3')
    args = [a, bm, c, np.zeros((m, n), np.float32)]
    op_ = kernel_op(op, [x.shape for x in args])
    algorithms = {s.algorithm for s in space(op_)}
    assert algorithms == ({"loops", "tiled"} if not trans_b else
                          {"loops", "dot", "tiled"} if not trans_a else {"loops", "tiled"})
    assert all(s.pack_b for s in space(op_) if s.algorithm == "tiled" and trans_b)
    picked = schedules(op_, 7 + 2 * trans_a + trans_b, 4)
    picked += [s for s in space(op_) if s.pack_b][:1]
    for schedule in picked:
        if not schedule.pack_b:
            out = run_kernel(with_schedule(op, schedule), args)
        else:  # as pack-weights leaves it: B packed in panels, trans_b = 0
            nr = schedule.tile_vectors * schedule.lanes
            packed = op.replace(f"trans_b = {trans_b} : i64",
                                f"trans_b = 0 : i64, b_panel = {nr} : i64")
            out = run_kernel(with_schedule(packed, schedule),
                             [a, pack_panels(bm.T if trans_b else bm, nr), c, args[3]])
        np.testing.assert_allclose(out, ref, rtol=1e-4, atol=1e-4, err_msg=str(schedule))


@pytest.mark.parametrize("a_shape,b_shape", [((3, 2, 7, 19), (19, 33)), ((2, 5, 20), (2, 20, 17)),
                                             ((20,), (3, 20, 16))])
def test_matmul_space_samples(run_kernel, a_shape, b_shape) -> None:
    a, bm = rand(*a_shape), rand(*b_shape)
    ref = np.matmul(a.astype(np.float64), bm)
    op = "kernel.matmul %a0, %a1 -> %a2 {} : $0, $1 -> $2"
    args = [a, bm, np.zeros(ref.shape, np.float32)]
    op_ = kernel_op(op, [x.shape for x in args])
    assert "tiled" in {s.algorithm for s in space(op_)}
    for schedule in schedules(op_, len(a_shape), 3):
        out = run_kernel(with_schedule(op, schedule), args)
        np.testing.assert_allclose(out, ref, rtol=1e-4, atol=1e-4, err_msg=str(schedule))


@pytest.mark.parametrize("unroll", [2, 4, 8])
def test_unrolled_map_and_pool(run_kernel, unroll: int) -> None:
    x, y = rand(2, 3, 7, 11), rand(11)
    sched = f'{{family = "loops", unroll = {unroll} : i64}}'
    out = run_kernel(
        f"kernel.map %a0, %a1 -> %a2 {{schedule = {sched}}} : $0, $1 -> $2 {{\n"
        "^bb0(%p: f32, %q: f32):\n  %s = arith.mulf %p, %q : f32\n  kernel.yield %s : f32\n}",
        [x, y, np.zeros(x.shape, np.float32)])
    np.testing.assert_allclose(out, x * y, rtol=1e-6)
    pooled = run_kernel(
        f'kernel.pool "max" %a0 -> %a1 {{kernel_shape = {ints([3, 3])}, strides = {ints([2, 2])}, '
        f"pads = {ints([1, 1, 1, 1])}, dilations = {ints([1, 1])}, count_include_pad = 0 : i64, "
        f"schedule = {sched}}} : $0 -> $1", [x, np.zeros((2, 3, 4, 6), np.float32)])
    padded = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)), constant_values=-np.inf)
    ref = np.array([[[[padded[n, c, 2 * i:2 * i + 3, 2 * j:2 * j + 3].max() for j in range(6)]
                      for i in range(4)] for c in range(3)] for n in range(2)])
    np.testing.assert_allclose(pooled, ref, rtol=1e-6)
