"""`CompiledModel`: a `Program` made callable.

Construction links the kernel objects and the artifact's runner (`tcompiler.runtime.native`)
in process (`tcompiler.codegen.elf_loader`: no recompilation, no system linker, no LLVM) and
allocates one 64-byte-aligned arena of `arena_bytes`. The weights are used where they are
when 64-byte aligned (as `read_artifact` reads them), else copied once to such a buffer. An
inference is one ctypes call, given the input and output pointers. `threads` (default:
`TCC_NUM_THREADS`, else every core the process may run on) threads split the parallel
kernels; results do not depend on it.

Calls: `model(*arrays, **named)`, `model.run(list | dict)` -> list of outputs,
`model.run_dict(...)` -> {output name: array}, and `model.profile(inputs, runs=N)` -> the
per-kernel times of N runs (`tcompiler.runtime.profile`). Inputs are validated, never cast (see
`tcompiler.runtime.inputs`); inputs need no alignment. Outputs are fresh, 64-byte-aligned
arrays each call: the caller may keep them. An output whose size depends on the input data
(`program.py`) is its upper-bound array cut to the length the kernels wrote (a view when the
dynamic axis leads, else a contiguous copy); the length outputs are not returned.

`model.unwritten_fill = byte` (testing, e.g. the fuzzer's check that no output depends on
memory nothing wrote): every later run first sets every byte of the arena and of the output
buffers to `byte`; None (the default) leaves them as the last run left them.

Thread safety: a model may be called from several threads; a lock around the arena runs one
inference at a time per model (the native call releases the GIL, so other Python work and
other models proceed meanwhile). For parallel inferences, load the artifact once per thread.
"""

from __future__ import annotations

import ctypes
import dataclasses
import sys
import threading
import weakref
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from tcompiler.artifact import program_problem
from tcompiler.codegen.elf import defined_symbols
from tcompiler.codegen.jit import load_objects
from tcompiler.errors import ArtifactError, OptionError, TcError
from tcompiler.program import ALIGNMENT, Program, TensorSpec, lengths, model_outputs
from tcompiler.runtime.inputs import bind_inputs
from tcompiler.runtime.native import (
    RUNNER_OBJECT,
    TIMED_ENTRY,
    NativeRunner,
    runner_object,
    thread_count,
)
from tcompiler.runtime.profile import Profile, step_infos


def aligned_empty(shape: Sequence[int], dtype: npt.DTypeLike) -> np.ndarray:
    """An uninitialized C-contiguous array whose data starts at a 64-byte boundary."""
    dtype = np.dtype(dtype)
    nbytes = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    raw = np.empty(nbytes + ALIGNMENT, dtype=np.uint8)
    start = -raw.ctypes.data % ALIGNMENT
    return raw[start:start + nbytes].view(dtype).reshape(shape)


def _aligned_weights(weights: bytes | memoryview) -> np.ndarray:
    """`weights` as a read-only uint8 array at a 64-byte boundary: in place if it is there
    already (as `read_artifact` reads them), else a copy."""
    if len(weights) == 0:
        return aligned_empty((1,), np.uint8)
    array = np.frombuffer(weights, np.uint8)
    if array.ctypes.data % ALIGNMENT:
        array = aligned_empty(array.shape, np.uint8)
        array[:] = np.frombuffer(weights, np.uint8)
        array.flags.writeable = False
    return array


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


def _has_timed_runner(objects: Mapping[str, bytes], name: str) -> bool:
    if RUNNER_OBJECT not in objects:
        return False
    try:
        return TIMED_ENTRY in defined_symbols(objects[RUNNER_OBJECT])
    except (ValueError, IndexError) as err:
        raise ArtifactError(f"{name}: cannot load kernels: not a loadable object file "
                            f"'{RUNNER_OBJECT}' ({err})") from None


