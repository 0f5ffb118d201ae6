"""`CompiledModel.profile`: per-step times of real runs through the runner's timed entry, on
the same pool as ordinary runs; the Chrome trace obeys the Trace Event format's rules; the
top-N table; artifacts whose runner has no timed entry still profile."""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from tcompiler.errors import OptionError
from tcompiler.program import Program
from tcompiler.runtime import CompiledModel
from tcompiler.runtime.native import RUNNER_OBJECT, TIMED_ENTRY, runner_ir
from tcompiler.runtime.profile import Profile, StepInfo
from tests.runtime.conftest import object_from_ir
from tests.runtime.test_threads import UNITS, WIDE, counting_program

PHASES = set("BEXiIbneMsftPOND(),CRc")  # every phase the Trace Event format defines


def check_trace_events(trace: dict[str, Any]) -> None:
    """The rules of the Trace Event format (the JSON object form) that chrome://tracing and
    Perfetto rely on, asserted."""
    assert set(trace) >= {"traceEvents"}
    json.loads(json.dumps(trace, allow_nan=False))  # plain JSON: no NaN, no Infinity
    assert trace.get("displayTimeUnit", "ms") in ("ms", "ns")
    spans: dict[tuple[int, int], list[tuple[float, float]]] = {}
    for event in trace["traceEvents"]:
        assert isinstance(event["name"], str) and event["name"]
        assert event["ph"] in PHASES
        assert all(isinstance(event[key], int) for key in ("pid", "tid"))
        assert isinstance(event.get("args", {}), dict)
        if event["ph"] == "M":
            assert event["name"] in ("process_name", "thread_name", "process_sort_index",
                                     "thread_sort_index", "process_labels")
            continue
        assert event["ph"] == "X"  # the only phase this profiler writes besides metadata
        ts, dur = event["ts"], event["dur"]
        assert isinstance(ts, int | float) and isinstance(dur, int | float)
        assert math.isfinite(ts) and ts >= 0 and math.isfinite(dur) and dur >= 0
        spans.setdefault((event["pid"], event["tid"]), []).append((ts, ts + dur))
    for intervals in spans.values():  # complete events of one thread nest, never cross
        open_ends: list[float] = []
        for begin, end in sorted(intervals, key=lambda s: (s[0], -s[1])):
            while open_ends and open_ends[-1] <= begin + 1e-6:  # microseconds to 1 ns
                open_ends.pop()
            assert not open_ends or end <= open_ends[-1] + 1e-6, (begin, end, open_ends)
            open_ends.append(end)


@pytest.mark.parametrize("threads", [1, 3])
def test_profile_times_every_step_on_the_pool(threads: int) -> None:
    program = counting_program(steps=4)
    model = CompiledModel(program, threads=threads)
    profile = model.profile([], runs=5)
    assert profile.stamps.shape == (5, len(program.steps) + 1)
    assert profile.threads == threads
    assert (profile.durations() >= 0).all() and (profile.run_ns() > 0).all()
    calls = {k.kernel: k.calls for k in profile.by_kernel()}
    assert calls == {"count": 20, "count_wide": 20, "zero": 5, "copy": 5}
    # the timed runs ran each parallel step's units once each, as an ordinary run does
    (counts,) = model()
    np.testing.assert_array_equal(counts, np.where(np.arange(WIDE) < UNITS, 8.0, 4.0))


def test_profile_of_a_compiled_model(program: Program, sample: Callable[..., Any]) -> None:
    a, b = sample(0)
    profile = CompiledModel(program, threads=2).profile({"a": a, "b": b}, runs=3)
    assert [s.kernel for s in profile.steps] == ["add", "scale", "add", "scale"]
    assert profile.by_kernel()[0].calls == 6


def test_trace_follows_the_trace_event_format() -> None:
    profile = CompiledModel(counting_program(steps=3), threads=2).profile([], runs=4)
    trace = profile.trace()
    check_trace_events(trace)
    kernels = [e for e in trace["traceEvents"] if e.get("cat") == "kernel"]
    runs = [e for e in trace["traceEvents"] if e.get("cat") == "run"]
    assert len(kernels) == 4 * 8 and len(runs) == 4
    assert kernels[0]["name"] == "zero" and kernels[0]["args"]["step"] == 0
    assert sum(e["dur"] for e in kernels) == pytest.approx(sum(e["dur"] for e in runs), rel=1e-6)


def test_steps_carry_op_shapes_and_output_from_meta() -> None:
    program = counting_program(steps=1)
    program.meta = {"kernels": {"copy": {"op": "copy", "shapes": {"X": [WIDE], "Y": [WIDE]}}},
                    "buffer_names": ["o", "acc"]}
    steps = CompiledModel(program).profile([], runs=1).steps
    assert steps[-1] == StepInfo("copy", "copy", {"X": [WIDE], "Y": [WIDE]}, "o")
    assert steps[-1].args() == {"op": "copy", "shapes": {"X": "61", "Y": "61"}, "output": "o"}
    assert steps[0] == StepInfo("zero", "", None, "acc")


def test_table_lists_the_slowest_kernels_first() -> None:
    stamps = np.array([[0, 1000, 4000, 4500], [10000, 11000, 14000, 14500]], np.int64)
    steps = [StepInfo("a", "conv"), StepInfo("b", "gemm"), StepInfo("a", "conv")]
    text = Profile(steps, stamps, threads=2, model="m").table(top=1)
    lines = text.splitlines()
    assert lines[0] == "m: 2 runs on 2 threads, 0.004 ms a run (mean)"
    assert lines[2].split() == ["b", "gemm", "2", "0.006", "3.0", "66.7%"]
    assert lines[3] == "  (1 more kernel: 33.3%)"


def test_runner_without_a_timed_entry_is_rebuilt() -> None:
    """An artifact compiled before runners had `tcc_run_timed` still profiles."""
    program = counting_program(steps=2)
    old = runner_ir(program).replace(f"@{TIMED_ENTRY}(", "@tcc_run_timed_absent(")
    program = dataclasses.replace(program, objects={**program.objects,
                                                    RUNNER_OBJECT: object_from_ir(old)})
    profile = CompiledModel(program, threads=2).profile([], runs=2)
    assert profile.stamps.shape == (2, len(program.steps) + 1)


@pytest.mark.parametrize("runs", [0, -1, 1.5, True])
def test_bad_run_counts(runs: object) -> None:
    with pytest.raises(OptionError, match="runs must be an integer >= 1"):
        CompiledModel(counting_program(1)).profile([], runs=runs)  # type: ignore[arg-type]
