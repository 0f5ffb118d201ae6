"""`tcc new-pass NAME --dir DIR` writes a plug-in package that passes its own tests as
generated, and that, installed, shows in `tcc passes` and runs in `tcc-opt` unchanged."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace


def test_generated_package_passes_its_tests_and_installs(tmp_path: Path,
                                                         tools: SimpleNamespace) -> None:
    package = tmp_path / "relu-pass"
    made = tools.run("tcc", "new-pass", "fold-double-relu", "--dir", str(package))
    assert made.returncode == 0, made.stderr
    assert {str(p.relative_to(package)) for p in package.rglob("*") if p.is_file()} == {
        "pyproject.toml", "README.md", "tcc_fold_double_relu/__init__.py",
        "tcc_fold_double_relu/fold_double_relu.py", "tests/filecheck/fold_double_relu.mlir",
        "tests/test_fold_double_relu.py"}
    assert '[project.entry-points."tcompiler.plugins"]' in (package / "pyproject.toml").read_text()

    tests = own_tests(package, tools)
    assert tests.returncode == 0, tests.stdout[-3000:] + tests.stderr[-3000:]
    assert "4 passed" in tests.stdout

    site = tmp_path / "site"
    pip = subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target",
                          str(site), str(package)], capture_output=True, text=True,
                         check=False, cwd=tmp_path)
    assert pip.returncode == 0, pip.stderr
    listing = tools.run("tcc", "passes", path=[site]).stdout
    assert any(line.startswith("fold-double-relu ") and "tcc-fold-double-relu 0.1.0" in line
               for line in listing.splitlines()), listing
    ir = package / "tests" / "filecheck" / "fold_double_relu.mlir"
    opt = tools.run("tcc-opt", str(ir), "-p", "fold-double-relu", path=[site])
    assert opt.returncode == 0 and opt.stdout.count("onnx.Relu") == 2, opt.stderr


def own_tests(package: Path, tools: SimpleNamespace) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PATH=f"{tools.BIN}{os.pathsep}{os.environ['PATH']}")
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
                          cwd=package, capture_output=True, text=True, check=False, env=env)


def test_generated_tests_exercise_the_pattern(tmp_path: Path, tools: SimpleNamespace) -> None:
    """The generated tests run the pass's own pattern on its docstring's Before/After example:
    a pattern that no longer rewrites fails them, and so does an example edited on one side."""
    package = tmp_path / "p"
    assert tools.run("tcc", "new-pass", "drop-neg", "--dir", str(package)).returncode == 0
    source = package / "tcc_drop_neg" / "drop_neg.py"
    assert "class DropNegPattern(RewritePattern):" in source.read_text()
    original = source.read_text()
    source.write_text(original.replace("rewriter.replace(op, [], [inner.Y])", "return"))
    failed = own_tests(package, tools).stdout
    assert "FAILED tests/test_drop_neg.py::test_pattern_turns_before_into_after" in failed, failed

    after = original.split("After:", 1)[1]
    source.write_text(original.replace(after, after.replace("tensor<4xf32>", "tensor<5xf32>")))
    failed = own_tests(package, tools).stdout
    assert "FAILED tests/test_drop_neg.py::test_pattern_turns_before_into_after" in failed, failed


def test_bad_name_and_existing_dir(tmp_path: Path, tools: SimpleNamespace) -> None:
    proc = tools.run("tcc", "new-pass", "Bad_Name", "--dir", str(tmp_path / "x"))
    assert proc.returncode == 1 and "use kebab-case" in proc.stderr
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "keep.txt").write_text("mine")
    proc = tools.run("tcc", "new-pass", "ok-name", "--dir", str(tmp_path / "full"))
    assert proc.returncode == 1 and "not empty" in proc.stderr
    assert (tmp_path / "full" / "keep.txt").read_text() == "mine"
