"""Stage-to-stage checks on generated models (`generate.random_model`): every stage the
interpreter runs, each compared with the next and with onnxruntime. Whole models run at the
loops stage here (tiny shapes), through the compiled closures and, for a few seeds, op by op
through xDSL's interpreter, which must agree exactly."""

from __future__ import annotations

import numpy as np
import pytest

from tcompiler import interp
from tcompiler.pipeline import CompileOptions

from .generate import random_model
from .models import Feeds, ort_run

OPTIONS = CompileOptions(memory_plan="greedy")
SEEDS = [*range(12), *(pytest.param(s, marks=pytest.mark.slow) for s in range(12, 40))]


def worst(outputs: Feeds, reference: Feeds) -> float:
    return max(interp.relative_error(outputs[n], np.asarray(r)) for n, r in reference.items())


@pytest.mark.parametrize("seed", SEEDS)
def test_each_stage_matches_the_next_and_onnxruntime(seed: int) -> None:
    proto, feeds = random_model(seed)
    reference = ort_run(proto, feeds)
    previous: Feeds | None = None
    for stage in interp.STAGES:
        outputs = interp.run(proto, feeds, stage, OPTIONS)
        assert worst(outputs, reference) <= interp.TOLERANCE, f"{stage} vs onnxruntime"
        if previous is not None:
            assert worst(outputs, previous) <= interp.TOLERANCE, f"{stage} vs the stage before"
        previous = outputs


@pytest.mark.parametrize("seed", range(3))
def test_compiled_loops_equal_xdsl_op_by_op(seed: int) -> None:
    proto, feeds = random_model(seed)
    comp = interp.compile_for(proto, "loops", OPTIONS)
    fast = interp.interpret(comp.module, feeds, comp.weights.arrays)
    slow = interp.interpret(comp.module, feeds, comp.weights.arrays, compiled=False)
    for name, value in fast.items():
        np.testing.assert_array_equal(value, slow[name])
