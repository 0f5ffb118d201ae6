'''Templates for `tcc new-pass NAME`: a plug-in package that installs and passes its own tests.

`render(name)` returns `{relative path: text}`. The templates are Python strings (not data
files) so they ship in every install without package-data configuration; `$name`-style
placeholders are filled with `string.Template`:

    $pass_name   fold-relu          the pass name (kebab-case, as in pipelines)
    $module      fold_relu          the pass's module (one pass per file)
    $cls         FoldReluPass       the pass class
    $pattern     FoldReluPattern    its rewrite pattern (the placeholder to edit)
    $package     tcc_fold_relu      the import package
    $dist        tcc-fold-relu      the distribution name (pip install / uninstall)

The generated pass is a small but real rewrite, `Relu(Relu(x)) -> Relu(x)`, meant to be edited.
Its test runs the pass's own pattern on the `Before:` example of the pass's docstring and checks
the result is the `After:` example, so editing the pattern means editing that example, not the
test.
'''

from __future__ import annotations

import re
from string import Template

NAME = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")


def names(pass_name: str) -> dict[str, str]:
    module = pass_name.replace("-", "_")
    camel = "".join(part.capitalize() for part in pass_name.split("-"))
    return {"pass_name": pass_name, "module": module, "cls": f"{camel}Pass",
            "pattern": f"{camel}Pattern",
            "package": f"tcc_{module}", "dist": f"tcc-{pass_name}"}


def render(pass_name: str) -> dict[str, str]:
    values = names(pass_name)
    return {Template(path).substitute(values): Template(text).substitute(values)
            for path, text in FILES.items()}


PYPROJECT = '''\
[build-system]
requires = ["setuptools>=68"]
build-backend = "setuptools.build_meta"

[project]
name = "$dist"
version = "0.1.0"
description = "$pass_name: a pass plug-in for tcompiler (tcc)"
requires-python = ">=3.11"
# tcompiler itself is a dependency too: install it first (pip install -e path/to/tcompiler).
dependencies = []

[project.optional-dependencies]
test = ["pytest>=8", "filecheck>=1.0"]

# This is what makes `tcc passes`, `tcc-opt -p` and `tcc compile --passes` see the pass.
[project.entry-points."tcompiler.plugins"]
$module = "$package:UNIVERSE"

[tool.setuptools.packages.find]
include = ["$package*"]

[tool.pytest.ini_options]
testpaths = ["tests"]
pythonpath = ["."]
addopts = "--import-mode=importlib"
'''

README = '''\
# $dist

A [tcc](https://github.com/) pass plug-in: `$pass_name` (`$package/$module.py`).

```bash
pip install -e .                      # registers the pass with tcc (entry point tcompiler.plugins)
tcc passes $pass_name                 # its documentation
tcc-opt in.mlir -p $pass_name         # run it on IR
tcc compile model.onnx --passes graph:$pass_name
python -m pytest -q                   # its tests (they also run uninstalled)
```

Without installing: `tcc-opt in.mlir --load-plugin $package:UNIVERSE -p $pass_name`.
'''

INIT = '''\
"""$dist: the `$pass_name` pass as a tcc plug-in.

`UNIVERSE` is what the `tcompiler.plugins` entry point names: a lazy `{name: factory}` table,
so nothing is imported until a pipeline names the pass.
"""

from __future__ import annotations

from xdsl.passes import ModulePass
from xdsl.universe import Universe


def _$module() -> type[ModulePass]:
    from $package.$module import $cls

    return $cls


UNIVERSE = Universe(all_passes={"$pass_name": _$module})
'''

PASS = '''\
"""$pass_name: replace Relu(Relu(x)) by Relu(x) (Relu is idempotent).

This is the template `tcc new-pass` writes: a pattern that matches by type annotation and
returns early when it does not apply, then the pass. Edit both, and this docstring's example
with them: `tcc passes $pass_name` prints it, and tests/test_$module.py runs `$pattern` on
Before and checks it gives After (so keep each a complete function, indented four spaces).

Before:

    func.func @example(%x: tensor<4xf32>) -> tensor<4xf32> {
      %a = "onnx.Relu"(%x) : (tensor<4xf32>) -> tensor<4xf32>
      %b = "onnx.Relu"(%a) : (tensor<4xf32>) -> tensor<4xf32>
      func.return %b : tensor<4xf32>
    }

After:

    func.func @example(%x: tensor<4xf32>) -> tensor<4xf32> {
      %a = "onnx.Relu"(%x) : (tensor<4xf32>) -> tensor<4xf32>
      func.return %a : tensor<4xf32>
    }
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.passes import ModulePass
from xdsl.pattern_rewriter import (
    PatternRewriter,
    PatternRewriteWalker,
    RewritePattern,
    op_type_rewrite_pattern,
)

from tcompiler.dialects.onnx import ReluOp


class $pattern(RewritePattern):
    """Relu(Relu(x)) -> Relu(x). Edit this: match your op, return early when it does not apply."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: ReluOp, rewriter: PatternRewriter) -> None:
        inner = op.X.owner
        if not isinstance(inner, ReluOp):
            return
        rewriter.replace(op, [], [inner.Y])


@dataclass(frozen=True)
class $cls(ModulePass):
    """Replace Relu(Relu(x)) by Relu(x).

    Options are typed dataclass fields, set in pipelines as `$pass_name{my-option=3}`.
    """

    name = "$pass_name"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        PatternRewriteWalker($pattern()).rewrite_module(op)
'''

