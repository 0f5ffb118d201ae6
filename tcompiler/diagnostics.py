"""tcc-opt's diagnostics, and `--verify-diagnostics`: check them against the input's
`// expected-error {{...}}` annotations, as mlir-opt does.

An annotation is a comment `expected-<severity>[@<where>] {{<text>}}`, severity `error`,
`warning`, `note` or `remark`. It expects a diagnostic of that severity whose message contains
<text>, located at the comment's own line, or at `@+N` / `@-N` lines from it, `@above` (the
line before), `@below` (the line after), or `@unknown` (a diagnostic without a line).

Where tcc's diagnostics are located (xDSL keeps no source location on parsed ops, so tcc-opt
records the line each op was parsed from):

  - parse errors: the line of the token xDSL reports (for an unknown op, the token after it);
    their references ("originally declared here") are notes at the lines they point to;
  - verifier errors: the line of the op that does not verify;
  - a pass that leaves invalid IR: the line of the op that does not verify, if that op came
    from the input, else unknown;
  - a pass that asks for weights tcc-opt was not given (a warning): the line of the first op
    naming one of them;
  - any other error of a pass: unknown.

Each chunk (`--split-input-file`) is checked on its own, against its own annotations. A chunk
whose error stops it prints nothing; the others print their IR as usual.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from xdsl.ir import Operation
from xdsl.parser import Parser
from xdsl.utils.exceptions import DiagnosticException, MultipleSpansParseError, ParseError

from tcompiler.errors import TcError, first_line

ANNOTATION = re.compile(
    r"expected-(error|warning|note|remark)(?:@(above|below|unknown|[+-]\d+))?\s*\{\{(.*)\}\}")


@dataclass(frozen=True)
class Diagnostic:
    severity: str
    message: str
    line: int | None = None
    """1-based line in the input file; None when the diagnostic has no location."""


@dataclass(frozen=True)
class Expected:
    severity: str
    text: str
    line: int | None
    """The line the diagnostic must have (None for `@unknown`)."""
    at: int
    """The line of the annotation itself."""


class LocatingParser(Parser):
    """xDSL's parser, remembering the line each op was parsed from (`lines[op]`)."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.lines: dict[Operation, int] = {}

    def parse_operation(self) -> Operation:
        line = self._current_token.span.get_location().line
        op = super().parse_operation()
        self.lines[op] = line
        return op


def failing_line(module: Operation, lines: dict[Operation, int]) -> int | None:
    """The input line of the first op, nested ops first, whose own verification fails (None if
    that op was not parsed from the input)."""
    for op in module.walk(region_first=True):
        try:
            op.verify(verify_nested_ops=False)
        except Exception:
            return lines.get(op)
    return None


def expectations(text: str, first_line: int) -> list[Expected]:
    """The annotations of `text`, whose first line is line `first_line` of the file."""
    found = []
    for number, line in enumerate(text.splitlines(), start=first_line):
        for match in ANNOTATION.finditer(line):
            severity, where, expected = match.groups()
            found.append(Expected(severity, expected, _target(where, number), number))
    return found


def _target(where: str | None, line: int) -> int | None:
    match where:
        case "unknown":
            return None
        case None:
            return line
        case "above":
            return line - 1
        case "below":
            return line + 1
        case _:
            return line + int(where)


def from_error(err: Exception) -> list[Diagnostic]:
    """The diagnostics an error that stopped a chunk stands for (a located error and notes)."""
    if isinstance(err, ParseError):
        found = [Diagnostic("error", err.msg, err.span.get_location().line)]
        if isinstance(err, MultipleSpansParseError):
            found += [Diagnostic("note", note or (err.ref_text or "").rstrip(":"),
                                 span.get_location().line) for span, note in err.refs]
        return found
    return [Diagnostic("error", first_line(err), getattr(err, "line", None))]


def check(run: Callable[[list[Diagnostic]], str], text: str, first_line: int, file: str
          ) -> tuple[str, list[str]]:
    """Run one chunk (`run` appends the warnings it produces to the list it is given) and
    match its diagnostics against its annotations: (its output, one line per mismatch)."""
    produced: list[Diagnostic] = []
    try:
        output = run(produced)
    except (ParseError, DiagnosticException, TcError) as err:
        produced += from_error(err)
        output = ""
    return output, mismatches(expectations(text, first_line), produced, file)


def mismatches(expected: list[Expected], produced: list[Diagnostic], file: str) -> list[str]:
    """mlir-opt's rule: each diagnostic takes the first unmatched annotation of its severity and
    line whose text is in its message; what is left over on either side is a mismatch, one line
    each, in line order (diagnostics without a line first)."""
    open_ = list(expected)
    report: list[tuple[int, str]] = []
    for diagnostic in produced:
        match = next((e for e in open_ if e.severity == diagnostic.severity
                      and e.line == diagnostic.line and e.text in diagnostic.message), None)
        if match is not None:
            open_.remove(match)
            continue
        line = "unknown" if diagnostic.line is None else diagnostic.line
        report.append((diagnostic.line or 0, f"{file}:{line}: unexpected {diagnostic.severity}: "
                       f"{diagnostic.message}"))
    for e in open_:
        where = "" if e.line == e.at else f" at {'unknown' if e.line is None else e.line}"
        report.append((e.at, f"{file}:{e.at}: expected {e.severity}{where} \"{e.text}\" was not "
                       "produced"))
    return [text for _, text in sorted(report, key=lambda item: item[0])]
