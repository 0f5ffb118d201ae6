"""The generator (`tcompiler.fuzz.generate`): its programs are valid at every level, compile
with their default pipeline and compute what the references compute; one seed, one case;
over many seeds it covers the corners (several outputs, broadcasting, integer and bool
tensors, degenerate dims)."""

from __future__ import annotations

import random
from collections import Counter

import numpy as np
import onnx
import pytest

from tcompiler import interp
from tcompiler.errors import UnsupportedModelError
from tcompiler.fuzz.case import Case
from tcompiler.fuzz.generate import (
    GenConfig,
    generate,
    generate_model,
    generate_seeded,
    sample_inputs,
)
from tcompiler.fuzz.mutate_passes import default_pipeline
from tcompiler.pipeline import CompileOptions, compile_model
from tcompiler.runtime import CompiledModel

from .helpers import entry, interpret, reference, run_pipeline, worst


def _declined(case: Case) -> bool:
    try:
        entry(case)
    except UnsupportedModelError:
        return True
    return False


@pytest.mark.parametrize("seed", range(5))
def test_onnx_cases_match_onnxruntime_through_their_pipeline(seed: int) -> None:
    case = generate_seeded(seed, "onnx")
    assert case.pipeline == default_pipeline("onnx") and case.origin == "generated"
    if _declined(case):
        pytest.skip("tcc declines this model (the decline rate is measured below)")
    assert case.model is not None
    feeds = sample_inputs(case, seed)
    module, ctx = run_pipeline(case)
    assert worst(interpret(module, ctx, feeds), reference(case.model, feeds)) <= \
        interp.TOLERANCE * 10


@pytest.mark.parametrize("level", ["kernels", "loops"])
@pytest.mark.parametrize("seed", range(3))
def test_ir_cases_verify_and_keep_their_meaning_through_their_pipeline(level: str,
                                                                       seed: int) -> None:
    case = generate_seeded(seed, level)
    assert case.ir is not None and case.model is None
    feeds = sample_inputs(case, seed)
    before = interpret(*entry(case), feeds)
    module, ctx = run_pipeline(case)
    assert worst(interpret(module, ctx, feeds), before) <= interp.TOLERANCE


def test_a_generated_model_compiles_natively_and_matches_onnxruntime(cache_dir: str) -> None:
    case = generate_seeded(2, "onnx")
    assert case.model is not None
    program, _ = compile_model(case.model, CompileOptions(cache_dir=cache_dir,
                                                          memory_plan="greedy"))
    feeds = sample_inputs(case, 0)
    names = [o.name for o in onnx.ModelProto.FromString(case.model).graph.output]
    got = dict(zip(names, CompiledModel(program).run(feeds)))
    assert worst(got, reference(case.model, feeds)) <= 1e-4


@pytest.mark.parametrize("level", ["onnx", "kernels", "loops"])
def test_one_seed_makes_one_case(level: str) -> None:
    a, b = generate_seeded(4, level), generate_seeded(4, level)
    assert a == b and a.seed == 4
    assert sorted(a.weights) == sorted(b.weights)
    assert all(np.array_equal(a.weights[n], b.weights[n]) for n in a.weights)
    drawn = generate(random.Random(9), level)
    assert drawn == generate_seeded(drawn.seed, level)
    assert random.Random(9).getrandbits(31) == drawn.seed


def test_unknown_level_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown level"):
        generate_seeded(0, "llvm")


def _features(proto: onnx.ModelProto) -> set[str]:
    inferred = onnx.shape_inference.infer_shapes(proto)
    graph = inferred.graph
    types = {v.name: v.type.tensor_type for v in
             [*graph.input, *graph.value_info, *graph.output]}
    shapes = {n: tuple(d.dim_value for d in t.shape.dim) for n, t in types.items()}
    shapes.update({i.name: tuple(i.dims) for i in graph.initializer})
    found = set()
    if len(graph.output) > 1:
        found.add("multi-output")
    elem = {t.elem_type for t in types.values()}
    found |= {name for name, code in (("int64", onnx.TensorProto.INT64),
                                      ("bool", onnx.TensorProto.BOOL)) if code in elem}
    if any(0 in s for s in shapes.values()):
        found.add("zero-size")
    if any(s == () for n, s in shapes.items() if n in types):
        found.add("scalar")
    for node in graph.node:
        operand_shapes = {shapes.get(n) for n in node.input if n}
        if node.op_type in ("Add", "Mul", "Sub", "Div", "Where", "Max", "Min", "Equal",
                            "Less", "Greater", "And", "Or") and len(operand_shapes) > 1:
            found.add("broadcasting")
    return found


def test_over_many_seeds_the_generator_covers_the_corners() -> None:
    seen: Counter[str] = Counter()
    ops: Counter[str] = Counter()
    for seed in range(150):
        proto = generate_model(random.Random(seed))
        seen.update(_features(proto))
        ops.update(n.op_type for n in proto.graph.node)
    assert {"multi-output", "broadcasting", "int64", "bool", "zero-size", "scalar"} <= set(seen)
    assert len(ops) >= 60, sorted(ops)


def test_restricted_ops_and_sizes_are_respected() -> None:
    config = GenConfig(ops=("Conv", "Relu"), max_elements=256, max_ops=4)
    for seed in range(10):
        proto = generate_model(random.Random(seed), config)
        emitted = {n.op_type for n in proto.graph.node}
        assert emitted & {"Conv", "Relu"} or emitted == {"Identity"}
        assert emitted <= {"Conv", "Relu", "Identity", "Abs", "Add", "Tanh", "Sigmoid",
                           "Clip"}, emitted


def test_tcc_declines_few_generated_models() -> None:
    declined = sum(_declined(generate_seeded(seed, "onnx")) for seed in range(40))
    assert declined <= 6
