"""Semantics of the storage ops of the kernels and schedule stages: where each memref lives.

    kernel.weight "w"   the WeightStore tensor `w`, flat and read-only (a kernel writing a
                        weight is an error, as it would be in the artifact's weight blob)
    kernel.buffer       a fresh array of NaN (integers: the lowest value), or, when the
                        memory plan is there (`@main` has `tcc.arena_size`), the bytes
                        [offset, offset + size) of ONE arena shared by every buffer
                        (a dead buffer, which the plan does not place, gets its own array)
    kernel.view %b      the same flat array as %b (its shape is only in the type); with an
                        `offset`, the run of %b's elements from there (a numpy view: writes
                        through it land in %b)

With the arena, the interpreter runs the plan as the artifact does: two buffers the plan
places on overlapping bytes while both are live clobber each other, and the outputs show it.
The arena starts as 0xFF bytes (NaN in f32), so reading a byte never written shows too (under
`memref.unwritten_fill`, as that byte).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from xdsl.dialects import func
from xdsl.dialects.builtin import IntegerAttr
from xdsl.interpreter import (
    Interpreter,
    InterpreterFunctions,
    PythonValues,
    impl,
    register_impls,
)

from tcompiler import ir_names
from tcompiler.dialects import kernel
from tcompiler.interp.core import InterpretError, element_type, numpy_dtype, shape_of
from tcompiler.interp.memref import fill_byte, garbage


@dataclass
class Storage:
    """The weights by name and, under a memory plan, the arena (bytes)."""

    weights: Mapping[str, np.ndarray]
    arena: np.ndarray | None = None

    @staticmethod
    def for_graph(graph: func.FuncOp, weights: Mapping[str, np.ndarray]) -> Storage:
        """Storage for running `graph`: with an arena iff it carries a memory plan."""
        size = graph.attributes.get(ir_names.ARENA_SIZE)
        if not isinstance(size, IntegerAttr):
            return Storage(weights)
        byte = fill_byte()
        return Storage(weights, np.full(size.value.data, 0xFF if byte is None else byte,
                                        dtype=np.uint8))

    def weight(self, name: str, dtype: np.dtype[Any], shape: tuple[int, ...]) -> np.ndarray:
        """The weight `name` as a read-only array of `dtype` and `shape`."""
        if name not in self.weights:
            raise InterpretError(f"weight '{name}' is not in the weight store")
        array = np.asarray(self.weights[name])
        if array.size != int(np.prod(shape)):
            raise InterpretError(f"weight '{name}' holds {array.size} elements, the IR "
                                 f"expects shape {shape}")
        view = np.ascontiguousarray(array, dtype=dtype).reshape(shape).view()
        view.flags.writeable = False
        return view

    def buffer(self, op: kernel.BufferOp) -> np.ndarray:
        ty = op.result.type
        dtype, count = numpy_dtype(element_type(ty)), int(np.prod(shape_of(ty)))
        if self.arena is None or op.offset is None:
            return garbage(dtype, count)  # unplanned, or dead (the plan places used buffers)
        start, size = op.offset.value.data, count * dtype.itemsize
        if start < 0 or start + size > len(self.arena):
            raise InterpretError(f"kernel.buffer at bytes [{start}, {start + size}) is outside "
                                 f"the arena of {len(self.arena)} bytes")
        return self.arena[start:start + size].view(dtype)


def storage(interpreter: Interpreter) -> Storage:
    """The storage `run.interpret` set up for this run (empty without one)."""
    return interpreter.get_data(StorageFunctions, "storage", lambda: Storage({}))


@register_impls
class StorageFunctions(InterpreterFunctions):
    @impl(kernel.WeightOp)
    def run_weight(self, interpreter: Interpreter, op: kernel.WeightOp, args: PythonValues
                   ) -> PythonValues:
        ty = op.result.type
        array = storage(interpreter).weight(op.weight_name.data, numpy_dtype(element_type(ty)),
                                            shape_of(ty))
        return (array.reshape(-1),)

    @impl(kernel.BufferOp)
    def run_buffer(self, interpreter: Interpreter, op: kernel.BufferOp, args: PythonValues
                   ) -> PythonValues:
        return (storage(interpreter).buffer(op),)

    @impl(kernel.ViewOp)
    def run_view(self, interpreter: Interpreter, op: kernel.ViewOp, args: PythonValues
                 ) -> PythonValues:
        if op.offset is None:
            return args
        start = op.element_offset
        return (args[0][start:start + int(np.prod(shape_of(op.result.type)))],)
