"""Running a fuzzing case the plain way (tcc's public API, not the fuzz engine), for the
generator's and mutators' tests: the case's pipeline applied after its level's entry point,
then the result interpreted."""

from __future__ import annotations

import numpy as np
import onnx
import onnxruntime as ort
from onnx.reference import ReferenceEvaluator
from xdsl.dialects.builtin import ModuleOp

from tcompiler import interp
from tcompiler.context import make_context, parse_module
from tcompiler.fuzz.case import Case
from tcompiler.pipeline import CompileOptions, compile_to_stage
from tcompiler.plugins import build_pipeline
from tcompiler.weights import TccContext, WeightStore

OPTIONS = CompileOptions(memory_plan="greedy")


def entry(case: Case) -> tuple[ModuleOp, TccContext]:
    """`case`'s program at its level's entry point (onnx: imported by the frontend)."""
    if case.level == "onnx":
        assert case.model is not None
        comp = compile_to_stage(onnx.ModelProto.FromString(case.model), "onnx", OPTIONS)
        return comp.module, comp.ctx
    assert case.ir is not None
    ctx = make_context(WeightStore(dict(case.weights)))
    return parse_module(case.ir, ctx), ctx


def run_pipeline(case: Case) -> tuple[ModuleOp, TccContext]:
    module, ctx = entry(case)
    if case.pipeline:
        build_pipeline(",".join(case.pipeline)).apply(ctx, module)
    module.verify()
    return module, ctx


def interpret(module: ModuleOp, ctx: TccContext, feeds: dict[str, np.ndarray]
              ) -> dict[str, np.ndarray]:
    assert ctx.weights is not None
    return interp.interpret(module, feeds, ctx.weights.arrays)


def reference(model: bytes, feeds: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """onnxruntime's outputs, or onnx.reference's where onnxruntime refuses a valid model
    (e.g. a linear Resize that scales the batch dim)."""
    options = ort.SessionOptions()
    options.log_severity_level = 4
    try:
        session = ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])
        names = [o.name for o in session.get_outputs()]
        results = session.run(None, feeds)
    except Exception:  # noqa: BLE001 - onnxruntime's errors have no common type
        proto = onnx.ModelProto.FromString(model)
        names = [o.name for o in proto.graph.output]
        results = ReferenceEvaluator(proto).run(None, feeds)
    return dict(zip(names, (np.asarray(v) for v in results)))


def worst(actual: dict[str, np.ndarray], expected: dict[str, np.ndarray]) -> float:
    """The largest `interp.relative_error` over `expected`'s outputs (shapes must agree)."""
    error = 0.0
    for name, want in expected.items():
        got = actual[name]
        assert got.shape == want.shape, (name, got.shape, want.shape)
        if want.dtype == np.bool_ or want.dtype.kind in "iu":
            assert np.array_equal(got, want), name
            continue
        error = max(error, interp.relative_error(got, want))
    return error
