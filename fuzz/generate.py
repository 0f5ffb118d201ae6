"""NNSmith-style generation of valid, well-typed programs at every fuzzing level.

    case = generate(random.Random(7), "onnx")      # Case(level="onnx", model=..., pipeline=...)
    case = generate(rng, "kernels", GenConfig(max_ops=4))
    proto = generate_model(rng, GenConfig(ops=("Conv", "Relu")))
    feeds = sample_inputs(case, seed=0)           # random inputs for the case's entry point

- `onnx`: a random ONNX graph over the ops tcc supports (`onnx_ops.RULES`: the CNN and
  transformer op sets, elementwise math and comparisons with numpy broadcasting, data
  movement, reductions, int64/int32/bool tensors where ops take them), grown one op at a
  time with shapes and attributes solved on the spot (`onnx_graph`), with several inputs and
  outputs, weights as initializers with random values, odd and degenerate sizes (1, primes,
  zero-size dims, scalars) at a random opset. Every model passes strict shape inference and
  the full `onnx.checker`; values are kept finite (see `onnx_graph`).
- `kernels`: such a model compiled to the `kernels` stage with random legal schedules
  (`choose-schedules{policy=random seed=N}`), or, with chance `GenConfig.schedule_stage`,
  to the `schedule` stage (`plan-memory{method=greedy}`: buffers carry offsets); the IR
  text plus the weights its `kernel.weight` ops name.
- `loops`: the same at the `schedule` stage with every kernel function lowered by
  `lower-kernels-to-loops`, `@main` kept (as `tcompiler.interp.run(..., stage="loops")`
  does), so the whole program still runs in the interpreter.

A model tcc declines (a `TcError`: unsupported, shapes it cannot infer) is replaced by the
next one from the same seed at the kernels and loops levels (onnx-level cases are returned
as generated: compiling them is the fuzzer's job; `tests/fuzzing/test_generate.py` measures
the decline rate).
Each case carries `mutate_passes.default_pipeline(level)` (for the kernels level taken after
plan-memory, the passes after it), and `seed`, from which `generate_seeded` remakes it.
"""

from __future__ import annotations

import random
from collections.abc import Mapping

import numpy as np
import onnx
from xdsl.dialects import func
from xdsl.dialects.builtin import MemRefType, ModuleOp

from tcompiler import ir_names
from tcompiler.errors import TcError
from tcompiler.fuzz.case import LEVELS, Case
from tcompiler.fuzz.mutate_passes import default_pipeline
from tcompiler.fuzz.onnx_graph import DTYPES, GenConfig, GraphBuilder, Value
from tcompiler.fuzz.onnx_ops import rules_for

__all__ = ["GenConfig", "generate", "generate_model", "generate_seeded", "lower_model",
           "model_inputs", "sample_inputs"]

MAX_DECLINES = 20
"""Models tried per kernels/loops case before giving up (declines are rare: see the tests)."""

THEMES = ("image", "image", "sequence", "matrix", "vector", "any")


def generate(rng: random.Random, level: str, config: GenConfig = GenConfig()) -> Case:
    """A valid, well-typed program at `level` with a default pipeline for it."""
    return generate_seeded(rng.getrandbits(31), level, config)


def generate_seeded(seed: int, level: str, config: GenConfig = GenConfig()) -> Case:
    """The case `generate` makes from `seed` (so `Case.seed` remakes it)."""
    if level not in LEVELS:
        raise ValueError(f"unknown level {level!r} (one of {', '.join(LEVELS)})")
    rng = random.Random(seed)
    if level == "onnx":
        model = generate_model(rng, config)
        return Case(level="onnx", model=model.SerializeToString(),
                    pipeline=default_pipeline("onnx"), seed=seed, origin="generated")
    for _ in range(MAX_DECLINES):
        model = generate_model(rng, config)
        stage = "loops" if level == "loops" else (
            "schedule" if rng.random() < config.schedule_stage else "kernels")
        try:
            text, weights = lower_model(model, stage, rng.getrandbits(31))
        except TcError:  # declined (unsupported, a shape tcc cannot infer): the next one
            continue
        pipeline = default_pipeline(level, planned=stage == "schedule")
        return Case(level=level, ir=text, weights=weights, pipeline=pipeline, seed=seed,
                    origin="generated")
    raise RuntimeError(f"generate: {MAX_DECLINES} models in a row declined (seed {seed})")


# ----------------------------------------------------------------------------- onnx


def generate_model(rng: random.Random, config: GenConfig = GenConfig()) -> onnx.ModelProto:
    """A random valid ONNX model (see the module docstring)."""
    b = GraphBuilder(rng, config, opset=rng.choice(config.opsets))
    _first_input(b)
    rules = rules_for(config.ops)
    if not rules:
        raise ValueError(f"no generator rule emits only {config.ops}")
    weights = [r.weight for r in rules]
    wanted = rng.randint(config.min_ops, max(config.min_ops, config.max_ops))
    made = tries = 0
    while made < wanted and tries < 6 * wanted + 10:
        tries += 1
        made += rng.choices(rules, weights)[0].apply(b)
    if not b.nodes:
        x = b.values[0]
        b.node("Identity", [x], [b.like(x)])
    return b.finish(_outputs(b))


