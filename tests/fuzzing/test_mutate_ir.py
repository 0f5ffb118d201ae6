"""The IR mutators (`tcompiler.fuzz.mutate_ir`): each applies to generated cases of its
level, its mutants are mostly valid programs (they go through their pipeline and compute what
the reference computes), one seed gives one mutant, and a mutator of another level declines."""

from __future__ import annotations

import functools
import random

import pytest

from tcompiler.errors import TcError
from tcompiler.fuzz.case import Case
from tcompiler.fuzz.generate import generate_seeded, sample_inputs
from tcompiler.fuzz.mutate_ir import IR_MUTATORS

from .helpers import entry, interpret, reference, run_pipeline, worst

SEEDS = range(6)
PAIRS = [(name, level) for name in IR_MUTATORS for level in (
    ("onnx",) if name.startswith("onnx-") else ("loops",) if name.startswith("loops-")
    else ("kernels",) if name == "ir-attribute" else ("kernels", "loops"))]
"""(mutator, level) pairs: ir-attribute changes kernel ops (and comparisons, rare in loops)."""


@functools.cache
def generated(level: str, seed: int) -> Case:
    return generate_seeded(seed, level)


def valid(case: Case, seed: int) -> bool:
    """`case` goes through its pipeline and computes what the reference computes."""
    feeds = sample_inputs(case, seed)
    try:
        expected = reference(case.model, feeds) if case.model is not None else \
            interpret(*entry(case), feeds)
        module, ctx = run_pipeline(case)
        return worst(interpret(module, ctx, feeds), expected) <= 1e-3
    except TcError:
        return False


def test_the_mutators_in_their_stable_order() -> None:
    assert list(IR_MUTATORS) == [
        "onnx-insert-op", "onnx-delete-op", "onnx-replace-op", "onnx-rewire", "onnx-attribute",
        "onnx-constant", "onnx-input-shape", "ir-rewire", "ir-constant", "ir-attribute",
        "ir-replace-arith", "loops-wrap-for", "loops-wrap-if"]


@pytest.mark.parametrize(("name", "level"), PAIRS)
def test_mutator_applies_and_its_mutants_are_valid(name: str, level: str) -> None:
    applied = good = 0
    for seed in SEEDS:
        case = generated(level, seed)
        mutant = IR_MUTATORS[name](case, random.Random(seed))
        if mutant is None:
            continue
        applied += 1
        assert mutant.origin == f"mutate-ir:{name}"
        assert (mutant.level, mutant.pipeline, mutant.seed) == (case.level, case.pipeline,
                                                                case.seed)
        assert mutant != case
        good += valid(mutant, seed)
    assert applied >= 3, f"{name} applied to {applied} of {len(SEEDS)} {level} cases"
    assert good >= 0.7 * applied, f"{name}: {good} of {applied} mutants valid"


@pytest.mark.parametrize("name", list(IR_MUTATORS))
def test_one_seed_gives_one_mutant(name: str) -> None:
    level = "onnx" if name.startswith("onnx-") else "loops"
    case = generated(level, 1)
    first = IR_MUTATORS[name](case, random.Random(5))
    assert first == IR_MUTATORS[name](case, random.Random(5))


@pytest.mark.parametrize("name", list(IR_MUTATORS))
def test_a_mutator_of_another_level_declines(name: str) -> None:
    other = "loops" if name.startswith("onnx-") else "onnx"
    assert IR_MUTATORS[name](generated(other, 0), random.Random(0)) is None
    if name.startswith("loops-"):
        assert IR_MUTATORS[name](generated("kernels", 0), random.Random(0)) is None
