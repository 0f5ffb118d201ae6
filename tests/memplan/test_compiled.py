"""Compiled models that use the ILP plan (reordered calls, in-place kernels) still match
onnxruntime; the plan is in the manifest and in `tcc plan --json` / `--report`."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import onnxruntime as ort
import pytest

from tcompiler import zoo
from tcompiler.pipeline import CompileOptions, compile_model
from tcompiler.runtime import CompiledModel

EXAMPLE = Path(__file__).parents[2] / "examples" / "make_model.py"


def ort_run(model, feeds):  # type: ignore[no-untyped-def]
    opts = ort.SessionOptions()
    opts.log_severity_level = 3
    sess = ort.InferenceSession(model.SerializeToString(), opts, providers=["CPUExecutionProvider"])
    return sess.run(None, feeds)


@pytest.mark.slow
@pytest.mark.parametrize("name", ["resnet50", "inception_v2"])
def test_ilp_plan_matches_onnxruntime(name: str, options: CompileOptions,
                                      request: pytest.FixtureRequest) -> None:
    """~30 s each: only with `-m slow` (benchmarks/memory_plans.py --check runs it too)."""
    if "slow" not in (request.config.option.markexpr or ""):
        pytest.skip("whole-model compile: run with -m slow")
    model = zoo.randomized(name, seed=0)
    ilp = CompileOptions(cache_dir=options.cache_dir, jobs=options.jobs, memory_plan="ilp",
                         plan_time_limit=5.0)
    program, report = compile_model(model, ilp)
    plan = program.meta["memory_plan"]
    assert plan["method"] == "ilp" and plan["arena_bytes"] == program.arena_bytes
    assert plan["arena_bytes"] < plan["greedy_by_size_bytes"]  # reordering and in-place pay off
    assert plan["inplace"] > 0 and report.info["memory_plan"] == plan
    x = zoo.test_input(program.inputs[0].shape)
    ours = CompiledModel(program).run([x])
    ref = ort_run(model, {program.inputs[0].name: x})
    logits, ref_logits = ours[-1], ref[-1]
    scale = float(np.abs(ref_logits).max())
    np.testing.assert_allclose(logits, ref_logits, rtol=1e-3, atol=1e-4 * scale)
    assert np.argmax(logits) == np.argmax(ref_logits)


def tcc(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    code = "import sys; from tcompiler.cli import main; sys.exit(main(sys.argv[1:]))"
    return subprocess.run([sys.executable, "-c", code, *args], cwd=cwd, capture_output=True,
                          text=True, timeout=300)


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("plan")
    subprocess.run([sys.executable, str(EXAMPLE), "tiny_resnet.onnx"], cwd=tmp, check=True,
                   capture_output=True)
    return tmp / "tiny_resnet.onnx"


def test_tcc_plan_json_shape(example: Path) -> None:
    proc = tcc("plan", str(example), "--json", "--time-limit", "2", "--svg", "plan.svg",
               cwd=example.parent)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert set(data) == {"model", "mode", "budget_bytes", "plans"}
    assert data["mode"] == "arena" and data["budget_bytes"] is None
    methods = [p["method"] for p in data["plans"]]
    assert methods[0] == "ilp" and "greedy-by-size" in methods
    for p in data["plans"]:
        assert set(p) == {"method", "bytes", "bound", "gap", "seconds", "optimal"}
        assert data["plans"][0]["bytes"] <= p["bytes"]
    assert (example.parent / "plan.svg").read_text().startswith("<svg")


@pytest.mark.parametrize("flags", [["--budget", "M_R"], ["--budget", "M_P"], ["--scratchpad", "1MiB"]])
def test_tcc_plan_scratchpad(example: Path, flags: list[str]) -> None:
    proc = tcc("plan", str(example), "--json", "--time-limit", "2", *flags, cwd=example.parent)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["mode"] == "scratchpad" and data["budget_bytes"] > 0
    assert len(data["plans"]) == 5 and data["plans"][0]["method"] == "ilp"
    assert all(data["plans"][0]["bytes"] <= p["bytes"] for p in data["plans"])
    if flags[1] == "M_P":
        assert data["plans"][0]["bytes"] == 0


def test_tcc_plan_errors(example: Path) -> None:
    proc = tcc("plan", str(example), "--scratchpad", "1K", cwd=example.parent)
    assert proc.returncode != 0 and "below M_R" in proc.stderr
    proc = tcc("plan", str(example), "--scratchpad", "lots", cwd=example.parent)
    assert proc.returncode != 0 and "expected a size" in proc.stderr


def test_compile_html_report(example: Path) -> None:
    proc = tcc("compile", str(example), "-o", "m.tcc", "--report", "r.html", "--no-cache",
               cwd=example.parent)
    assert proc.returncode == 0, proc.stderr
    page = (example.parent / "r.html").read_text()
    assert "<svg" in page and "Memory plan" in page and "<td>method</td><td>ilp</td>" in page
    proc = tcc("compile", str(example), "-o", "m.tcc", "--report", "r.json", "--memory-plan",
               "greedy", cwd=example.parent)
    assert json.loads((example.parent / "r.json").read_text())["memory_plan"]["method"] == \
        "greedy-by-size"
