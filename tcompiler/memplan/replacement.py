"""Scratchpad-mode baselines (COSMA's four): a TFLite arena on a fixed order, with Belady or
greedy replacement when it does not fit the budget. Pure functions.

    simulate(graph, order, budget, policy="belady" | "greedy") -> ScratchpadPlan
    from_arena(graph, arena_plan, budget) -> ScratchpadPlan | None

Tracked tensors: every tensor of the graph (intermediates, graph inputs and outputs; weights
are not tensors here). Every op needs all of its tensors resident while it runs.
- If TFLite's greedy-by-size arena for `order` fits in `budget`, that is the plan: no traffic.
- Otherwise the order is simulated with an online best-fit allocator. A tensor that must be
  placed and finds no gap makes the policy evict tensors the current op does not use:
  `belady` the one used again farthest in the future (repeated until a gap opens);
  `greedy` the cheapest contiguous window of the needed size (cost: bytes spilled and
  retrieved again), ties to the window whose tensors are needed latest.
  If even that fails (the op's own resident tensors fragment the budget) all resident tensors
  are evicted and the op's tensors placed from offset 0.
Costs (non-compulsory bytes): an intermediate evicted while still needed is spilled once (its
size); every later retrieval costs its size. Graph inputs are on the host from the start and
outputs are stored anyway, so neither ever pays for a spill; an input's first load is free.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from tcompiler.memplan.graph import KernelGraph
from tcompiler.memplan.greedy import Live, greedy_by_size
from tcompiler.memplan.plans import ArenaPlan, ScratchpadPlan, Segment

ALL_KINDS = ("arena", "input", "output")


def op_footprint(graph: KernelGraph, k: int) -> int:
    return sum(graph.tensors[t].nbytes for t in graph.ops[k].touches)


def arena_fit(graph: KernelGraph, order: Sequence[int], budget: int, method: str
              ) -> ScratchpadPlan | None:
    """The whole-order TFLite arena as a scratchpad plan, if it fits in `budget`."""
    ranges = graph.live_ranges(order)
    ids = sorted(ranges)
    plan = greedy_by_size([Live(graph.tensors[t].nbytes, *ranges[t]) for t in ids])
    if plan.arena_bytes > budget:
        return None
    inputs = {t for t in ids if graph.producers[t] is None}
    segments = tuple(Segment(t, o, *ranges[t], t in inputs) for t, o in zip(ids, plan.offsets))
    return ScratchpadPlan(method, tuple(order), budget, segments, 0, 0, optimal=True)


def from_arena(graph: KernelGraph, plan: ArenaPlan, budget: int, method: str = "ilp-arena"
               ) -> ScratchpadPlan | None:
    """An arena plan over every tracked tensor (no in-place) as a scratchpad plan without
    traffic, if its arena fits in `budget`: the order that reaches M_P, at M_P."""
    ranges = graph.live_ranges(plan.order)
    ids = graph.arena_tensors(ALL_KINDS)
    if plan.arena_bytes > budget or plan.inplace or any(t not in plan.offsets for t in ids):
        return None
    segments = tuple(Segment(t, plan.offsets[t], *ranges[t], graph.producers[t] is None)
                     for t in ids)
    return ScratchpadPlan(method, plan.order, budget, segments, 0, 0, optimal=True)


def simulate(graph: KernelGraph, order: Sequence[int], budget: int, policy: str = "belady",
             method: str | None = None) -> ScratchpadPlan:
    start = time.perf_counter()
    name = method or f"{policy}"
    fit = arena_fit(graph, order, budget, name)
    if fit is not None:
        return fit
    if max((op_footprint(graph, k) for k in order), default=0) > budget:
        raise ValueError(f"budget {budget} is below the largest op's footprint")
    uses: dict[int, list[int]] = {}
    for p, k in enumerate(order):
        for t in graph.ops[k].touches:
            uses.setdefault(t, []).append(p)
    sim = _Simulation(graph, order, budget, policy, uses)
    for p, k in enumerate(order):
        sim.run_op(p, k)
    for t in list(sim.resident):
        sim.evict(t, len(order))
    return ScratchpadPlan(name, tuple(order), budget, tuple(sim.segments), sim.cost, 0,
                          time.perf_counter() - start)


NEVER = 1 << 60


class _Simulation:
    """The online allocator + replacement policy state (see module doc)."""

    def __init__(self, graph: KernelGraph, order: Sequence[int], budget: int, policy: str,
                 uses: dict[int, list[int]]):
        self.graph, self.order, self.budget = graph, order, budget
        self.policy, self.uses = policy, uses
        self.size = [t.nbytes for t in graph.tensors]
        self.resident: dict[int, list[int]] = {}  # tensor -> [offset, first, last, loaded]
        self.spilled: set[int] = set()
        self.seen: set[int] = set()
        self.segments: list[Segment] = []
        self.cost = 0

    def snapshot(self) -> tuple:
        return ({t: list(r) for t, r in self.resident.items()}, set(self.spilled), set(self.seen),
                len(self.segments), self.cost)

    def restore(self, state: tuple) -> None:
        resident, spilled, seen, nseg, cost = state
        self.resident, self.spilled, self.seen, self.cost = resident, spilled, seen, cost
        del self.segments[nseg:]

    def next_use(self, t: int, now: int) -> int:
        """The first use of t at or after position `now`."""
        return next((q for q in self.uses[t] if q >= now), NEVER)

    def evict(self, t: int, now: int) -> None:
        off, first, last, loaded = self.resident.pop(t)
        self.segments.append(Segment(t, off, first, last, bool(loaded)))
        if self.next_use(t, now) < NEVER and self.graph.tensors[t].kind == "arena" \
                and t not in self.spilled:
            self.spilled.add(t)
            self.cost += self.size[t]

    def evict_cost(self, t: int, now: int) -> int:
        if self.next_use(t, now) >= NEVER:
            return 0
        arena = self.graph.tensors[t].kind == "arena"
        spill = self.size[t] if arena and t not in self.spilled else 0
        return spill + self.size[t]

    def gaps(self) -> list[tuple[int, int]]:
        busy = sorted((r[0], r[0] + self.size[t]) for t, r in self.resident.items())
        out, cursor = [], 0
        for lo, hi in busy:
            if lo > cursor:
                out.append((cursor, lo))
            cursor = max(cursor, hi)
        if self.budget > cursor:
            out.append((cursor, self.budget))
        return out

    def best_fit(self, need: int) -> int | None:
        fits = [(hi - lo, lo) for lo, hi in self.gaps() if hi - lo >= need]
        return min(fits)[1] if fits else None

    def cheapest_window(self, need: int, pinned: set[int], p: int) -> list[int] | None:
        size = self.size
        starts = {0, self.budget - need} | {r[0] + size[t] for t, r in self.resident.items()}
        best: tuple[int, int, list[int]] | None = None
        for s in sorted(starts):
            if s < 0 or s + need > self.budget:
                continue
            inside = [t for t, r in self.resident.items() if r[0] < s + need and s < r[0] + size[t]]
            if any(t in pinned for t in inside):
                continue
            price = sum(self.evict_cost(t, p) for t in inside)
            soonest = min((self.next_use(t, p) for t in inside), default=NEVER)
            if best is None or (price, -soonest) < best[:2]:
                best = (price, -soonest, inside)
        return best[2] if best is not None else None

    def make_room(self, need: int, pinned: set[int], p: int) -> int | None:
        while True:
            where = self.best_fit(need)
            if where is not None:
                return where
            victims = [t for t in self.resident if t not in pinned]
            if not victims:
                return None
            if self.policy == "belady":
                self.evict(max(victims, key=lambda t: (self.next_use(t, p), self.size[t], t)), p)
                continue
            window = self.cheapest_window(need, pinned, p)
            if window is None:
                return None
            for t in window:
                self.evict(t, p)

    def place(self, t: int, p: int, k: int, pinned: set[int]) -> bool:
        where = self.make_room(self.size[t], pinned, p)
        if where is None:
            return False
        created = self.graph.producers[t] == k and t not in self.seen
        if not created and (self.graph.producers[t] is not None or t in self.seen):
            self.cost += self.size[t]
        self.seen.add(t)
        self.resident[t] = [where, p, p, int(not created)]
        return True

    def run_op(self, p: int, k: int) -> None:
        needed = sorted(self.graph.ops[k].touches, key=lambda t: -self.size[t])
        pinned = set(needed)
        state = self.snapshot()
        if not all(t in self.resident or self.place(t, p, k, pinned) for t in needed):
            self.restore(state)
            for t in list(self.resident):
                self.evict(t, p)
            for t in needed:
                assert self.place(t, p, k, pinned), "op footprint exceeds the budget"
        for t in needed:
            self.resident[t][2] = p
        for t in needed:
            if self.uses[t][-1] == p:
                self.evict(t, p + 1)
