"""The pass-pipeline mutators (`tcompiler.fuzz.mutate_passes`): each applies and yields a
pipeline tcc-opt can build, options change by their declared types, pools follow the
passes' contracts, and an unknown focus pass fails as in tcc-opt."""

from __future__ import annotations

import random

import pytest

from tcompiler.errors import PipelineError, TcError
from tcompiler.fuzz.case import Case
from tcompiler.fuzz.generate import generate_seeded
from tcompiler.fuzz.mutate_passes import (
    PASS_MUTATORS,
    OptionInfo,
    default_pipeline,
    mutate_value,
    pass_pool,
    split_pipeline,
)
from tcompiler.plugins import build_pipeline, builtin_registry

from .helpers import run_pipeline


@pytest.fixture(scope="module")
def onnx_case() -> Case:
    return generate_seeded(3, "onnx")


@pytest.mark.parametrize("name", list(PASS_MUTATORS))
def test_each_mutator_applies_and_gives_a_buildable_pipeline(name: str, onnx_case: Case
                                                             ) -> None:
    pool = pass_pool(level="onnx")
    changed = 0
    for seed in range(8):
        mutant = PASS_MUTATORS[name](onnx_case, random.Random(seed), pool)
        assert mutant is not None, f"{name} does not apply to the default onnx pipeline"
        assert mutant.origin == f"mutate-passes:{name}"
        assert (mutant.model, mutant.level) == (onnx_case.model, onnx_case.level)
        changed += mutant.pipeline != onnx_case.pipeline
        for spec in mutant.pipeline:
            try:
                build_pipeline(spec)
            except TcError as err:  # only a deliberately bad option value ("bogus", "")
                assert "mutate-option" in mutant.origin or "{" in spec, err
    assert changed >= 6


def test_mutators_that_need_passes_decline_an_empty_pipeline() -> None:
    case = generate_seeded(0, "loops")
    assert case.pipeline == ()
    pool = pass_pool(level="loops")
    for name in ("delete", "replace", "swap", "duplicate", "mutate-option", "reset-options"):
        assert PASS_MUTATORS[name](case, random.Random(0), pool) is None, name
    inserted = PASS_MUTATORS["insert"](case, random.Random(0), pool)
    assert inserted is not None and len(inserted.pipeline) == 1


@pytest.mark.parametrize("name", list(PASS_MUTATORS))
def test_one_seed_gives_one_mutant(name: str, onnx_case: Case) -> None:
    pool = pass_pool(level="onnx")
    first = PASS_MUTATORS[name](onnx_case, random.Random(11), pool)
    assert first == PASS_MUTATORS[name](onnx_case, random.Random(11), pass_pool(level="onnx"))


def test_options_are_mutated_by_their_declared_type() -> None:
    rng = random.Random(0)
    assert mutate_value(OptionInfo("fuse", "bool", True), True, rng) is False
    for _ in range(20):
        assert isinstance(mutate_value(OptionInfo("n", "int", 24), 24, rng), int)
        assert isinstance(mutate_value(OptionInfo("t", "float", 2.0), 2.0, rng), float)
        assert mutate_value(OptionInfo("workers", "int", 0), 0, rng) in (1, 2)
        ints = mutate_value(OptionInfo("sizes", "ints", (1, 2)), (1, 2), rng)
        assert isinstance(ints, tuple) and all(isinstance(v, int) for v in ints)
    methods = {mutate_value(OptionInfo("method", "str", "ilp", ("ilp", "greedy", "naive")),
                            "ilp", rng) for _ in range(40)}
    assert {"greedy", "naive"} <= methods <= {"greedy", "naive", "ilp", "", "bogus"}


def test_pass_options_come_from_their_dataclass_fields() -> None:
    [plan] = [p for p in pass_pool(level="kernels") if p.name == "plan-memory"]
    kinds = {o.name: (o.kind, o.choices) for o in plan.options}
    assert kinds == {"method": ("str", ("ilp", "greedy", "naive")), "time_limit": ("float", ()),
                     "seed": ("int", ()), "workers": ("int", ())}
    [schedules] = [p for p in pass_pool(level="kernels") if p.name == "choose-schedules"]
    policy = next(o for o in schedules.options if o.name == "policy")
    assert set(policy.choices) == {"heuristic", "random", "costmodel"}


def test_mutate_option_rewrites_one_option_of_a_spec() -> None:
    case = Case(level="kernels", ir="builtin.module {}\n",
                pipeline=("plan-memory{method=greedy}", "lower-kernels-to-loops"))
    pool = pass_pool(level="kernels")
    seen = set()
    for seed in range(30):
        mutant = PASS_MUTATORS["mutate-option"](case, random.Random(seed), pool)
        assert mutant is not None and mutant.pipeline[1] == "lower-kernels-to-loops"
        assert mutant.pipeline[0].startswith("plan-memory{")
        build_pipeline(mutant.pipeline[0])  # every value is one plan-memory takes
        seen.add(mutant.pipeline[0].replace('"', ""))
    assert any("method=naive" in s or "method=ilp" in s for s in seen)
    assert any("workers=" in s or "seed=" in s or "time_limit=" in s for s in seen)


def test_pools_follow_the_contracts() -> None:
    loops = {p.name for p in pass_pool(level="loops")}
    onnx = {p.name for p in pass_pool(level="onnx")}
    assert "convert-onnx-to-kernel" in onnx and "convert-onnx-to-kernel" not in loops
    assert "plan-memory" in onnx and "plan-memory" not in loops
    assert {"cse", "canonicalize", "licm"} <= loops
    assert all(p.weight == 0.3 for p in pass_pool(level="loops") if p.owner == "xdsl")
    with pytest.raises(ValueError, match="unknown level"):
        pass_pool(level="llvm-ish")


def test_focus_limits_the_pool_and_an_unknown_pass_fails_as_in_tcc_opt() -> None:
    assert [p.name for p in pass_pool(focus=("plan-memory",))] == ["plan-memory"]
    with pytest.raises(PipelineError) as ours:
        pass_pool(builtin_registry(), focus=("plan-memroy",))
    with pytest.raises(PipelineError) as tcc_opt:
        build_pipeline("plan-memroy")
    assert str(ours.value) == str(tcc_opt.value)
    assert "did you mean 'plan-memory'" in str(ours.value)


def test_default_pipelines() -> None:
    onnx = default_pipeline("onnx")
    assert onnx[0] == split_pipeline(onnx[0])[0] and onnx[-1] == "lower-kernels-to-loops"
    assert "plan-memory{method=greedy}" in onnx
    assert default_pipeline("kernels") == ("plan-memory{method=greedy}",
                                           "lower-kernels-to-loops")
    assert default_pipeline("kernels", planned=True) == ("lower-kernels-to-loops",)
    assert default_pipeline("loops") == ()
    with pytest.raises(ValueError, match="unknown level"):
        default_pipeline("graph")


def test_resample_keeps_the_pipeline_runnable() -> None:
    case = generate_seeded(1, "kernels")
    pool = [p for p in pass_pool(level="kernels") if p.owner == "xdsl"]
    mutant = PASS_MUTATORS["resample"](case, random.Random(2), pool)
    assert mutant is not None
    assert [s for s in mutant.pipeline if not any(s.startswith(p.name) for p in pool)] == \
        list(case.pipeline)
    run_pipeline(mutant)
