"""Stage-to-stage checks on generated models (the fuzzer's generator,
`tcompiler.fuzz.generate.generate_model`): every stage the interpreter runs, each compared
with the next and with onnxruntime. Whole models run at the
loops stage here (tiny shapes), through the compiled closures and, for a few seeds, op by op
through xDSL's interpreter, which must agree exactly."""

from __future__ import annotations

import random

import numpy as np
import onnx
import pytest

from tcompiler import interp
from tcompiler.errors import UnsupportedModelError
from tcompiler.fuzz.generate import generate_model, model_inputs
from tcompiler.pipeline import CompileOptions

from .models import Feeds, ort_run

OPTIONS = CompileOptions(memory_plan="greedy")
SEEDS = [*range(12), *(pytest.param(s, marks=pytest.mark.slow) for s in range(12, 40))]


def random_model(seed: int) -> tuple[onnx.ModelProto, Feeds]:
    proto = generate_model(random.Random(seed))
    return proto, model_inputs(proto, seed)


def worst(outputs: Feeds, reference: Feeds) -> float:
    return max(interp.relative_error(outputs[n], np.asarray(r)) for n, r in reference.items())


@pytest.mark.parametrize("seed", SEEDS)
def test_each_stage_matches_the_next_and_onnxruntime(seed: int) -> None:
    proto, feeds = random_model(seed)
    reference = ort_run(proto, feeds)
    previous: Feeds | None = None
    for stage in interp.STAGES:
        try:
            outputs = interp.run(proto, feeds, stage, OPTIONS)
        except UnsupportedModelError:
            pytest.skip("tcc declines this model (tests/fuzzing measures how often)")
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
