"""`tcc-opt FILE --interpret`: IR files run through tcompiler.interp, after the pipeline."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from onnx import helper

from tcompiler import interp
from tcompiler.opt import main, module_text
from tcompiler.pipeline import CompileOptions

from .models import model, rand


@pytest.fixture
def planned(tmp_path: Path) -> tuple[Path, Path, Path, np.ndarray]:
    """A schedule-stage module file, its weights and inputs (.npz), and the kernels-stage output."""
    rng = np.random.default_rng(0)
    x = rand(rng, 1, 2, 4, 4)
    nodes = [helper.make_node("Conv", ["x", "w"], ["c"], pads=[1, 1, 1, 1]),
             helper.make_node("Relu", ["c"], ["r"]), helper.make_node("Flatten", ["r"], ["f"]),
             helper.make_node("Softmax", ["f"], ["y"])]
    proto = model(nodes, {"x": x}, ["y"], {"w": rand(rng, 3, 2, 3, 3)})
    comp = interp.compile_for(proto, "schedule", CompileOptions(memory_plan="greedy"))
    source = tmp_path / "model.mlir"
    source.write_text(module_text(comp.module))
    weights, inputs = tmp_path / "w.npz", tmp_path / "in.npz"
    np.savez(weights, **comp.weights.arrays)
    np.savez(inputs, x=x)
    expected = interp.run(proto, {"x": x}, "kernels", CompileOptions(memory_plan="greedy"))["y"]
    return source, weights, inputs, expected


@pytest.mark.parametrize("passes", ["", "lower-kernels-to-loops"])
def test_interpret_writes_the_outputs(planned, tmp_path: Path, passes: str) -> None:
    source, weights, inputs, expected = planned
    out = tmp_path / "out.npz"
    assert main([str(source), "-p", passes, "--interpret", "--weights", str(weights),
                 "--inputs", str(inputs), "--outputs", str(out)]) == 0
    with np.load(out) as data:
        np.testing.assert_allclose(data["y"], expected, rtol=1e-5, atol=1e-7)


def test_interpret_prints_outputs_for_random_inputs(planned, capsys: pytest.CaptureFixture[str]
                                                    ) -> None:
    source, weights, _, _ = planned
    assert main([str(source), "--interpret", "--weights", str(weights)]) == 0
    printed = capsys.readouterr().out
    assert printed.startswith("// interpreted @main (inputs: random, seed 0)")
    assert "y: float32[1, 48] = [" in printed


def test_interpret_one_kernel_function(planned, capsys: pytest.CaptureFixture[str]) -> None:
    source, _, _, _ = planned
    assert main([str(source), "--interpret", "--entry", "softmax_0"]) == 0
    printed = capsys.readouterr().out
    assert "arg1: float32[1, 48]" in printed


def test_a_missing_weight_is_a_one_line_error(planned, capsys: pytest.CaptureFixture[str]
                                              ) -> None:
    source, _, _, _ = planned
    assert main([str(source), "--interpret"]) == 1
    assert capsys.readouterr().err.strip() == \
        "tcc-opt: error: weight 'w' is not in the weight store"
