"""ONNX backend node tests over `tcompiler.backend` (see node_cases.py for the selection).

Each selected case runs as `onnx.backend.test.BackendTest` defines it: `prepare`, `run` on
every data set, outputs compared for shape, dtype and closeness (the case's rtol/atol). The
backend compiles each case; kernel objects are cached in one directory for the session.

A passing case must run natively (its compiled program computes from its run-time inputs)
unless it has no data input (node_cases.py, "Native or folded"): the backend must not fold a
case into a constant that the kernels were meant to compute.

`expected_failures.txt` lists every selected case that does not pass, with the reason. It is
kept true both ways: an unlisted case that fails fails; a listed case that passes fails
(remove its line); a listed case must fail by being declined (`NotImplementedError`), not by
a wrong answer or a crash, except a `differs:` case (ONNX's expected output departs from the
spec and onnxruntime; tcc must match onnxruntime on it).
"""

from __future__ import annotations

import sys
import unittest
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import node_cases  # noqa: E402

SELECTED = node_cases.selected_cases()
UNCOVERED_OPS: frozenset[str] = frozenset({"Einsum"})
"""Selected ops the installed onnx has no float32/int64/int32/bool node case for (Einsum's are
all float64; tests/ops/test_index_ops.py covers it)."""
EXPECTED = node_cases.read_expected()


@pytest.fixture(scope="session")
def recorder() -> node_cases.Recorder:
    return node_cases.Recorder()


@pytest.fixture(scope="session")
def node_tests(recorder: node_cases.Recorder) -> type[unittest.TestCase]:
    return node_cases.backend_tests(SELECTED, __name__, recorder)


@pytest.fixture(scope="session")
def kernel_cache(tmp_path_factory: pytest.TempPathFactory) -> str:
    return str(tmp_path_factory.mktemp("conformance_kernels"))


DIFFERS = "differs:"
"""A reason starting so marks a case whose expected output (computed by onnx's Python
reference) departs from the spec text and onnxruntime, which tcc follows: the case must fail
on its values, and tcc must match onnxruntime on the case's own inputs."""


def matches_onnxruntime(name: str, cache_dir: str) -> None:
    import numpy as np
    import onnxruntime as ort

    from tcompiler import backend

    case = SELECTED[name]
    assert case.model is not None and case.data_sets
    session = ort.InferenceSession(case.model.SerializeToString(),
                                   providers=["CPUExecutionProvider"])
    rep = backend.prepare(case.model, cache_dir=cache_dir)
    for inputs, _ in case.data_sets:
        feeds = {i.name: np.asarray(v) for i, v in zip(case.model.graph.input, inputs)}
        for ours, theirs in zip(rep.run(list(feeds.values())), session.run(None, feeds),
                                strict=True):
            np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("name", list(SELECTED))
def test_node_case(name: str, node_tests: type[unittest.TestCase], kernel_cache: str,
                   recorder: node_cases.Recorder) -> None:
    reason = EXPECTED.get(name)
    if reason is None:
        outcome = recorder.run(lambda: node_cases.run_case(node_tests, name, cache_dir=kernel_cache))
        model = SELECTED[name].model
        assert model is not None
        assert outcome == node_cases.expected_outcome(model), \
            f"{name} ran {outcome}; data inputs: {node_cases.data_inputs(model)}"
        return
    if reason.startswith(DIFFERS):
        matches_onnxruntime(name, kernel_cache)
        with pytest.raises(AssertionError):
            node_cases.run_case(node_tests, name, cache_dir=kernel_cache)
        pytest.xfail(reason)
    try:
        node_cases.run_case(node_tests, name, cache_dir=kernel_cache)
    except NotImplementedError as err:
        pytest.xfail(f"{reason} ({str(err).splitlines()[-1].strip().removeprefix('- ')})")
    except Exception as err:  # noqa: BLE001 - any other failure breaks the expectation
        pytest.fail(f"{name} is listed as declined ({reason}) but failed otherwise: "
                    f"{type(err).__name__}: {err}")
    pytest.fail(f"{name} passes now: remove it from {node_cases.EXPECTED_FAILURES.name}")


def test_expectations_name_selected_cases() -> None:
    stale = sorted(set(EXPECTED) - set(SELECTED))
    assert not stale, f"{node_cases.EXPECTED_FAILURES.name} lists unselected cases: {stale}"


def test_selection_covers_every_op() -> None:
    """SELECTED_OPS is the dialect's op set; every op of it has cases (Identity alone is
    also reached through expansions), and nothing outside it is selected."""
    from tcompiler.dialects.onnx import ONNX_OPS

    assert node_cases.SELECTED_OPS == frozenset(ONNX_OPS)
    covered = set().union(*(node_cases.ops_of(c) for c in SELECTED.values()))
    assert covered <= node_cases.SELECTED_OPS
    assert not node_cases.SELECTED_OPS - covered - UNCOVERED_OPS, \
        sorted(node_cases.SELECTED_OPS - covered)
    assert not any(n.endswith("_expanded") and node_cases.ops_of(c) - node_cases.SELECTED_OPS
                   for n, c in SELECTED.items())
    assert "test_add_uint8" in SELECTED and "test_cast_FLOAT_to_FLOAT8E4M3FN" not in SELECTED
