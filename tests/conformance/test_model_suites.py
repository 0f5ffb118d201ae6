"""The onnx wheel's model suites (light-smoke, simple, pytorch-converted, pytorch-operator)
over `tcompiler.backend` through BackendTest, and the light architectures on random weights
against onnxruntime (light-random); see model_suites.py.

`expected_failures_suites.txt` lists every case that does not pass, with the reason, and is
kept true as the node expectations are: an unlisted failure fails, a listed case that passes
fails, a listed case must be declined (`NotImplementedError`). A passing case with a data
input must run natively, as the node cases must (node_cases.py, "Native or folded"). Heavy
light models are slow.
"""

from __future__ import annotations

import sys
import unittest
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import model_suites  # noqa: E402
import node_cases  # noqa: E402

EXPECTED = node_cases.read_expected(model_suites.EXPECTED_FAILURES)
CASES = [
    pytest.param(suite, name, id=f"{suite}/{name}",
                 marks=[pytest.mark.slow]
                 if suite in model_suites.LIGHT_SUITES and name in model_suites.SLOW_LIGHT else [])
    for suite in model_suites.ALL_SUITES for name in model_suites.suite_case_names(suite)
]


@pytest.fixture(scope="session")
def recorder() -> node_cases.Recorder:
    return node_cases.Recorder()


@pytest.fixture(scope="session")
def suite_tests(recorder: node_cases.Recorder) -> dict[str, type[unittest.TestCase]]:
    return model_suites.suite_tests(__name__, recorder)


@pytest.fixture(scope="session")
def suite_dirs(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    """(kernel cache, $ONNX_MODELS for the light models' generated data)."""
    return (str(tmp_path_factory.mktemp("suite_kernels")),
            str(tmp_path_factory.mktemp("onnx_models")))


@pytest.mark.parametrize(("suite", "name"), CASES)
def test_suite_case(suite: str, name: str, suite_tests: dict[str, type[unittest.TestCase]],
                    suite_dirs: tuple[str, str], recorder: node_cases.Recorder) -> None:
    cache, models = suite_dirs
    key = f"{suite}/{name}"
    reason = EXPECTED.get(key)
    if reason is None:
        outcome = recorder.run(lambda: model_suites.run_suite_case(
            suite_tests, suite, name, models, cache_dir=cache))
        model = model_suites.case_model(suite, name)
        assert outcome == node_cases.expected_outcome(model), \
            f"{key} ran {outcome}; data inputs: {node_cases.data_inputs(model)}"
        return
    try:
        model_suites.run_suite_case(suite_tests, suite, name, models, cache_dir=cache)
    except NotImplementedError as err:
        pytest.xfail(f"{reason} ({str(err).splitlines()[-1].strip().removeprefix('- ')})")
    except Exception as err:  # noqa: BLE001 - any other failure breaks the expectation
        pytest.fail(f"{key} is listed as declined ({reason}) but failed otherwise: "
                    f"{type(err).__name__}: {err}")
    pytest.fail(f"{key} passes now: remove it from {model_suites.EXPECTED_FAILURES.name}")


def test_expectations_name_suite_cases() -> None:
    known = {f"{s}/{n}" for s in model_suites.ALL_SUITES for n in model_suites.suite_case_names(s)}
    stale = sorted(set(EXPECTED) - known)
    assert not stale, f"{model_suites.EXPECTED_FAILURES.name} lists unknown cases: {stale}"


def test_every_suite_has_cases() -> None:
    counts = {s: len(model_suites.suite_case_names(s)) for s in model_suites.ALL_SUITES}
    assert all(counts.values()), counts
    assert counts["light-smoke"] == counts["light-random"] == 9
