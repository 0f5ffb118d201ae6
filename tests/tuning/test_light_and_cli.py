"""A light model under heuristic schedules, and tuned on a tiny budget, against onnxruntime;
`tcc schedules` in text, JSON and HTML."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import pytest

from tcompiler import zoo
from tcompiler.costmodel.tune import TuneOptions, tune
from tcompiler.pipeline import CompileOptions, compile_model
from tcompiler.runtime import CompiledModel


@pytest.fixture(scope="module")
def squeezenet() -> onnx.ModelProto:
    return zoo.randomized("squeezenet", seed=0)


def logits_match(model: onnx.ModelProto, options: CompileOptions) -> None:
    program, _ = compile_model(model, options)
    x = zoo.test_input(program.inputs[0].shape)
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    want = session.run(None, {session.get_inputs()[0].name: x})[-1]
    got = CompiledModel(program).run([x])[-1]
    np.testing.assert_allclose(got, want, rtol=1e-3, atol=1e-3 * float(np.abs(want).max()))


def test_light_model_with_heuristic_schedules(squeezenet, options: CompileOptions) -> None:
    logits_match(squeezenet, CompileOptions(cache_dir=options.cache_dir, jobs=2,
                                            schedules="heuristic"))


def test_light_model_tuned_on_a_tiny_budget(squeezenet, options: CompileOptions,
                                            tmp_path: Path) -> None:
    db = tmp_path / "db.jsonl"
    summary = tune(squeezenet, str(db), TuneOptions(trials=4, strategy="costmodel",
                                                    end_to_end=False, repeats=2),
                   CompileOptions())
    assert summary["trials"] == 4 and db.read_text().count("\n") == 4
    logits_match(squeezenet, CompileOptions(cache_dir=options.cache_dir, jobs=2,
                                            schedules="costmodel", tuning_db=str(db)))


def test_tcc_schedules(tmp_path: Path) -> None:
    sys.path.insert(0, str(Path(__file__).parents[2] / "examples"))
    import make_model

    onnx.save(make_model.build(), tmp_path / "m.onnx")
    exe = str(Path(sys.executable).parent / "tcc")
    run = lambda *a: subprocess.run([exe, "schedules", "m.onnx", *a], capture_output=True,  # noqa: E731
                                    text=True, cwd=tmp_path, env=dict(os.environ))
    text = run()
    assert text.returncode == 0, text.stderr
    assert "conv 1x16x32x32" in text.stdout and "algorithm=" in text.stdout
    data = json.loads(run("--json", "--html", "s.html").stdout)
    conv = next(k for k in data["kernels"] if k["kernel"].startswith("conv"))
    assert conv["space"] > 10 and conv["source"] == "model" and len(conv["top5"]) == 5
    assert conv["predicted_us"] > 0
    page = (tmp_path / "s.html").read_text()
    assert "<table>" in page and "conv 1x16x32x32" in page
    missing = subprocess.run([exe, "schedules", "nope.onnx"], capture_output=True, text=True,
                             cwd=tmp_path)
    assert missing.returncode == 1 and missing.stderr.startswith("tcc: error: nope.onnx")
