"""Scratchpad mode (COSMA): addresses and tensor replacement for a budget M, in CP-SAT.

    solve_scratchpad(graph, order, budget, hint, limits) -> ScratchpadPlan

On a fixed order (COSMA "FS"; the planner tries several orders, among them the arena ILP's,
then hands the best result to the joint model of `ilp_joint` as its hint),
each tensor has events: its producer's step (graph inputs have none: their first load is
compulsory) and its readers' steps. A *segment* (a, b) keeps the tensor resident at one address
from event a to event b; between two segments it lives only in host memory. Variables:
- `seg[t, a, b]` (a literal) for every a <= b (spans capped at `max_span` events), with an
  optional rectangle [step(a), step(b) + 1) x [off, off + size) of its own offset;
- every event is covered by exactly one present segment (every read is resident, the
  producer writes into the scratchpad);
- `AddNoOverlap2D` over all the optional rectangles, offsets in [0, M - size].
Objective (COSMA Eq. 12, non-compulsory bytes): every segment starting after event 0 is a
retrieval (its size); an intermediate with any retrieval was spilled once (its size); inputs
and outputs pay no spill (already on the host / stored anyway).
Retrieving exactly at the next use and spilling right after a use is never worse for traffic,
so these segments lose nothing against COSMA's per-step spill/retrieve variables.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from ortools.sat.python import cp_model

from tcompiler.memplan.graph import KernelGraph
from tcompiler.memplan.plans import Limits, ScratchpadPlan, Segment

UNIT = 64


def events(graph: KernelGraph, order: Sequence[int]) -> dict[int, list[int]]:
    where = {k: p for p, k in enumerate(order)}
    return {t: sorted({where[k] for k in users}) for t, users in enumerate(graph.users) if users}


def solve_scratchpad(graph: KernelGraph, order: Sequence[int], budget: int,
                     hint: ScratchpadPlan | None, limits: Limits, max_span: int = 16,
                     method: str = "ilp") -> ScratchpadPlan:
    start_clock = time.perf_counter()
    if hint is not None and hint.offchip_bytes == 0:
        return ScratchpadPlan(method, tuple(order), budget, hint.segments, 0, 0,
                              time.perf_counter() - start_clock, True,
                              {"status": "hint meets the bound", "hint": hint.method})
    ev = events(graph, order)
    room = budget // UNIT
    model = cp_model.CpModel()
    xs, ys = [], []
    seg: dict[tuple[int, int, int], tuple[cp_model.IntVar, cp_model.IntVar]] = {}
    cost_terms = []
    for t, steps in ev.items():
        size = graph.tensors[t].nbytes // UNIT
        if size > room:
            raise ValueError(f"tensor {t} ({graph.tensors[t].name}) is larger than the budget")
        kind = graph.tensors[t].kind
        spill = model.new_bool_var(f"spill{t}") if kind == "arena" else None
        for a in range(len(steps)):
            for b in range(a, min(len(steps), a + max_span)):
                lit = model.new_bool_var(f"seg{t}_{a}_{b}")
                off = model.new_int_var(0, room - size, f"off{t}_{a}_{b}")
                xs.append(model.new_optional_fixed_size_interval_var(
                    steps[a], steps[b] + 1 - steps[a], lit, f"x{t}_{a}_{b}"))
                ys.append(model.new_optional_fixed_size_interval_var(off, size, lit,
                                                                     f"y{t}_{a}_{b}"))
                seg[(t, a, b)] = (lit, off)
                if a > 0:
                    cost_terms.append(size * lit)
                    if spill is not None:
                        model.add_implication(lit, spill)
        if spill is not None:
            cost_terms.append(size * spill)
        for e in range(len(steps)):
            model.add_exactly_one(seg[(t, a, b)][0] for a in range(e + 1)
                                  for b in range(e, len(steps)) if (t, a, b) in seg)
    model.add_no_overlap_2d(xs, ys)
    model.minimize(sum(cost_terms))
    if hint is not None:
        _add_hint(model, seg, ev, hint)

    solver = limits.solver()
    status = solver.solve(model)
    info = {"status": solver.status_name(status), "hint": hint.method if hint else None,
            "segments": len(seg)}
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        if hint is None:
            raise ValueError(f"no scratchpad plan found for budget {budget}: {info['status']}")
        return _from_hint(hint, method, start_clock, info)
    bound = int(solver.best_objective_bound) * UNIT
    segments = tuple(Segment(t, int(solver.value(off)) * UNIT, ev[t][a], ev[t][b],
                             a > 0 or graph.producers[t] is None)
                     for (t, a, b), (lit, off) in seg.items() if solver.boolean_value(lit))
    value = traffic(graph, segments)  # not the objective: a spill literal may be set needlessly
    if hint is not None and value >= hint.offchip_bytes:
        return _from_hint(hint, method, start_clock, info, bound)
    return ScratchpadPlan(method, tuple(order), budget, segments, value, min(bound, value),
                          time.perf_counter() - start_clock, status == cp_model.OPTIMAL, info)


def traffic(graph: KernelGraph, segments: Sequence[Segment]) -> int:
    """Non-compulsory bytes the segments imply: retrievals after the first residency, plus one
    spill for an intermediate that has any."""
    reloads: dict[int, int] = {}
    for s in segments:
        first_load = graph.producers[s.tensor] is None
        reloads[s.tensor] = reloads.get(s.tensor, -1 if first_load else 0) + int(s.loaded)
    total = 0
    for t, n in reloads.items():
        if n > 0:
            tensor = graph.tensors[t]
            total += n * tensor.nbytes + (tensor.nbytes if tensor.kind == "arena" else 0)
    return total


def _add_hint(model: cp_model.CpModel, seg: dict, ev: dict[int, list[int]],
              hint: ScratchpadPlan) -> None:
    chosen: dict[tuple[int, int, int], int] = {}
    for s in hint.segments:
        steps = ev[s.tensor]
        covered = [i for i, q in enumerate(steps) if s.first <= q <= s.last]
        if covered:
            chosen[(s.tensor, covered[0], covered[-1])] = s.offset // UNIT
    for key, (lit, off) in seg.items():
        model.add_hint(lit, 1 if key in chosen else 0)
        if key in chosen:
            model.add_hint(off, chosen[key])


def _from_hint(hint: ScratchpadPlan, method: str, start: float, info: dict,
               bound: int = 0) -> ScratchpadPlan:
    return ScratchpadPlan(method, hint.order, hint.budget, hint.segments, hint.offchip_bytes,
                          min(bound, hint.offchip_bytes), time.perf_counter() - start,
                          bound >= hint.offchip_bytes, {**info, "from_hint": True})
