"""Measurement in worker processes: valid records, wrong results caught, crashes and hangs
isolated to their own task, and the Dask cluster path on a local two-worker cluster."""

from __future__ import annotations

from pathlib import Path

import pytest

from tcompiler.costmodel.executor import FileFunction, Measurer
from tcompiler.costmodel.kernel import KernelSpec
from tcompiler.costmodel.measure import MeasureTask, measure
from tcompiler.costmodel.schedules import LoopSchedule

WORKERS = str(Path(__file__).with_name("workers.py"))

MAP = """builtin.module {
  func.func @relu_0(%x: memref<4x64xf32>, %y: memref<4x64xf32>) attributes {tcc.kernel} {
    kernel.map %x -> %y : memref<4x64xf32> -> memref<4x64xf32> {
    ^bb0(%v: f32):
      %z = arith.constant 0.0 : f32
      %r = arith.maximumf %v, %z : f32
      kernel.yield %r : f32
    }
    func.return
  }
}"""


def spec() -> KernelSpec:
    return KernelSpec.from_function(KernelSpec(MAP).function)


def tasks(*unrolls: int) -> list[MeasureTask]:
    return [MeasureTask(spec().text, LoopSchedule(u).knobs(), repeats=3) for u in unrolls]


def test_measure_in_process() -> None:
    result = measure(tasks(2)[0])
    assert result.valid and result.error is None
    assert len(result.times_us) == 3 and result.median_us > 0 and result.target["cpu"]
    bad = measure(MeasureTask(spec().text, {"unroll": 3}))
    assert not bad.valid and "unroll must be one of" in (bad.error or "")


MATMUL = """builtin.module {
  func.func @matmul_0(%a: memref<9x40xf32>, %b: memref<40x70xf32>, %y: memref<9x70xf32>) attributes {tcc.kernel} {
    kernel.matmul %a, %b -> %y : memref<9x40xf32>, memref<40x70xf32> -> memref<9x70xf32>
    func.return
  }
}"""


def test_measure_packs_b_for_pack_b() -> None:
    """A `pack_b` schedule is measured on the panels `pack-weights` makes of B (and checked
    against the heuristic's output), not on B as given."""
    from tcompiler.codegen import Target
    from tcompiler.costmodel.measure import Compiled, random_inputs
    from tcompiler.costmodel.schedules import GemmSchedule

    text = KernelSpec.from_function(KernelSpec(MATMUL).function).text
    for pack in (False, True):
        result = measure(MeasureTask(text, GemmSchedule("tiled", 4, 2, 16, 0, pack).knobs()))
        assert result.valid, result.error
    spec_ = KernelSpec(text)
    arrays = random_inputs(spec_)
    compiled = Compiled(spec_, GemmSchedule("tiled", 4, 2, 16, 0, True), Target.host(), 2,
                        arrays)
    packed = [a for _, args in compiled.steps for a in args if not isinstance(a, int)]
    assert [p.shape for p in packed] == [(3, 40, 32)]
    compiled.run(arrays)
    assert abs(arrays[2] - arrays[0] @ arrays[1]).max() < 1e-3


def test_a_crash_is_a_record_of_its_own_task() -> None:
    with Measurer(jobs=2, function=FileFunction(WORKERS, "crash_on_unroll_8")) as m:
        results = {t.knobs["unroll"]: r for t, r in m.run(tasks(1, 8, 2, 4))}
    assert not results[8].valid and "crashed" in (results[8].error or "")
    assert all(results[u].valid for u in (1, 2, 4))


def test_a_hang_times_out() -> None:
    with Measurer(jobs=2, function=FileFunction(WORKERS, "hang_on_unroll_4"), timeout_s=10) as m:
        results = {t.knobs["unroll"]: r for t, r in m.run(tasks(4, 2))}
    assert not results[4].valid and "timed out" in (results[4].error or "")
    assert results[2].valid


def test_dask_cluster_with_two_workers() -> None:
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        with Measurer(cluster=cluster.scheduler_address) as m:
            assert m.width == 2
            results = [r for _, r in m.run(tasks(1, 2, 4))]
    assert all(r.valid for r in results) and len(results) == 3


CONV = """builtin.module {
  func.func @conv_0(%x: memref<1x8x9x9xf32>, %w: memref<20x8x3x3xf32>, %y: memref<1x20x9x9xf32>) attributes {tcc.kernel} {
    kernel.conv %x, %w -> %y {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64} : memref<1x8x9x9xf32>, memref<20x8x3x3xf32> -> memref<1x20x9x9xf32>
    func.return
  }
}"""


def test_measure_packs_the_filter_of_a_packed_conv() -> None:
    """The measurer packs the filter as conv-to-packed does, and checks the result against
    the heuristic schedule's."""
    from tcompiler.costmodel.schedules import ConvSchedule

    conv = KernelSpec.from_function(KernelSpec(CONV).function)
    result = measure(MeasureTask(conv.text, ConvSchedule("packed", 4, 2, 8).knobs(), repeats=3))
    assert result.valid and result.error is None, result.error
