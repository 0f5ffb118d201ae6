"""End-to-end effect of schedules: one model compiled two ways, timed alternately.

    measured_speedup(model, db_path, compile_options) -> heuristic median / tuned median

Both programs run in this process on the same seeded inputs, alternately after a warm-up,
so machine noise hits both alike; the ratio of the medians is what `tcc tune` reports as
"measured_speedup" (above 1: the tuned schedules are faster).
"""

from __future__ import annotations

import dataclasses
import statistics
import time
from typing import Any

import numpy as np


def random_feed(program: Any, seed: int = 0) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    feed = []
    for spec in program.inputs:
        dtype = np.dtype(spec.dtype)
        if dtype.kind == "f":
            feed.append(rng.standard_normal(spec.shape).astype(dtype))
        else:
            feed.append(np.zeros(spec.shape, dtype))
    return feed


def alternate(first: Any, second: Any, feed: list[np.ndarray], runs: int = 15,
              max_seconds: float = 60.0) -> tuple[float, float]:
    """Median milliseconds of two CompiledModels run alternately on `feed`."""
    first.run(feed)
    second.run(feed)
    times: tuple[list[float], list[float]] = ([], [])
    deadline = time.perf_counter() + max_seconds
    for _ in range(runs):
        for model, bucket in ((first, times[0]), (second, times[1])):
            start = time.perf_counter()
            model.run(feed)
            bucket.append((time.perf_counter() - start) * 1e3)
        if time.perf_counter() > deadline:
            break
    return statistics.median(times[0]), statistics.median(times[1])


def measured_speedup(model: Any, db_path: str, compile_options: Any, runs: int = 15) -> float:
    from tcompiler.pipeline import compile_model
    from tcompiler.runtime import CompiledModel

    heuristic, _ = compile_model(model, dataclasses.replace(compile_options,
                                                            schedules="heuristic"))
    tuned, _ = compile_model(model, dataclasses.replace(compile_options, schedules="costmodel",
                                                        tuning_db=db_path))
    base_ms, tuned_ms = alternate(CompiledModel(heuristic), CompiledModel(tuned),
                                  random_feed(heuristic), runs)
    return round(base_ms / tuned_ms, 4)
