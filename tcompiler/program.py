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

Outputs whose size depends on input data (NonZero, Compress, NonMaxSuppression results):
such an output's spec has a `dynamic_axis`; its `shape` is the upper bound, and the kernels
write the extent along that axis at run time to an int64 [1] length output. The length
outputs come last in `outputs`, one per dynamic output in their order (`lengths` pairs
them up); the runtime returns the model's outputs only, each dynamic one cut to its length.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

ALIGNMENT = 64
"""Byte alignment of every weight and arena buffer (one cache line, a full AVX-512 vector)."""

BufferKind = Literal["input", "output", "weight", "arena"]


@dataclass(frozen=True)
class TensorSpec:
    name: str
    shape: tuple[int, ...]
    dtype: str  # numpy dtype name, e.g. "float32"
    dynamic_axis: int | None = None  # the axis whose extent is known at run time (module doc)

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
