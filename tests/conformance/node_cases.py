"""ONNX's own backend node tests, the whole suite, run through BackendTest.

    cases = suite_cases()                          # name -> onnx TestCase (model + data sets)
    tests = backend_tests(cases, __name__)         # the unittest class BackendTest builds
    run_case(tests, "test_relu", cache_dir=...)    # raises on failure, like the unittest would
    recorder = Recorder()                          # tcompiler.backend, keeping its reps
    tests = backend_tests(cases, __name__, recorder)
    recorder.run(lambda: run_case(tests, "test_equal"))   # -> "native" or "folded"

Where the cases come from: `onnx.backend.test.case.node.collect_testcases()` runs every
`export_*` generator under `onnx/backend/test/case/node` in process (about 8 s) and keeps the
models and input/output arrays in memory. Older onnx releases wrote them to `data/node/<name>/`
(model.onnx, test_data_set_0/input_*.pb, output_*.pb) with `cmd_tools generate-data`; the
installed wheel ships no `data/node`, and its `BackendTest` does not need one: its node tests
read these same in-memory cases (`loader.load_model_tests(kind="node")`). So nothing is written
to disk or copied into site-packages. `write_cases(dir)` writes that layout anyway, to
reproduce a case with `tcc compile dir/test_x/model.onnx` (`report.py --write DIR`).

Native or folded: a passing case is "folded" when the program tcc compiled for it computes
nothing from its run-time inputs (`TcompilerRep.folded`: no kernel call takes an input), and
"native" otherwise. The backend bakes in only hyper-parameter inputs (shapes, axes, ...), so a
case may be folded only when it has no data input (`data_inputs`): the tests hold every case
with one to "native".

The suite: every case of the installed onnx that has a model (1,884 in onnx 1.23), whatever
its ops and element types; `expected_failures.txt` lists the ones tcc declines, with why.
"""

from __future__ import annotations

import functools
import os
import re
import unittest
import warnings
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import onnx
from onnx import TensorProto, numpy_helper
from onnx.backend.test.case.test_case import TestCase

EXPECTED_FAILURES = Path(__file__).with_name("expected_failures.txt")
TEST_CLASS = "OnnxBackendNodeModelTest"  # the unittest class BackendTest puts node cases in
DEVICE_SUFFIX = "_cpu"


@functools.cache
def all_cases() -> tuple[TestCase, ...]:
    """Every node case of the installed onnx (generated in process, once)."""
    from onnx.backend.test.case.node import collect_testcases

    with warnings.catch_warnings():  # some generators overflow casts on purpose
        warnings.simplefilter("ignore")
        return tuple(collect_testcases())


def ops_of(case: TestCase) -> set[str]:
    assert case.model is not None
    return {node.op_type for node in case.model.graph.node}


def suite_cases() -> dict[str, TestCase]:
    """name -> case, for every case with a model, sorted by name."""
    return {c.name: c for c in sorted(all_cases(), key=lambda c: c.name) if c.model is not None}


class Recorder:
    """`tcompiler.backend` as BackendTest uses it (prepare, supports_device, is_compatible),
    keeping the reps it prepares so a run can tell natively computed cases from folded ones."""

    def __init__(self) -> None:
        import tcompiler.backend

        self.backend = tcompiler.backend
        self.reps: list[Any] = []

    def prepare(self, model: onnx.ModelProto, device: str = "CPU", **kwargs: Any) -> Any:
        rep = self.backend.prepare(model, device, **kwargs)
        self.reps.append(rep)
        return rep

    def supports_device(self, device: str) -> bool:
        return self.backend.supports_device(device)

    def is_compatible(self, model: onnx.ModelProto, device: str = "CPU", **kwargs: Any) -> bool:
        return self.backend.is_compatible(model, device, **kwargs)

    def run(self, case: Callable[[], None]) -> str:
        """Run `case` (raising on failure); "folded" if every rep it compiled is folded."""
        self.reps.clear()
        case()
        folded = self.reps and all(rep.folded for rep in self.reps)
        return "folded" if folded else "native"


