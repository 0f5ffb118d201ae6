"""Divide and conquer for graphs too large to solve whole (COSMA §IV, for NAS networks).

    solve_divided(graph, hint, limits) -> ArenaPlan
    solve_scratchpad_divided(graph, budget, hint, limits) -> ScratchpadPlan

The hint's order is cut into windows of about `limits.window` ops, each cut placed where the
fewest bytes are live across it (a single tensor crossing is an articulation point of the
DAG: the pieces before and after only meet through it). Each op may then move only within
its window, which keeps the model small; offsets stay global, so the pieces are stitched by
construction (a tensor crossing a cut has one offset on both sides). A second pass shifts the
cuts by half a window, hinted with the first pass's result, so ops near a cut can move too.

Scratchpad mode cuts the same way but solves the windows one after another, each a small
joint model: its ops move within the window, the tensors they touch get new segments, and
everything else stays as the incumbent plan has it. A window whose tensors cost nothing in
the incumbent is skipped (it has nothing to gain).
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from tcompiler.memplan.graph import KernelGraph
from tcompiler.memplan.ilp_arena import solve_arena
from tcompiler.memplan.ilp_joint import solve_joint, traffic_bound
from tcompiler.memplan.ilp_scratchpad import traffic
from tcompiler.memplan.plans import ArenaPlan, Limits, ScratchpadPlan
from tcompiler.memplan.replacement import ALL_KINDS


def crossing_bytes(graph: KernelGraph, order: Sequence[int], kinds: Sequence[str] = ("arena",)
                   ) -> list[int]:
    """crossing[c]: bytes of tensors alive both before and after a cut before position c."""
    ranges = graph.live_ranges(order)
    diff = [0] * (len(order) + 1)
    for t, (first, last) in ranges.items():
        if graph.tensors[t].kind in kinds and last > first:
            diff[first + 1] += graph.tensors[t].nbytes
            diff[last + 1] -= graph.tensors[t].nbytes
    out, acc = [], 0
    for d in diff[:-1]:
        acc += d
        out.append(acc)
    return out


def cuts(graph: KernelGraph, order: Sequence[int], window: int, shift: int = 0,
         kinds: Sequence[str] = ("arena",)) -> list[int]:
    """Cut positions (0 < c < n): about every `window` ops, at the cheapest crossing."""
    n = len(order)
    crossing = crossing_bytes(graph, order, kinds)
    found, last = [], 0
    target = shift or window
    while last + target < n:
        lo, hi = last + max(1, target // 2), min(n - 1, last + target + target // 2)
        if lo > hi:
            break
        c = min(range(lo, hi + 1), key=lambda c: (crossing[c], abs(c - last - target)))
        found.append(c)
        last, target = c, window
    return found


def windows_from_cuts(order: Sequence[int], cut_positions: Sequence[int]) -> list[tuple[int, int]]:
    bounds = [0, *cut_positions, len(order)]
    windows: list[tuple[int, int]] = [(0, 0)] * len(order)
    for lo, hi in zip(bounds, bounds[1:]):
        for p in range(lo, hi):
            windows[order[p]] = (lo, hi - 1)
    return windows


def solve_divided(graph: KernelGraph, hint: ArenaPlan, limits: Limits, inplace: bool = True,
                  kinds: Sequence[str] = ("arena",)) -> ArenaPlan:
    start = time.perf_counter()
    half = Limits(limits.time_limit / 2, limits.seed, limits.workers, limits.window,
                  limits.whole_graph_ops)
    plan = hint
    passes = []
    for shift in (0, max(1, limits.window // 2)):
        cut_positions = cuts(graph, plan.order, limits.window, shift, kinds)
        windows = windows_from_cuts(plan.order, cut_positions)
        plan = solve_arena(graph, plan, half, windows, inplace, "ilp-divided", kinds)
        passes.append({"cuts": len(cut_positions), "bytes": plan.arena_bytes,
                       "status": plan.info.get("status")})
    return ArenaPlan("ilp-divided", plan.order, plan.offsets, plan.arena_bytes, plan.bound,
                     time.perf_counter() - start, plan.optimal, plan.inplace,
                     {**plan.info, "passes": passes, "hint": hint.method,
                      "hint_bytes": hint.arena_bytes})


def solve_scratchpad_divided(graph: KernelGraph, budget: int, hint: ScratchpadPlan,
                             limits: Limits) -> ScratchpadPlan:
    start = time.perf_counter()
    bound = traffic_bound(graph, budget)
    plan = hint
    passes = []
    for shift in (0, max(1, limits.window // 2)):
        if plan.offchip_bytes <= bound:
            break
        bounds = [0, *cuts(graph, plan.order, limits.window, shift, ALL_KINDS), len(plan.order)]
        needy = [(lo, hi) for lo, hi in zip(bounds, bounds[1:]) if _costs(graph, plan, lo, hi)]
        share = Limits(limits.time_limit / (2 * max(1, len(needy))), limits.seed, limits.workers)
        for lo, hi in needy:
            if _costs(graph, plan, lo, hi):
                windows = {plan.order[p]: (lo, hi - 1) for p in range(lo, hi)}
                plan = solve_joint(graph, budget, plan, share, windows, "ilp-divided",
                                   bound=bound)
        passes.append({"windows": len(bounds) - 1, "solved": len(needy),
                       "bytes": plan.offchip_bytes})
    bound = min(bound, plan.offchip_bytes)
    return ScratchpadPlan("ilp-divided", plan.order, budget, plan.segments, plan.offchip_bytes,
                          bound, time.perf_counter() - start, plan.offchip_bytes <= bound,
                          {"passes": passes, "hint": hint.method, "hint_bytes": hint.offchip_bytes})


def _costs(graph: KernelGraph, plan: ScratchpadPlan, lo: int, hi: int) -> bool:
    """Some tensor an op at positions lo..hi-1 touches moves off-chip in `plan`."""
    touched = {t for p in range(lo, hi) for t in graph.ops[plan.order[p]].touches}
    return traffic(graph, [s for s in plan.segments if s.tensor in touched]) > 0
