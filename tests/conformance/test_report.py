"""The conformance report (report.py, `tcc conformance`) tells natively run cases from folded
ones and from failures, on a few node cases."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import node_cases  # noqa: E402
import report  # noqa: E402

NATIVE, FOLDED, DECLINED = "test_equal", "test_shape", "test_identity_sequence"


def test_run_cases_tells_native_folded_and_failed(tmp_path: Path) -> None:
    recorder = node_cases.Recorder()
    names = (NATIVE, FOLDED, DECLINED)
    tests = node_cases.backend_tests(names, __name__, recorder)
    cases = {n: (lambda n=n: node_cases.run_case(tests, n, cache_dir=str(tmp_path)))
             for n in names}
    outcomes = report.run_cases(cases, recorder)
    assert outcomes[NATIVE] == "native" and outcomes[FOLDED] == "folded"
    assert outcomes[DECLINED].startswith("NotImplementedError: ")
    assert report.counts(outcomes) == "   2/3    (1 folded)     0 declined as expected, 1 UNEXPECTED"
    assert report.counts(outcomes, {DECLINED}) == "   2/3    (1 folded)     1 declined as expected"
    assert report.counts({NATIVE: "native"}) == "   1/1    (0 folded)"
