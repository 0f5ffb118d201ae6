"""The README's example model through every entry point: Python API, artifact, CLI."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path

import numpy as np
import onnxruntime as ort
import pytest

import tcompiler
from tcompiler.artifact import write_artifact
from tcompiler.pipeline import CompileOptions, compile_model

ROOT = Path(__file__).parents[2]
sys.path.insert(0, str(ROOT / "examples"))
import make_model  # noqa: E402


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("example") / "tiny_resnet.onnx"
    assert make_model.main(["make_model", str(path)]) == 0
    return path


def reference(path: Path, x: np.ndarray) -> list[np.ndarray]:
    return ort.InferenceSession(str(path), providers=["CPUExecutionProvider"]).run(None, {"x": x})


def test_compile_load_run_matches_onnxruntime(example: Path, options: CompileOptions, tmp_path: Path) -> None:
    program, report = compile_model(example, options)
    artifact = tmp_path / "m.tcc"
    write_artifact(artifact, program)
    model = tcompiler.load(artifact)
    x = np.random.default_rng(3).standard_normal((1, 3, 32, 32)).astype(np.float32)
    probs, logits = model(x)
    ref_probs, ref_logits = reference(example, x)
    np.testing.assert_allclose(logits, ref_logits, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(probs, ref_probs, rtol=1e-4, atol=1e-6)
    by_name = model(x=x)
    np.testing.assert_array_equal(by_name[1], logits)
    assert report.kernels >= 5 and report.kernel_calls >= report.kernels


def test_fusion_leaves_one_kernel_per_conv(example: Path, options: CompileOptions) -> None:
    from tcompiler.pipeline import compile_to_stage, module_text

    direct = dataclasses.replace(options, conv_algorithm="direct")  # one kernel per conv
    text = module_text(compile_to_stage(example, "kernels", direct).module)
    # conv+BN+relu, conv+BN+relu, conv+residual+relu: every BN and ReLU fused away
    assert text.count("func.call @conv_") == 3
    assert "kernel.map" not in text
    assert 'activation = "relu"' in text and "residual" in text


def test_recompile_reuses_cached_kernels(example: Path, options: CompileOptions) -> None:
    compile_model(example, options)
    _, report = compile_model(example, options)
    assert report.cache_hits == report.kernels


def test_artifact_runs_in_fresh_process(example: Path, options: CompileOptions, tmp_path: Path) -> None:
    program, _ = compile_model(example, options)
    artifact = tmp_path / "m.tcc"
    write_artifact(artifact, program)
    x = np.ones((1, 3, 32, 32), np.float32)
    np.save(tmp_path / "x.npy", x)
    code = (
        "import sys, numpy as np, tcompiler, tcompiler.codegen.llvm_backend as b\n"
        "b.compile_to_object = None  # loading must not compile\n"
        f"m = tcompiler.load({str(artifact)!r})\n"
        f"np.save({str(tmp_path / 'y.npy')!r}, m(np.load({str(tmp_path / 'x.npy')!r}))[1])\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
    np.testing.assert_allclose(np.load(tmp_path / "y.npy"), reference(example, x)[1],
                               rtol=1e-4, atol=1e-5)
