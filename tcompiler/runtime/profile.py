"""Per-kernel timings of real runs: `CompiledModel.profile(inputs, runs=N)` -> `Profile`.

The runs go through the runner's timed entry (`tcc_run_timed`, `tcompiler.runtime.native`):
the same steps on the same thread pool as an ordinary run, with a CLOCK_MONOTONIC stamp
between steps, so a step's time is all of it, its parallel join included.

    profile.trace()            the Chrome Trace Event format (what chrome://tracing and
    profile.write_trace(path)  Perfetto open, as onnxruntime's profiler writes it): one "X"
                               event per step and run, ts/dur in microseconds, name = kernel,
                               args = op, shapes, output tensor
    profile.by_kernel()        [KernelTime] slowest first: calls, total ns
    profile.table(top=10)      that as text
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from tcompiler.artifact import atomic_output
from tcompiler.program import Program


@dataclass(frozen=True)
class StepInfo:
    """What one step runs: its kernel, and (from the artifact's meta, where recorded) the
    kernel's op, operand shapes and the ONNX tensor the step writes."""

    kernel: str
    op: str = ""
    shapes: dict[str, list[int]] | None = None
    output: str = ""

    def args(self) -> dict[str, Any]:
        found: dict[str, Any] = {"op": self.op} if self.op else {}
        if self.shapes:
            found["shapes"] = {k: "x".join(map(str, v)) for k, v in self.shapes.items()}
        if self.output:
            found["output"] = self.output
        return found


def step_infos(program: Program) -> list[StepInfo]:
    """The steps of `program`, described as far as its meta knows them (artifacts compiled
    before meta recorded kernels and buffer names get bare kernel names)."""
    kernels: dict[str, Any] = program.meta.get("kernels", {})
    names: list[str] = program.meta.get("buffer_names", [])
    infos = []
    for step in program.steps:
        detail = kernels.get(step.kernel, {})
        out = step.args[-1] if step.args else -1
        infos.append(StepInfo(step.kernel, detail.get("op", ""), detail.get("shapes"),
                              names[out] if 0 <= out < len(names) else ""))
    return infos


@dataclass(frozen=True)
class KernelTime:
    kernel: str
    op: str
    calls: int  # over all runs
    total_ns: int  # over all runs


@dataclass(frozen=True)
class Profile:
    steps: Sequence[StepInfo]
    stamps: np.ndarray  # int64 [runs, steps + 1]: CLOCK_MONOTONIC ns before step 0, after each
    threads: int
    model: str = "model"

    @property
    def runs(self) -> int:
        return int(self.stamps.shape[0])

    def durations(self) -> np.ndarray:
        """int64 [runs, steps]: nanoseconds of each step of each run."""
        return np.diff(self.stamps, axis=1)

    def run_ns(self) -> np.ndarray:
        """int64 [runs]: nanoseconds of each whole run (first stamp to last)."""
        return self.stamps[:, -1] - self.stamps[:, 0]

    def by_kernel(self) -> list[KernelTime]:
        """Time per kernel over all runs, slowest first."""
        totals = self.durations().sum(axis=0)
        found: dict[str, KernelTime] = {}
        for info, total in zip(self.steps, totals):
            old = found.get(info.kernel, KernelTime(info.kernel, info.op, 0, 0))
            found[info.kernel] = KernelTime(info.kernel, info.op, old.calls + self.runs,
                                            old.total_ns + int(total))
        return sorted(found.values(), key=lambda k: -k.total_ns)

    def trace(self) -> dict[str, Any]:
        """The Chrome Trace Event format: runs and steps as complete ("X") events of one
        thread, microseconds from the first stamp."""
        start = int(self.stamps[0, 0])
        pid = os.getpid()
        events: list[dict[str, Any]] = [
            {"name": "process_name", "ph": "M", "pid": pid, "tid": 1,
             "args": {"name": f"tcc {self.model}"}},
            {"name": "thread_name", "ph": "M", "pid": pid, "tid": 1,
             "args": {"name": f"tcc_run ({self.threads} threads)"}}]
        for run, stamps in enumerate(self.stamps.tolist()):
            events.append(_complete(f"run {run}", "run", stamps[0], stamps[-1], start, pid,
                                    {"run": run}))
            for index, info in enumerate(self.steps):
                events.append(_complete(info.kernel, "kernel", stamps[index], stamps[index + 1],
                                        start, pid, {"step": index, **info.args()}))
        return {"traceEvents": events, "displayTimeUnit": "ms",
                "otherData": {"model": self.model, "runs": self.runs, "threads": self.threads,
                              "clock": "CLOCK_MONOTONIC"}}

    def write_trace(self, path: str | os.PathLike[str]) -> None:
        with atomic_output(path) as f:
            f.write(json.dumps(self.trace()).encode())

    def table(self, top: int = 10) -> str:
        """The `top` slowest kernels: calls, total milliseconds, mean microseconds a call and
        share of all steps' time."""
        kernels = self.by_kernel()
        whole = max(sum(k.total_ns for k in kernels), 1)
        mean_ms = float(self.run_ns().mean()) / 1e6
        lines = [f"{self.model}: {self.runs} run{'s' if self.runs != 1 else ''} on "
                 f"{self.threads} thread{'s' if self.threads != 1 else ''}, "
                 f"{mean_ms:.3f} ms a run (mean)",
                 f"  {'kernel':<28} {'op':<16} {'calls':>6} {'total ms':>10} {'mean us':>10}"
                 f" {'share':>7}"]
        for k in kernels[:top]:
            lines.append(f"  {k.kernel:<28} {k.op:<16} {k.calls:>6} {k.total_ns / 1e6:>10.3f} "
                         f"{k.total_ns / k.calls / 1e3:>10.1f} {k.total_ns / whole:>7.1%}")
        if len(kernels) > top:
            rest = kernels[top:]
            lines.append(f"  ({len(rest)} more kernel{'s' if len(rest) != 1 else ''}: "
                         f"{sum(k.total_ns for k in rest) / whole:.1%})")
        return "\n".join(lines)


def _complete(name: str, category: str, begin: int, end: int, start: int, pid: int,
              args: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "cat": category, "ph": "X", "ts": round((begin - start) / 1e3, 3),
            "dur": round((end - begin) / 1e3, 3), "pid": pid, "tid": 1, "args": args}
