"""`tcc compile --conv-algorithm`: a bad value is a one-line error like every other bad option
(exit 1, nothing written), `--emit=kernels` shows the rewritten kernels, and a compiled
artifact with a forced algorithm runs and matches onnxruntime."""

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


def tcc(*args: str, cache: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, TCC_CACHE_DIR=cache)
    exe = Path(sys.executable).parent / "tcc"
    return subprocess.run([str(exe), *args], capture_output=True, text=True, cwd=cwd, env=env)


def assert_one_line_error(proc: subprocess.CompletedProcess[str], code: int, *words: str) -> None:
    assert proc.returncode == code, proc.stderr
    assert "Traceback" not in proc.stderr
    assert proc.stderr.startswith("tcc: error: ") and proc.stderr.count("\n") == 1, proc.stderr
    for word in words:
        assert word in proc.stderr


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two 3x3 stride-1 convs (16 output channels, 20-wide rows: every algorithm is valid),
    bias, residual Add and Relu."""
    rng = np.random.default_rng(0)
    inits = [numpy_helper.from_array(rng.uniform(-0.3, 0.3, (16, 3, 3, 3)).astype(np.float32), "w1"),
             numpy_helper.from_array(rng.uniform(-0.1, 0.1, (16, 16, 3, 3)).astype(np.float32), "w2"),
             numpy_helper.from_array(rng.uniform(-0.5, 0.5, 16).astype(np.float32), "b")]
    nodes = [helper.make_node("Conv", ["x", "w1", "b"], ["c1"], pads=[1, 1, 1, 1]),
             helper.make_node("Relu", ["c1"], ["r1"]),
             helper.make_node("Conv", ["r1", "w2", "b"], ["c2"], pads=[1, 1, 1, 1]),
             helper.make_node("Add", ["c2", "r1"], ["s"]),
             helper.make_node("Relu", ["s"], ["y"])]
    graph = helper.make_graph(
        nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 10, 20])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 16, 10, 20])], inits)
    path = tmp_path_factory.mktemp("conv-cli") / "convs.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), path)
    return path


def test_unknown_conv_algorithm_is_a_one_line_error(model: Path, cache_dir: str,
                                                    tmp_path: Path) -> None:
    proc = tcc("compile", str(model), "--conv-algorithm", "bogus", "-o", "x.tcc",
               cache=cache_dir, cwd=tmp_path)
    assert_one_line_error(proc, 1, "bogus", "auto", "direct", "im2col", "im2win", "winograd")
    assert not (tmp_path / "x.tcc").exists()
    # the same code and shape of message as the other bad option values
    other = tcc("compile", str(model), "--memory-plan", "magic", "-o", "x.tcc", cache=cache_dir,
                cwd=tmp_path)
    assert_one_line_error(other, proc.returncode, "magic")
    proc = tcc("compile", str(model), "--conv-algorithm", "Winograd", "--emit=kernels",
               cache=cache_dir, cwd=tmp_path)
    assert_one_line_error(proc, 1, "Winograd")
    assert proc.stdout == ""


def test_negative_weight_growth_is_a_one_line_error(model: Path, cache_dir: str,
                                                    tmp_path: Path) -> None:
    proc = tcc("compile", str(model), "--max-weight-growth", "-0.5", "-o", "x.tcc",
               cache=cache_dir, cwd=tmp_path)
    assert_one_line_error(proc, 1, "max weight growth", "-0.5")
    assert not (tmp_path / "x.tcc").exists()


@pytest.mark.parametrize("algorithm,ops,absent", [
    ("im2win", ["kernel.im2win"], ["kernel.im2col", "kernel.winograd_input"]),
    ("im2col", ["kernel.im2col"], ["kernel.im2win", "kernel.winograd_input"]),
    ("winograd", ["kernel.winograd_input", "kernel.matmul", "kernel.winograd_output"],
     ["kernel.im2col", "kernel.im2win"]),
    ("direct", ["kernel.conv"], ["kernel.im2col", "kernel.im2win", "kernel.winograd_input"]),
])
def test_emit_kernels_shows_the_algorithm(model: Path, cache_dir: str, tmp_path: Path,
                                          algorithm: str, ops: list[str],
                                          absent: list[str]) -> None:
    proc = tcc("compile", str(model), "--emit=kernels", "--schedules", "heuristic",
               "--conv-algorithm", algorithm, cache=cache_dir, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    for op in ops:
        assert proc.stdout.count(f"{op} ") >= 2, (op, proc.stdout)  # both convs
    for op in absent:
        assert f"{op} " not in proc.stdout
    assert "algorithm = \"" + algorithm not in proc.stdout or algorithm == "direct"


@pytest.mark.parametrize("algorithm", ["im2col", "im2win", "winograd"])
def test_compiled_artifact_runs(model: Path, cache_dir: str, tmp_path: Path,
                                algorithm: str) -> None:
    out, report = tmp_path / "m.tcc", tmp_path / "r.json"
    proc = tcc("compile", str(model), "--conv-algorithm", algorithm, "-o", str(out),
               "--report", str(report), cache=cache_dir, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    kernels = json.loads(report.read_text())["schedules"]
    first = {"im2col": "im2col_", "im2win": "im2win", "winograd": "winograd_input_"}[algorithm]
    assert sum(name.startswith(first) for name in kernels) == 2, kernels
    x = np.random.default_rng(1).standard_normal((1, 3, 10, 20)).astype(np.float32)
    np.savez(tmp_path / "in.npz", x=x)
    proc = tcc("run", str(out), "--inputs", str(tmp_path / "in.npz"), "--outputs",
               str(tmp_path / "out.npz"), cache=cache_dir, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    session = ort.InferenceSession(str(model), providers=["CPUExecutionProvider"])
    (want,) = session.run(None, {"x": x})
    with np.load(tmp_path / "out.npz") as data:
        np.testing.assert_allclose(data["y"], want, rtol=1e-3, atol=1e-4 * float(np.abs(want).max()))


def test_plan_counts_the_rewrite_buffers(model: Path, cache_dir: str, tmp_path: Path) -> None:
    """`tcc plan --conv-algorithm` plans the rewritten kernels: the second conv's window
    tensor [1, 16*3, 10, 20 + 2] (im2win) or columns [1, 16*9, 10, 20] (im2col) is live with
    its input r1 [1, 16, 10, 20], so the arena holds both; the SVG labels the window buffers."""
    def arena(algorithm: str, *extra: str) -> int:
        proc = tcc("plan", str(model), "--conv-algorithm", algorithm, "--json", *extra,
                   cache=cache_dir, cwd=tmp_path)
        assert proc.returncode == 0, proc.stderr
        (ilp,) = [p for p in json.loads(proc.stdout)["plans"] if p["method"] == "ilp"]
        return ilp["bytes"]

    r1 = 4 * 16 * 10 * 20
    direct = arena("direct")
    assert direct >= r1
    assert arena("im2win", "--svg", str(tmp_path / "plan.svg")) >= 4 * 48 * 10 * 22 + r1 > direct
    assert arena("im2col") >= 4 * 144 * 10 * 20 + r1
    svg = (tmp_path / "plan.svg").read_text()
    assert "win (written by " in svg and "bytes [" in svg
    assert_one_line_error(tcc("plan", str(model), "--conv-algorithm", "bogus", cache=cache_dir,
                              cwd=tmp_path), 1, "bogus")
