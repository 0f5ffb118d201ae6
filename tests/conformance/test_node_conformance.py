"""ONNX's whole backend node suite over `tcompiler.backend` (node_cases.py).

Each case runs as `onnx.backend.test.BackendTest` defines it: `prepare`, `run` on every data
set, outputs compared for shape, dtype and closeness (the case's rtol/atol). The backend
compiles each case; kernel objects are cached in the session's cache (`$TCC_CACHE_DIR` when
set: a warm cache makes the whole suite a few minutes of CPU, a cold one much more).

A passing case must run natively (its compiled program computes from its run-time inputs)
unless it has no data input (node_cases.py, "Native or folded"): the backend must not fold a
case into a constant that the kernels were meant to compute.

`expected_failures.txt` lists every case that does not pass, with the reason. It is kept true
both ways: an unlisted case that fails fails; a listed case that passes fails (remove its
line); a listed case must fail by being declined (`NotImplementedError`), not by a wrong answer
or a crash, except a `differs:` case (ONNX's expected output departs from the spec and
onnxruntime; tcc must match onnxruntime on it) and an `undefined:` case (part of its expected
output is undefined by the spec; checked where it is defined, `agrees_where_defined`).
`report.py --suites node --regenerate` rewrites the file from a run (expectations.py).
"""

from __future__ import annotations

import sys
import unittest
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import expectations  # noqa: E402
import node_cases  # noqa: E402

CASES = node_cases.suite_cases()
EXPECTED = node_cases.read_expected()


@pytest.fixture(scope="session")
def recorder() -> node_cases.Recorder:
    return node_cases.Recorder()


@pytest.fixture(scope="session")
def node_tests(recorder: node_cases.Recorder) -> type[unittest.TestCase]:
    return node_cases.backend_tests(CASES, __name__, recorder)


def matches_onnxruntime(name: str, cache_dir: str) -> None:
    import numpy as np
    import onnxruntime as ort

    from tcompiler import backend

    case = CASES[name]
    assert case.model is not None and case.data_sets
    session = ort.InferenceSession(case.model.SerializeToString(),
                                   providers=["CPUExecutionProvider"])
    rep = backend.prepare(case.model, cache_dir=cache_dir)
    for inputs, _ in case.data_sets:
        feeds = {i.name: np.asarray(v) for i, v in zip(case.model.graph.input, inputs)}
        for ours, theirs in zip(rep.run(list(feeds.values())), session.run(None, feeds),
                                strict=True):
            # within float32's 1e-5, or one rounding of a narrower float (float16: 1 ulp)
            eps = float(np.finfo(ours.dtype).eps) if ours.dtype.kind == "f" else 0.0
            tolerance = max(1e-5, eps)
            np.testing.assert_allclose(ours, theirs, rtol=tolerance, atol=tolerance)


@pytest.mark.parametrize("name", list(CASES))
def test_node_case(name: str, node_tests: type[unittest.TestCase], cache_dir: str,
                   recorder: node_cases.Recorder) -> None:
    reason = EXPECTED.get(name)
    if reason is None:
        outcome = recorder.run(lambda: node_cases.run_case(node_tests, name, cache_dir=cache_dir))
        model = CASES[name].model
        assert model is not None
        assert outcome == node_cases.expected_outcome(model), \
            f"{name} ran {outcome}; data inputs: {node_cases.data_inputs(model)}"
        return
    if reason.startswith(expectations.UNDEFINED):
        agrees_where_defined(name, cache_dir)
        return
    if reason.startswith(expectations.DIFFERS):
        matches_onnxruntime(name, cache_dir)
        with pytest.raises(AssertionError):
            node_cases.run_case(node_tests, name, cache_dir=cache_dir)
        pytest.xfail(reason)
    try:
        node_cases.run_case(node_tests, name, cache_dir=cache_dir)
    except NotImplementedError as err:
        message = expectations.decline_reason(f"{expectations.DECLINED}{str(err).splitlines()[-1]}")
        pytest.xfail(reason if message == reason else f"{reason} ({message})")
    except Exception as err:  # noqa: BLE001 - any other failure breaks the expectation
        pytest.fail(f"{name} is listed as declined ({reason}) but failed otherwise: "
                    f"{type(err).__name__}: {err}")
    pytest.fail(f"{name} passes now: remove it from {node_cases.EXPECTED_FAILURES.name}")


def agrees_where_defined(name: str, cache_dir: str) -> None:
    """A cast to a 2- or 4-bit integer: ONNX's expected output wherever the input is within
    the target's range. Outside it the spec says nothing and ONNX's data follows the installed
    ml_dtypes (0 since ml_dtypes 0.7, wrapped before); tcc keeps the low bits of the truncated
    value, as onnxruntime does for integral inputs."""
    import ml_dtypes
    import numpy as np
    from onnx import numpy_helper

    from tcompiler import backend

    case = CASES[name]
    assert case.model is not None and case.data_sets
    rep = backend.prepare(case.model, cache_dir=cache_dir)
    for protos, (expected,) in case.data_sets:  # int2/int4 data come as TensorProtos
        inputs = [numpy_helper.to_array(p) for p in protos]
        (ours,), theirs = rep.run(inputs), numpy_helper.to_array(expected)
        info = ml_dtypes.iinfo(theirs.dtype)
        x = np.trunc(np.asarray(inputs[0], np.float64))
        inside = (x >= info.min) & (x <= info.max)
        assert not inside.all(), f"{name} has no out-of-range input: it is not undefined"
        wrapped = (x - info.min) % (info.max - info.min + 1) + info.min
        ours, theirs = ours.astype(np.int64), theirs.astype(np.int64)
        np.testing.assert_array_equal(ours[inside], theirs[inside])
        np.testing.assert_array_equal(ours, wrapped.astype(np.int64))


def test_expectations_name_suite_cases() -> None:
    stale = sorted(set(EXPECTED) - set(CASES))
    assert not stale, f"{node_cases.EXPECTED_FAILURES.name} lists cases onnx does not have: {stale}"


def test_the_suite_is_whole() -> None:
    """Every case with a model, whatever its ops and element types (1,884 in onnx 1.23)."""
    assert {"test_add_uint8", "test_cast_FLOAT_to_FLOAT16", "test_attention_3d"} <= set(CASES)
