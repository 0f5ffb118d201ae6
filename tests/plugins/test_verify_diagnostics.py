"""`tcc-opt --verify-diagnostics`: mlir-opt's `expected-*` annotations, their locations, and the
one-line-per-mismatch report (tcompiler.diagnostics); the filecheck side is in
tests/filecheck/tools/tcc_opt_diagnostics*.mlir."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from tcompiler.diagnostics import Diagnostic, Expected, expectations, mismatches
from tcompiler.opt import main


def test_annotations_and_their_lines() -> None:
    text = "\n".join([
        "%a = x // expected-error {{same line}}",
        "// expected-warning@+2 {{two below}}",
        "// expected-note@-1 {{one above}}",
        "// expected-remark@above {{the line before}}",
        "// expected-error@below {{the line after}}",
        "// expected-error@unknown {{nowhere}}",
        "// CHECK: expected error, not an annotation",
    ])
    assert expectations(text, first_line=10) == [
        Expected("error", "same line", 10, 10), Expected("warning", "two below", 13, 11),
        Expected("note", "one above", 11, 12), Expected("remark", "the line before", 12, 13),
        Expected("error", "the line after", 15, 14), Expected("error", "nowhere", None, 15)]


def test_matching_is_by_severity_line_and_substring() -> None:
    expected = [Expected("error", "perm", 3, 2), Expected("warning", "weights", None, 5)]
    assert mismatches(expected, [Diagnostic("error", "bad perm [0, 0]", 3),
                                 Diagnostic("warning", "no weights", None)], "f.mlir") == []
    assert mismatches(expected, [Diagnostic("warning", "bad perm [0, 0]", 3),
                                 Diagnostic("warning", "no weights", 7)], "f.mlir") == [
        'f.mlir:2: expected error at 3 "perm" was not produced',
        "f.mlir:3: unexpected warning: bad perm [0, 0]",
        'f.mlir:5: expected warning at unknown "weights" was not produced',
        "f.mlir:7: unexpected warning: no weights"]


def test_each_diagnostic_takes_one_annotation() -> None:
    expected = [Expected("error", "x", 1, 1)]
    twice = [Diagnostic("error", "x", 1), Diagnostic("error", "x", 1)]
    assert mismatches(expected, twice, "f") == ["f:1: unexpected error: x"]
    assert mismatches(expected * 2, twice, "f") == []


BAD = """\
func.func @f(%x: tensor<2x3xf32>) -> tensor<3x2xf32> {
  // expected-error@+1 {{perm [0, 0] is not a permutation}}
  %t = "onnx.Transpose"(%x) <{perm = array<i64: 0, 0>}> : (tensor<2x3xf32>) -> tensor<3x2xf32>
  func.return %t : tensor<3x2xf32>
}
"""


def run(tmp_path: Path, text: str, *args: str, capsys: pytest.CaptureFixture[str]
        ) -> tuple[int, str, str]:
    (tmp_path / "in.mlir").write_text(text)
    code = main([str(tmp_path / "in.mlir"), "--verify-diagnostics", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_expected_errors_exit_0(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(tmp_path, BAD, capsys=capsys) == (0, "", "")


def test_mismatches_exit_1_one_line_each(tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    wrong = BAD.replace("{{perm [0, 0]", "{{perm [1, 1]").replace("@+1", "@+2")
    code, out, err = run(tmp_path, wrong, capsys=capsys)
    path = tmp_path / "in.mlir"
    assert (code, out) == (1, "")
    assert err.splitlines() == [
        f'{path}:2: expected error at 4 "perm [1, 1] is not a permutation" was not produced',
        f"{path}:3: unexpected error: onnx.Transpose: perm [0, 0] is not a permutation of 0..1"]


def test_an_error_nobody_expected(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(tmp_path, BAD.replace("  // expected-error@+1", "  // no"), capsys=capsys)
    assert code == 1 and err.splitlines() == [
        f"{tmp_path / 'in.mlir'}:3: unexpected error: onnx.Transpose: perm [0, 0] is not a "
        "permutation of 0..1"]


def test_without_annotations_or_errors_the_ir_is_printed(tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]
                                                         ) -> None:
    good = BAD.replace("0, 0>", "1, 0>").replace("  // expected-error@+1", "  // fine")
    code, out, err = run(tmp_path, good, capsys=capsys)
    assert (code, err) == (0, "") and '"onnx.Transpose"' in out


def test_a_pass_that_breaks_an_input_op_is_located_at_it(tmp_path: Path,
                                                         tools: SimpleNamespace) -> None:
    """The pass's verifier error is at the line of the op it broke; a pass that raises has no
    location (@unknown)."""
    from tests.plugins.test_tcc_opt import BREAKERS

    (tmp_path / "breakers.py").write_text(BREAKERS)
    good = BAD.replace("0, 0>", "1, 0>")
    (tmp_path / "in.mlir").write_text(good.replace(
        "perm [0, 0] is not a permutation", "pass 'break-perm' produced invalid IR: onnx.Transpose"))
    proc = tools.run("tcc-opt", "in.mlir", "--verify-diagnostics", "--load-plugin", "breakers:U",
                     "-p", "break-perm", cwd=tmp_path)
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "", "")

    (tmp_path / "in.mlir").write_text(good.replace(
        "@+1 {{perm [0, 0] is not a permutation", "@unknown {{pass 'raise-bug' failed: ValueError"))
    proc = tools.run("tcc-opt", "in.mlir", "--verify-diagnostics", "--load-plugin", "breakers:U",
                     "-p", "raise-bug", cwd=tmp_path)
    assert (proc.returncode, proc.stderr) == (0, ""), proc.stderr
