"""Each plug-in and pipeline mistake is one clear line naming what is wrong and where it comes
from: a duplicate name (both packages), a plug-in whose import raises (the plug-in), an unknown
pass (with a suggestion), a malformed pipeline string (with the column), bad options."""

from __future__ import annotations

import sys
from pathlib import Path
from types import SimpleNamespace

import onnx
import pytest

from tcompiler.errors import PipelineError
from tcompiler.passes.plan_memory import PlanMemoryPass
from tcompiler.plugins import PluginError, PluginSettings, builtin_registry, discover

sys.path.insert(0, str(Path(__file__).parents[2] / "examples"))
import two_op_model  # noqa: E402

KERNEL_IR = Path(__file__).parents[1] / "filecheck" / "passes" / "plan_memory.mlir"


def one_line_error(proc, tool: str = "tcc-opt") -> str:  # type: ignore[no-untyped-def]
    assert proc.returncode != 0, proc.stdout
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith(f"{tool}: error: ") and "Traceback" not in proc.stderr
    return lines[0]


@pytest.fixture
def two_owners(tmp_path: Path, tools: SimpleNamespace) -> Path:
    """Two installed plug-ins that both define pass 'shared-name'."""
    site = tools.fake_install(tmp_path / "site", "first-pkg", {"first": "first_plugin:U"},
                              {"first_plugin.py": tools.pass_module("shared-name")})
    return tools.fake_install(site, "second-pkg", {"second": "second_plugin:U"},
                              {"second_plugin.py": tools.pass_module("shared-name")})


def test_duplicate_pass_name_names_both_packages(two_owners: Path, tools: SimpleNamespace
                                                 ) -> None:
    line = one_line_error(tools.run("tcc-opt", str(KERNEL_IR), "-p", "shared-name",
                                    path=[two_owners]))
    assert "pass 'shared-name' is defined twice" in line
    assert "first-pkg 1.0" in line and "second-pkg 1.0" in line


def test_duplicate_breaks_only_commands_that_use_the_name(two_owners: Path,
                                                          tools: SimpleNamespace) -> None:
    ok = tools.run("tcc-opt", str(KERNEL_IR), "-p", "plan-memory{method=naive}",
                   path=[two_owners])
    assert ok.returncode == 0, ok.stderr
    assert "tcc.arena_size = 768" in ok.stdout


def test_duplicate_dialect_name_names_both_packages(tmp_path: Path, tools: SimpleNamespace
                                                    ) -> None:
    """A plug-in that also defines 'kernel', which tcc owns: parsing kernel IR fails."""
    site = tools.fake_install(tmp_path / "site", "kernel-pkg", {"kern": "kern_plugin:U"}, {
        "kern_plugin.py": "from xdsl.ir import Dialect\nfrom xdsl.universe import Universe\n"
                          "U = Universe(all_dialects={'kernel': lambda: Dialect('kernel', [])})\n"})
    line = one_line_error(tools.run("tcc-opt", str(KERNEL_IR), path=[site]))
    assert "dialect 'kernel' is defined twice" in line
    assert "package tcompiler" in line and "kernel-pkg 1.0" in line


def test_no_plugins_ignores_the_conflict(two_owners: Path, tools: SimpleNamespace) -> None:
    for extra, env in ((["--no-plugins"], {}), ([], {"TCC_NO_PLUGINS": "1"})):
        proc = tools.run("tcc-opt", str(KERNEL_IR), *extra, path=[two_owners], env=env)
        assert proc.returncode == 0, proc.stderr


def test_registry_conflict_in_process(tmp_path: Path, tools: SimpleNamespace) -> None:
    (tmp_path / "a_mod.py").write_text(tools.pass_module("dup"))
    (tmp_path / "b_mod.py").write_text(tools.pass_module("dup"))
    registry = discover(PluginSettings(load=(f"{tmp_path}/a_mod.py:U", f"{tmp_path}/b_mod.py:U"),
                                       autoload=False))
    with pytest.raises(PluginError, match=r"pass 'dup' is defined twice: by .*a_mod.py:U.* "
                                          r"and by .*b_mod.py:U"):
        registry.pipeline("dup")
    assert registry.pipeline("cse").passes[0].name == "cse"


@pytest.fixture
def broken(tmp_path: Path, tools: SimpleNamespace) -> Path:
    """An installed plug-in whose module raises on import."""
    return tools.fake_install(tmp_path / "site", "broken-pkg", {"broken": "broken_plugin:U"},
                              {"broken_plugin.py": "raise RuntimeError('boom at import')\n"})


def test_import_error_breaks_only_commands_that_use_it(broken: Path, tools: SimpleNamespace
                                                       ) -> None:
    ok = tools.run("tcc-opt", str(KERNEL_IR), "-p", "plan-memory", path=[broken])
    assert ok.returncode == 0, ok.stderr
    line = one_line_error(tools.run("tcc-opt", str(KERNEL_IR), "-p", "its-pass", path=[broken]))
    assert "unknown pass 'its-pass'" in line
    assert "plug-in 'broken'" in line and "broken-pkg 1.0" in line
    assert "RuntimeError: boom at import" in line


def test_tcc_passes_reports_a_broken_plugin(broken: Path, tools: SimpleNamespace) -> None:
    proc = tools.run("tcc", "passes", path=[broken])
    assert proc.returncode == 1
    assert "plan-memory" in proc.stdout
    assert "tcc: error: plug-in 'broken'" in proc.stderr and "boom at import" in proc.stderr
    assert tools.run("tcc", "--no-plugins", "passes", path=[broken]).returncode == 0
    assert tools.run("tcc", "passes", path=[broken], env={"TCC_NO_PLUGINS": "1"}).returncode == 0


