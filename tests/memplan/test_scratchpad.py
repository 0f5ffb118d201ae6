"""Scratchpad mode (COSMA): budgets, the four baselines, the ILP never worse than them, every
plan valid (every read resident, nothing overlaps, traffic as reported)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tcompiler.memplan.graph import KernelGraph, Op, Tensor
from tcompiler.memplan.ilp_scratchpad import solve_scratchpad
from tcompiler.memplan.planner import plan_scratchpad, scratchpad_budgets
from tcompiler.memplan.plans import Limits
from tcompiler.memplan.replacement import simulate
from tcompiler.memplan.validate import validate_scratchpad

from .dags import random_dag

LIMITS = Limits(time_limit=3.0, workers=2)


def skip_graph() -> KernelGraph:
    """x -> a; a -> b; b -> c; (a, c) -> y: `a` waits across the chain (a skip connection)."""
    tensors = [Tensor("x", 256, "input"), Tensor("a", 1024), Tensor("b", 1024), Tensor("c", 1024),
               Tensor("y", 256, "output")]
    ops = [Op("k0", (0,), (1,)), Op("k1", (1,), (2,)), Op("k2", (2,), (3,)), Op("k3", (1, 3), (4,))]
    return KernelGraph.build(tensors, ops)


def test_budgets_and_one_spill_by_hand() -> None:
    graph = skip_graph()
    budgets, _ = scratchpad_budgets(graph, LIMITS)
    assert budgets["M_R"] == 1024 * 2 + 256  # k3: a, c, y
    assert budgets["M_P"] == 3 * 1024  # k2 runs with a, b, c resident
    # at M_R, `a` must leave during k2 and come back: spill 1024 + retrieve 1024
    report = plan_scratchpad(graph, budgets["M_R"], LIMITS)
    assert report.best.offchip_bytes == 2048
    assert all(p.offchip_bytes >= 2048 for p in report.plans)
    at_mp = plan_scratchpad(graph, budgets["M_P"], LIMITS)
    assert at_mp.best.offchip_bytes == 0 and at_mp.best.optimal
    for plan in report.plans + at_mp.plans:
        assert not validate_scratchpad(graph, plan), plan.method


@pytest.mark.parametrize("seed", range(5))
def test_ilp_never_worse_than_cosma_baselines(seed: int) -> None:
    graph = random_dag(300 + seed, ops=12, fan_in=3, inplace=False)
    budgets, whole = scratchpad_budgets(graph, LIMITS)
    for name in ("M_R", "M_H", "M_P"):
        report = plan_scratchpad(graph, budgets[name], LIMITS, whole)
        assert len(report.plans) == 5
        assert {p.method for p in report.plans[1:]} == {
            f"tflite+{o}+{r}" for o in ("program", "memory-aware") for r in ("belady", "greedy")}
        for plan in report.plans:
            assert not validate_scratchpad(graph, plan), (name, plan.method)
            assert report.best.offchip_bytes <= plan.offchip_bytes
        if name == "M_P":
            assert report.best.offchip_bytes == 0


def test_fixed_order_ilp_optimal_on_small_case() -> None:
    graph = skip_graph()
    order = tuple(range(4))
    budget = 1024 * 2 + 256
    hint = simulate(graph, order, budget, "belady")
    plan = solve_scratchpad(graph, order, budget, hint, LIMITS)
    assert plan.optimal and plan.offchip_bytes == 2048 and plan.bound == 2048
    assert not validate_scratchpad(graph, plan)


def test_validator_catches_missing_residency_and_wrong_traffic() -> None:
    graph = skip_graph()
    plan = plan_scratchpad(graph, 1024 * 2 + 256, LIMITS).best
    missing = replace(plan, segments=plan.segments[1:])
    assert validate_scratchpad(graph, missing)
    wrong = replace(plan, offchip_bytes=0)
    assert any("off-chip" in p for p in validate_scratchpad(graph, wrong))
    outside = replace(plan, budget=512)
    assert any("outside the budget" in p for p in validate_scratchpad(graph, outside))