def _first_input(b: GraphBuilder) -> Value:
    rng, config = b.rng, b.config
    theme = rng.choice(THEMES)
    if rng.random() < config.scalars:
        shape: tuple[int, ...] = ()
    elif theme == "image":
        rank = min(config.max_rank, rng.choice([4, 4, 4, 3, 5]))
        shape = (rng.choice([1, 1, 2]), *b.shape(rank - 1, config.max_elements // 2))
    elif theme == "sequence":
        shape = b.shape(min(3, config.max_rank))
    elif theme == "matrix":
        shape = b.shape(min(2, config.max_rank))
    elif theme == "vector":
        shape = b.shape(1)
    else:
        shape = b.shape(rng.randint(1, config.max_rank))
    if shape and rng.random() < config.zero_size:
        dims = list(shape)
        dims[rng.randrange(len(dims))] = 0
        shape = tuple(dims)
    dtype = "float32"
    if rng.random() < config.integer_inputs:
        dtype = rng.choice(["int64", "int64", "int32", "bool"])
    return b.add_input(shape, dtype)


def _outputs(b: GraphBuilder) -> list[Value]:
    """The values no node reads (newest first, at most `max_outputs`), sometimes plus an
    intermediate value; unread values beyond that stay as dead code."""
    inputs = {v.name for v in b.inputs} | set(b.initializers)
    made = [v for v in b.values if v.name not in inputs]
    sinks = [v for v in reversed(made) if not b.uses.get(v.name)]
    chosen = sinks[:max(1, b.config.max_outputs)]
    others = [v for v in made if v not in chosen]
    if others and len(chosen) < b.config.max_outputs and b.chance(0.2):
        chosen.append(b.rng.choice(others))
    return chosen or made[-1:]


# ----------------------------------------------------------------------------- kernels, loops


def lower_model(model: onnx.ModelProto, stage: str, schedule_seed: int
                ) -> tuple[str, dict[str, np.ndarray]]:
    """`model` compiled to `stage` (kernels, schedule or loops; see the module docstring)
    with random schedules: the IR text and the weights it names."""
    from tcompiler.context import module_text
    from tcompiler.passes.lower_kernels_to_loops import LowerKernelsToLoopsPass
    from tcompiler.pipeline import CompileOptions, compile_to_stage, run_stages
    from tcompiler.stages import CONV_ALGORITHM_PIPELINE, Stage

    options = CompileOptions(memory_plan="greedy")
    comp = compile_to_stage(model, "graph", options)
    from tcompiler.kernels import KERNELS_PIPELINE

    stages = [Stage("kernels", f"{KERNELS_PIPELINE},choose-schedules{{policy=random "
                               f"seed={schedule_seed}}},{CONV_ALGORITHM_PIPELINE}", "module")]
    if stage in ("schedule", "loops"):
        stages.append(Stage("schedule", "plan-memory{method=greedy}", "module"))
    run_stages(comp.module, comp.ctx, stages, options)
    if stage == "loops":
        LowerKernelsToLoopsPass().apply(comp.ctx, comp.module)
        comp.module.verify()
    text = module_text(comp.module)
    return text, used_weights(comp.module, comp.weights.arrays)


def used_weights(module: ModuleOp, arrays: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The weights `module`'s `kernel.weight` ops name."""
    from tcompiler.dialects.kernel import WeightOp

    names = {op.weight_name.data for op in module.walk() if isinstance(op, WeightOp)}
    return {name: arrays[name] for name in sorted(names) if name in arrays}


# ----------------------------------------------------------------------------- inputs


def sample_inputs(case: Case, seed: int = 0) -> dict[str, np.ndarray]:
    """Random inputs for `case`'s entry point (the model's inputs, or `@main`'s named
    inputs): floats standard normal, integers in [-3, 3], bools fair coins. The generator
    keeps every program defined on such inputs (indices and divisors are weights)."""
    if case.model is not None:
        return model_inputs(onnx.ModelProto.FromString(case.model), seed)
    return _memref_inputs(case, np.random.default_rng(seed))


def model_inputs(proto: onnx.ModelProto, seed: int = 0) -> dict[str, np.ndarray]:
    """`sample_inputs` for an ONNX model."""
    rng = np.random.default_rng(seed)
    weights = {i.name for i in proto.graph.initializer}
    specs = [(i.name, tuple(d.dim_value for d in i.type.tensor_type.shape.dim),
              i.type.tensor_type.elem_type)
             for i in proto.graph.input if i.name not in weights]
    dtypes = {code: name for name, code in DTYPES.items()}
    return {name: _random(rng, shape, dtypes[code]) for name, shape, code in specs}


def _memref_inputs(case: Case, rng: np.random.Generator) -> dict[str, np.ndarray]:
    from tcompiler.context import parse_module
    from tcompiler.interp import entry_function
    from tcompiler.interp.core import element_type, numpy_dtype
    from tcompiler.interp.run import names_of

    assert case.ir is not None
    fn: func.FuncOp = entry_function(parse_module(case.ir))
    names = names_of(fn, ir_names.INPUT_NAMES) or [
        f"arg{i}" for i in range(len(fn.function_type.inputs.data))]
    feeds: dict[str, np.ndarray] = {}
    for name, ty in zip(names, fn.function_type.inputs.data):
        assert isinstance(ty, MemRefType)
        dtype = numpy_dtype(element_type(ty)).name
        feeds[name] = _random(rng, tuple(ty.get_shape()), "bool" if dtype == "bool" else dtype)
    return feeds


def _random(rng: np.random.Generator, shape: tuple[int, ...], dtype: str) -> np.ndarray:
    if dtype == "float32":
        return rng.standard_normal(shape).astype(np.float32)
    if dtype == "bool":
        return np.asarray(rng.random(shape) < 0.5)
    return np.asarray(rng.integers(-3, 4, shape), dtype=dtype)
