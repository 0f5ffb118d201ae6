"""The model suites the onnx wheel ships, run through BackendTest over `tcompiler.backend`,
and the light architectures scored on random weights.

    SUITES                                    # suite -> (loader kind, BackendTest class)
    ALL_SUITES                                # SUITES and "light-random"
    names = suite_case_names("simple")        # the suite's case names (test_...)
    tests = suite_tests(__name__)             # suite -> unittest class for its cases
    run_suite_case(tests, "simple", "test_shrink", cache_dir=...)

Suites (`onnx/backend/test/data/<dir>`; BackendTest's `kind`):
- `light-smoke` (kind `real`): the nine real architectures; each `data.json` points at
  `data/light/light_<name>.onnx` whose expected output the wheel ships; the runner builds the
  input (`arange(n) / n`) and writes it under `$ONNX_MODELS` (set to a temporary directory
  here, never `~/.onnx`). A smoke test only: every weight is 0.02, so 8 of the 9 expected
  outputs are a uniform softmax (0.001 everywhere) and DenseNet's is a constant; any finite
  computation passes. Heavy: most are marked slow.
- `light-random` (not BackendTest's): the same nine architectures with seeded random weights
  and their pre-softmax logits exposed (`tcompiler.zoo.randomized`), through the backend on
  the same input; the logits must match onnxruntime's (`check_random_light`). This is the
  suite that scores the light architectures.
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

import numpy as np
import onnx

SUITES: dict[str, tuple[str, str]] = {
    "light-smoke": ("real", "OnnxBackendRealModelTest"),
    "simple": ("simple", "OnnxBackendSimpleModelTest"),
    "pytorch-converted": ("pytorch-converted", "OnnxBackendPyTorchConvertedModelTest"),
    "pytorch-operator": ("pytorch-operator", "OnnxBackendPyTorchOperatorModelTest"),
}
RANDOM_LIGHT = "light-random"
ALL_SUITES = (*SUITES, RANDOM_LIGHT)
LIGHT_SUITES = frozenset({"light-smoke", RANDOM_LIGHT})
EXPECTED_FAILURES = Path(__file__).with_name("expected_failures_suites.txt")
SLOW_LIGHT = frozenset({"test_bvlc_alexnet", "test_vgg19", "test_zfnet512", "test_densenet121",
                        "test_inception_v1", "test_inception_v2", "test_resnet50"})
"""Light models whose import and compile take tens of seconds: the slow mark (in both light
suites; shufflenet and squeezenet stay in quick runs)."""
DEVICE_SUFFIX = "_cpu"


@functools.cache
def suite_case_names(suite: str) -> tuple[str, ...]:
    from onnx.backend.test.loader import load_model_tests

    if suite == RANDOM_LIGHT:
        from tcompiler import zoo

        return tuple(sorted(f"test_{model}" for model in zoo.LIGHT_MODELS))
    kind, _ = SUITES[suite]
    return tuple(sorted(case.name for case in load_model_tests(kind=kind)))


def case_model(suite: str, name: str) -> onnx.ModelProto:
    """The model of a suite case (for per-op counts), without its weights. For light-random,
    the shipped architecture with its logits exposed, less the ConstantOfShape nodes that
    build its weights (`zoo.randomize` makes them initializers)."""
    data = Path(onnx.__file__).parent / "backend" / "test" / "data"
    if suite == RANDOM_LIGHT:
        from tcompiler import zoo

        model = zoo.with_logits(case_model("light-smoke", name))
        keep = [n for n in model.graph.node if n.op_type != "ConstantOfShape"]
        del model.graph.node[:]
        model.graph.node.extend(keep)
        return model
    kind, _ = SUITES[suite]
    case_dir = data / kind / name
    if (case_dir / "model.onnx").exists():
        return onnx.load(str(case_dir / "model.onnx"), load_external_data=False)
    return onnx.load(str(data / "light" / f"light_{name.removeprefix('test_')}.onnx"))


def ops_of(suite: str, name: str) -> set[str]:
    return {node.op_type for node in case_model(suite, name).graph.node}


def suite_tests(parent_module: str, backend: Any = None) -> dict[str, type[unittest.TestCase]]:
    """suite -> the unittest class of its cases, over `backend` (default `tcompiler.backend`;
    CPU): the one BackendTest builds, and for light-random `random_light_tests`."""
    import onnx.backend.test

    import tcompiler.backend

    backend = backend or tcompiler.backend
    runner = onnx.backend.test.BackendTest(backend, parent_module)
    for suite in SUITES:
        for name in suite_case_names(suite):
            runner.include(f"^{re.escape(name)}{DEVICE_SUFFIX}$")
    classes = runner.test_cases
    tests = {suite: classes[cls] for suite, (_, cls) in SUITES.items()}
    return {**tests, RANDOM_LIGHT: random_light_tests(backend)}


def random_light_tests(backend: Any) -> type[unittest.TestCase]:
    """A unittest class shaped like BackendTest's: `test_<model>_cpu(**options)` runs
    `check_random_light` for one light architecture (options go to `backend.prepare`)."""
    def case(model: str) -> Any:
        def run(self: unittest.TestCase, **options: Any) -> None:
            check_random_light(backend, model, **options)
        return run

    methods = {f"{name}{DEVICE_SUFFIX}": case(name.removeprefix("test_"))
               for name in suite_case_names(RANDOM_LIGHT)}
    return type("RandomLightModelTest", (unittest.TestCase,), methods)


def check_random_light(backend: Any, model_name: str, **options: Any) -> None:
    """The light architecture with seeded random weights (`zoo.randomized`), prepared and run
    by `backend` on onnx's runner input (`arange(n) / n`): its pre-softmax logits (the last
    output) must match onnxruntime's to rtol 1e-3 and 1e-4 of their largest magnitude, with
    the same argmax. Random weights give distinct logits, so a wrong layer shows."""
    import onnxruntime as ort

    from tcompiler import zoo

    model = zoo.randomized(model_name, seed=0)
    rep = backend.prepare(model, "CPU", **options)
    (data,) = [i for i in model.graph.input if i.name in rep.input_names]
    x = zoo.test_input(tuple(d.dim_value for d in data.type.tensor_type.shape.dim))
    logits = rep.run([x])[-1]
    session_options = ort.SessionOptions()
    session_options.log_severity_level = 3
    session = ort.InferenceSession(model.SerializeToString(), session_options,
                                   providers=["CPUExecutionProvider"])
    expected = session.run(None, {data.name: x})[-1]
    assert np.ptp(expected) > 0, f"{model_name}: random weights must give distinct logits"
    scale = float(np.abs(expected).max())
    np.testing.assert_allclose(logits, expected, rtol=1e-3, atol=1e-4 * scale,
                               err_msg=f"{model_name}: logits differ from onnxruntime's")
    assert np.argmax(logits) == np.argmax(expected), f"{model_name}: another class wins"


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
