"""`tcc tune` and the tuning database in compiles: measurements go to the db, a rerun continues
where the last one stopped, `--tuning-db` takes the measured best, a foreign CPU's db is
ignored with a notice, and bad input fails in one line."""

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
from onnx import TensorProto, helper, numpy_helper

from tcompiler.costmodel.db import TuningDB
from tcompiler.costmodel.tune import TuneOptions, kernel_tasks, tune
from tcompiler.pipeline import CompileOptions, compile_model, compile_to_stage
from tcompiler.runtime import CompiledModel


def small_model() -> onnx.ModelProto:
    """Conv 3x3 + Relu, then a fully connected layer: two tunable kernels."""
    rng = np.random.default_rng(0)
    inits = [numpy_helper.from_array(rng.standard_normal(s).astype(np.float32), n) for n, s in
             (("w", (8, 4, 3, 3)), ("b", (8,)), ("fc", (10, 8 * 16 * 16)),
              ("fb", (10,)))]
    nodes = [helper.make_node("Conv", ["x", "w", "b"], ["c"], pads=[1] * 4),
             helper.make_node("Relu", ["c"], ["r"]),
             helper.make_node("Flatten", ["r"], ["f"]),
             helper.make_node("Gemm", ["f", "fc", "fb"], ["y"], transB=1)]
    graph = helper.make_graph(
        nodes, "small", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4, 16, 16])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 10])], inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def pairs(db: Path) -> list[tuple[str, str]]:
    return [(r.signature, json.dumps(r.schedule, sort_keys=True))
            for r in TuningDB(db).read()]


def test_tune_measures_resumes_and_compiles_with_the_db(tmp_path: Path) -> None:
    model, db = small_model(), tmp_path / "db.jsonl"
    options = TuneOptions(trials=6, strategy="random", end_to_end=False, repeats=3)
    summary = tune(model, str(db), options, CompileOptions())
    assert summary["trials"] == 6 and len(summary["kernels"]) == 2
    conv = next(k for k in summary["kernels"] if k["name"].startswith("conv"))
    assert conv["heuristic_us"] and conv["best_us"] <= conv["heuristic_us"]
    tune(model, str(db), TuneOptions(trials=4, strategy="random", end_to_end=False, repeats=3),
         CompileOptions())
    measured = pairs(db)
    assert len(measured) == 10 and len(set(measured)) == 10  # nothing measured twice

    module = compile_to_stage(model, "kernels", CompileOptions(schedules="costmodel",
                                                                tuning_db=str(db))).module
    sources = {fn.attributes["tcc.schedule_source"].data for fn in module.body.block.ops
               if "tcc.kernel" in fn.attributes}
    assert sources == {"db"}
    program, _ = compile_model(model, CompileOptions(schedules="costmodel", tuning_db=str(db)))
    x = np.random.default_rng(1).standard_normal((1, 4, 16, 16)).astype(np.float32)
    want = ort.InferenceSession(model.SerializeToString()).run(None, {"x": x})[0]
    np.testing.assert_allclose(CompiledModel(program).run([x])[0], want, rtol=1e-4, atol=1e-4)


def fc_model() -> onnx.ModelProto:
    """One fully connected layer: a single tunable kernel with a small space (a conv's has
    hundreds of schedules)."""
    rng = np.random.default_rng(0)
    inits = [numpy_helper.from_array(rng.standard_normal(s).astype(np.float32), n)
             for n, s in (("fc", (10, 64)), ("fb", (10,)))]
    graph = helper.make_graph(
        [helper.make_node("Gemm", ["x", "fc", "fb"], ["y"], transB=1)], "fc",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 64])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 10])], inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def test_exhaustive_stops_when_every_space_is_measured(tmp_path: Path) -> None:
    model = fc_model()
    spaces = sum(len(t.space) for t in kernel_tasks(model, CompileOptions()))
    summary = tune(model, str(tmp_path / "db.jsonl"),
                   TuneOptions(trials=10_000, strategy="exhaustive", end_to_end=False,
                               repeats=1), CompileOptions())
    assert summary["trials"] == spaces < 10_000  # the spaces ran out, not the budget


def test_a_db_of_another_cpu_is_ignored_with_a_notice(tmp_path: Path, caplog) -> None:
    model, db = small_model(), tmp_path / "db.jsonl"
    tune(model, str(db), TuneOptions(trials=2, strategy="random", end_to_end=False, repeats=1),
         CompileOptions())
    lines = [json.loads(line) for line in db.read_text().splitlines()]
    for line in lines:
        line["target"] = {"cpu": "some-other-cpu", "features": "+sse2"}
    db.write_text("".join(json.dumps(line) + "\n" for line in lines))
    with caplog.at_level("WARNING"):
        module = compile_to_stage(model, "kernels", CompileOptions(
            schedules="costmodel", tuning_db=str(db))).module
    assert any("no records of this CPU" in r.getMessage() for r in caplog.records)
    sources = {fn.attributes["tcc.schedule_source"].data for fn in module.body.block.ops
               if "tcc.kernel" in fn.attributes}
    assert "db" not in sources


def tcc(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    exe = Path(sys.executable).parent / "tcc"
    return subprocess.run([str(exe), *args], capture_output=True, text=True, cwd=cwd,
                          env=dict(os.environ))


@pytest.mark.parametrize("args,code,words", [
    (["--trials", "3", "--strategy", "bogus"], 1, ["unknown strategy 'bogus'"]),
    ([], 1, ["needs a budget"]),
    (["--time", "ten minutes"], 1, ["--time 'ten minutes'"]),
    (["--trials", "0"], 1, ["--trials must be >= 1"]),
])
def test_tune_bad_options(tmp_path: Path, args: list[str], code: int, words: list[str]) -> None:
    onnx.save(small_model(), tmp_path / "m.onnx")
    proc = tcc("tune", "m.onnx", "--db", "db.jsonl", *args, cwd=tmp_path)
    assert proc.returncode == code and proc.stderr.startswith("tcc: error: "), proc.stderr
    assert "Traceback" not in proc.stderr and all(w in proc.stderr for w in words)
    assert not (tmp_path / "db.jsonl").exists()


def test_tune_on_an_unsupported_model_fails_like_compile(tmp_path: Path) -> None:
    node = helper.make_node("Unique", ["x"], ["y"], name="the_unique")
    graph = helper.make_graph([node], "g", [helper.make_tensor_value_info(
        "x", TensorProto.FLOAT, [4])], [helper.make_tensor_value_info("y", TensorProto.FLOAT, [4])])
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]),
              tmp_path / "u.onnx")
    tuned = tcc("tune", "u.onnx", "--db", "db.jsonl", "--trials", "2", cwd=tmp_path)
    compiled = tcc("compile", "u.onnx", cwd=tmp_path)
    assert tuned.returncode == compiled.returncode == 2
    assert tuned.stderr == compiled.stderr and "the_unique" in tuned.stderr
