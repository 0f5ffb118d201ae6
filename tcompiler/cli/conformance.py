"""`tcc conformance`: passed/total on ONNX's conformance suites, overall, per suite, per op
family (the node suite's, as issue 14 groups ops), per op.

Runs `tests/conformance/report.py` of the source checkout tcc is installed from (the suites
and their expectations live beside the tests that enforce them) with the same options.
"""

from __future__ import annotations

import argparse
import runpy
import sys
from pathlib import Path

REPORT = Path(__file__).resolve().parents[2] / "tests" / "conformance" / "report.py"


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    c = sub.add_parser("conformance", help="run the ONNX conformance suites, print pass rates")
    c.add_argument("--suites", help="comma-separated: node, light-smoke (shipped weights, all "
                   "0.02), light-random (random weights, logits vs onnxruntime), simple, "
                   "pytorch-converted, pytorch-operator (default: all)")
    c.add_argument("--all", action="store_true", help="include the slow light models")
    c.add_argument("--write", metavar="DIR", help="also write the node cases to DIR")
    c.add_argument("--cache-dir", metavar="DIR",
                   help="kernel cache to use and keep (default: a temporary one)")
    c.add_argument("--regenerate", action="store_true",
                   help="rewrite tests/conformance/expected_failures.txt from this run")


def run(args: argparse.Namespace) -> int:
    from tcompiler.cli.paths import output_dir
    from tcompiler.errors import OptionError

    if not REPORT.exists():
        raise OptionError(f"tcc conformance needs a source checkout ({REPORT} is missing)")
    if args.write:
        output_dir(args.write, "--write")
    namespace = runpy.run_path(str(REPORT), run_name="tcc_conformance")
    saved = sys.argv
    sys.argv = ["tcc conformance"]
    try:
        options = [*(["--suites", args.suites] if args.suites else []),
                   *(["--all"] if args.all else []),
                   *(["--write", args.write] if args.write else []),
                   *(["--cache-dir", args.cache_dir] if args.cache_dir else []),
                   *(["--regenerate"] if args.regenerate else [])]
        return int(namespace["main"](options))
    finally:
        sys.argv = saved
