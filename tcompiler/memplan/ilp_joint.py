"""Scratchpad mode (COSMA), jointly: operator order, scratchpad addresses and tensor
replacement in one CP-SAT model.

    solve_joint(graph, budget, hint, limits, windows=None) -> ScratchpadPlan
    traffic_bound(graph, budget) -> int        (an order-free lower bound)

Time is the position in the order, one op per step. Sizes and addresses in 64-byte units.
- `pos[k]`: the position of op k; all different; every dependency respected (as arena mode).
- Each tensor has up to K residency *segments* j = 0..K-1 (K: its events, its producer and
  readers, capped by `max_segments` but never below the hint's count): presence z[j]
  (z[0] always; z[j+1] => z[j]), start s[j], end e[j] (exclusive), address o[j], and the
  optional rectangle [s, e) x [o, o + size). Segment 0 starts at the producer's position:
  the tensor is created in the scratchpad (a graph input's segment 0 is its compulsory first
  load). Segment j+1 starts at or after segment j ends: it is a retrieval from host memory.
  In COSMA's terms: C = start of segment 0, P = inside a segment, S = end of a segment that
  another follows, R = start of segment j >= 1, L = o, and Eq. 11's address pinning holds by
  construction (one address per segment).
- Every reader u of a tensor runs inside one of its present segments: literals c[u, j] with
  c => z[j], s[j] <= pos[u] < e[j]; a present segment covers some reader (no idle copies).
- `AddNoOverlap2D` over every rectangle, addresses in [0, M - size].
Objective (COSMA Eq. 12, non-compulsory bytes): size * z[j] for every j >= 1 (retrievals),
plus size * z[1] for an intermediate (it is spilled once: the host copy serves every later
retrieval; graph inputs are on the host and outputs are stored anyway).

`windows` (divide and conquer): op -> (lo, hi), the positions it may take; every other op
stays where the hint put it, and a tensor no free op touches keeps the hint's segments (fixed
rectangles). The hint is a complete solution; the result is never worse than it.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

from ortools.sat.python import cp_model

from tcompiler.memplan.graph import KernelGraph
from tcompiler.memplan.ilp_scratchpad import traffic
from tcompiler.memplan.plans import Limits, ScratchpadPlan, Segment
from tcompiler.memplan.replacement import op_footprint

UNIT = 64
MAX_SEGMENTS = 3


def traffic_bound(graph: KernelGraph, budget: int) -> int:
    """A lower bound on non-compulsory bytes over every order. At op k, its own tensors and
    the tensors that must wait across k (created or first loaded by an ancestor, read by a
    descendant) cannot all be resident if they exceed the budget: the waiting tensors left
    out must each be retrieved (and spilled first, if intermediates). Each such op needs the
    cheapest cover of its excess; ops whose waiting sets are disjoint pay for different
    tensors, so their covers add up (picked greedily, dearest first)."""
    anc, desc = graph.ancestors, graph.descendants
    waiting: list[list[int]] = [[] for _ in graph.ops]
    for t, users in enumerate(graph.users):
        after = set().union(*(desc[u] for u in users))
        before = set().union(*(anc[u] for u in users))
        for k in (after & before) - set(users):
            waiting[k].append(t)
    needs = []
    for k, ts in enumerate(waiting):
        excess = op_footprint(graph, k) + sum(graph.tensors[t].nbytes for t in ts) - budget
        if excess > 0:
            needs.append((_cheapest_cover(graph, ts, excess), frozenset(ts)))
    total, taken = 0, set()
    for cost, ts in sorted(needs, key=lambda n: -n[0]):
        if not ts & taken:
            total += cost
            taken |= ts
    return total


def _cheapest_cover(graph: KernelGraph, ts: list[int], excess: int) -> int:
    """The least spill + retrieval bytes of tensors among `ts` whose sizes reach `excess`:
    exact over subsets of up to 12 tensors, else the fractional relaxation."""
    sizes = [graph.tensors[t].nbytes for t in ts]
    costs = [s * (2 if graph.tensors[t].kind == "arena" else 1) for t, s in zip(ts, sizes)]
    if len(ts) <= 12:
        return min(sum(c for i, c in enumerate(costs) if mask >> i & 1)
                   for mask in range(1 << len(ts))
                   if sum(s for i, s in enumerate(sizes) if mask >> i & 1) >= excess)
    cheap = sum(s for s, c in zip(sizes, costs) if c == s)
    return excess if excess <= cheap else cheap + 2 * (excess - cheap)


@dataclass
class _Segments:
    """One tensor's segment variables (or constants, for a tensor that stays as hinted)."""

    present: list[cp_model.IntVar]
    start: list[cp_model.LinearExprT]
    end: list[cp_model.LinearExprT]
    offset: list[cp_model.IntVar]
    length: list[cp_model.IntVar]
    lo: int  # the earliest step any of them may start
    cover: list[tuple[int, int, cp_model.IntVar]]  # (reader, segment, literal)


