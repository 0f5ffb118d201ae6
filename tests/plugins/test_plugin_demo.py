"""examples/plugin_demo, a plug-in package written outside tcc, runs everywhere tcc runs
passes: its own tests pass; installed (pip, into a target directory on PYTHONPATH, as a fresh
venv would see it) it shows in `tcc passes`, runs in `tcc-opt -p` and in
`tcc compile --passes` with no change to tcc; unpackaged it loads with `--load-plugin`, also in
the parallel codegen workers; a model compiled with it still matches onnxruntime, the artifact
records the passes, and the kernel object cache keys on them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")

PASSES = "graph:fold-transposes,fold-reshapes"


def make_model(path: Path) -> dict[str, np.ndarray]:
    """Transpose pairs (one cancelling, one composing) and a Reshape chain around a Conv."""
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(0)
    init = [numpy_helper.from_array(rng.standard_normal((4, 3, 3, 3)).astype(np.float32), "w"),
            numpy_helper.from_array(np.array([1, 4, 36], np.int64), "s1"),
            numpy_helper.from_array(np.array([1, 144], np.int64), "s2")]
    node = helper.make_node
    nodes = [node("Transpose", ["x"], ["t1"], perm=[0, 2, 3, 1], name="t1"),
             node("Transpose", ["t1"], ["t2"], perm=[0, 3, 1, 2], name="t2"),
             node("Conv", ["t2", "w"], ["c"], pads=[1, 1, 1, 1], name="conv"),
             node("Relu", ["c"], ["r"], name="relu"),
             node("Transpose", ["r"], ["t3"], perm=[0, 1, 3, 2], name="t3"),
             node("Transpose", ["t3"], ["t4"], perm=[0, 2, 1, 3], name="t4"),
             node("Reshape", ["t4", "s1"], ["m1"], name="m1"),
             node("Reshape", ["m1", "s2"], ["y"], name="m2")]
    graph = helper.make_graph(
        nodes, "demo", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 6, 6])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 144])], init)
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), path)
    return {"x": rng.standard_normal((1, 3, 6, 6)).astype(np.float32)}


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, np.ndarray]]:
    path = tmp_path_factory.mktemp("demo") / "demo.onnx"
    inputs = make_model(path)
    np.savez(path.with_name("in.npz"), **inputs)
    return path, inputs


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`pip install --no-deps --target SITE examples/plugin_demo`: SITE on PYTHONPATH is what a
    venv with the package installed looks like to importlib.metadata."""
    site = tmp_path_factory.mktemp("site")
    build = tmp_path_factory.mktemp("build")
    proc = subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps",
                           "--target", str(site), str(Path(__file__).parents[2] / "examples" /
                                                     "plugin_demo")],
                          capture_output=True, text=True, check=False, cwd=build)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert list(site.glob("tcc_plugin_demo-0.1.0.dist-info"))
    return site


def check_against_onnxruntime(model: Path, inputs: dict[str, np.ndarray], artifact: Path
                              ) -> None:
    import tcompiler

    expected = ort.InferenceSession(str(model)).run(None, inputs)[0]
    (actual,) = tcompiler.load(artifact)(inputs["x"])
    np.testing.assert_allclose(actual, expected, rtol=1e-4, atol=1e-5)


def test_its_own_tests_pass(tools: SimpleNamespace) -> None:
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
                          cwd=tools.DEMO, capture_output=True, text=True, check=False,
                          env=dict(os.environ, PATH=f"{tools.BIN}{os.pathsep}{os.environ['PATH']}"))
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]


def test_installed_plugin_is_discovered(installed: Path, tools: SimpleNamespace) -> None:
    listing = tools.run("tcc", "passes", path=[installed])
    assert "plugin_demo" not in listing.stderr, listing.stderr  # other plug-ins may complain
    line = next(x for x in listing.stdout.splitlines() if x.startswith("fold-transposes "))
    assert "tcc-plugin-demo 0.1.0" in line and "Fold consecutive onnx.Transpose" in line
    doc = tools.run("tcc", "passes", "fold-transposes", path=[installed]).stdout
    assert "plug-in 'plugin_demo' (package tcc-plugin-demo 0.1.0)" in doc
    assert "Before:" in doc and "After:" in doc
    hidden = tools.run("tcc", "passes", "--no-plugins", path=[installed]).stdout
    assert "fold-transposes" not in hidden
    hidden = tools.run("tcc", "passes", path=[installed], env={"TCC_NO_PLUGINS": "1"}).stdout
    assert "fold-transposes" not in hidden


