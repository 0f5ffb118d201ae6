"""Schedules as typed data on kernel ops: round trips, validity rules, the space."""

from __future__ import annotations

import random

import pytest
from xdsl.parser import Parser

from tcompiler.context import make_context
from tcompiler.costmodel.schedules import (
    ConvSchedule,
    GemmSchedule,
    LoopSchedule,
    ScheduleError,
    from_attr,
    heuristic,
)
from tcompiler.costmodel.space import sample, space
from tcompiler.dialects import kernel

CONV = """func.func @k(%x: memref<1x16x20x20xf32>, %w: memref<24x16x3x3xf32>, %y: memref<1x24x20x20xf32>) {
  kernel.conv %x, %w -> %y {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64} : memref<1x16x20x20xf32>, memref<24x16x3x3xf32> -> memref<1x24x20x20xf32>
  func.return
}"""
POINTWISE = """func.func @k(%x: memref<1x16x5x5xf32>, %w: memref<8x16x1x1xf32>, %y: memref<1x8x5x5xf32>) {
  kernel.conv %x, %w -> %y {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64} : memref<1x16x5x5xf32>, memref<8x16x1x1xf32> -> memref<1x8x5x5xf32>
  func.return
}"""
GEMM = """func.func @k(%a: memref<2x64xf32>, %b: memref<10x64xf32>, %y: memref<2x10xf32>) {
  kernel.gemm %a, %b -> %y {trans_a = 0 : i64, trans_b = 1 : i64, alpha = 1.0 : f32, beta = 1.0 : f32} : memref<2x64xf32>, memref<10x64xf32> -> memref<2x10xf32>
  func.return
}"""
SOFTMAX = """func.func @k(%x: memref<2x10xf32>, %y: memref<2x10xf32>) {
  kernel.softmax %x -> %y {axis = 1 : i64} : memref<2x10xf32> -> memref<2x10xf32>
  func.return
}"""


def op_of(text: str) -> kernel.KernelOp:
    module = Parser(make_context(), text).parse_module()
    return next(op for op in module.walk() if isinstance(op, kernel.KernelOp))


def test_round_trip_through_the_attribute() -> None:
    op = op_of(CONV)
    for schedule in sample(op, random.Random(0), 20):
        assert from_attr(op, schedule.to_attr()) == schedule


def test_heuristic_is_first_and_everything_is_legal() -> None:
    for text in (CONV, POINTWISE, GEMM, SOFTMAX):
        op = op_of(text)
        schedules = space(op)
        assert schedules[0] == heuristic(op)
        assert len(set(schedules)) == len(schedules)
        for schedule in schedules:
            schedule.check(op)
    assert len(space(op_of(SOFTMAX))) == 1  # softmax's loops take no knob
    assert {s.algorithm for s in space(op_of(POINTWISE))} == {"direct", "tiled", "pointwise",
                                                            "packed"}
    assert {s.algorithm for s in space(op_of(GEMM))} == {"loops", "dot", "tiled"}
    assert all(s.pack_b for s in space(op_of(GEMM)) if s.algorithm == "tiled")  # trans_b = 1
    assert len(space(op_of(CONV))) > 300


@pytest.mark.parametrize("text,schedule,message", [
    (CONV, ConvSchedule("pointwise"), "pointwise needs a 1x1"),
    (CONV, ConvSchedule("tiled", tile_channels=8, tile_vectors=4), "needs 37 vector registers"),
    (CONV, ConvSchedule("tiled", lanes=32), "lanes must be one of"),
    (CONV, ConvSchedule("direct", ic_block=8), "direct takes no tile knobs"),
    (CONV, ConvSchedule("winograd"), "unknown algorithm"),
    (GEMM, GemmSchedule("tiled"), "tiled needs B's rows contiguous"),
    (GEMM, GemmSchedule("dot", tile_vectors=1, k_block=16), "runs all of K"),
    (SOFTMAX, LoopSchedule(unroll=4), "take no unroll"),
])
def test_invalid_schedules_name_the_rule(text: str, schedule, message: str) -> None:
    with pytest.raises(ScheduleError, match=message):
        schedule.check(op_of(text))


def test_attribute_errors() -> None:
    op = op_of(CONV)
    bad_family = LoopSchedule().to_attr()
    with pytest.raises(ScheduleError, match="family 'loops', expected 'conv'"):
        from_attr(op, bad_family)
    from xdsl.dialects.builtin import DictionaryAttr, IntegerAttr, i64

    attr = heuristic(op).to_attr()
    extra = DictionaryAttr({**attr.data, "tile_rows": IntegerAttr(4, i64)})
    with pytest.raises(ScheduleError, match="unknown conv schedule knob"):
        from_attr(op, extra)


def test_sample_is_seeded_and_distinct() -> None:
    op = op_of(CONV)
    a, b = sample(op, random.Random(5), 10), sample(op, random.Random(5), 10)
    assert a == b and len(set(a)) == 10


def test_lowering_an_invalid_schedule_is_a_precondition_error() -> None:
    from tcompiler.contracts import PassPreconditionError
    from tcompiler.passes.lower_kernels_to_loops import LowerKernelsToLoopsPass

    text = CONV.replace(") {\n  kernel.conv", ") attributes {tcc.kernel} {\n  kernel.conv").replace(
        "group = 1 : i64}", 'group = 1 : i64, schedule = {family = "conv", '
        'algorithm = "pointwise", tile_channels = 6 : i64, tile_vectors = 2 : i64, '
        'lanes = 16 : i64, loop_order = "rows_channels", ic_block = 0 : i64}}')
    module = Parser(make_context(), text).parse_module()
    with pytest.raises(PassPreconditionError, match="invalid schedule: kernel.conv: pointwise"):
        LowerKernelsToLoopsPass().apply(make_context(), module)
