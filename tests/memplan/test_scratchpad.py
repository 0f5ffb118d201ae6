"""Scratchpad mode (COSMA): budgets, the four baselines, the fixed-order ILP and the joint ILP
(never worse than any of them, equal to the brute-force optimum on tiny graphs), divide and
conquer, every plan valid (every read resident, nothing overlaps, traffic as reported)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tcompiler.memplan.baselines import program_order
from tcompiler.memplan.divide import solve_scratchpad_divided
from tcompiler.memplan.graph import KernelGraph, Op, Tensor
from tcompiler.memplan.ilp_joint import traffic_bound
from tcompiler.memplan.ilp_scratchpad import solve_scratchpad
from tcompiler.memplan.planner import plan_scratchpad, scratchpad_budgets
from tcompiler.memplan.plans import Limits, Segment, transfers
from tcompiler.memplan.replacement import simulate
from tcompiler.memplan.svg import scratchpad_svg
from tcompiler.memplan.validate import validate_scratchpad

from . import brute_force
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
    assert report.best.offchip_bytes == 2048 and report.best.optimal
    assert all(p.offchip_bytes >= 2048 for p in report.plans)
    assert [(m.kind, m.tensor) for m in transfers(graph, report.best.segments)] == [
        ("spill", 1), ("reload", 1)]
    plan_json = report.to_json(graph)["plan"]
    assert [m["name"] for m in plan_json["transfers"]] == ["a", "a"]
    picture = scratchpad_svg(graph, report.best)
    assert picture.count("<path") == 2 and "spill a (1 KiB) after step 1" in picture
    assert "reload a (1 KiB) at step 3" in picture
    at_mp = plan_scratchpad(graph, budgets["M_P"], LIMITS)
    assert at_mp.best.offchip_bytes == 0 and at_mp.best.optimal
    for plan in report.plans + at_mp.plans:
        assert not validate_scratchpad(graph, plan), plan.method


PLANS = ["ilp", "ilp-fixed-order", *(f"tflite+{o}+{r}" for o in ("program", "memory-aware")
                                     for r in ("belady", "greedy"))]


@pytest.mark.parametrize("seed", range(5))
def test_joint_never_worse_than_fixed_order_and_baselines(seed: int) -> None:
    graph = random_dag(300 + seed, ops=12, fan_in=3, inplace=False)
    budgets, whole = scratchpad_budgets(graph, LIMITS)
    for name in ("M_R", "M_H", "M_P"):
        report = plan_scratchpad(graph, budgets[name], LIMITS, whole)
        assert [p.method for p in report.plans] == PLANS
        for plan in report.plans:
            assert not validate_scratchpad(graph, plan), (name, plan.method)
            assert report.best.offchip_bytes <= plan.offchip_bytes
            assert plan.bound == report.best.bound <= report.best.offchip_bytes
        if name == "M_P":
            assert report.best.offchip_bytes == 0


@pytest.mark.parametrize("seed", range(16))
def test_joint_equals_brute_force_optimum(seed: int) -> None:
    """Tiny DAGs (7 ops): every topological order x residency choice x packing, at M_R and
    one aligned step above it."""
    graph = random_dag(seed, ops=7, sizes=(64, 128, 256, 512), fan_in=3, inplace=False)
    budgets, whole = scratchpad_budgets(graph, LIMITS)
    for budget in (budgets["M_R"], budgets["M_R"] + 64):
        best = brute_force.optimum(graph, budget)
        report = plan_scratchpad(graph, budget, LIMITS, whole)
        assert report.best.offchip_bytes == best and report.best.optimal, (budget, seed)
        assert traffic_bound(graph, budget) <= best
        assert all(p.offchip_bytes >= best for p in report.plans)


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(16, 64))
def test_joint_equals_brute_force_sweep(seed: int) -> None:
    test_joint_equals_brute_force_optimum(seed)


def test_reordering_beats_the_fixed_order_ilp() -> None:
    """A case (found by the brute-force sweep) where no candidate order reaches the optimum:
    only moving ops and replacement together does."""
    graph = random_dag(22, ops=7, sizes=(64, 128, 256, 512), fan_in=3, inplace=False)
    budget = scratchpad_budgets(graph, LIMITS)[0]["M_R"]
    report = plan_scratchpad(graph, budget, LIMITS)
    fixed = next(p for p in report.plans if p.method == "ilp-fixed-order")
    assert report.best.offchip_bytes == brute_force.optimum(graph, budget) == 256
    assert fixed.offchip_bytes == 512
    assert report.best.order not in {program_order(graph), fixed.order}


def test_divide_and_conquer_improves_and_stays_valid() -> None:
    graph = random_dag(7, ops=40, fan_in=3, inplace=False)
    budgets, whole = scratchpad_budgets(graph, LIMITS)
    hint = simulate(graph, program_order(graph), budgets["M_R"], "belady")
    limits = Limits(time_limit=2.0, workers=2, window=10)
    plan = solve_scratchpad_divided(graph, budgets["M_R"], hint, limits)
    assert plan.method == "ilp-divided" and len(plan.info["passes"]) >= 1
    assert plan.offchip_bytes < hint.offchip_bytes
    assert not validate_scratchpad(graph, plan)
    report = plan_scratchpad(graph, budgets["M_R"],
                             Limits(time_limit=2.0, workers=2, window=10, whole_graph_ops=20),
                             whole)
    assert report.best.method == "ilp-divided"
    assert all(report.best.offchip_bytes <= p.offchip_bytes for p in report.plans)
    assert not validate_scratchpad(graph, report.best)


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
    assert not validate_scratchpad(graph, plan)
    missing = replace(plan, segments=plan.segments[1:])
    assert validate_scratchpad(graph, missing)
    wrong = replace(plan, offchip_bytes=0)
    assert any("off-chip" in p for p in validate_scratchpad(graph, wrong))
    outside = replace(plan, budget=512)
    assert any("outside the budget" in p for p in validate_scratchpad(graph, outside))


def test_validator_checks_spills_and_reloads() -> None:
    graph = skip_graph()  # x -> a -> b -> c; (a, c) -> y; sizes 256, 1024 x 3, 256
    order = (0, 1, 2, 3)
    good = [Segment(0, 0, 0, 0, True), Segment(1, 256, 0, 1, False),
            Segment(2, 1280, 1, 2, False), Segment(3, 256, 2, 3, False),
            Segment(1, 1280, 3, 3, True), Segment(4, 0, 3, 3, False)]
    plan = replace(plan_scratchpad(graph, 2304, LIMITS).best, order=order,
                   segments=tuple(good), offchip_bytes=2048)
    assert not validate_scratchpad(graph, plan)

    def problems(*segments: Segment, traffic: int = 2048, budget: int = 2304) -> list[str]:
        return validate_scratchpad(graph, replace(plan, segments=segments,
                                                  offchip_bytes=traffic, budget=budget))

    twice = Segment(1, 1280, 1, 3, True)  # reloaded while still resident
    assert any("overlap" in p for p in problems(*good[:4], twice, good[5], traffic=2048))
    late = Segment(1, 256, 1, 1, False)  # created after its producer ran
    assert any("producer" in p for p in problems(good[0], late, *good[2:]))
    not_loaded = Segment(0, 0, 0, 0, False)
    assert any("without being loaded" in p for p in problems(not_loaded, *good[1:]))
    not_retrieved = Segment(1, 1280, 3, 3, False)
    assert any("retrieval" in p for p in problems(*good[:4], not_retrieved, good[5]))
    crowded = Segment(2, 0, 3, 3, True)  # a fourth tensor at step 3, on top of the others
    assert any("exceed the budget" in p for p in problems(*good, crowded))