class CompiledModel:
    def __init__(self, program: Program, name: str = "model", threads: int | None = None):
        problem = program_problem(program)
        if problem is not None:
            raise ArtifactError(f"{name}: invalid program: {problem}")
        self.threads = thread_count(threads)
        self._program = program
        self._name = name
        self._lock = threading.Lock()
        self._outputs = _OutputPool(program.outputs)
        self._lengths = lengths(program.outputs)
        self._model_outputs = model_outputs(program.outputs)
        for kernel, obj in program.kernels.items():
            try:
                defined = defined_symbols(program.objects[obj])
            except (ValueError, IndexError) as err:
                raise ArtifactError(f"{name}: cannot load kernels: not a loadable object file "
                                    f"'{obj}' ({err})") from None
            if kernel not in defined:
                raise ArtifactError(f"{name}: kernel '{kernel}' is not defined by object "
                                    f"'{obj}'")
        objects = dict(program.objects)
        if not _has_timed_runner(objects, name):
            # built by hand, or compiled before runners had a timed entry: compiled here
            # (the one case where loading imports LLVM)
            from tcompiler.codegen.target import Target

            objects[RUNNER_OBJECT] = runner_object(program, Target.host())
        try:
            library = load_objects([objects[n] for n in sorted(objects)], sorted(objects))
        except TcError as err:
            raise ArtifactError(f"{name}: cannot load kernels: {err}") from None
        self._arena = aligned_empty((max(program.arena_bytes, 1),), np.uint8)
        self._weights = _aligned_weights(program.weights)
        self._runner = NativeRunner(library, len(program.inputs) + len(program.outputs),
                                    self._arena.ctypes.data, self._weights.ctypes.data,
                                    self.threads)
        weakref.finalize(self, self._runner.close)
        # the weights live on in `_weights`, the code in the library: keep neither twice
        self._program = dataclasses.replace(program, weights=b"", objects={})
        self._steps = step_infos(program)
        self.unwritten_fill: int | None = None

    @property
    def inputs(self) -> list[TensorSpec]:
        return list(self._program.inputs)

    @property
    def outputs(self) -> list[TensorSpec]:
        return list(self._model_outputs)

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
        return {spec.name: out for spec, out in zip(self._model_outputs, outputs)}

    def profile(self, inputs: Sequence[Any] | Mapping[str, Any], runs: int = 10,
                warmup: int = 1) -> Profile:
        """Time every step of `runs` runs on `inputs` (after `warmup` untimed runs), on this
        model's threads as an ordinary run uses them."""
        if isinstance(runs, bool) or not isinstance(runs, int) or runs < 1:
            raise OptionError(f"runs must be an integer >= 1, got {runs!r}")
        if isinstance(inputs, Mapping):
            arrays = bind_inputs(self._program.inputs, (), inputs)
        else:
            arrays = bind_inputs(self._program.inputs, inputs, {})
        for _ in range(warmup):
            self._execute(arrays)
        stamps = np.zeros((runs, len(self._program.steps) + 1), np.int64)
        with self._lock:
            outputs = self._outputs.take()
            pointers = [array.ctypes.data for array in (*arrays, *outputs)]
            for run in range(runs):
                self._runner.run_timed(pointers, stamps[run].ctypes.data)
        return Profile(self._steps, stamps, self.threads, self._name)

    def _execute(self, inputs: list[np.ndarray]) -> list[np.ndarray]:
        with self._lock:
            outputs = self._outputs.take()
            if self.unwritten_fill is not None:
                for array in (self._arena, *outputs):
                    ctypes.memset(array.ctypes.data, self.unwritten_fill, array.nbytes)
            self._runner.run([array.ctypes.data for array in (*inputs, *outputs)])
        return [self._cut(i, outputs) for i in range(len(self._model_outputs))]

    def _cut(self, index: int, outputs: list[np.ndarray]) -> np.ndarray:
        """Output `index` as the model gives it: a dynamic one cut to its run-time length."""
        array = outputs[index]
        if index not in self._lengths:
            return array
        axis = self._model_outputs[index].dynamic_axis
        assert axis is not None
        length = min(max(int(outputs[self._lengths[index]][0]), 0), array.shape[axis])
        cut = array[(slice(None),) * axis + (slice(0, length),)]
        return cut if axis == 0 else np.ascontiguousarray(cut)

    def __repr__(self) -> str:
        return (f"CompiledModel({self._name!r}, inputs={[s.name for s in self.inputs]}, "
                f"outputs={[s.name for s in self.outputs]})")
