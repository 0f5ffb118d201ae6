"""STAND-IN for the INPUTS branch's pass mutators (delete this file when merging it: the real
`fuzz/mutate_passes.py` replaces it). Only the interface the engine uses:

    pass_pool(registry, focus=(), level="all") -> list[PassInfo]   (.name, .weight, .found)
    PASS_MUTATORS: dict[str, Callable[[Case, random.Random, list[PassInfo]], Case | None]]
    default_pipeline(level) -> tuple[str, ...]
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from tcompiler.fuzz.case import Case
from tcompiler.plugins import Registry, builtin_registry
from tcompiler.stages import GRAPH_PIPELINE


@dataclass
class PassInfo:
    name: str
    weight: float = 1.0
    found: int = 0


def default_pipeline(level: str) -> tuple[str, ...]:
    from tcompiler.kernels import KERNELS_PIPELINE

    kernels = tuple(KERNELS_PIPELINE.replace("{max-size=24}", "").split(","))
    tail = ("choose-schedules{policy=heuristic}", "plan-memory{method=greedy}",
            "lower-kernels-to-loops")
    if level == "onnx":
        return tuple(GRAPH_PIPELINE.split(",")) + kernels + tail
    if level == "kernels":
        return kernels[1:] + tail
    return ()


def pass_pool(registry: Registry | None = None, focus: Sequence[str] = (),
              level: str = "all") -> list[PassInfo]:
    registry = registry or builtin_registry()
    if focus:
        return [PassInfo(registry.pass_entry(name).name) for name in focus]
    return [PassInfo(name) for name, entry in sorted(registry.passes.items())
            if entry.owner.plugin != "xdsl"]


def _draw(pool: list[PassInfo], rng: random.Random) -> PassInfo:
    return rng.choices(pool, [p.weight for p in pool])[0]


def insert(case: Case, rng: random.Random, pool: list[PassInfo]) -> Case | None:
    if not pool:
        return None
    pipeline = list(case.pipeline)
    pipeline.insert(rng.randrange(len(pipeline) + 1), _draw(pool, rng).name)
    return case.with_pipeline(tuple(pipeline), "mutate-passes:insert")


def delete(case: Case, rng: random.Random, pool: list[PassInfo]) -> Case | None:
    if not case.pipeline:
        return None
    pipeline = list(case.pipeline)
    del pipeline[rng.randrange(len(pipeline))]
    return case.with_pipeline(tuple(pipeline), "mutate-passes:delete")


def swap(case: Case, rng: random.Random, pool: list[PassInfo]) -> Case | None:
    if len(case.pipeline) < 2:
        return None
    pipeline = list(case.pipeline)
    i = rng.randrange(len(pipeline) - 1)
    pipeline[i], pipeline[i + 1] = pipeline[i + 1], pipeline[i]
    return case.with_pipeline(tuple(pipeline), "mutate-passes:swap")


PASS_MUTATORS: dict[str, Callable[[Case, random.Random, list[PassInfo]], Case | None]] = {
    "insert": insert, "delete": delete, "swap": swap}
