"""What the planners return: one arena plan or scratchpad plan, and the solver limits.

Every plan states the method that produced it, its objective (`bytes`: the arena size, or the
non-compulsory off-chip bytes in scratchpad mode), the best lower bound known for that
objective, the gap between them, the seconds it took and whether it is proven optimal.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tcompiler.memplan.graph import KernelGraph


@dataclass(frozen=True)
class Limits:
    """Solver options: wall-clock seconds, random seed, CP-SAT workers (0: all cores)."""

    time_limit: float = 10.0
    seed: int = 0
    workers: int = 0
    window: int = 48  # ops per order window when the graph is too big to solve whole
    whole_graph_ops: int = 400  # above this many ops, divide and conquer

    def solver(self) -> Any:
        """A CP-SAT solver with these limits (at least 50 ms)."""
        from ortools.sat.python import cp_model

        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = max(0.05, self.time_limit)
        solver.parameters.random_seed = self.seed
        if self.workers:
            solver.parameters.num_workers = self.workers
        return solver


def gap(value: int, bound: int) -> float:
    return 0.0 if value <= 0 else max(0.0, (value - bound) / value)


@dataclass(frozen=True)
class ArenaPlan:
    """Order (op indices), offsets (tensor -> byte offset) and in-place takeovers
    (input tensor -> index of the op whose output takes over its bytes)."""

    method: str
    order: tuple[int, ...]
    offsets: dict[int, int]
    arena_bytes: int
    bound: int
    seconds: float = 0.0
    optimal: bool = False
    inplace: dict[int, int] = field(default_factory=dict)
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def bytes(self) -> int:
        return self.arena_bytes

    @property
    def gap(self) -> float:
        return gap(self.arena_bytes, self.bound)

    def summary(self) -> dict[str, Any]:
        return {"method": self.method, "bytes": self.arena_bytes, "bound": self.bound,
                "gap": round(self.gap, 6), "seconds": round(self.seconds, 3),
                "optimal": self.optimal}


@dataclass(frozen=True)
class Segment:
    """A tensor resident in the scratchpad at `offset` from position `first` to `last`
    (inclusive); `loaded`: it arrived by a retrieval from host memory (else it was created)."""

    tensor: int
    offset: int
    first: int
    last: int
    loaded: bool


@dataclass(frozen=True)
class ScratchpadPlan:
    """Order, residency segments and the off-chip traffic they imply, for a budget."""

    method: str
    order: tuple[int, ...]
    budget: int
    segments: tuple[Segment, ...]
    offchip_bytes: int  # non-compulsory: spills + retrievals beyond the first load of an input
    bound: int = 0
    seconds: float = 0.0
    optimal: bool = False
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def bytes(self) -> int:
        return self.offchip_bytes

    @property
    def gap(self) -> float:
        return gap(self.offchip_bytes, self.bound)

    def summary(self) -> dict[str, Any]:
        return {"method": self.method, "bytes": self.offchip_bytes, "bound": self.bound,
                "gap": round(self.gap, 6), "seconds": round(self.seconds, 3),
                "optimal": self.optimal}


@dataclass(frozen=True)
class Transfer:
    """One off-chip move of a plan: a `spill` after step `step` (an intermediate's only copy
    goes to host memory) or a `reload` at `step` (retrieved to `offset`)."""

    kind: str
    tensor: int
    step: int
    nbytes: int
    offset: int


def transfers(graph: KernelGraph, segments: Sequence[Segment]) -> list[Transfer]:
    """The non-compulsory moves the segments imply, by step: every retrieval but a graph
    input's first load, and one spill (at the end of its first residency) for an
    intermediate retrieved at all. Outputs are stored anyway and inputs are on the host."""
    by_tensor: dict[int, list[Segment]] = {}
    for s in sorted(segments, key=lambda s: (s.tensor, s.first)):
        by_tensor.setdefault(s.tensor, []).append(s)
    moves = []
    for t, mine in by_tensor.items():
        tensor = graph.tensors[t]
        later = mine[1:] if graph.producers[t] is None else [s for s in mine if s.loaded]
        if later and tensor.kind == "arena":
            moves.append(Transfer("spill", t, mine[0].last, tensor.nbytes, mine[0].offset))
        moves.extend(Transfer("reload", t, s.first, tensor.nbytes, s.offset) for s in later)
    return sorted(moves, key=lambda m: (m.step, m.kind != "spill", m.tensor))
