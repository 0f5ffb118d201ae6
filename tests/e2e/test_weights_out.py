"""The model's real weights in tcc-opt: `tcc compile --emit=onnx --weights-out w.npz` writes the
weights the IR names, `tcc-opt --weights w.npz` gives them to passes, and a pass that looks up
weights tcc-opt was not given says so in one warning line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import onnxruntime as ort
import pytest

ROOT = Path(__file__).parents[2]
sys.path.insert(0, str(ROOT / "examples"))
import make_model  # noqa: E402

BIN = Path(sys.executable).parent


def tool(name: str, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN / name), *args], capture_output=True, text=True, cwd=cwd,
                          check=False, env=dict(os.environ))


@pytest.fixture(scope="module")
def emitted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """m.onnx, m_inputs.npz, and m.mlir + w.npz from `tcc compile --emit=onnx --weights-out`."""
    work = tmp_path_factory.mktemp("weights")
    make_model.main(["make_model", str(work / "m.onnx")])
    proc = tool("tcc", "compile", "m.onnx", "--emit=onnx", "--weights-out", "w.npz", cwd=work)
    assert proc.returncode == 0, proc.stderr
    (work / "m.mlir").write_text(proc.stdout)
    return work


def test_weights_out_holds_what_the_ir_names(emitted: Path) -> None:
    with np.load(emitted / "w.npz") as weights:
        names = set(weights.files)
        assert weights["c1_w"].shape == (16, 3, 3, 3) and weights["c1_w"].dtype == np.float32
    ir = (emitted / "m.mlir").read_text()
    assert names == {line.split('"')[1] for line in ir.splitlines() if "onnx.initializer" in line}


def test_a_pass_folds_real_weights_and_keeps_the_numbers(emitted: Path) -> None:
    folded = tool("tcc-opt", "m.mlir", "--weights", "w.npz", "-p", "fold-batchnorm",
                  "--interpret", "--inputs", "m_inputs.npz", "--outputs", "folded.npz",
                  cwd=emitted)
    assert folded.returncode == 0 and not folded.stderr, folded.stderr
    ir = tool("tcc-opt", "m.mlir", "--weights", "w.npz", "-p", "fold-batchnorm", cwd=emitted)
    assert "onnx.BatchNormalization" not in ir.stdout and "c1_w_bn" in ir.stdout
    x = np.load(emitted / "m_inputs.npz")["x"]
    session = ort.InferenceSession(str(emitted / "m.onnx"))
    expected = dict(zip([o.name for o in session.get_outputs()], session.run(None, {"x": x})))
    with np.load(emitted / "folded.npz") as got:
        for name, value in expected.items():
            np.testing.assert_allclose(got[name], value, rtol=1e-4, atol=1e-5)


def test_a_pass_without_the_weights_it_needs_says_so(emitted: Path) -> None:
    proc = tool("tcc-opt", "m.mlir", "-p", "fold-batchnorm", cwd=emitted)
    assert proc.returncode == 0 and "onnx.BatchNormalization" in proc.stdout
    (line,) = proc.stderr.splitlines()
    assert line.startswith("tcc-opt: warning: pass 'fold-batchnorm' looked up ")
    assert "'c1_w'" in line and "--weights FILE.npz" in line and "--weights-out" in line
    quiet = tool("tcc-opt", "m.mlir", "-p", "cse", cwd=emitted)  # needs no weights
    assert quiet.returncode == 0 and not quiet.stderr, quiet.stderr


def test_weights_out_needs_emit(emitted: Path) -> None:
    proc = tool("tcc", "compile", "m.onnx", "--weights-out", "w2.npz", cwd=emitted)
    assert proc.returncode == 1 and proc.stderr.startswith("tcc: error: --weights-out goes with")
    assert not (emitted / "w2.npz").exists() and not (emitted / "m.tcc").exists()
