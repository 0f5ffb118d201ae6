"""The coverage collector: points are tcc's lines (never the fuzzer's), each reported once,
and Python 3.11 gets a one-line refusal."""

from __future__ import annotations

import sys

import pytest

from tcompiler.errors import OptionError
from tcompiler.fuzz import coverage
from tcompiler.fuzz.coverage import Collector, Scope, lines_of


def run_a_pass() -> None:
    from tcompiler.context import make_context, parse_module
    from tcompiler.passes import PASSES

    module = parse_module('func.func @f() {\n  func.return\n}\n', make_context())
    PASSES["dedup-kernels"]()().apply(make_context(), module)


@pytest.mark.skipif(sys.version_info < (3, 12), reason="sys.monitoring is Python 3.12+")
def test_points_are_tcc_lines_reached_once() -> None:
    scope = Scope.for_tcc()
    with Collector(scope) as collector:
        run_a_pass()
        first = collector.take()
        run_a_pass()
        second = collector.take()
    assert any(p.startswith("passes/dedup_kernels.py:") for p in first)
    assert not any("/fuzz/" in p or p.startswith("fuzz/") for p in first)
    assert second == []  # reached before: not new
    file, line = next(p for p in first if p.startswith("passes/")).rsplit(":", 1)
    assert int(line) in lines_of(coverage.repository_root() / file)


@pytest.mark.skipif(sys.version_info < (3, 12), reason="sys.monitoring is Python 3.12+")
def test_a_second_collector_sees_lines_again_and_knows_old_points() -> None:
    scope = Scope.for_tcc()
    with Collector(scope) as collector:
        run_a_pass()
        first = collector.take()
    with Collector(scope) as again:  # DISABLEd locations are restarted
        run_a_pass()
        assert set(again.take()) == set(first)
    with Collector(scope) as known:
        known.know(first)
        run_a_pass()
        assert known.take() == []


def test_scope_total_counts_executable_lines() -> None:
    scope = Scope.for_tcc()
    assert scope.key_prefix(coverage.__file__) is None  # the fuzzer is not its own target
    assert scope.key_prefix(sys.executable) is None
    assert 5_000 < scope.total() < 100_000


def test_plugin_folders_count_with_their_package_name(tmp_path) -> None:  # noqa: ANN001
    package = tmp_path / "my_plugin"
    package.mkdir()
    (package / "p.py").write_text("x = 1\ny = 2\n")
    scope = Scope.for_tcc([package])
    assert scope.key_prefix(str(package / "p.py")) == "my_plugin/p.py"
    assert ("my_plugin/p.py", package / "p.py") in list(scope.files())


def test_python_311_gets_a_one_line_refusal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(coverage, "available", lambda: False)
    with pytest.raises(OptionError) as refused:
        Collector(Scope.for_tcc()).start()
    assert "\n" not in str(refused.value)
    assert "--no-coverage" in str(refused.value) and "3.12" in str(refused.value)
