"""Arena mode: operator order, arena offsets and in-place reuse in one CP-SAT model.

    solve_arena(graph, hint, limits, windows=None) -> ArenaPlan

Variables (sizes and offsets in 64-byte units, so alignment is by construction):
- `t[k]` in [#ancestors, n-1-#descendants]: the position of op k; all different; t[a] < t[b]
  for every dependency (a, b). `windows[k]` narrows the range (divide and conquer).
- per arena tensor i: `off[i]`, a lifetime [start_i, end_i) with start_i the position of its
  producer and end_i = max over its users u of t[u] + 1, and the rectangle
  [start_i, end_i) x [off_i, off_i + size_i). `AddNoOverlap2D` over all rectangles: tensors
  alive at the same time never share bytes (no big-M disjunctions).
- in-place: for an input i that op k may overwrite with its output j (and that k can be the
  last reader of), a literal b: i's lifetime ends at t[k] instead of t[k] + 1 and
  off[i] == off[j]. (If another user of i came after k, i and j would both be alive at the
  same address, which the no-overlap forbids, so b also means "k is the last reader".)
- objective: the arena A >= off_i + size_i, A >= the order-free lower bound.

The hint is a complete solution (the best baseline); the result is never worse than it: if
the solver finds nothing better in time, the hint is returned (with the solver's status).
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from ortools.sat.python import cp_model

from tcompiler.memplan.baselines import order_free_bound
from tcompiler.memplan.graph import KernelGraph
from tcompiler.memplan.plans import ArenaPlan, Limits

UNIT = 64


def inplace_candidates(graph: KernelGraph) -> list[tuple[int, int, int]]:
    """(input tensor, op, output tensor) triples an in-place takeover may use."""
    found = []
    desc = graph.descendants
    for k, op in enumerate(graph.ops):
        if not op.writes:
            continue
        j = op.writes[0]
        if graph.tensors[j].kind != "arena" or graph.producers[j] != k:
            continue
        for i in op.inplace:
            if graph.tensors[i].nbytes != graph.tensors[j].nbytes:
                continue
            if any(u in desc[k] for u in graph.users[i]):
                continue  # a later reader must run after k: k is never the last one
            found.append((i, k, j))
    return found


def solve_arena(graph: KernelGraph, hint: ArenaPlan, limits: Limits,
                windows: Sequence[tuple[int, int]] | None = None, inplace: bool = True,
                method: str = "ilp", kinds: Sequence[str] = ("arena",)) -> ArenaPlan:
    start_clock = time.perf_counter()
    n = len(graph.ops)
    ids = graph.arena_tensors(kinds)
    bound = order_free_bound(graph, inplace, kinds)
    upper = hint.arena_bytes // UNIT
    if not ids or hint.arena_bytes <= bound:
        return _replace(hint, method, hint.arena_bytes, hint.arena_bytes, start_clock, True,
                        {"status": "hint meets the bound"})
    model = cp_model.CpModel()
    anc, desc = graph.ancestors, graph.descendants
    pos: list[cp_model.IntVar] = []
    for k in range(n):
        lo, hi = len(anc[k]), n - 1 - len(desc[k])
        if windows is not None:
            lo, hi = max(lo, windows[k][0]), min(hi, windows[k][1])
        pos.append(model.new_int_var(lo, hi, f"t{k}"))
    model.add_all_different(pos)
    for a, b in graph.deps:
        model.add(pos[a] < pos[b])

    size = {i: graph.tensors[i].nbytes // UNIT for i in ids}
    off = {i: model.new_int_var(0, max(0, upper - size[i]), f"off{i}") for i in ids}
    takeovers: dict[tuple[int, int], cp_model.IntVar] = {}
    if inplace:
        for i, k, j in inplace_candidates(graph):
            if i in off and j in off:
                b = model.new_bool_var(f"inplace{i}_{k}")
                model.add(off[i] == off[j]).only_enforce_if(b)
                takeovers[(i, k)] = b

    xs, ys = [], []
    producers = graph.producers
    for i in ids:
        users = graph.users[i]
        p = producers[i]
        if p is not None and all(u == p or u in desc[p] for u in users):
            start: cp_model.LinearExprT = pos[p]
        else:
            start = model.new_int_var(0, n - 1, f"start{i}")
            model.add_min_equality(start, [pos[u] for u in users])
        ends = [pos[u] + 1 - takeovers[(i, u)] if (i, u) in takeovers else pos[u] + 1
                for u in users]
        end = model.new_int_var(1, n, f"end{i}")
        model.add_max_equality(end, ends)
        length = model.new_int_var(1, n, f"len{i}")
        xs.append(model.new_interval_var(start, length, end, f"life{i}"))
        ys.append(model.new_fixed_size_interval_var(off[i], size[i], f"addr{i}"))
    model.add_no_overlap_2d(xs, ys)
    arena = model.new_int_var(-(-bound // UNIT), upper, "arena")
    for i in ids:
        model.add(arena >= off[i] + size[i])
    model.minimize(arena)

    hint_pos = {k: p for p, k in enumerate(hint.order)}
    for k in range(n):
        model.add_hint(pos[k], hint_pos[k])
    for i in ids:
        model.add_hint(off[i], hint.offsets[i] // UNIT)
    for (i, k), b in takeovers.items():
        model.add_hint(b, 1 if hint.inplace.get(i) == k else 0)
    model.add_hint(arena, upper)

    solver = limits.solver()
    status = solver.solve(model)
    info = {"status": solver.status_name(status), "hint": hint.method,
            "hint_bytes": hint.arena_bytes, "windows": windows is not None,
            "inplace_candidates": len(takeovers)}
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return _replace(hint, method, hint.arena_bytes, bound, start_clock, False, info)
    solver_bound = int(solver.best_objective_bound) * UNIT
    if windows is None:
        bound = max(bound, solver_bound)
    offsets = {i: int(solver.value(off[i])) * UNIT for i in ids}
    value = max(offsets[i] + graph.tensors[i].nbytes for i in ids)  # A may be slack if not optimal
    if value >= hint.arena_bytes:
        return _replace(hint, method, hint.arena_bytes, bound, start_clock,
                        hint.arena_bytes <= bound, info)
    order = tuple(sorted(range(n), key=lambda k: solver.value(pos[k])))
    used = {i: k for (i, k), b in takeovers.items() if solver.boolean_value(b)}
    optimal = value <= bound
    return ArenaPlan(method, order, offsets, value, min(bound, value),
                     time.perf_counter() - start_clock, optimal, used, info)


def _replace(hint: ArenaPlan, method: str, value: int, bound: int, start: float, optimal: bool,
             info: dict[str, object]) -> ArenaPlan:
    return ArenaPlan(method, hint.order, hint.offsets, value, min(bound, value),
                     time.perf_counter() - start, optimal, hint.inplace,
                     {**info, "from_hint": True})
