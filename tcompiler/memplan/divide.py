"""Divide and conquer for graphs too large to solve whole (COSMA §IV, for NAS networks).

    solve_divided(graph, hint, limits) -> ArenaPlan

The hint's order is cut into windows of about `limits.window` ops, each cut placed where the
fewest bytes are live across it (a single tensor crossing is an articulation point of the
DAG: the pieces before and after only meet through it). Each op may then move only within
its window, which keeps the model small; offsets stay global, so the pieces are stitched by
construction (a tensor crossing a cut has one offset on both sides). A second pass shifts the
cuts by half a window, hinted with the first pass's result, so ops near a cut can move too.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from tcompiler.memplan.graph import KernelGraph
from tcompiler.memplan.ilp_arena import solve_arena
from tcompiler.memplan.plans import ArenaPlan, Limits


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
