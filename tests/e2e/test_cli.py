"""`tcc` from the command line: the happy path and every user error, one line each."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper

ROOT = Path(__file__).parents[2]
sys.path.insert(0, str(ROOT / "examples"))
import make_model  # noqa: E402


def tcc(*args: str, cache: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, TCC_CACHE_DIR=cache)
    exe = Path(sys.executable).parent / "tcc"
    return subprocess.run([str(exe), *args], capture_output=True, text=True, cwd=cwd, env=env)


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cli") / "tiny.onnx"
    make_model.main(["make_model", str(path)])
    return path


def assert_one_line_error(proc: subprocess.CompletedProcess[str], code: int, *words: str) -> None:
    assert proc.returncode == code, proc.stderr
    assert "Traceback" not in proc.stderr
    assert proc.stderr.startswith("tcc: error: ")
    for word in words:
        assert word in proc.stderr


def test_compile_run_info(model: Path, cache_dir: str, tmp_path: Path) -> None:
    out = tmp_path / "m.tcc"
    proc = tcc("compile", str(model), "-o", str(out), "--report", str(tmp_path / "r.json"),
               cache=cache_dir, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert out.is_file() and "kernels" in proc.stdout
    assert '"stages_seconds"' in (tmp_path / "r.json").read_text()
    proc = tcc("run", str(out), "--inputs", str(model.with_name("tiny_inputs.npz")),
               "--outputs", str(tmp_path / "o.npz"), cache=cache_dir, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    with np.load(model.with_name("tiny_inputs.npz")) as inputs:
        feeds = {name: inputs[name] for name in inputs.files}
    session = ort.InferenceSession(str(model), providers=["CPUExecutionProvider"])
    want = dict(zip((o.name for o in session.get_outputs()), session.run(None, feeds)))
    with np.load(tmp_path / "o.npz") as data:
        assert set(data.files) == set(want) == {"probs", "logits"}
        for name, ref in want.items():
            assert data[name].dtype == ref.dtype and data[name].shape == ref.shape, name
            np.testing.assert_allclose(data[name], ref, rtol=1e-4, atol=1e-5, err_msg=name)
        assert np.ptp(want["logits"]) > 0.1  # distinct logits: a constant answer cannot pass
    proc = tcc("info", str(out), cache=cache_dir, cwd=tmp_path)
    assert proc.returncode == 0 and "input  x: float32[1x3x32x32]" in proc.stdout


@pytest.mark.parametrize("stage", ["onnx", "graph", "kernels", "schedule", "loops", "llvm"])
def test_emit_each_stage(model: Path, cache_dir: str, tmp_path: Path, stage: str) -> None:
    proc = tcc("compile", str(model), f"--emit={stage}", cache=cache_dir, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    marker = {"onnx": "onnx.Conv", "graph": "onnx.Conv", "kernels": "kernel.conv",
              "schedule": "offset = ", "loops": "scf.for", "llvm": "llvm.func"}[stage]
    assert marker in proc.stdout
    assert not list(tmp_path.glob("*.tcc"))


def test_unsupported_ops_listed_at_once_nothing_written(cache_dir: str, tmp_path: Path) -> None:
    nodes = [helper.make_node("Det", ["x"], ["a"], name="det1"),
             helper.make_node("DFT", ["a"], ["b"], name="dft1"),
             helper.make_node("Det", ["b"], ["y"], name="det2")]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2])])
    path = tmp_path / "bad.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), str(path))
    proc = tcc("compile", str(path), "-o", str(tmp_path / "bad.tcc"), cache=cache_dir, cwd=tmp_path)
    assert_one_line_error(proc, 2, "Det", "det1", "det2", "DFT", "dft1")
    assert not (tmp_path / "bad.tcc").exists()


def test_malformed_model(cache_dir: str, tmp_path: Path) -> None:
    path = tmp_path / "garbage.onnx"
    path.write_bytes(b"\x00\x01not a model at all")
    proc = tcc("compile", str(path), cache=cache_dir, cwd=tmp_path)
    assert_one_line_error(proc, 1, "garbage.onnx")
    assert len(proc.stderr.strip().splitlines()) == 1


def test_missing_model(cache_dir: str, tmp_path: Path) -> None:
    assert_one_line_error(tcc("compile", "nope.onnx", cache=cache_dir, cwd=tmp_path), 1, "nope.onnx")


def test_bad_options(model: Path, cache_dir: str, tmp_path: Path) -> None:
    proc = tcc("compile", str(model), "--memory-plan", "magic", cache=cache_dir, cwd=tmp_path)
    assert_one_line_error(proc, 1, "magic")
    proc = tcc("compile", str(model), "--input-shape", "x=1xfoo", cache=cache_dir, cwd=tmp_path)
    assert_one_line_error(proc, 1, "--input-shape")


def test_corrupt_and_foreign_artifacts(model: Path, cache_dir: str, tmp_path: Path) -> None:
    out = tmp_path / "m.tcc"
    assert tcc("compile", str(model), "-o", str(out), cache=cache_dir, cwd=tmp_path).returncode == 0
    data = bytearray(out.read_bytes())
    data[len(data) // 2] ^= 0xFF
    corrupt = tmp_path / "corrupt.tcc"
    corrupt.write_bytes(bytes(data))
    inputs = str(model.with_name("tiny_inputs.npz"))
    proc = tcc("run", str(corrupt), "--inputs", inputs, "--outputs", "o.npz", cache=cache_dir, cwd=tmp_path)
    assert_one_line_error(proc, 1, "corrupt.tcc")
    foreign = tmp_path / "foreign.tcc"
    foreign.write_text("hello")
    proc = tcc("run", str(foreign), "--inputs", inputs, "--outputs", "o.npz", cache=cache_dir, cwd=tmp_path)
    assert_one_line_error(proc, 1, "foreign.tcc")
    assert not (tmp_path / "o.npz").exists()


def test_wrong_inputs_at_run_time(model: Path, cache_dir: str, tmp_path: Path) -> None:
    out = tmp_path / "m.tcc"
    assert tcc("compile", str(model), "-o", str(out), cache=cache_dir, cwd=tmp_path).returncode == 0
    np.savez(tmp_path / "bad.npz", x=np.zeros((1, 3, 8, 8), np.float32))
    proc = tcc("run", str(out), "--inputs", str(tmp_path / "bad.npz"), "--outputs", "o.npz",
               cache=cache_dir, cwd=tmp_path)
    assert_one_line_error(proc, 1, "'x'", "1,3,32,32")
    np.savez(tmp_path / "wrong_name.npz", y=np.zeros((1, 3, 32, 32), np.float32))
    proc = tcc("run", str(out), "--inputs", str(tmp_path / "wrong_name.npz"), "--outputs", "o.npz",
               cache=cache_dir, cwd=tmp_path)
    assert_one_line_error(proc, 1, "x")
