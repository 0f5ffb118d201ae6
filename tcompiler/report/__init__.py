"""The compile report (`tcc compile --report r.json | r.html`): one JSON-able dict, written as
JSON or as a self-contained HTML page (`tcompiler.report.html`).

    data = report_data(report, program, artifact)   # CompileReport.to_json() and more
    write_report(path, report, program, artifact)

Beyond `CompileReport.to_json()` the dict holds "steps" (each kernel call: its kernel, the
buffers it reads and the one it writes, by name), "measured" (per kernel, the mean time of a
call over a few runs of the compiled model on zero inputs, on the default thread count:
`CompiledModel.profile`) and "machine" (the estimated peak, `tcompiler.report.machine`).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from tcompiler.program import Program
from tcompiler.report.machine import peak

if TYPE_CHECKING:
    from tcompiler.pipeline import CompileReport

MEASURED_RUNS = 5


def measure(program: Program, runs: int = MEASURED_RUNS) -> dict[str, Any]:
    """{"threads", "runs", "run_us", "kernels": {kernel: mean microseconds a call}} of `runs`
    runs on zero inputs (zeros are valid indices and shapes, so every model runs on them)."""
    from tcompiler.runtime import CompiledModel

    model = CompiledModel(program, name=str(program.meta.get("model", {}).get("name", "model")))
    zeros = [np.zeros(spec.shape, spec.dtype) for spec in program.inputs]
    profile = model.profile(zeros, runs=runs)
    return {"threads": profile.threads, "runs": runs,
            "run_us": round(float(profile.run_ns().mean()) / 1e3, 3),
            "kernels": {k.kernel: round(k.total_ns / k.calls / 1e3, 3)
                        for k in profile.by_kernel()}}


def step_rows(program: Program) -> list[dict[str, Any]]:
    names: list[str] = program.meta.get("buffer_names", [])

    def name(buffer: int) -> str:
        return names[buffer] if buffer < len(names) else f"buffer {buffer}"

    return [{"kernel": s.kernel, "reads": [name(b) for b in dict.fromkeys(s.args[:-1])],
             "writes": name(s.args[-1]) if s.args else ""} for s in program.steps]


def report_data(report: CompileReport, program: Program, artifact: Path,
                measured: bool = True) -> dict[str, Any]:
    """`report` as JSON, with the artifact, the steps, the measured kernel
    times (unless not `measured`) and the machine's peak."""
    data = report.to_json()
    data["artifact"] = {"path": str(artifact), "bytes": artifact.stat().st_size}
    data["steps"] = step_rows(program)
    data["measured"] = measure(program) if measured else None
    data["machine"] = {"cpu": program.target.get("cpu", ""),
                       "peak": peak(program.target.get("features", ""))}
    return data


def write_report(path: str | os.PathLike[str], report: CompileReport, program: Program,
                 artifact: Path) -> None:
    """The report at `path`: an HTML page if it ends in .html or .htm, else JSON."""
    from tcompiler.artifact import atomic_output

    data = report_data(report, program, artifact)
    if os.fspath(path).lower().endswith((".html", ".htm")):
        from tcompiler.memplan.svg import program_svg
        from tcompiler.report.html import page

        text = page(data, program_svg(program))
    else:
        text = json.dumps(data, indent=2) + "\n"
    with atomic_output(path) as f:
        f.write(text.encode())