def test_load_plugin_that_raises(tmp_path: Path, tools: SimpleNamespace) -> None:
    (tmp_path / "bad_mod.py").write_text("raise ImportError('needs torch')\n")
    line = one_line_error(tools.run("tcc-opt", str(KERNEL_IR), "--load-plugin", "bad_mod:U",
                                    cwd=tmp_path))
    assert "--load-plugin 'bad_mod:U' failed: ImportError: needs torch" in line
    line = one_line_error(tools.run("tcc-opt", str(KERNEL_IR), "--load-plugin", "nocolon"))
    assert "expected MODULE:OBJECT" in line
    (tmp_path / "not_universe.py").write_text("U = 3\n")
    line = one_line_error(tools.run("tcc-opt", str(KERNEL_IR), "--load-plugin",
                                    "not_universe:U", cwd=tmp_path))
    assert "not an xdsl.universe.Universe" in line


def test_pass_factory_that_raises_names_the_plugin(tmp_path: Path, tools: SimpleNamespace
                                                   ) -> None:
    (tmp_path / "lazy_mod.py").write_text(
        "from xdsl.universe import Universe\n"
        "def load():\n    import missing_dependency_xyz\n"
        "U = Universe(all_passes={'lazy-pass': load})\n")
    line = one_line_error(tools.run("tcc-opt", str(KERNEL_IR), "--load-plugin", "lazy_mod:U",
                                    "-p", "lazy-pass", cwd=tmp_path))
    assert "pass 'lazy-pass' from plug-in 'lazy_mod:U'" in line
    assert "ModuleNotFoundError" in line


def test_unknown_pass_suggests(tools: SimpleNamespace) -> None:
    line = one_line_error(tools.run("tcc-opt", str(KERNEL_IR), "-p", "plan-memroy"))
    assert "unknown pass 'plan-memroy' (did you mean 'plan-memory'?)" in line
    with pytest.raises(PipelineError, match="unknown pass 'nope'"):
        builtin_registry().pipeline("cse,nope")


@pytest.mark.parametrize("spec, what", [
    ("plan-memory,{", "expected pass name at column 13"),
    ("plan-memory{method=naive", "malformed pass arguments"),
    ("plan-memory cse", "expected a comma or pass arguments at column 12"),
    (",", "expected pass name at column 1"),
])
def test_malformed_pipeline(spec: str, what: str, tools: SimpleNamespace) -> None:
    line = one_line_error(tools.run("tcc-opt", str(KERNEL_IR), "-p", spec))
    assert f"malformed pass pipeline {spec!r}" in line and what in line.lower()


def test_bad_options(tools: SimpleNamespace) -> None:
    line = one_line_error(tools.run("tcc-opt", str(KERNEL_IR), "-p", "plan-memory{size=3}"))
    assert "pass 'plan-memory': bad options {size=3}" in line and "method: str" in line
    line = one_line_error(tools.run("tcc-opt", str(KERNEL_IR), "-p", "plan-memory{method=3}"))
    assert "pass 'plan-memory': bad options" in line


SCALE_PLUGIN = """
from dataclasses import dataclass
from xdsl.passes import ModulePass
from xdsl.universe import Universe


@dataclass(frozen=True)
class ScalePass(ModulePass):
    \"\"\"Does nothing with its float option. Before: anything. After: the same.\"\"\"

    name = "scale"
    factor: float = 0.5

    def apply(self, ctx, op):
        assert type(self.factor) is float, self.factor


U = Universe(all_passes={"scale": lambda: ScalePass})
"""


def test_float_options_take_integers(tmp_path: Path, tools: SimpleNamespace) -> None:
    """`time-limit=1` sets a float option to 1.0 (as mlir-opt does): in a registry pipeline,
    in tcc-opt, and in `tcc compile --passes`; other types stay strict."""
    (p,) = builtin_registry().pipeline("plan-memory{time-limit=1}").passes
    assert isinstance(p, PlanMemoryPass) and type(p.time_limit) is float and p.time_limit == 1
    with pytest.raises(PipelineError, match="bad options"):
        builtin_registry().pipeline("plan-memory{seed=1.5}")
    with pytest.raises(PipelineError, match="bad options"):
        builtin_registry().pipeline("plan-memory{time-limit=true}")
    proc = tools.run("tcc-opt", str(KERNEL_IR), "-p", "plan-memory{method=naive time-limit=1}")
    assert proc.returncode == 0, proc.stderr

    (tmp_path / "scale.py").write_text(SCALE_PLUGIN)
    model = tmp_path / "m.onnx"
    onnx.save(two_op_model.build(), model)
    proc = tools.run("tcc", "compile", str(model), "--emit=graph", "--passes",
                     "graph:scale{factor=2}", "--load-plugin", f"{tmp_path}/scale.py:U")
    assert proc.returncode == 0, proc.stderr


def test_compile_passes_errors(tmp_path: Path, tools: SimpleNamespace) -> None:
    """`tcc compile --passes` checks stages, names and syntax before any work."""
    model = tmp_path / "m.onnx"
    model.write_bytes(b"not even read")
    cases = [("graph:nope", "unknown pass 'nope'"), ("nostage:cse", "unknown stage 'nostage'"),
             ("cse", "expected STAGE:PASS"), ("graph:", "no pass after 'graph:'"),
             ("graph:cse{", "malformed pass pipeline")]
    for passes, message in cases:
        line = one_line_error(tools.run("tcc", "compile", str(model), "--passes", passes),
                              tool="tcc")
        assert message in line, (passes, line)
