"""The model suites the onnx wheel ships, run through BackendTest over `tcompiler.backend`.

    SUITES                                    # suite -> (loader kind, BackendTest class)
    names = suite_case_names("simple")        # the suite's case names (test_...)
    tests = suite_tests(__name__)             # suite -> unittest class BackendTest builds
    run_suite_case(tests, "simple", "test_shrink", cache_dir=...)

Suites (`onnx/backend/test/data/<dir>`; BackendTest's `kind`):
- `light` (kind `real`): the nine real architectures; each `data.json` points at
  `data/light/light_<name>.onnx` (every weight 0.02) whose expected output the wheel ships;
  the runner builds the input (`arange(n) / n`) and writes it under `$ONNX_MODELS` (set to a
  temporary directory here, never `~/.onnx`). Heavy: most are marked slow.
- `simple`: small hand-built models (sequences, strings, Expand, gradients...).
- `pytorch-converted`: torch.nn modules exported by old PyTorch (opsets 6-9).
- `pytorch-operator`: torch functions exported by old PyTorch.

Expectations: `expected_failures_suites.txt`, lines `suite/test_name  # reason`, kept true
both ways as for the node cases (test_model_suites.py).
"""

from __future__ import annotations

import functools
import os
import re
import unittest
from pathlib import Path
from typing import Any

import onnx

SUITES: dict[str, tuple[str, str]] = {
    "light": ("real", "OnnxBackendRealModelTest"),
    "simple": ("simple", "OnnxBackendSimpleModelTest"),
    "pytorch-converted": ("pytorch-converted", "OnnxBackendPyTorchConvertedModelTest"),
    "pytorch-operator": ("pytorch-operator", "OnnxBackendPyTorchOperatorModelTest"),
}
EXPECTED_FAILURES = Path(__file__).with_name("expected_failures_suites.txt")
SLOW_LIGHT = frozenset({"test_bvlc_alexnet", "test_vgg19", "test_zfnet512", "test_densenet121",
                        "test_inception_v1", "test_inception_v2", "test_resnet50"})
"""Light models whose import and compile take tens of seconds: the slow mark."""
DEVICE_SUFFIX = "_cpu"


@functools.cache
def suite_case_names(suite: str) -> tuple[str, ...]:
    from onnx.backend.test.loader import load_model_tests

    kind, _ = SUITES[suite]
    return tuple(sorted(case.name for case in load_model_tests(kind=kind)))


def case_model(suite: str, name: str) -> onnx.ModelProto:
    """The model of a suite case (for per-op counts), without its weights."""
    data = Path(onnx.__file__).parent / "backend" / "test" / "data"
    kind, _ = SUITES[suite]
    case_dir = data / kind / name
    if (case_dir / "model.onnx").exists():
        return onnx.load(str(case_dir / "model.onnx"), load_external_data=False)
    return onnx.load(str(data / "light" / f"light_{name.removeprefix('test_')}.onnx"))


def ops_of(suite: str, name: str) -> set[str]:
    return {node.op_type for node in case_model(suite, name).graph.node}


def suite_tests(parent_module: str, backend: Any = None) -> dict[str, type[unittest.TestCase]]:
    """suite -> the unittest class BackendTest builds for it, over `backend` (default
    `tcompiler.backend`; CPU)."""
    import onnx.backend.test

    import tcompiler.backend

    runner = onnx.backend.test.BackendTest(backend or tcompiler.backend, parent_module)
    for suite in SUITES:
        for name in suite_case_names(suite):
            runner.include(f"^{re.escape(name)}{DEVICE_SUFFIX}$")
    classes = runner.test_cases
    return {suite: classes[cls] for suite, (_, cls) in SUITES.items()}


def run_suite_case(tests: dict[str, type[unittest.TestCase]], suite: str, name: str,
                   models_dir: str | os.PathLike[str], **options: Any) -> None:
    """Run one case as BackendTest defines it; raise on failure. `models_dir` receives the
    inputs/outputs the runner writes for light models ($ONNX_MODELS)."""
    method = f"{name}{DEVICE_SUFFIX}"
    previous = os.environ.get("ONNX_MODELS")
    os.environ["ONNX_MODELS"] = str(models_dir)
    try:
        getattr(tests[suite](method), method)(**options)
    finally:
        if previous is None:
            del os.environ["ONNX_MODELS"]
        else:
            os.environ["ONNX_MODELS"] = previous
