"""`tcompiler.interp.run` / `interpret`: stages, names, errors, and speed at tiny shapes."""

from __future__ import annotations

import random
import time

import numpy as np
import pytest
from onnx import helper

from tcompiler import interp
from tcompiler.errors import InputError, OptionError
from tcompiler.fuzz.generate import GenConfig, generate_model, model_inputs
from tcompiler.pipeline import CompileOptions

from .models import model, ort_run, rand

OPTIONS = CompileOptions(memory_plan="greedy")


def two_outputs() -> tuple[object, dict[str, np.ndarray]]:
    rng = np.random.default_rng(0)
    a, b = rand(rng, 2, 3), rand(rng, 2, 3)
    nodes = [helper.make_node("Add", ["a", "b"], ["sum"]),
             helper.make_node("Mul", ["a", "sum"], ["product"])]
    return model(nodes, {"a": a, "b": b}, ["product", "sum"]), {"a": a, "b": b}


@pytest.mark.parametrize("stage", interp.STAGES)
def test_outputs_are_named_as_the_model_names_them(stage: str) -> None:
    proto, feeds = two_outputs()
    outputs = interp.run(proto, feeds, stage, OPTIONS)
    assert list(outputs) == ["product", "sum"]
    for name, expected in ort_run(proto, feeds).items():
        np.testing.assert_allclose(outputs[name], expected, rtol=1e-6)


def test_the_llvm_stage_is_native_code() -> None:
    proto, feeds = two_outputs()
    with pytest.raises(OptionError, match="native code"):
        interp.run(proto, feeds, "llvm")
    with pytest.raises(OptionError, match="unknown stage"):
        interp.run(proto, feeds, "bytecode")


def test_inputs_must_match_the_model() -> None:
    proto, feeds = two_outputs()
    with pytest.raises(InputError, match="missing input 'b'"):
        interp.run(proto, {"a": feeds["a"]}, "kernels", OPTIONS)
    with pytest.raises(InputError, match=r"input 'a' has shape \(3, 2\)"):
        interp.run(proto, {**feeds, "a": feeds["a"].T}, "kernels", OPTIONS)


def test_inputs_are_never_written() -> None:
    proto, feeds = two_outputs()
    before = {k: v.copy() for k, v in feeds.items()}
    for stage in interp.STAGES:
        interp.run(proto, feeds, stage, OPTIONS)
    for name, value in feeds.items():
        np.testing.assert_array_equal(value, before[name])


def twenty_ops(seed: int) -> tuple[object, dict[str, np.ndarray]]:
    config = GenConfig(min_ops=20, max_ops=20, ops=("Conv", "MaxPool", "AveragePool", "Relu",
                                                    "Add", "Mul", "Gemm", "Softmax"))
    proto = generate_model(random.Random(seed), config)
    assert len(proto.graph.node) >= 20
    return proto, model_inputs(proto, seed)


def test_a_twenty_op_model_interprets_well_under_a_second() -> None:
    proto, feeds = twenty_ops(0)
    comp = interp.compile_for(proto, "kernels", OPTIONS)
    start = time.perf_counter()
    interp.interpret(comp.module, feeds, comp.weights.arrays)
    assert time.perf_counter() - start < 0.5  # about 5 ms here; generous for loaded machines


def test_loops_lowered_to_cf_interpret() -> None:
    """Loops lowered to cf branches (xDSL's convert-scf-to-cf) still interpret, the same as
    before (found by `tcc fuzz`: cf.br had no rule)."""
    from xdsl.transforms.convert_scf_to_cf import ConvertScfToCf

    x = rand(np.random.default_rng(0), 1, 3, 8, 8)
    comp = interp.compile_for(model([helper.make_node("Relu", ["x"], ["y"])], {"x": x}, ["y"]),
                              "loops")
    weights = comp.weights.arrays
    before = interp.interpret(comp.module, {"x": x}, weights)
    ConvertScfToCf().apply(comp.ctx, comp.module)
    assert any(op.name == "cf.br" for op in comp.module.walk())
    after = interp.interpret(comp.module, {"x": x}, weights)
    np.testing.assert_array_equal(after["y"], before["y"])
    np.testing.assert_array_equal(after["y"], np.maximum(x, 0))