def data_inputs(model: onnx.ModelProto) -> list[str]:
    """Graph inputs the backend feeds at run time (not hyper-parameters) whose values some
    node reads (not only their shape): a case with one must run natively."""
    from tcompiler.backend import SHAPE_ONLY, parameter_inputs

    graph = model.graph
    initializers = {i.name for i in graph.initializer}
    parameters = parameter_inputs(model)
    read = {name for node in graph.node if node.op_type not in SHAPE_ONLY for name in node.input}
    return [i.name for i in graph.input
            if i.name not in initializers and i.name not in parameters and i.name in read]


def expected_outcome(model: onnx.ModelProto) -> str:
    """"native" for a model with a data input, else "folded" (see the module doc)."""
    return "native" if data_inputs(model) else "folded"


def backend_tests(names: Iterable[str], parent_module: str,
                  backend: Any = None) -> type[unittest.TestCase]:
    """`onnx.backend.test.BackendTest` over `backend` (default `tcompiler.backend`), limited
    to `names` (CPU)."""
    import onnx.backend.test

    import tcompiler.backend

    runner = onnx.backend.test.BackendTest(backend or tcompiler.backend, parent_module)
    for name in names:
        runner.include(f"^{re.escape(name)}{DEVICE_SUFFIX}$")
    return runner.test_cases[TEST_CLASS]


def run_case(tests: type[unittest.TestCase], name: str, **options: Any) -> None:
    """Run one case as BackendTest defines it (prepare, run, compare); raise on failure.

    `options` go to `tcompiler.backend.prepare` (e.g. `cache_dir`) through the runner.
    """
    method = f"{name}{DEVICE_SUFFIX}"
    getattr(tests(method), method)(**options)


def read_expected(path: Path = EXPECTED_FAILURES) -> dict[str, str]:
    """`test_name  # reason` lines -> {name: reason}; blank lines and `#` comments skipped."""
    expected: dict[str, str] = {}
    for number, line in enumerate(path.read_text().splitlines(), 1):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        name, _, reason = text.partition("#")
        name, reason = name.strip(), reason.strip()
        if not reason or " " in name:
            raise ValueError(f"{path}:{number}: expected 'test_name  # reason', got {line!r}")
        if name in expected:
            raise ValueError(f"{path}:{number}: {name} is listed twice")
        expected[name] = reason
    return expected


def write_cases(directory: str | os.PathLike[str], cases: Iterable[TestCase]) -> None:
    """Write cases in the `cmd_tools generate-data` layout: <dir>/<name>/model.onnx + data."""
    for case in cases:
        assert case.model is not None and case.data_sets is not None
        case_dir = Path(directory) / case.name
        case_dir.mkdir(parents=True, exist_ok=True)
        (case_dir / "model.onnx").write_bytes(case.model.SerializeToString())
        graph = case.model.graph
        for i, (inputs, outputs) in enumerate(case.data_sets):
            data_dir = case_dir / f"test_data_set_{i}"
            data_dir.mkdir(exist_ok=True)
            for kind, values, infos in (("input", inputs, graph.input),
                                        ("output", outputs, graph.output)):
                for j, (value, info) in enumerate(zip(values, infos)):
                    (data_dir / f"{kind}_{j}.pb").write_bytes(_serialize(value, info))


def _serialize(value: Any, info: onnx.ValueInfoProto) -> bytes:
    if isinstance(value, TensorProto):
        return value.SerializeToString()
    if info.type.HasField("sequence_type"):
        return numpy_helper.from_list(value, info.name).SerializeToString()
    if info.type.HasField("optional_type"):
        return numpy_helper.from_optional(value, info.name).SerializeToString()
    return numpy_helper.from_array(value, info.name).SerializeToString()
