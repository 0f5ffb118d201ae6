"""Rewriting `expected_failures.txt` from a run of the node suite.

    python tests/conformance/report.py --suites node --regenerate

`regenerate(outcomes, expected)` returns the new file's lines and the failures it refuses to
list. A case that passes is dropped; a declined case (`NotImplementedError`) keeps its
hand-written reason if it has one, else gets the decline message as its reason; a `differs:`
case keeps its line while it still fails on its values; an `undefined:` case keeps its line. Any other failure (a wrong result, a
crash) is never listed: it is a failure to fix, returned as refused.
"""

from __future__ import annotations

from collections.abc import Mapping

DECLINED = "NotImplementedError: "
DIFFERS = "differs:"
"""A reason starting so marks a case whose expected output departs from the spec and
onnxruntime (test_node_conformance.py): it fails on its values, and stays listed."""
UNDEFINED = "undefined:"
"""A reason starting so marks a case whose expected output is, in part, outside the spec: it
is checked where the spec defines the result (test_node_conformance.py) and stays listed
whatever the rest does, since the rest follows the installed onnx's helpers."""
WRONG_VALUES = "AssertionError: "
MAX_REASON = 160

HEADER = """\
# ONNX node cases tcc does not pass, one per line: test_name  # reason
# test_node_conformance.py fails if a listed case passes or fails otherwise, or an unlisted one
# fails. Regenerate after a change: python tests/conformance/report.py --suites node --regenerate
# (keeps these reasons for cases still declined, adds new declines with their message)."""


def regenerate(outcomes: Mapping[str, str],
               expected: Mapping[str, str]) -> tuple[list[str], dict[str, str]]:
    """(lines of the new expectations file, {case: failure} of the failures not listed)."""
    lines = [str(line) for line in HEADER.splitlines()]
    refused: dict[str, str] = {}
    for name, outcome in sorted(outcomes.items()):
        reason = expected.get(name, "")
        if reason.startswith(UNDEFINED):
            lines.append(f"{name}  # {reason}")
            continue
        if outcome in ("native", "folded"):
            continue
        if outcome.startswith(DECLINED) and not reason.startswith(DIFFERS):
            lines.append(f"{name}  # {reason or decline_reason(outcome)}")
        elif outcome.startswith(WRONG_VALUES) and reason.startswith(DIFFERS):
            lines.append(f"{name}  # {reason}")
        else:
            refused[name] = outcome
    return lines, refused


def decline_reason(outcome: str) -> str:
    """The decline message of an outcome, as a one-line reason."""
    text = outcome.removeprefix(DECLINED).strip().removeprefix("- ")
    text = " ".join(text.replace("#", "no.").split())
    text = text or "declined, without a message"
    return text if len(text) <= MAX_REASON else text[: MAX_REASON - 3] + "..."
