"""The baselines every ILP plan is measured against (and hinted with). Pure functions.

Orders:
- `program_order`: the calls as the kernel conversion emitted them.
- `memory_aware_order`: list scheduling; among the ready ops, the one that grows the live bytes
  least (new outputs minus inputs it is the last reader of), ties in program order.

Arena offsets:
- `arena_baseline(graph, order)`: TFLite's greedy-by-size offsets for the lifetimes `order`
  gives (no in-place reuse), via `memplan.greedy_by_size`.
- `naive_plan`: no reuse at all.

Bounds:
- `order_free_bound`: the largest set of tensors that must be live together whatever the order
  (for op k: tensors produced by k or an ancestor and read by k or a descendant), less the
  bytes an in-place takeover at k could share.
- `fixed_order_bound`: the largest live set at one step of a fixed order.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from tcompiler.memplan.graph import KernelGraph
from tcompiler.memplan.greedy import Live, greedy_by_size
from tcompiler.memplan.plans import ArenaPlan


def program_order(graph: KernelGraph) -> tuple[int, ...]:
    return tuple(range(len(graph.ops)))


def memory_aware_order(graph: KernelGraph, kinds: Sequence[str] = ("arena",)) -> tuple[int, ...]:
    tracked = [t.kind in kinds for t in graph.tensors]
    remaining_users = [len(u) for u in graph.users]
    indegree = [len(set(p)) for p in graph.preds]
    ready = [k for k in range(len(graph.ops)) if indegree[k] == 0]
    order: list[int] = []
    created: set[int] = set()

    def delta(k: int) -> int:
        op = graph.ops[k]
        grow = sum(graph.tensors[t].nbytes for t in op.writes if tracked[t] and t not in created)
        free = sum(graph.tensors[t].nbytes for t in op.touches
                   if tracked[t] and remaining_users[t] == 1)
        return grow - free

    while ready:
        k = min(ready, key=lambda k: (delta(k), k))
        ready.remove(k)
        order.append(k)
        op = graph.ops[k]
        created.update(op.writes)
        for t in op.touches:
            remaining_users[t] -= 1
        for s in set(graph.succs[k]):
            indegree[s] -= 1
            if indegree[s] == 0:
                ready.append(s)
    assert len(order) == len(graph.ops), "dependency cycle in the kernel graph"
    return tuple(order)


def fixed_order_bound(graph: KernelGraph, order: Sequence[int], kinds: Sequence[str] = ("arena",)
                      ) -> int:
    ranges = graph.live_ranges(order)
    live = [0] * (len(order) + 1)
    for t, (first, last) in ranges.items():
        if graph.tensors[t].kind in kinds:
            live[first] += graph.tensors[t].nbytes
            live[last + 1] -= graph.tensors[t].nbytes
    best, acc = 0, 0
    for x in live:
        acc += x
        best = max(best, acc)
    return best


def order_free_bound(graph: KernelGraph, inplace: bool = True, kinds: Sequence[str] = ("arena",)
                     ) -> int:
    best = 0
    anc, desc = graph.ancestors, graph.descendants
    tracked = graph.arena_tensors(kinds)
    for k, op in enumerate(graph.ops):
        before = anc[k] | {k}
        after = desc[k] | {k}
        total, relief = 0, 0
        for t in tracked:
            users = graph.users[t]
            if not any(u in before for u in users) or not any(u in after for u in users):
                continue
            total += graph.tensors[t].nbytes
            if inplace and t in op.inplace and all(u in before for u in users):
                relief = max(relief, graph.tensors[t].nbytes)
        best = max(best, total - relief)
    return best


def arena_baseline(graph: KernelGraph, order: Sequence[int], method: str,
                   kinds: Sequence[str] = ("arena",)) -> ArenaPlan:
    """Greedy-by-size offsets on `order`; its bound is the live-set bound of that order."""
    start = time.perf_counter()
    ranges = graph.live_ranges(order)
    ids = graph.arena_tensors(kinds)
    lives = [Live(graph.tensors[t].nbytes, *ranges[t]) for t in ids]
    plan = greedy_by_size(lives)
    bound = fixed_order_bound(graph, order, kinds)
    return ArenaPlan(method, tuple(order), dict(zip(ids, plan.offsets)), plan.arena_bytes,
                     bound, time.perf_counter() - start, plan.arena_bytes <= bound)


def naive_plan(graph: KernelGraph) -> ArenaPlan:
    offsets, size = {}, 0
    for t in graph.arena_tensors():
        offsets[t] = size
        size += graph.tensors[t].nbytes
    return ArenaPlan("naive", program_order(graph), offsets, size,
                     fixed_order_bound(graph, program_order(graph)))


def arena_baselines(graph: KernelGraph, kinds: Sequence[str] = ("arena",)) -> list[ArenaPlan]:
    """Program order and memory-aware order, each with greedy-by-size offsets."""
    plans = [arena_baseline(graph, program_order(graph), "greedy-by-size", kinds)]
    start = time.perf_counter()
    order = memory_aware_order(graph, kinds)
    plan = arena_baseline(graph, order, "memory-aware+greedy-by-size", kinds)
    plans.append(ArenaPlan(plan.method, plan.order, plan.offsets, plan.arena_bytes, plan.bound,
                           time.perf_counter() - start, plan.optimal))
    return plans