def solve_joint(graph: KernelGraph, budget: int, hint: ScratchpadPlan, limits: Limits,
                windows: dict[int, tuple[int, int]] | None = None, method: str = "ilp",
                max_segments: int = MAX_SEGMENTS, bound: int | None = None) -> ScratchpadPlan:
    """`bound`: `traffic_bound(graph, budget)` if the caller has it already."""
    start_clock = time.perf_counter()
    bound = traffic_bound(graph, budget) if bound is None else bound
    if hint.offchip_bytes <= bound:
        return _from_hint(hint, method, start_clock, {"status": "hint meets the bound"}, bound)
    n = len(graph.ops)
    room = budget // UNIT
    model = cp_model.CpModel()
    hint_pos = {k: p for p, k in enumerate(hint.order)}
    domain = _position_domains(graph, hint_pos, windows)
    pos = [model.new_int_var(lo, hi, f"t{k}") if lo < hi else lo
           for k, (lo, hi) in enumerate(domain)]
    model.add_all_different(pos)
    for a, b in graph.deps:
        if not (isinstance(pos[a], int) and isinstance(pos[b], int)):
            model.add(pos[a] < pos[b])
    mine = _hint_segments(graph, hint)

    free = [t for t in graph.arena_tensors(("arena", "input", "output"))
            if windows is None or any(u in windows for u in graph.users[t])]
    span_lo = min((domain[u][0] for t in free for u in graph.users[t]), default=0)
    span_hi = max((domain[u][1] for t in free for u in graph.users[t]), default=-1)
    xs, ys = [], []
    cost_terms: list[cp_model.LinearExprT] = []
    variables: dict[int, _Segments] = {}
    for t in graph.arena_tensors(("arena", "input", "output")):
        size = graph.tensors[t].nbytes // UNIT
        if size > room:
            raise ValueError(f"tensor {t} ({graph.tensors[t].name}) is larger than the budget")
        if t not in free:
            for s in mine.get(t, []):
                if s.first <= span_hi and span_lo <= s.last:
                    xs.append(model.new_fixed_size_interval_var(s.first, s.last + 1 - s.first,
                                                                f"x{t}_{s.first}"))
                    ys.append(model.new_fixed_size_interval_var(s.offset // UNIT, size,
                                                                f"y{t}_{s.first}"))
            continue
        lo = min(domain[u][0] for u in graph.users[t])
        hi = max(domain[u][1] for u in graph.users[t]) + 1
        count = max(len(mine.get(t, [])), min(len(graph.users[t]), max_segments))
        seg = _Segments([], [], [], [], [], lo, [])
        for j in range(count):
            z = model.new_constant(1) if j == 0 else model.new_bool_var(f"z{t}_{j}")
            producer = graph.producers[t]
            s = pos[producer] if j == 0 and producer is not None else \
                model.new_int_var(lo, hi - 1, f"s{t}_{j}")
            e = model.new_int_var(lo + 1, hi, f"e{t}_{j}")
            length = model.new_int_var(1, hi - lo, f"l{t}_{j}")
            o = model.new_int_var(0, room - size, f"o{t}_{j}")
            xs.append(model.new_optional_interval_var(s, length, e, z, f"x{t}_{j}"))
            ys.append(model.new_optional_fixed_size_interval_var(o, size, z, f"y{t}_{j}"))
            if j > 0:
                model.add_implication(z, seg.present[j - 1])
                model.add(s >= seg.end[j - 1]).only_enforce_if(z)
                cost_terms.append(size * z)
                if j == 1 and graph.tensors[t].kind == "arena":
                    cost_terms.append(size * z)
            seg.present.append(z)
            seg.start.append(s)
            seg.end.append(e)
            seg.offset.append(o)
            seg.length.append(length)
        _cover_readers(model, graph, t, pos, seg)
        variables[t] = seg
    model.add_no_overlap_2d(xs, ys)
    objective = sum(cost_terms)
    model.minimize(objective)
    fixed_cost = traffic(graph, [s for t, ss in mine.items() if t not in variables for s in ss])
    model.add(objective <= (hint.offchip_bytes - fixed_cost) // UNIT)
    _add_hint(model, graph, hint, hint_pos, pos, mine, variables)

    solver = limits.solver()
    status = solver.solve(model)
    info = {"status": solver.status_name(status), "hint": hint.method,
            "hint_bytes": hint.offchip_bytes, "free_ops": n if windows is None else len(windows),
            "free_tensors": len(variables), "rectangles": len(xs)}
    if windows is None and status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        bound = max(bound, round(solver.best_objective_bound) * UNIT)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return _from_hint(hint, method, start_clock, info, bound)
    order = tuple(sorted(range(n), key=lambda k: solver.value(pos[k])))
    segments = [s for t, ss in mine.items() if t not in variables for s in ss]
    for t, seg in variables.items():
        for j, z in enumerate(seg.present):
            if solver.value(z):
                segments.append(Segment(t, solver.value(seg.offset[j]) * UNIT,
                                        solver.value(seg.start[j]), solver.value(seg.end[j]) - 1,
                                        j > 0 or graph.producers[t] is None))
    value = traffic(graph, segments)
    if value >= hint.offchip_bytes:
        return _from_hint(hint, method, start_clock, info, bound)
    return ScratchpadPlan(method, order, budget, tuple(segments), value, min(bound, value),
                          time.perf_counter() - start_clock, value <= bound, info)


def _position_domains(graph: KernelGraph, hint_pos: dict[int, int],
                      windows: dict[int, tuple[int, int]] | None) -> list[tuple[int, int]]:
    n = len(graph.ops)
    out = []
    for k in range(n):
        if windows is not None and k not in windows:
            out.append((hint_pos[k], hint_pos[k]))
            continue
        lo, hi = len(graph.ancestors[k]), n - 1 - len(graph.descendants[k])
        if windows is not None:
            lo, hi = max(lo, windows[k][0]), min(hi, windows[k][1])
        out.append((lo, hi))
    return out


def _cover_readers(model: cp_model.CpModel, graph: KernelGraph, t: int,
                   pos: Sequence[cp_model.IntVar | int], seg: _Segments) -> None:
    """Every reader of t runs inside a present segment; every segment j >= 1 serves one."""
    readers = [u for u in graph.users[t] if u != graph.producers[t]]
    serves: list[list[cp_model.IntVar]] = [[] for _ in seg.present]
    for u in readers:
        if len(seg.present) == 1:
            model.add(seg.start[0] <= pos[u])
            model.add(pos[u] < seg.end[0])
            continue
        lits = []
        for j, z in enumerate(seg.present):
            c = model.new_bool_var(f"c{t}_{u}_{j}")
            model.add_implication(c, z)
            model.add(seg.start[j] <= pos[u]).only_enforce_if(c)
            model.add(pos[u] < seg.end[j]).only_enforce_if(c)
            lits.append(c)
            serves[j].append(c)
            seg.cover.append((u, j, c))
        model.add_bool_or(lits)
    for j in range(1, len(seg.present)):
        model.add_bool_or(serves[j]).only_enforce_if(seg.present[j])


def _hint_segments(graph: KernelGraph, hint: ScratchpadPlan) -> dict[int, list[Segment]]:
    mine: dict[int, list[Segment]] = {}
    for s in sorted(hint.segments, key=lambda s: (s.tensor, s.first)):
        mine.setdefault(s.tensor, []).append(s)
    return mine


def _add_hint(model: cp_model.CpModel, graph: KernelGraph, hint: ScratchpadPlan,
              hint_pos: dict[int, int], pos: Sequence[cp_model.IntVar | int],
              mine: dict[int, list[Segment]], variables: dict[int, _Segments]) -> None:
    for k, p in enumerate(pos):
        if not isinstance(p, int):
            model.add_hint(p, hint_pos[k])
    for t, seg in variables.items():
        given = mine.get(t, [])
        lo = seg.lo
        for j, z in enumerate(seg.present):
            s = given[j] if j < len(given) else None
            if j > 0:
                model.add_hint(z, s is not None)
            first, last, offset = (s.first, s.last, s.offset // UNIT) if s else (lo, lo, 0)
            if j > 0 or graph.producers[t] is None:  # else the start is the producer's pos
                model.add_hint(seg.start[j], first)  # type: ignore[arg-type]
            model.add_hint(seg.end[j], last + 1)  # type: ignore[arg-type]
            model.add_hint(seg.length[j], last + 1 - first)
            model.add_hint(seg.offset[j], offset)
        for u, j, c in seg.cover:
            s = given[j] if j < len(given) else None
            model.add_hint(c, s is not None and s.first <= hint_pos[u] <= s.last)


def _from_hint(hint: ScratchpadPlan, method: str, start: float, info: dict, bound: int
               ) -> ScratchpadPlan:
    bound = min(bound, hint.offchip_bytes)
    return ScratchpadPlan(method, hint.order, hint.budget, hint.segments, hint.offchip_bytes,
                          bound, time.perf_counter() - start, hint.offchip_bytes <= bound,
                          {**info, "from_hint": True, "hint": hint.method,
                           "hint_bytes": hint.offchip_bytes})
