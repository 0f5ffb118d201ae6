"""Conformance summary: passed/total on the selected ONNX node cases, overall and per op.

    python tests/conformance/report.py                 # summary + every failure's reason
    python tests/conformance/report.py --write DIR     # also write the cases (generate-data
                                                       # layout) for `tcc compile DIR/x/model.onnx`

Runs the same cases as test_node_conformance.py, through BackendTest over tcompiler.backend,
with a temporary kernel cache. A case counts for every op of its graph.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import node_cases  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", metavar="DIR", help="write the selected cases to DIR")
    args = parser.parse_args(argv)
    import onnx

    t0 = time.perf_counter()
    cases = node_cases.selected_cases()
    if args.write:
        node_cases.write_cases(args.write, cases.values())
    tests = node_cases.backend_tests(cases, __name__)
    expected = node_cases.read_expected()
    failures: dict[str, str] = {}
    per_op: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    with tempfile.TemporaryDirectory() as cache:
        for name, case in cases.items():
            try:
                node_cases.run_case(tests, name, cache_dir=cache)
            except Exception as err:  # noqa: BLE001 - report every failure, keep going
                lines = str(err).strip().splitlines() or [""]
                failures[name] = f"{type(err).__name__}: {lines[-1].strip()}"
            for op in node_cases.ops_of(case):
                per_op[op][0] += name not in failures
                per_op[op][1] += 1
    passed = len(cases) - len(failures)
    print(f"onnx {onnx.__version__} node cases, {len(node_cases.SELECTED_OPS)} ops: "
          f"{passed}/{len(cases)} passed ({time.perf_counter() - t0:.1f} s)")
    for op in sorted(per_op):
        ok, total = per_op[op]
        print(f"  {op:<20} {ok:>3}/{total:<3}")
    if failures:
        print("failures:")
    for name, why in failures.items():
        mark = "expected" if name in expected else "UNEXPECTED"
        print(f"  {name} [{mark}] {why}")
    fixed = sorted(set(expected) - set(failures))
    for name in fixed:
        print(f"  {name} passes but is listed in {node_cases.EXPECTED_FAILURES.name}")
    return 0 if set(failures) == set(expected) else 1


if __name__ == "__main__":
    sys.exit(main())