FILECHECK = '''\
// RUN: tcc-opt %s --load-plugin $package:UNIVERSE -p $pass_name | filecheck %s

builtin.module {
  // CHECK-LABEL: func.func @relu_of_relu
  // CHECK-NEXT:    %a = "onnx.Relu"(%x)
  // CHECK-NEXT:    func.return %a
  func.func @relu_of_relu(%x: tensor<4xf32>) -> tensor<4xf32> {
    %a = "onnx.Relu"(%x) : (tensor<4xf32>) -> tensor<4xf32>
    %b = "onnx.Relu"(%a) : (tensor<4xf32>) -> tensor<4xf32>
    func.return %b : tensor<4xf32>
  }

  // A single Relu is left alone.
  // CHECK-LABEL: func.func @single
  // CHECK-NEXT:    %a = "onnx.Relu"(%x)
  // CHECK-NEXT:    func.return %a
  func.func @single(%x: tensor<4xf32>) -> tensor<4xf32> {
    %a = "onnx.Relu"(%x) : (tensor<4xf32>) -> tensor<4xf32>
    func.return %a : tensor<4xf32>
  }
}
'''

TEST = '''\
"""Tests for $pass_name: its pattern on its docstring's example, its registration, and every
`tests/filecheck/*.mlir` file's `// RUN:` lines (with tcc-opt and filecheck from this venv)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from xdsl.dialects.builtin import ModuleOp
from xdsl.parser import Parser
from xdsl.pattern_rewriter import PatternRewriteWalker

from $package import UNIVERSE
from $package.$module import $cls, $pattern
from tcompiler.context import make_context

ROOT = Path(__file__).parents[1]
FILECHECK = sorted((ROOT / "tests" / "filecheck").glob("*.mlir"))


def example(section: str) -> ModuleOp:
    \"\"\"The IR under `Before:` or `After:` in the pass's module docstring, parsed.\"\"\"
    doc = sys.modules[$cls.__module__].__doc__ or ""
    assert f"\\n{section}:\\n" in doc, f"the pass's docstring has no {section}: example"
    lines = []
    for line in doc.split(f"\\n{section}:\\n", 1)[1].splitlines()[1:]:
        if line.strip() and not line.startswith("    "):
            break
        lines.append(line[4:])
    return Parser(make_context(), "\\n".join(lines)).parse_module()


def test_registered_under_its_own_name() -> None:
    assert UNIVERSE.all_passes["$pass_name"]() is $cls
    assert $cls.name == "$pass_name"


def test_pattern_turns_before_into_after() -> None:
    module = example("Before")
    PatternRewriteWalker($pattern()).rewrite_module(module)
    module.verify()
    assert str(module) == str(example("After"))


def test_pass_is_done_after_one_run() -> None:
    \"\"\"The pass gives After too, and finds nothing more to do in it.\"\"\"
    ctx = make_context()
    for source in ("Before", "After"):
        module = example(source)
        $cls().apply(ctx, module)
        module.verify()
        assert str(module) == str(example("After")), source


def run_lines(path: Path) -> list[str]:
    return [line.split("RUN:", 1)[1].strip() for line in path.read_text().splitlines()
            if "RUN:" in line]


@pytest.mark.parametrize("path", FILECHECK, ids=[p.name for p in FILECHECK])
def test_filecheck(path: Path) -> None:
    env = dict(os.environ)
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    for line in run_lines(path):
        command = line.replace("%s", str(path))
        proc = subprocess.run(["bash", "-o", "pipefail", "-c", command], cwd=ROOT, env=env,
                              capture_output=True, text=True, check=False)
        assert proc.returncode == 0, f"{command}\\n{proc.stdout}\\n{proc.stderr}"
'''


FILES = {
    "pyproject.toml": PYPROJECT,
    "README.md": README,
    "$package/__init__.py": INIT,
    "$package/$module.py": PASS,
    "tests/filecheck/$module.mlir": FILECHECK,
    "tests/test_$module.py": TEST,
}
