"""Compiled models that use the ILP plan (reordered calls, in-place kernels) still match
onnxruntime; the plan is in the manifest and in `tcc plan --json` / `--report`."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper, numpy_helper

from tcompiler import zoo
from tcompiler.pipeline import CompileOptions, compile_model
from tcompiler.runtime import CompiledModel

EXAMPLE = Path(__file__).parents[2] / "examples" / "make_model.py"


def ort_run(model: onnx.ModelProto, feeds: dict[str, np.ndarray]) -> list[np.ndarray]:
    opts = ort.SessionOptions()
    opts.log_severity_level = 3
    sess = ort.InferenceSession(model.SerializeToString(), opts, providers=["CPUExecutionProvider"])
    return [np.asarray(out) for out in sess.run(None, feeds)]


def residual_cnn(blocks: int = 2, channels: int = 16, size: int = 16, seed: int = 0
                 ) -> onnx.ModelProto:
    """A stem conv and `blocks` residual blocks (conv, relu, conv, + skip, relu), then pool and
    a classifier: each block's second conv may take its skip input over in place, which is
    what makes the ILP's arena smaller than greedy-by-size's here."""
    rng = np.random.default_rng(seed)
    inits: list[onnx.TensorProto] = []

    def weight(name: str, *shape: int) -> str:
        bound = np.sqrt(6.0 / int(np.prod(shape[1:])))
        inits.append(numpy_helper.from_array(
            rng.uniform(-bound, bound, shape).astype(np.float32), name))
        return name

    node = helper.make_node
    pads = [1, 1, 1, 1]
    nodes = [node("Conv", ["x", weight("stem", channels, 3, 3, 3)], ["s"], pads=pads),
             node("Relu", ["s"], ["h0"])]
    for b in range(blocks):
        h, a, out = f"h{b}", f"a{b}", f"h{b + 1}"
        nodes += [node("Conv", [h, weight(f"{a}_w", channels, channels, 3, 3)], [a], pads=pads),
                  node("Relu", [a], [f"{a}_r"]),
                  node("Conv", [f"{a}_r", weight(f"{a}_v", channels, channels, 3, 3)], [f"{a}_c"],
                       pads=pads),
                  node("Add", [f"{a}_c", h], [f"{a}_s"]),
                  node("Relu", [f"{a}_s"], [out])]
    nodes += [node("GlobalAveragePool", [f"h{blocks}"], ["g"]), node("Flatten", ["g"], ["f"]),
              node("Gemm", ["f", weight("fc_w", 10, channels), weight("fc_b", 10)], ["logits"],
                   transB=1)]
    graph = helper.make_graph(
        nodes, "residual_cnn", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, size, size])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, [1, 10])], initializer=inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    onnx.checker.check_model(model)
    return model


def assert_ilp_plan_matches_onnxruntime(model: onnx.ModelProto, options: CompileOptions) -> None:
    """The ILP plan wins over greedy-by-size, takes buffers over in place, and the program
    running on it matches onnxruntime on the last output (the logits)."""
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
    assert np.ptp(ref_logits) > 0, "the weights must give distinct logits"
    scale = float(np.abs(ref_logits).max())
    np.testing.assert_allclose(logits, ref_logits, rtol=1e-3, atol=1e-4 * scale)
    assert np.argmax(logits) == np.argmax(ref_logits)


def test_ilp_plan_matches_onnxruntime_small(options: CompileOptions) -> None:
    """The CI-sized version of the check below: two residual blocks, under a second."""
    assert_ilp_plan_matches_onnxruntime(residual_cnn(blocks=2), options)


@pytest.mark.slow
@pytest.mark.parametrize("name", ["resnet50", "inception_v2"])
def test_ilp_plan_matches_onnxruntime(name: str, options: CompileOptions) -> None:
    """Whole light architectures, ~30 s each (benchmarks/memory_plans.py --check runs it too)."""
    assert_ilp_plan_matches_onnxruntime(zoo.randomized(name, seed=0), options)


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
    proc = tcc("plan", str(example), "--json", "--time-limit", "2", "--svg", "spm.svg", *flags,
               cwd=example.parent)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["mode"] == "scratchpad" and data["budget_bytes"] > 0
    assert [p["method"] for p in data["plans"]][:2] == ["ilp", "ilp-fixed-order"]
    assert len(data["plans"]) == 6
    assert all(data["plans"][0]["bytes"] <= p["bytes"] for p in data["plans"])
    assert set(data["budgets"]) == {"M_R", "M_H", "M_P", "peak_bound"}
    moves = data["plan"]["transfers"]
    assert sum(m["bytes"] for m in moves) == data["plans"][0]["bytes"]
    assert sorted(data["plan"]["order"]) == list(range(len(data["plan"]["order"])))
    picture = (example.parent / "spm.svg").read_text()
    assert picture.startswith("<svg") and picture.count("<path") == len(moves)
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
