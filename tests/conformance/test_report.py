"""The conformance report (report.py, `tcc conformance`) tells natively run cases from folded
ones and from failures, on a few node cases; it regenerates the expectations (expectations.py)
and sorts cases into op families (families.py)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import expectations  # noqa: E402
import families  # noqa: E402
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


def test_regenerate_keeps_reasons_adds_declines_and_refuses_failures() -> None:
    outcomes = {"test_a": "native", "test_b": "NotImplementedError: - Mod (opset 17): nodes m",
                "test_c": "NotImplementedError: - If (opset 20): nodes i # 3",
                "test_d": "AssertionError: DESIRED: [1.0]", "test_e": "AssertionError: x",
                "test_f": "ValueError: boom", "test_g": "folded", "test_h": "native",
                "test_i": "AssertionError: y"}
    listed = {"test_a": "was declined", "test_b": "Mod has no kernel yet",
              "test_d": "differs: onnx's expected output is off", "test_e": "declined once",
              "test_h": "undefined: out of range", "test_i": "undefined: out of range"}
    lines, refused = expectations.regenerate(outcomes, listed)
    body = [line for line in lines if not line.startswith("#")]
    assert body == ["test_b  # Mod has no kernel yet",
                    "test_c  # If (opset 20): nodes i no. 3",
                    "test_d  # differs: onnx's expected output is off",
                    "test_h  # undefined: out of range", "test_i  # undefined: out of range"]
    assert refused == {"test_e": "AssertionError: x", "test_f": "ValueError: boom"}


def test_families_name_real_ops_and_sort_cases() -> None:
    import onnx

    for family, ops in families.FAMILIES.items():
        unknown = [op for op in ops if not onnx.defs.has(op)]
        assert not unknown, f"{family}: {unknown} are not ONNX ops"
    cases = node_cases.suite_cases()
    assert families.family_of("test_attention_3d_expanded", cases) == "transformers and LLMs"
    assert families.family_of("test_nllloss_NCd1", cases) == "losses"
    assert families.family_of("test_elu_expanded_ver18", cases) == "transformers and LLMs"
    assert families.family_of("test_add_uint8", cases) == families.ELEMENT_TYPES
    assert families.family_of("test_cast_FLOAT_to_DOUBLE", cases) == families.ELEMENT_TYPES
    assert families.family_of("test_relu", cases) == families.OTHER
