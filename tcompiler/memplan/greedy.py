"""TFLite's greedy-by-size arena planner, a pure function from lifetimes to byte offsets:
largest buffers first, each at the lowest offset whose gap between already placed,
lifetime-overlapping buffers fits it (best fit). Every offset is 64-byte aligned.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from tcompiler.weights import align_up


@dataclass(frozen=True)
class Live:
    nbytes: int
    first: int
    last: int

    def overlaps(self, other: Live) -> bool:
        return self.first <= other.last and other.first <= self.last


@dataclass(frozen=True)
class MemoryPlan:
    method: str
    offsets: tuple[int, ...]
    arena_bytes: int


def greedy_by_size(tensors: Sequence[Live]) -> MemoryPlan:
    order = sorted(range(len(tensors)), key=lambda i: (-tensors[i].nbytes, tensors[i].first, i))
    offsets: dict[int, int] = {}
    for i in order:
        t = tensors[i]
        need = align_up(t.nbytes)
        busy = sorted((offsets[j], offsets[j] + align_up(tensors[j].nbytes))
                      for j in offsets if tensors[j].overlaps(t))
        best, best_gap, cursor = None, None, 0
        for start, end in busy:
            gap = start - cursor
            if gap >= need and (best_gap is None or gap < best_gap):
                best, best_gap = cursor, gap
            cursor = max(cursor, end)
        offsets[i] = best if best is not None else cursor
    arena = max((offsets[i] + align_up(t.nbytes) for i, t in enumerate(tensors)), default=0)
    return MemoryPlan("greedy-by-size", tuple(offsets[i] for i in range(len(tensors))), arena)

