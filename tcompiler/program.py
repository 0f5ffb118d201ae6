"""`Program`: everything a compiled model is, between the compiler and the runtime.

The compiler (`tcompiler.pipeline`) produces a Program; `tcompiler.artifact` writes and reads
it as one `.tcc` file; `tcompiler.runtime` executes it. A Program holds no IR: just kernel
object code, a list of steps (which kernel, on which buffers) and where every buffer lives.

Buffers are addressed by id. Kinds:
- "input" / "output": the caller's tensors; `index` is the position in `inputs` / `outputs`.
- "weight": read-only bytes at `offset` in the weights blob (64-byte aligned).
- "arena": scratch bytes at `offset` in the one arena the runtime allocates
  (`arena_bytes` long, 64-byte aligned).
Each step calls its kernel symbol with one pointer per arg buffer id, in order
(`void kernel(float* a0, float* a1, ...)`). Steps run in list order.

A step whose kernel names one of `loops` runs a loop instead (an ONNX Loop, `LoopBody`): its
args are the trip count (int64, when `LoopBody.trip_arg`: known at run time), the initial
carried values, the captured values, the final carried values, the scan outputs and a scratch
arena buffer of `LoopBody.scratch_bytes`; the body is a sub-program of
its own steps and buffers (its "input" and "output" buffers are the body's io slots, its
"arena" buffers at offsets in the scratch, its "weight" buffers in the one weights blob).

Outputs whose size depends on input data (NonZero, Compress, NonMaxSuppression results):
such an output's spec has a `dynamic_axis`; its `shape` is the upper bound, and the kernels
write the extent along that axis at run time to an int64 [1] length output. The length
outputs come last in `outputs`, one per dynamic output in their order (`lengths` pairs
them up); the runtime returns the model's outputs only, each dynamic one cut to its length.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

ALIGNMENT = 64
"""Byte alignment of every weight and arena buffer (one cache line, a full AVX-512 vector)."""

BufferKind = Literal["input", "output", "weight", "arena"]


@dataclass(frozen=True)
class TensorSpec:
    name: str
    shape: tuple[int, ...]
    dtype: str  # numpy dtype name, e.g. "float32"
    dynamic_axis: int | None = None  # the axis whose extent is known at run time (module doc)

    @property
    def nbytes(self) -> int:
        count = 1
        for d in self.shape:
            count *= d
        return count * np.dtype(self.dtype).itemsize

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"name": self.name, "shape": list(self.shape), "dtype": self.dtype}
        if self.dynamic_axis is not None:
            data["dynamic_axis"] = self.dynamic_axis
        return data

    @staticmethod
    def from_json(data: dict[str, Any]) -> TensorSpec:
        axis = data.get("dynamic_axis")
        return TensorSpec(str(data["name"]), tuple(int(d) for d in data["shape"]),
                          str(data["dtype"]), None if axis is None else int(axis))


def lengths(outputs: list[TensorSpec]) -> dict[int, int]:
    """Position of each dynamic output in `outputs` -> the position of its length output."""
    dynamic = [i for i, spec in enumerate(outputs) if spec.dynamic_axis is not None]
    first = len(outputs) - len(dynamic)
    return {i: first + n for n, i in enumerate(dynamic)}


def model_outputs(outputs: list[TensorSpec]) -> list[TensorSpec]:
    """`outputs` without the length outputs: the model's own."""
    return outputs[:len(outputs) - len(lengths(outputs))]


@dataclass(frozen=True)
class Buffer:
    id: int
    kind: BufferKind
    nbytes: int
    index: int = 0  # for inputs and outputs
    offset: int = 0  # for weights and arena buffers

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "kind": self.kind, "nbytes": self.nbytes, "index": self.index,
                "offset": self.offset}

    @staticmethod
    def from_json(data: dict[str, Any]) -> Buffer:
        return Buffer(int(data["id"]), data["kind"], int(data["nbytes"]), int(data["index"]),
                      int(data["offset"]))


@dataclass(frozen=True)
class Step:
    kernel: str  # symbol name
    args: tuple[int, ...]  # buffer ids

    def to_json(self) -> dict[str, Any]:
        return {"kernel": self.kernel, "args": list(self.args)}

    @staticmethod
    def from_json(data: dict[str, Any]) -> Step:
        return Step(str(data["kernel"]), tuple(int(a) for a in data["args"]))


@dataclass(frozen=True)
class LoopBody:
    """The body of a loop step (module doc). Body inputs: the iteration number (int64), the
    condition (bool), the carried values, the captured values; outputs: the condition, the new
    carried values, one slice per scan output. The scratch holds the body's arena, then the
    io slots of `state_offsets` (iteration, condition, carried values in, condition and
    carried values out); a scan output slice i goes to byte i * its size of the output."""

    trip_count: int  # -1: until the condition is false (or the trip count argument)
    carried: int
    inputs: list[TensorSpec]
    outputs: list[TensorSpec]
    steps: list[Step]
    buffers: list[Buffer]
    arena_bytes: int
    trip_arg: bool = False  # the step's first arg is the trip count

    def state_offsets(self) -> tuple[list[int], int]:
        """Scratch offsets of iteration, condition, carried in, condition out, carried out;
        and the scratch size."""
        specs = [*self.inputs[:2 + self.carried], *self.outputs[:1 + self.carried]]
        offsets, size = [], _aligned(self.arena_bytes)
        for spec in specs:
            offsets.append(size)
            size += _aligned(spec.nbytes)
        return offsets, size

    @property
    def scratch_bytes(self) -> int:
        return self.state_offsets()[1]

    def to_json(self) -> dict[str, Any]:
        return {"trip_count": self.trip_count, "carried": self.carried,
                "inputs": [s.to_json() for s in self.inputs],
                "outputs": [s.to_json() for s in self.outputs],
                "steps": [s.to_json() for s in self.steps],
                "buffers": [b.to_json() for b in self.buffers], "arena_bytes": self.arena_bytes,
                "trip_arg": self.trip_arg}

    @staticmethod
    def from_json(data: dict[str, Any]) -> LoopBody:
        return LoopBody(int(data["trip_count"]), int(data["carried"]),
                        [TensorSpec.from_json(s) for s in data["inputs"]],
                        [TensorSpec.from_json(s) for s in data["outputs"]],
                        [Step.from_json(s) for s in data["steps"]],
                        [Buffer.from_json(b) for b in data["buffers"]], int(data["arena_bytes"]),
                        bool(data.get("trip_arg", False)))


def _aligned(size: int) -> int:
    return -(-size // ALIGNMENT) * ALIGNMENT


@dataclass
class Program:
    inputs: list[TensorSpec]
    outputs: list[TensorSpec]
    objects: dict[str, bytes]  # object-file name -> ELF relocatable bytes (each defines kernels)
    kernels: dict[str, str]  # kernel symbol -> object-file name that defines it
    steps: list[Step]
    buffers: list[Buffer]
    arena_bytes: int
    weights: bytes | memoryview  # the packed weights blob (read from an artifact: a read-only
    # view of 64-byte-aligned memory, which the runtime uses without a copy)
    target: dict[str, str]  # {"triple", "cpu", "features"} the objects were built for
    meta: dict[str, Any] = field(default_factory=dict)  # model, compiler version, plan, passes...
    loops: dict[str, LoopBody] = field(default_factory=dict)  # loop step name -> its body
