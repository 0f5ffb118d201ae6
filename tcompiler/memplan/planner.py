"""The planners' front door: baselines always, then the ILP hinted with the best of them.

    arena = plan_arena(graph, limits)               # ArenaReport: .best, .plans (ILP first)
    budgets = scratchpad_budgets(graph, limits)     # {"M_R": .., "M_H": .., "M_P": ..}
    spm = plan_scratchpad(graph, budget, limits)    # ScratchpadReport: joint ILP, fixed-order
                                                    # ILP, COSMA's four baselines

Arena mode plans the intermediates (`kernel.buffer`s) of one arena, with in-place reuse.
Scratchpad mode follows COSMA: every non-weight tensor (graph inputs and outputs too) lives in
a scratchpad of `budget` bytes while used; no in-place reuse (an op's inputs and outputs are
all resident). Budgets per model: `M_R` the largest footprint of one op (the smallest budget
that can work), `M_P` the smallest arena over all orders that holds the whole run without
off-chip traffic (as the arena ILP finds it; `peak_bound` is the order-free live-set bound
under it), `M_H = (M_R + M_P) / 2`, each 64-byte aligned. The scratchpad plan of choice is the
joint ILP's (`ilp_joint`: order, addresses and replacement in one model), hinted with the best
of the baselines and the fixed-order ILP.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from typing import Any

from tcompiler.memplan.baselines import (
    arena_baseline,
    arena_baselines,
    memory_aware_order,
    naive_plan,
    order_free_bound,
    program_order,
)
from tcompiler.memplan.divide import solve_divided, solve_scratchpad_divided
from tcompiler.memplan.graph import KernelGraph
from tcompiler.memplan.ilp_arena import solve_arena
from tcompiler.memplan.ilp_joint import solve_joint
from tcompiler.memplan.ilp_scratchpad import solve_scratchpad
from tcompiler.memplan.plans import ArenaPlan, Limits, ScratchpadPlan, transfers
from tcompiler.memplan.replacement import ALL_KINDS, from_arena, op_footprint, simulate
from tcompiler.weights import align_up

METHODS = ("ilp", "greedy", "naive")


@dataclass(frozen=True)
class ArenaReport:
    best: ArenaPlan
    plans: list[ArenaPlan]  # the chosen method's plan first, then every baseline
    bound: int

    def to_json(self) -> dict[str, Any]:
        return {"mode": "arena", "budget_bytes": None, "lower_bound": self.bound,
                "plans": [p.summary() for p in self.plans]}


@dataclass(frozen=True)
class ScratchpadReport:
    budget: int
    best: ScratchpadPlan
    plans: list[ScratchpadPlan]
    budgets: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0  # baselines, fixed-order ILP and joint ILP together

    def to_json(self, graph: KernelGraph | None = None) -> dict[str, Any]:
        """The summaries; with the graph also the chosen plan: its order and every spill and
        reload (step, tensor, bytes)."""
        data: dict[str, Any] = {"mode": "scratchpad", "budget_bytes": self.budget,
                                "plans": [p.summary() for p in self.plans]}
        if graph is not None:
            data["plan"] = {"method": self.best.method, "order": list(self.best.order),
                            "transfers": [{"kind": m.kind, "step": m.step, "tensor": m.tensor,
                                           "name": graph.tensors[m.tensor].name,
                                           "bytes": m.nbytes}
                                          for m in transfers(graph, self.best.segments)]}
        return data


def plan_arena(graph: KernelGraph, limits: Limits = Limits(), method: str = "ilp",
               inplace: bool = True, kinds: tuple[str, ...] = ("arena",)) -> ArenaReport:
    """`method` "ilp": CP-SAT (whole graph, or divided above `limits.whole_graph_ops` ops);
    "greedy": greedy-by-size on program order; "naive": no reuse. Baselines always."""
    if method not in METHODS:
        raise ValueError(f"unknown memory plan method {method!r} "
                         f"(choose from {', '.join(METHODS)})")
    baselines = arena_baselines(graph, kinds)
    if kinds == ("arena",):
        baselines.append(naive_plan(graph))
    if method == "greedy":
        return ArenaReport(baselines[0], baselines, order_free_bound(graph, inplace, kinds))
    if method == "naive":
        naive = baselines[-1]
        return ArenaReport(naive, [naive, *baselines[:-1]], order_free_bound(graph, inplace, kinds))
    hint = min(baselines[:2], key=lambda p: (p.arena_bytes, p.method != "greedy-by-size"))
    if len(graph.ops) > limits.whole_graph_ops:
        best = solve_divided(graph, hint, limits, inplace, kinds)
    else:
        best = solve_arena(graph, hint, limits, inplace=inplace, kinds=kinds)
    # one problem, one bound: every baseline's gap is measured against the ILP's bound
    rebased = [replace(p, bound=min(best.bound, p.arena_bytes), optimal=p.arena_bytes <= best.bound)
               for p in baselines]
    return ArenaReport(best, [best, *rebased], best.bound)


def scratchpad_budgets(graph: KernelGraph, limits: Limits = Limits()
                       ) -> tuple[dict[str, int], ArenaPlan]:
    """M_R, M_H, M_P (and `peak_bound`), and the arena plan whose order reaches M_P."""
    m_r = max((op_footprint(graph, k) for k in range(len(graph.ops))), default=0)
    whole = plan_arena(graph, limits, "ilp", inplace=False, kinds=ALL_KINDS).best
    m_p = max(whole.arena_bytes, m_r)
    budgets = {"M_R": m_r, "M_H": align_up((m_r + m_p) // 2), "M_P": m_p,
               "peak_bound": order_free_bound(graph, False, ALL_KINDS)}
    return budgets, whole


def plan_scratchpad(graph: KernelGraph, budget: int, limits: Limits = Limits(),
                    min_peak: ArenaPlan | None = None) -> ScratchpadReport:
    """COSMA's four baselines; the fixed-order ILP (COSMA FS) on each candidate order (a
    quarter of the time); then the joint ILP (order, addresses and replacement together),
    hinted with the best plan so far, so never worse than any of them. Above
    `limits.whole_graph_ops` ops the joint ILP divides and conquers."""
    start = time.perf_counter()
    orders = {"program": program_order(graph), "memory-aware": memory_aware_order(graph, ALL_KINDS)}
    baselines: list[ScratchpadPlan] = []
    by_order: dict[str, ScratchpadPlan] = {}
    for name, order in orders.items():
        for policy in ("belady", "greedy"):
            plan = simulate(graph, order, budget, policy, f"tflite+{name}+{policy}")
            baselines.append(plan)
            if name not in by_order or plan.offchip_bytes < by_order[name].offchip_bytes:
                by_order[name] = plan
    if min_peak is None:
        min_peak = solve_arena(graph, arena_baseline(graph, orders["memory-aware"],
                                                     "memory-aware", ALL_KINDS),
                               Limits(limits.time_limit / 4, limits.seed, limits.workers),
                               inplace=False, kinds=ALL_KINDS)
    if tuple(min_peak.order) not in {tuple(o) for o in orders.values()}:
        orders["ilp-arena"] = tuple(min_peak.order)
        by_order["ilp-arena"] = from_arena(graph, min_peak, budget) or min(
            (simulate(graph, min_peak.order, budget, p, f"ilp-arena+{p}")
             for p in ("belady", "greedy")), key=lambda p: p.offchip_bytes)
    fixed = _fixed_order(graph, budget, orders, by_order,
                         Limits(limits.time_limit / 4, limits.seed, limits.workers))
    hint = min([fixed, *by_order.values()], key=lambda p: p.offchip_bytes)
    rest = Limits(max(0.1, limits.time_limit - (time.perf_counter() - start)), limits.seed,
                  limits.workers, limits.window, limits.whole_graph_ops)
    if len(graph.ops) > limits.whole_graph_ops:
        joint = solve_scratchpad_divided(graph, budget, hint, rest)
    else:
        joint = solve_joint(graph, budget, hint, rest)
    # one problem, one bound: every plan's gap is measured against the joint ILP's bound
    plans = [replace(p, bound=min(joint.bound, p.offchip_bytes),
                     optimal=p.offchip_bytes <= joint.bound) for p in (fixed, *baselines)]
    return ScratchpadReport(budget, joint, [joint, *plans], seconds=time.perf_counter() - start)


def _fixed_order(graph: KernelGraph, budget: int, orders: dict[str, tuple[int, ...]],
                 by_order: dict[str, ScratchpadPlan], limits: Limits) -> ScratchpadPlan:
    """The fixed-order ILP on each order (best hint first), the best kept."""
    start = time.perf_counter()
    candidates = sorted(orders, key=lambda n: by_order[n].offchip_bytes)
    share = Limits(max(0.05, limits.time_limit / len(candidates)), limits.seed, limits.workers)
    results = []
    for name in candidates:
        plan = solve_scratchpad(graph, orders[name], budget, by_order[name], share)
        results.append((plan, name))
        if plan.offchip_bytes == 0:
            break
    plan, name = min(results, key=lambda r: r[0].offchip_bytes)
    return ScratchpadPlan("ilp-fixed-order", plan.order, budget, plan.segments,
                          plan.offchip_bytes, 0, time.perf_counter() - start,
                          plan.offchip_bytes == 0,
                          {**plan.info, "order": name,
                           "per_order": {n: p.offchip_bytes for p, n in results}})