def test_installed_plugin_runs_in_tcc_opt(installed: Path, tools: SimpleNamespace) -> None:
    case = tools.DEMO / "tests" / "filecheck" / "fold_transposes.mlir"
    proc = tools.run("tcc-opt", str(case), "-p", "fold-transposes", path=[installed])
    assert proc.returncode == 0, proc.stderr
    check = subprocess.run([str(tools.BIN / "filecheck"), str(case)], input=proc.stdout,
                           capture_output=True, text=True, check=False)
    assert check.returncode == 0, check.stderr


def test_installed_plugin_runs_in_tcc_compile(installed: Path, model: tuple[Path, dict],
                                              tools: SimpleNamespace, tmp_path: Path,
                                              cache_dir: str) -> None:
    path, inputs = model
    artifact = tmp_path / "demo.tcc"
    graph = tools.run("tcc", "compile", str(path), "--emit", "graph", "--passes", PASSES,
                      path=[installed])
    assert graph.returncode == 0, graph.stderr
    assert graph.stdout.count("onnx.Transpose") == 1 and graph.stdout.count("onnx.Reshape") == 1
    proc = tools.run("tcc", "compile", str(path), "-o", str(artifact), "--passes", PASSES,
                     path=[installed], env={"TCC_CACHE_DIR": cache_dir})
    assert proc.returncode == 0, proc.stderr
    check_against_onnxruntime(path, inputs, artifact)
    meta = json.loads(zipfile.ZipFile(artifact).read("manifest.json"))["meta"]
    (extra,) = meta["passes"]["extra"]
    assert extra["stage"] == "graph" and extra["pipeline"] == "fold-transposes,fold-reshapes"
    assert [p["package"] for p in extra["passes"]] == ["tcc-plugin-demo 0.1.0"] * 2


def test_load_plugin_in_compile_and_codegen_workers(model: tuple[Path, dict], tmp_path: Path,
                                                    tools: SimpleNamespace) -> None:
    """Unpackaged (`--load-plugin` from the current directory); `loops:` and `llvm:` passes run
    per kernel in the worker processes (-j 2), which load the plug-in too; the cache key
    includes the extra codegen passes."""
    path, inputs = model
    cache = tmp_path / "cache"
    report = tmp_path / "report.json"

    def compile_(out: str, passes: str) -> dict:
        proc = tools.run("tcc", "compile", str(path), "-o", str(tmp_path / out), "-j", "2",
                         "--load-plugin", "tcc_plugin_demo:UNIVERSE", "--passes", passes,
                         "--report", str(report), cwd=tools.DEMO,
                         env={"TCC_CACHE_DIR": str(cache)})
        assert proc.returncode == 0, proc.stderr
        return json.loads(report.read_text())

    first = compile_("a.tcc", PASSES)
    again = compile_("b.tcc", PASSES)
    assert again["cache_hits"] == again["kernels"] == first["kernels"]
    codegen = compile_("c.tcc", f"{PASSES},loops:fold-transposes,llvm:fold-reshapes")
    assert codegen["cache_hits"] == 0  # different extra codegen passes: different objects
    check_against_onnxruntime(path, inputs, tmp_path / "c.tcc")
    meta = json.loads(zipfile.ZipFile(tmp_path / "c.tcc").read("manifest.json"))["meta"]
    assert [e["stage"] for e in meta["passes"]["extra"]] == ["graph", "loops", "llvm"]
    assert meta["passes"]["plugins"] == ["tcc_plugin_demo:UNIVERSE"]


def test_compile_options_api(model: tuple[Path, dict], tools: SimpleNamespace,
                             monkeypatch: pytest.MonkeyPatch) -> None:
    """The same through the Python API: CompileOptions(passes=..., plugins=...)."""
    from tcompiler.pipeline import CompileOptions, compile_model
    from tcompiler.plugins import PluginSettings

    monkeypatch.syspath_prepend(str(tools.DEMO))
    path, _ = model
    options = CompileOptions(passes=(("graph", "fold-transposes"),),
                             plugins=PluginSettings(load=("tcc_plugin_demo:UNIVERSE",),
                                                     autoload=False))
    program, _ = compile_model(str(path), options)
    assert program.meta["passes"]["extra"][0]["passes"][0]["name"] == "fold-transposes"
