"""`CompiledModel`: a `Program` made callable.

Construction loads the kernel objects in process with MCJIT (no recompilation, no system
linker), resolves every kernel address and builds its ctypes function pointer once, allocates
one 64-byte-aligned arena of `arena_bytes` and copies the weights into a 64-byte-aligned
buffer, and precomputes each step's argument pointers; only input and output pointers are
patched in per call.

Calls: `model(*arrays, **named)`, `model.run(list | dict)` -> list of outputs, and
`model.run_dict(...)` -> {output name: array}. Inputs are validated, never cast (see
`tcompiler.runtime.inputs`); inputs need no alignment. Outputs are fresh, 64-byte-aligned
arrays each call: the caller may keep them.

Thread safety: a model may be called from several threads; a lock around the arena runs one
inference at a time per model (kernel calls release the GIL, so other Python work and other
models proceed meanwhile). For parallel inferences, load the artifact once per thread.
"""

from __future__ import annotations

import ctypes
import sys
import threading
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from tcompiler.artifact import program_problem
from tcompiler.codegen.jit import load_objects
from tcompiler.errors import ArtifactError, TcError
from tcompiler.program import Buffer, Program, TensorSpec
from tcompiler.runtime.inputs import bind_inputs
from tcompiler.weights import ALIGNMENT

Kernel = Any  # a ctypes CFUNCTYPE instance


def aligned_empty(shape: Sequence[int], dtype: npt.DTypeLike) -> np.ndarray:
    """An uninitialized C-contiguous array whose data starts at a 64-byte boundary."""
    dtype = np.dtype(dtype)
    nbytes = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    raw = np.empty(nbytes + ALIGNMENT, dtype=np.uint8)
    start = -raw.ctypes.data % ALIGNMENT
    return raw[start:start + nbytes].view(dtype).reshape(shape)


class _OutputPool:
    """Output arrays that a run may reuse: a set whose arrays nobody outside the pool refers
    to any more (no variable, no view: numpy views keep the owning buffer referenced) is handed
    out again, so a model run in a loop does not page-fault fresh output memory on every call
    (tens of MB for large feature maps). At most `SETS` sets are kept."""

    SETS = 2

    def __init__(self, specs: Sequence[TensorSpec]):
        self._specs = specs
        self._sets: list[list[np.ndarray]] = []

    def take(self) -> list[np.ndarray]:
        for arrays in self._sets:
            if self._free(arrays):
                return list(arrays)
        fresh = [aligned_empty(spec.shape, spec.dtype) for spec in self._specs]
        if len(self._sets) < self.SETS:
            self._sets.append(fresh)
        return list(fresh)

    @staticmethod
    def _free(arrays: list[np.ndarray]) -> bool:
        """Whether only the pool refers to `arrays` and to the buffers they view."""
        for i in range(len(arrays)):
            # references to arrays[i]: the pool's list and getrefcount's argument
            if sys.getrefcount(arrays[i]) > 2:
                return False
            # to its owner (numpy views point at the owning buffer): arrays[i].base, `owner`
            # and getrefcount's argument; any other view of it adds one
            owner = arrays[i].base
            if owner is not None and sys.getrefcount(owner) > 3:
                return False
        return True


class _Step:
    """One kernel call: fixed pointers in `args`; `patches` are (position, io slot) pairs."""

    __slots__ = ("fn", "args", "patches")

    def __init__(self, fn: Kernel, args: list[int], patches: list[tuple[int, int]]):
        self.fn, self.args, self.patches = fn, args, patches


class CompiledModel:
    def __init__(self, program: Program, name: str = "model"):
        problem = program_problem(program)
        if problem is not None:
            raise ArtifactError(f"{name}: invalid program: {problem}")
        self._program = program
        self._name = name
        self._lock = threading.Lock()
        self._outputs = _OutputPool(program.outputs)
        try:
            self._library = load_objects(program.objects[n] for n in sorted(program.objects))
        except TcError as err:
            raise ArtifactError(f"{name}: cannot load kernels: {err}") from None
        self._arena = aligned_empty((max(program.arena_bytes, 1),), np.uint8)
        self._weights = aligned_empty((max(len(program.weights), 1),), np.uint8)
        self._weights[: len(program.weights)] = np.frombuffer(program.weights, np.uint8)
        self._weights.flags.writeable = False
        kernels = self._resolve_kernels()
        buffers = {buf.id: buf for buf in program.buffers}
        self._steps = [self._bind_step(kernels[step.kernel], [buffers[a] for a in step.args])
                       for step in program.steps]

    def _resolve_kernels(self) -> dict[str, Kernel]:
        kernels: dict[str, Kernel] = {}
        for step in self._program.steps:
            if step.kernel in kernels:
                continue
            try:
                address = self._library.address(step.kernel)
            except KeyError:
                address = 0
            if not address:
                raise ArtifactError(f"{self._name}: kernel '{step.kernel}' is not defined by "
                                    f"object '{self._program.kernels[step.kernel]}'")
            signature = ctypes.CFUNCTYPE(None, *[ctypes.c_void_p] * len(step.args))
            kernels[step.kernel] = signature(address)
        return kernels

    def _bind_step(self, fn: Kernel, buffers: list[Buffer]) -> _Step:
        n_inputs = len(self._program.inputs)
        args: list[int] = []
        patches: list[tuple[int, int]] = []
        for position, buf in enumerate(buffers):
            args.append(0)
            if buf.kind == "input":
                patches.append((position, buf.index))
            elif buf.kind == "output":
                patches.append((position, n_inputs + buf.index))
            elif buf.kind == "weight":
                args[position] = self._weights.ctypes.data + buf.offset
            else:
                args[position] = self._arena.ctypes.data + buf.offset
        return _Step(fn, args, patches)

    @property
    def inputs(self) -> list[TensorSpec]:
        return list(self._program.inputs)

    @property
    def outputs(self) -> list[TensorSpec]:
        return list(self._program.outputs)

    @property
    def meta(self) -> dict[str, Any]:
        return self._program.meta

    def __call__(self, *arrays: Any, **named: Any) -> list[np.ndarray]:
        return self._execute(bind_inputs(self._program.inputs, arrays, named))

    def run(self, inputs: Sequence[Any] | Mapping[str, Any]) -> list[np.ndarray]:
        """Run on inputs given as a list (by position) or a dict (by name)."""
        if isinstance(inputs, Mapping):
            return self._execute(bind_inputs(self._program.inputs, (), inputs))
        return self._execute(bind_inputs(self._program.inputs, inputs, {}))

    def run_dict(self, inputs: Sequence[Any] | Mapping[str, Any]) -> dict[str, np.ndarray]:
        outputs = self.run(inputs)
        return {spec.name: out for spec, out in zip(self._program.outputs, outputs)}

    def _execute(self, inputs: list[np.ndarray]) -> list[np.ndarray]:
        with self._lock:
            outputs = self._outputs.take()
            io = [array.ctypes.data for array in (*inputs, *outputs)]
            for step in self._steps:
                args = step.args
                if step.patches:  # only steps touching inputs/outputs need per-call pointers
                    args = args.copy()
                    for position, slot in step.patches:
                        args[position] = io[slot]
                step.fn(*args)
        return outputs

    def __repr__(self) -> str:
        return (f"CompiledModel({self._name!r}, inputs={[s.name for s in self.inputs]}, "
                f"outputs={[s.name for s in self.outputs]})")
