"""A hand-built two-kernel Program (objects from LLVM IR text via llvmlite) for runtime tests.

Inputs a, b: float32[4,4]; weight w: float32[16] at offset 64; outputs y = (a + b) * w + a and
z = a * w, through two arena buffers. Kernels `add` and `scale` live in two objects.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

import llvmlite.binding as llb
import numpy as np
import pytest

from tcompiler.artifact import write_artifact
from tcompiler.codegen.llvm_backend import target_machine
from tcompiler.codegen.target import Target
from tcompiler.program import Buffer, Program, Step, TensorSpec
from tcompiler.runtime.native import RUNNER_OBJECT, runner_object
from tcompiler.weights import WeightStore

N = 16
SHAPE = (4, 4)

ELEMENTWISE = """
define void @{name}(ptr noalias %x, ptr noalias %y, ptr noalias %o) {{
entry:
  br label %loop
loop:
  %i = phi i64 [0, %entry], [%next, %loop]
  %px = getelementptr float, ptr %x, i64 %i
  %py = getelementptr float, ptr %y, i64 %i
  %po = getelementptr float, ptr %o, i64 %i
  %vx = load float, ptr %px
  %vy = load float, ptr %py
  %v = {op} float %vx, %vy
  store float %v, ptr %po
  %next = add i64 %i, 1
  %more = icmp ult i64 %next, {n}
  br i1 %more, label %loop, label %exit
exit:
  ret void
}}
"""


def host_target() -> dict[str, str]:
    return asdict(Target.host())


def object_from_ir(text: str) -> bytes:
    machine = target_machine(Target.host())
    module = llb.parse_assembly(text)
    module.verify()
    return bytes(machine.emit_object(module))


def emit_object(name: str, op: str) -> bytes:
    return object_from_ir(ELEMENTWISE.format(name=name, op=op, n=N))


def weight_values() -> np.ndarray:
    return np.linspace(-2.0, 2.0, N, dtype=np.float32)


def expected(a: np.ndarray, b: np.ndarray) -> list[np.ndarray]:
    w = weight_values().reshape(SHAPE)
    return [(a + b) * w + a, a * w]


@pytest.fixture(scope="session")
def objects() -> dict[str, bytes]:
    return {"add": emit_object("add", "fadd"), "scale": emit_object("scale", "fmul")}


def make_program(objects: dict[str, bytes]) -> Program:
    store = WeightStore()
    store.add("pad", np.full(3, 7.0, np.float32))
    store.add("w", weight_values())
    blob, offsets = store.pack(["pad", "w"])
    nbytes = N * 4
    return Program(
        inputs=[TensorSpec("a", SHAPE, "float32"), TensorSpec("b", SHAPE, "float32")],
        outputs=[TensorSpec("y", SHAPE, "float32"), TensorSpec("z", SHAPE, "float32")],
        objects=dict(objects),
        kernels={"add": "add", "scale": "scale"},
        steps=[Step("add", (0, 1, 5)), Step("scale", (5, 4, 6)), Step("add", (6, 0, 2)),
               Step("scale", (0, 4, 3))],
        buffers=[Buffer(0, "input", nbytes, index=0), Buffer(1, "input", nbytes, index=1),
                 Buffer(2, "output", nbytes, index=0), Buffer(3, "output", nbytes, index=1),
                 Buffer(4, "weight", nbytes, offset=offsets["w"]),
                 Buffer(5, "arena", nbytes, offset=0), Buffer(6, "arena", nbytes, offset=64)],
        arena_bytes=128,
        weights=blob,
        target=host_target(),
        meta={"model": "hand-built", "passes": ["none"], "note": {"z": 1, "a": [1.5, None]}},
    )


@pytest.fixture
def program(objects: dict[str, bytes]) -> Program:
    return make_program(objects)


@pytest.fixture
def artifact(tmp_path: Path, program: Program) -> Path:
    """The program as `tcc compile` writes it: with its runner object."""
    path = tmp_path / "model.tcc"
    program.objects[RUNNER_OBJECT] = runner_object(program, Target.host())
    write_artifact(path, program)
    return path


@pytest.fixture
def sample() -> Callable[[int], tuple[np.ndarray, np.ndarray]]:
    def make(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
        rng = np.random.default_rng(seed)
        return (rng.standard_normal(SHAPE).astype(np.float32),
                rng.standard_normal(SHAPE).astype(np.float32))
    return make


@pytest.fixture
def compile_ir() -> Callable[[str], bytes]:
    return object_from_ir


@pytest.fixture
def reference() -> Callable[[np.ndarray, np.ndarray], list[np.ndarray]]:
    return expected
