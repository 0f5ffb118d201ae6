"""Arena mode: known optima (by hand and by brute force), ILP <= every baseline on random DAGs,
every plan valid, and the validator catches broken plans."""

from __future__ import annotations

import itertools
from dataclasses import replace

import pytest

from tcompiler.memplan.baselines import arena_baselines, fixed_order_bound, order_free_bound
from tcompiler.memplan.divide import cuts, solve_divided
from tcompiler.memplan.graph import KernelGraph, Op, Tensor
from tcompiler.memplan.ilp_arena import solve_arena
from tcompiler.memplan.planner import plan_arena
from tcompiler.memplan.plans import Limits
from tcompiler.memplan.validate import validate_arena

from .dags import random_dag

LIMITS = Limits(time_limit=5.0, workers=2)


def chain(n: int, inplace: bool) -> KernelGraph:
    tensors = [Tensor("x", 256, "input")] + [Tensor(f"t{i}", 256) for i in range(n)]
    tensors.append(Tensor("y", 256, "output"))
    ops = [Op(f"op{i}", (i,), (i + 1,), (i,) if inplace and i > 0 else ()) for i in range(n + 1)]
    return KernelGraph.build(tensors, ops)


def test_chain_without_inplace_needs_two_buffers() -> None:
    report = plan_arena(chain(5, inplace=False), LIMITS)
    assert report.best.arena_bytes == 512 and report.best.optimal
    assert all(not validate_arena(chain(5, False), p) for p in report.plans)


def test_chain_in_place_needs_one_buffer() -> None:
    graph = chain(5, inplace=True)
    report = plan_arena(graph, LIMITS)
    assert report.best.arena_bytes == 256
    assert report.best.optimal and len(report.best.inplace) == 4
    assert not validate_arena(graph, report.best)
    greedy = next(p for p in report.plans if p.method == "greedy-by-size")
    assert greedy.arena_bytes == 512


def two_branches() -> KernelGraph:
    """x -> a (big), x -> b (big), a -> c (small), b -> d (small), (c, d) -> y."""
    tensors = [Tensor("x", 256, "input"), Tensor("a", 4096), Tensor("b", 4096), Tensor("c", 256),
               Tensor("d", 256), Tensor("y", 256, "output")]
    ops = [Op("big", (0,), (1,)), Op("big", (0,), (2,)), Op("small", (1,), (3,)),
           Op("small", (2,), (4,)), Op("join", (3, 4), (5,))]
    return KernelGraph.build(tensors, ops)


def test_reordering_by_hand() -> None:
    graph = two_branches()
    report = plan_arena(graph, LIMITS)
    assert report.plans[1].arena_bytes == 4096 * 2 + 256  # program order
    assert report.best.arena_bytes == 4096 + 2 * 256 == report.best.bound
    assert graph.is_topological(report.best.order)
    assert report.best.order.index(2) < report.best.order.index(1)  # reduce a before making b


def brute_force_uniform(graph: KernelGraph) -> int:
    """Equal sizes, no in-place: for a fixed order the optimum is the largest live set (interval
    graphs are perfect), so the optimum is the smallest of those over all orders."""
    best = None
    for order in itertools.permutations(range(len(graph.ops))):
        if graph.is_topological(order):
            value = fixed_order_bound(graph, order)
            best = value if best is None else min(best, value)
    assert best is not None
    return best


@pytest.mark.parametrize("seed", range(6))
def test_ilp_matches_brute_force(seed: int) -> None:
    graph = random_dag(seed, ops=6, sizes=(256,), inplace=False)
    report = plan_arena(graph, LIMITS)
    assert report.best.optimal
    assert report.best.arena_bytes == brute_force_uniform(graph)


@pytest.mark.parametrize("seed", range(8))
def test_ilp_never_worse_than_baselines(seed: int) -> None:
    graph = random_dag(100 + seed, ops=14, fan_in=3)
    report = plan_arena(graph, LIMITS)
    assert report.best.method == "ilp"
    for plan in report.plans:
        assert not validate_arena(graph, plan), plan.method
        assert report.best.arena_bytes <= plan.arena_bytes
        assert report.best.bound <= plan.arena_bytes
    assert report.best.bound >= order_free_bound(graph)


@pytest.mark.parametrize("seed", range(2))
def test_divide_and_conquer(seed: int) -> None:
    graph = random_dag(200 + seed, ops=40, fan_in=2)
    hint = min(arena_baselines(graph), key=lambda p: p.arena_bytes)
    limits = replace(LIMITS, window=10, time_limit=1.0)
    assert cuts(graph, hint.order, 10)
    plan = solve_divided(graph, hint, limits)
    assert plan.method == "ilp-divided" and len(plan.info["passes"]) == 2
    assert plan.arena_bytes <= hint.arena_bytes
    assert not validate_arena(graph, plan)
    report = plan_arena(graph, replace(limits, whole_graph_ops=20))
    assert report.best.method == "ilp-divided"


def test_solver_options_and_time_limit() -> None:
    graph = random_dag(7, ops=30, fan_in=3)
    hint = min(arena_baselines(graph), key=lambda p: p.arena_bytes)
    plan = solve_arena(graph, hint, Limits(time_limit=0.2, seed=3, workers=1))
    assert plan.arena_bytes <= hint.arena_bytes and plan.seconds < 5
    assert "status" in plan.info and 0.0 <= plan.gap <= 1.0


def test_validator_catches_broken_plans() -> None:
    graph = two_branches()
    plan = plan_arena(graph, LIMITS).best
    assert not validate_arena(graph, plan)
    overlapping = replace(plan, offsets={t: 0 for t in plan.offsets})
    assert any("overlap" in p for p in validate_arena(graph, overlapping))
    backwards = replace(plan, order=tuple(reversed(plan.order)))
    assert any("must run before" in p for p in validate_arena(graph, backwards))
    misaligned = replace(plan, offsets={**plan.offsets, 1: 8})
    assert any("misaligned" in p for p in validate_arena(graph, misaligned))
    bogus = replace(plan, inplace={1: 2})
    assert any("in-place" in p for p in validate_arena(graph, bogus))
