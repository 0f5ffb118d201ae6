"""Worker functions the measurement tests inject into `Measurer` (importable by name in
worker processes): a crash, a hang, and a passthrough to the real `measure`."""

from __future__ import annotations

import ctypes
import time

from tcompiler.costmodel.measure import MeasureResult, MeasureTask, measure


def crash_on_unroll_8(task: MeasureTask) -> MeasureResult:
    """Segfaults (as bad generated code would) for tasks whose schedule unrolls 8 times."""
    if task.knobs.get("unroll") == 8:
        ctypes.string_at(0)
    return measure(task)


def hang_on_unroll_4(task: MeasureTask) -> MeasureResult:
    if task.knobs.get("unroll") == 4:
        time.sleep(600)
    return measure(task)
