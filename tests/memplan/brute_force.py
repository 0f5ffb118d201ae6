"""Exhaustive scratchpad optimum for tiny graphs (~5-6 ops): every topological order x every
residency choice x a packing search. Independent of the planners (shares only the graph).

Per order, a tensor is resident at its events (its producer's and readers' steps); between two
consecutive events it either stays (one run) or leaves and comes back (a new run, maybe at
another address). Runs end at events: a longer run only takes space. Cost of a tensor with
r + 1 runs: r retrievals of its size, plus one spill if it is an intermediate and r > 0.
A choice is feasible if its runs pack into the budget: rectangles (steps x bytes) placed
one by one at their lowest free address, over every placement order (any packing pushed
down as far as it goes is one of these).
"""

from __future__ import annotations

from collections.abc import Iterator

from tcompiler.memplan.graph import KernelGraph

Run = tuple[int, int, int]  # first step, last step, size in units


def topological_orders(graph: KernelGraph) -> Iterator[tuple[int, ...]]:
    n = len(graph.ops)

    def extend(prefix: list[int], done: set[int]) -> Iterator[tuple[int, ...]]:
        if len(prefix) == n:
            yield tuple(prefix)
            return
        for k in range(n):
            if k not in done and all(p in done for p in graph.preds[k]):
                prefix.append(k)
                done.add(k)
                yield from extend(prefix, done)
                done.discard(k)
                prefix.pop()

    yield from extend([], set())


def choices(events: list[int], size: int, spill: bool) -> list[tuple[int, list[Run]]]:
    """(cost, runs) for every way to break the events into runs, cheapest first."""
    out = []
    for mask in range(1 << max(0, len(events) - 1)):
        runs, first = [], events[0]
        for i in range(len(events) - 1):
            if mask >> i & 1:
                runs.append((first, events[i], size))
                first = events[i + 1]
        runs.append((first, events[-1], size))
        r = len(runs) - 1
        out.append((r * size + (size if spill and r else 0), runs))
    return sorted(out, key=lambda c: c[0])


def packs(runs: list[Run], room: int) -> bool:
    seen: set[frozenset[tuple[int, int]]] = set()

    def lowest(i: int, placed: tuple[tuple[int, int], ...]) -> int | None:
        first, last, size = runs[i]
        busy = [(off, off + runs[j][2]) for j, off in placed
                if runs[j][0] <= last and first <= runs[j][1]]
        for cand in sorted({0, *(hi for _, hi in busy)}):
            if cand + size <= room and all(cand + size <= lo or hi <= cand for lo, hi in busy):
                return cand
        return None

    def go(placed: tuple[tuple[int, int], ...]) -> bool:
        if len(placed) == len(runs):
            return True
        key = frozenset(placed)
        if key in seen:
            return False
        seen.add(key)
        done = {j for j, _ in placed}
        for i in range(len(runs)):
            off = None if i in done else lowest(i, placed)
            if off is not None and go((*placed, (i, off))):
                return True
        return False

    return go(())


def best_for_order(graph: KernelGraph, order: tuple[int, ...], room: int, unit: int,
                   cap: int) -> int | None:
    """The least cost below `cap` on this order (in units), or None."""
    where = {k: p for p, k in enumerate(order)}
    options = []
    for t, users in enumerate(graph.users):
        if users:
            tensor = graph.tensors[t]
            events = sorted(where[k] for k in users)
            options.append(choices(events, tensor.nbytes // unit, tensor.kind == "arena"))
    best: list[int | None] = [None]
    load = [0] * len(order)

    def go(i: int, cost: int, runs: list[Run]) -> None:
        limit = best[0] if best[0] is not None else cap
        if cost >= limit:
            return
        if i == len(options):
            if packs(runs, room):
                best[0] = cost
            return
        for extra, mine in options[i]:
            steps = [p for first, last, _ in mine for p in range(first, last + 1)]
            size = mine[0][2]
            if any(load[p] + size > room for p in steps):
                continue
            for p in steps:
                load[p] += size
            go(i + 1, cost + extra, runs + mine)
            for p in steps:
                load[p] -= size

    go(0, 0, [])
    return best[0]


def optimum(graph: KernelGraph, budget: int, unit: int = 64) -> int:
    """The least non-compulsory off-chip bytes over every order and residency choice."""
    best: int | None = None
    for order in topological_orders(graph):
        cap = best // unit if best is not None else 1 << 40
        found = best_for_order(graph, order, budget // unit, unit, cap)
        if found is not None:
            best = found * unit
        if best == 0:
            return 0
    assert best is not None, "no feasible plan: budget below the largest op's footprint"
    return best
