"""The light architectures the onnx package ships (`onnx/backend/test/data/light/*.onnx`), with
seeded random weights (`zoo.randomized`; the shipped weights are all 0.02), compiled with every
forced convolution algorithm and compared with onnxruntime on their pre-softmax logits (as
the light-random suite scores them). Each compile must rewrite exactly the conv call sites the
schedule rules say the algorithm is valid for (`costmodel.space`, asked about every conv of the
model's kernels stage). The cheapest runs by default; the others are marked slow."""

from __future__ import annotations

import functools

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from xdsl.dialects import func

from tcompiler import zoo
from tcompiler.costmodel.schedules import CONV_ALGORITHM_CHOICES
from tcompiler.costmodel.space import space
from tcompiler.dialects import kernel
from tcompiler.pipeline import CompileOptions, compile_model, compile_to_stage
from tcompiler.runtime import CompiledModel

ALGORITHMS = ("direct", "im2col", "im2win", "winograd")
CHEAP = ("squeezenet",)  # plain 3x3 and 1x1 convs: every algorithm rewrites some
FIRST_KERNEL = {"im2col": "im2col_", "im2win": "im2win", "winograd": "winograd_input_"}
"""The kernel each rewritten call site calls exactly once."""
MODELS = [m if m in CHEAP else pytest.param(m, marks=pytest.mark.slow) for m in zoo.LIGHT_MODELS]


@functools.cache
def randomized(name: str) -> onnx.ModelProto:
    return zoo.randomized(name, seed=0)


@functools.cache
def reference(name: str) -> tuple[np.ndarray, np.ndarray]:
    """(input, onnxruntime's logits) of the randomized model on onnx's runner input."""
    model = randomized(name)
    inits = {i.name for i in model.graph.initializer}
    (data,) = [i for i in model.graph.input if i.name not in inits]
    x = zoo.test_input(tuple(d.dim_value for d in data.type.tensor_type.shape.dim))
    opts = ort.SessionOptions()
    opts.log_severity_level = 3
    session = ort.InferenceSession(model.SerializeToString(), opts,
                                   providers=["CPUExecutionProvider"])
    logits = session.run(None, {data.name: x})[-1]
    assert np.ptp(logits) > 0, f"{name}: random weights must give distinct logits"
    return x, logits


def valid_sites(name: str, algorithm: str, cache_dir: str) -> int:
    """How many conv call sites of the model `algorithm` is valid for (the schedule rules,
    asked about each kernel.conv of the kernels stage compiled with direct convs)."""
    comp = compile_to_stage(randomized(name), "kernels", CompileOptions(
        cache_dir=cache_dir, schedules="heuristic", conv_algorithm="direct"))
    functions = {op.sym_name.data: op for op in comp.module.body.block.ops
                 if isinstance(op, func.FuncOp)}
    main = functions["main"]
    count = 0
    for call in main.body.walk():
        if not isinstance(call, func.CallOp):
            continue
        callee = functions[call.callee.root_reference.data]
        conv = next((op for op in callee.body.walk() if isinstance(op, kernel.ConvOp)), None)
        if conv is not None and any(s.algorithm in CONV_ALGORITHM_CHOICES[algorithm]
                                    for s in space(conv)):
            count += 1
    return count


@pytest.mark.parametrize("algorithm", ALGORITHMS)
@pytest.mark.parametrize("name", MODELS)
def test_light_model_with_forced_conv_algorithm(name: str, algorithm: str,
                                                options: CompileOptions) -> None:
    x, want = reference(name)
    program, report = compile_model(randomized(name), CompileOptions(
        cache_dir=options.cache_dir, jobs=options.jobs, schedules="heuristic",
        conv_algorithm=algorithm))
    got = CompiledModel(program).run([x])[-1]
    scale = float(np.abs(want).max())
    np.testing.assert_allclose(got, want, rtol=1e-3, atol=1e-4 * scale,
                               err_msg=f"{name} --conv-algorithm {algorithm}")
    assert np.argmax(got) == np.argmax(want), f"{name} {algorithm}: another class wins"
    names = list(report.info["schedules"])
    if algorithm == "direct":
        assert not any(n.startswith(tuple(FIRST_KERNEL.values())) for n in names), names
        return
    # call sites (program steps): equal transforms of several convs share one function
    rewritten = sum(step.kernel.startswith(FIRST_KERNEL[algorithm]) for step in program.steps)
    assert rewritten == valid_sites(name, algorithm, options.cache_dir), (name, algorithm, names)
