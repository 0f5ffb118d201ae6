"""An independent check of every plan: recomputes lifetimes from the order and looks for
anything wrong. Returns the list of problems (empty: the plan is valid). It shares no code
with the solvers beyond reading the graph.

Arena plans: the order is a permutation respecting every dependency; every arena tensor has an
offset, 64-byte aligned, inside the arena; two tensors alive at one step never share a byte,
except an in-place takeover: input i and output j of op k, same offset and size, k the last
op touching i and the first touching j.

Scratchpad plans (with spills and reloads): segments lie inside the budget and the steps;
at no step do the resident bytes exceed the budget; segments alive at one step never share a
byte, and one tensor is never resident twice at once; every op's tensors are resident (a
segment of theirs covers the op's step); a tensor's first segment starts at its producer
(created in the scratchpad, never loaded), a graph input's first segment is its load, every
later segment is a retrieval (after a spill); the off-chip bytes are counted here from the
segments (retrievals, one spill per retrieved intermediate) and must equal the plan's claim.
"""

from __future__ import annotations

from tcompiler.memplan.graph import KernelGraph
from tcompiler.memplan.plans import ArenaPlan, ScratchpadPlan, Segment

ALIGN = 64


def _order_problems(graph: KernelGraph, order: tuple[int, ...]) -> list[str]:
    if sorted(order) != list(range(len(graph.ops))):
        return [f"order is not a permutation of the {len(graph.ops)} ops"]
    where = {k: p for p, k in enumerate(order)}
    return [f"op {a} ({graph.ops[a].name}) must run before op {b} ({graph.ops[b].name})"
            for a, b in graph.deps if where[a] >= where[b]]


def validate_arena(graph: KernelGraph, plan: ArenaPlan) -> list[str]:
    problems = _order_problems(graph, plan.order)
    if problems:
        return problems
    where = {k: p for p, k in enumerate(plan.order)}
    spans: dict[int, tuple[int, int, int, int]] = {}  # tensor -> first, last, lo, hi
    for t, tensor in enumerate(graph.tensors):
        if tensor.kind != "arena" or not graph.users[t]:
            continue
        if t not in plan.offsets:
            problems.append(f"tensor {t} ({tensor.name}) has no offset")
            continue
        times = [where[k] for k in graph.users[t]]
        lo = plan.offsets[t]
        spans[t] = (min(times), max(times), lo, lo + tensor.nbytes)
        if lo % ALIGN or lo < 0 or lo + tensor.nbytes > plan.arena_bytes:
            problems.append(f"tensor {t} ({tensor.name}) at [{lo}, {lo + tensor.nbytes}) is "
                            f"misaligned or outside the arena of {plan.arena_bytes} bytes")
    shared: set[tuple[int, int]] = set()
    for i, k in plan.inplace.items():
        op = graph.ops[k]
        j = op.writes[0] if op.writes else None
        if j is None or i not in op.inplace or i not in spans or j not in spans:
            problems.append(f"in-place takeover of tensor {i} by op {k} is not allowed")
            continue
        fi, li, lo_i, hi_i = spans[i]
        fj, _, lo_j, hi_j = spans[j]
        if li != where[k] or fj != where[k] or (lo_i, hi_i) != (lo_j, hi_j):
            problems.append(f"in-place takeover of tensor {i} by op {k}: op is not its last "
                            f"reader and the output's first writer at the same bytes")
        shared.add((min(i, j), max(i, j)))
    items = sorted(spans.items())
    for a in range(len(items)):
        ta, (fa, la, loa, hia) = items[a]
        for b in range(a + 1, len(items)):
            tb, (fb, lb, lob, hib) = items[b]
            if fa <= lb and fb <= la and loa < hib and lob < hia and (ta, tb) not in shared:
                problems.append(f"tensors {ta} and {tb} are alive together "
                                f"(steps {fa}..{la}, {fb}..{lb}) and overlap in memory")
    return problems


def validate_scratchpad(graph: KernelGraph, plan: ScratchpadPlan) -> list[str]:
    problems = _order_problems(graph, plan.order)
    if problems:
        return problems
    where = {k: p for p, k in enumerate(plan.order)}
    segs = sorted(plan.segments, key=lambda s: (s.tensor, s.first))
    by_tensor: dict[int, list[Segment]] = {}
    load = [0] * len(plan.order)
    for s in segs:
        by_tensor.setdefault(s.tensor, []).append(s)
        size = graph.tensors[s.tensor].nbytes
        if s.offset < 0 or s.offset % ALIGN or s.offset + size > plan.budget or s.first > s.last \
                or s.first < 0 or s.last >= len(plan.order):
            problems.append(f"segment of tensor {s.tensor} at {s.offset} (+{size}) steps "
                            f"{s.first}..{s.last} is outside the budget {plan.budget}")
            continue
        for p in range(s.first, s.last + 1):
            load[p] += size
    problems += [f"step {p}: {b} resident bytes exceed the budget {plan.budget}"
                 for p, b in enumerate(load) if b > plan.budget]
    for a in range(len(segs)):
        for b in range(a + 1, len(segs)):
            x, y = segs[a], segs[b]
            sx, sy = graph.tensors[x.tensor].nbytes, graph.tensors[y.tensor].nbytes
            apart = x.offset >= y.offset + sy or y.offset >= x.offset + sx
            if x.first <= y.last and y.first <= x.last and (x.tensor == y.tensor or not apart):
                problems.append(f"segments of tensors {x.tensor} and {y.tensor} overlap")
    traffic = 0
    for t, tensor in enumerate(graph.tensors):
        mine = by_tensor.get(t, [])
        if not graph.users[t]:
            if mine:
                problems.append(f"tensor {t} ({tensor.name}) is used by no op but resident")
            continue
        problems += _residency_problems(graph, t, mine, where)
        traffic += _traffic(graph, t, mine)
    if traffic != plan.offchip_bytes:
        problems.append(f"plan reports {plan.offchip_bytes} off-chip bytes, "
                        f"segments imply {traffic}")
    return problems


def _residency_problems(graph: KernelGraph, t: int, mine: list[Segment], where: dict[int, int]
                        ) -> list[str]:
    """Every op touching t runs while t is resident; t is created at its producer's step (a
    graph input first arrives by a load); every later residency is a retrieval."""
    name = graph.tensors[t].name
    problems = [f"op {k} ({graph.ops[k].name}) runs at step {where[k]} without tensor {t} "
                f"({name}) resident" for k in graph.users[t]
                if not any(s.first <= where[k] <= s.last for s in mine)]
    p = graph.producers[t]
    if mine and p is not None and (mine[0].loaded or mine[0].first != where[p]):
        problems.append(f"tensor {t} ({name}) is not created at its producer's step")
    if mine and p is None and not mine[0].loaded:
        problems.append(f"graph input {t} ({name}) is resident without being loaded")
    problems += [f"tensor {t} ({name}): a later residency at step {s.first} must be a retrieval"
                 for s in mine[1:] if not s.loaded]
    return problems


def _traffic(graph: KernelGraph, t: int, mine: list[Segment]) -> int:
    """Non-compulsory bytes of t: each retrieval (a graph input's first load is compulsory),
    plus one spill for an intermediate retrieved at all (inputs live on the host, outputs are
    stored anyway)."""
    tensor = graph.tensors[t]
    reloads = sum(1 for s in mine if s.loaded) - (1 if graph.producers[t] is None and mine else 0)
    if reloads <= 0:
        return 0
    return reloads * tensor.nbytes + (tensor.nbytes if tensor.kind == "arena" else 0)
