"""docs/writing-a-pass.md's onnx cheat-sheet is generated from the dialect and up to date."""

from __future__ import annotations

from tcompiler.scaffold import cheatsheet


def test_the_doc_is_up_to_date() -> None:
    text = cheatsheet.DOC.read_text()
    assert cheatsheet.updated(text) == text, "run: python -m tcompiler.scaffold.cheatsheet"


def test_the_table_has_operands_results_and_properties() -> None:
    table = cheatsheet.table()
    assert "| `onnx.Conv` | `ConvOp` | `X`, `W`, `B`? | `Y` | `auto_pad`?, `dilations`?" in table
    assert "| `onnx.Concat` | `ConcatOp` | `inputs`... | `concat_result` | `axis` |" in table
    assert "`weight_name` (`name` in IR)" in table  # the Python accessor, and the IR name
    assert "operandSegmentSizes" not in table


def test_a_stale_table_is_regenerated() -> None:
    text = cheatsheet.DOC.read_text()
    stale = "\n".join(line for line in text.splitlines() if "`onnx.Relu`" not in line) + "\n"
    assert stale != text and cheatsheet.updated(stale) == text
    assert cheatsheet.main(["--check"]) == 0
