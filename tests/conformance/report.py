"""Conformance summary: passed/total overall, per suite, per op family and per op.

    python tests/conformance/report.py                   # node cases + the model suites
    python tests/conformance/report.py --suites node     # only some suites
    python tests/conformance/report.py --suites node --regenerate
                                                         # rewrite expected_failures.txt
                                                         # from this run (expectations.py)
    python tests/conformance/report.py --all             # also the slow light models
    python tests/conformance/report.py --write DIR       # also write the node cases
                                                         # (generate-data layout)
    tcc conformance [same options]                       # the same, from a source checkout

Runs the same cases as test_node_conformance.py and test_model_suites.py, through
BackendTest over tcompiler.backend, with a temporary kernel cache (or `--cache-dir DIR`, kept
between runs: a warm cache makes a run several times faster). A node case counts for its
op family (families.py: issue 14's families, by the op it tests) and for every op of its graph. A passing case is "native" when its compiled program computes from its run-time
inputs, "folded" when the program computes nothing from them (its outputs were constants at
compile time: node_cases.py, "Native or folded"); the counts say how many of each. Exit status
0 when the failures are exactly the listed ones.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import textwrap
import time
import warnings
from collections import defaultdict
from collections.abc import Callable, Iterable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import expectations  # noqa: E402
import families  # noqa: E402
import model_suites  # noqa: E402
import node_cases  # noqa: E402

ALL_SUITES = ("node", *model_suites.ALL_SUITES)


def _failure(err: BaseException) -> str:
    lines = str(err).strip().splitlines() or [""]
    return f"{type(err).__name__}: {lines[-1].strip()}"


PASSED = ("native", "folded")


def run_cases(cases: dict[str, Callable[[], None]], recorder: node_cases.Recorder,
              progress: Callable[[str, int, int], None] | None = None) -> dict[str, str]:
    """key -> "native" or "folded" for a passing case, else its failure (type: last line)."""
    outcomes: dict[str, str] = {}
    for done, (key, run) in enumerate(cases.items()):
        if progress:
            progress("cases", done, len(cases))
        try:
            outcomes[key] = recorder.run(run)
        except Exception as err:  # noqa: BLE001 - report every failure, keep going
            outcomes[key] = _failure(err)
    return outcomes


def counts(outcomes: dict[str, str], expected: Iterable[str] = ()) -> str:
    """'passed/total (F folded)' of some outcomes, then how many of the rest are declines the
    expectations list and how many are not (real failures), aligned for a table."""
    values = list(outcomes.values())
    native, folded = values.count("native"), values.count("folded")
    text = f"{native + folded:>4}/{len(values):<4} ({folded} folded)"
    failed = [key for key, outcome in outcomes.items() if outcome not in PASSED]
    if not failed:
        return text
    listed = set(expected)
    declined = sum(key in listed for key in failed)
    unexpected = len(failed) - declined
    return (f"{text}  {declined:>4} declined as expected"
            + (f", {unexpected} UNEXPECTED" if unexpected else ""))


class PeriodicLines:
    """Progress for a log: one line every `every` seconds (a ProgressBar when on a TTY)."""

    def __init__(self, every: float = 15.0):
        self.every = every
        self.start = self.last = time.perf_counter()

    def __call__(self, what: str, done: int, total: int) -> None:
        now = time.perf_counter()
        if now - self.last >= self.every:
            self.last = now
            print(f"  ... {done}/{total} {what}, {now - self.start:.0f} s", file=sys.stderr,
                  flush=True)

    def close(self) -> None:
        pass


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--suites", default=",".join(ALL_SUITES),
                        help=f"comma-separated, from {', '.join(ALL_SUITES)}")
    parser.add_argument("--all", action="store_true", help="include the slow light models")
    parser.add_argument("--write", metavar="DIR", help="write the node cases to DIR")
    parser.add_argument("--cache-dir", metavar="DIR",
                        help="kernel cache to use and keep (default: a temporary one)")
    parser.add_argument("--regenerate", action="store_true",
                        help="rewrite expected_failures.txt from this run of the node suite")
    args = parser.parse_args(argv)
    suites = [s for s in args.suites.split(",") if s]
    unknown = set(suites) - set(ALL_SUITES)
    if unknown:
        parser.error(f"unknown suites {sorted(unknown)}; known: {', '.join(ALL_SUITES)}")
    if args.regenerate and "node" not in suites:
        parser.error("--regenerate needs the node suite")
    import onnx

    # onnx's own test generators overflow on purpose (casts to small types, log(0)): their
    # RuntimeWarnings say nothing about tcc and stay out of the output.
    warnings.filterwarnings("ignore", category=RuntimeWarning, module=r"onnx(\.|$)")
    t0 = time.perf_counter()
    expected = node_cases.read_expected()
    expected |= node_cases.read_expected(model_suites.EXPECTED_FAILURES)
    ops: dict[str, set[str]] = {}
    runs: dict[str, dict[str, Callable[[], None]]] = {}
    recorder = node_cases.Recorder()
    with tempfile.TemporaryDirectory() as temporary, tempfile.TemporaryDirectory() as models:
        cache = args.cache_dir or temporary
        if "node" in suites:
            cases = node_cases.suite_cases()
            if args.write:
                node_cases.write_cases(args.write, cases.values())
            tests = node_cases.backend_tests(cases, __name__, recorder)
            runs["node"] = {n: (lambda n=n: node_cases.run_case(tests, n, cache_dir=cache))
                            for n in cases}
            ops |= {n: node_cases.ops_of(c) for n, c in cases.items()}
        model_tests = (model_suites.suite_tests(__name__, recorder) if set(suites) - {"node"}
                       else {})
        for suite in (s for s in suites if s != "node"):
            names = [n for n in model_suites.suite_case_names(suite)
                     if args.all or suite not in model_suites.LIGHT_SUITES
                     or n not in model_suites.SLOW_LIGHT]
            runs[suite] = {f"{suite}/{n}": (lambda s=suite, n=n: model_suites.run_suite_case(
                model_tests, s, n, models, cache_dir=cache)) for n in names}
            ops |= {f"{suite}/{n}": model_suites.ops_of(suite, n) for n in names}
        from tcompiler.progress import ProgressBar

        total = sum(map(len, runs.values()))
        bar = ProgressBar(delay=0.5) if sys.stderr.isatty() else PeriodicLines()
        outcomes, done = {}, 0
        try:
            for suite, cases in runs.items():
                outcomes[suite] = run_cases(cases, recorder, lambda what, i, n, d=done, s=suite:
                                            bar(s, d + i, total))
                done += len(cases)
        finally:
            bar.close()
    every = {k: v for o in outcomes.values() for k, v in o.items()}
    passed = [v for v in every.values() if v in ("native", "folded")]
    print(f"onnx {onnx.__version__}: {len(passed)}/{len(every)} "
          f"passed, {passed.count('folded')} of them folded ({time.perf_counter() - t0:.1f} s)")
    print("(folded: the compiled program computes nothing from its run-time inputs; declined as "
          "expected: a construct tcc does not support yet, listed with its reason in "
          "tests/conformance/expected_failures*.txt)")
    for suite, results in outcomes.items():
        print(f"  {suite:<20} {counts(results, expected)}")
    if "node" in outcomes:
        node = node_cases.suite_cases()
        per_family: dict[str, dict[str, str]] = defaultdict(dict)
        for key, outcome in outcomes["node"].items():
            per_family[families.family_of(key, node)][key] = outcome
        print("node cases per op family (issue 14's; by the op a case tests):")
        for family in (*families.FAMILIES, families.OTHER):
            if family in per_family:
                print(f"  {family:<28} {counts(per_family[family], expected)}")
    per_op: dict[str, dict[str, str]] = defaultdict(dict)
    for key, outcome in every.items():
        for op in ops[key]:
            per_op[op][key] = outcome
    print("per op, passed/total (of which folded); a case counts for every op of its graph:")
    for op in sorted(per_op):
        print(f"  {op:<24} {counts(per_op[op], expected)}")
    folded = [key for key, outcome in every.items() if outcome == "folded"]
    if folded:
        print("folded at compile time:")
        print(textwrap.fill(" ".join(folded), width=100, initial_indent="  ",
                            subsequent_indent="  "))
    all_failures = {k: v for k, v in every.items() if v not in ("native", "folded")}
    if all_failures:
        print("failures:")
    for key, why in all_failures.items():
        print(f"  {key} [{'expected' if key in expected else 'UNEXPECTED'}] {why}")
    fixed = sorted(k for k in expected if k in every and k not in all_failures)
    for key in fixed:
        print(f"  {key} passes but is listed as an expected failure")
    if args.regenerate:
        return _regenerate(outcomes["node"])
    return 0 if set(all_failures) == {k for k in expected if k in every} else 1


def _regenerate(outcomes: dict[str, str]) -> int:
    """Rewrite expected_failures.txt from `outcomes`; 1 if some failure cannot be listed."""
    lines, refused = expectations.regenerate(outcomes, node_cases.read_expected())
    node_cases.EXPECTED_FAILURES.write_text("\n".join(lines) + "\n")
    print(f"wrote {node_cases.EXPECTED_FAILURES} ({len(lines) - len(expectations.HEADER.splitlines())}"
          " cases)")
    for key, why in refused.items():
        print(f"  NOT LISTED (a wrong result or a crash, to fix): {key} {why}")
    return 1 if refused else 0


if __name__ == "__main__":
    sys.exit(main())
