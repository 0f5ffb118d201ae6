"""STAND-IN for the INPUTS branch's generator (delete this file when merging it: the real
`fuzz/generate.py` replaces it). Only the interface the engine uses:

    generate(rng, level, config=GenConfig()) -> Case
"""

from __future__ import annotations

import importlib
import random
import sys
from dataclasses import dataclass

from tcompiler.context import module_text
from tcompiler.errors import TcError
from tcompiler.fuzz.case import Case
from tcompiler.fuzz.coverage import repository_root
from tcompiler.fuzz.mutate_passes import default_pipeline


@dataclass(frozen=True)
class GenConfig:
    max_ops: int = 8


def _random_model(seed: int) -> bytes:
    tests = str(repository_root() / "tests")
    if tests not in sys.path:
        sys.path.insert(0, tests)
    proto, _ = importlib.import_module("interp.generate").random_model(seed)
    return proto.SerializeToString()


def generate(rng: random.Random, level: str, config: GenConfig = GenConfig()) -> Case:
    """A valid program at `level` (tests/interp/generate.py's models, lowered)."""
    from tcompiler.interp import compile_for
    from tcompiler.pipeline import CompileOptions

    seed = rng.getrandbits(31)
    model = _random_model(seed)
    if level == "onnx":
        return Case("onnx", default_pipeline("onnx"), model=model, seed=seed, origin="generated")
    options = CompileOptions(memory_plan="greedy", schedules="heuristic")
    try:
        comp = compile_for(model, "loops" if level == "loops" else "kernels", options)
    except TcError:
        return generate(rng, level, config)
    return Case(level, default_pipeline(level), ir=module_text(comp.module),
                weights=dict(comp.weights.arrays), seed=seed, origin="generated")
