"""Semantics of the `vector` ops of the loops stage, on 1-D numpy arrays.

- load: the `n` consecutive elements from the flat offset of the indices (a copy: later
  stores do not change a loaded vector); store writes them back. An index may run into the
  next row (as memref.load); leaving the buffer is an IndexError.
- broadcast: a scalar (or smaller vector) repeated to the result shape.
- fma: a * b + c, rounded twice in f32 (the native `llvm.fma` rounds once: 1 ulp apart).
- shuffle: `concat(v1, v2)[mask]`; insert/extract: one element at the static (or dynamic)
  position; insert returns a new vector.
- reduction: `kind` over the lanes (f32 adds in numpy's pairwise order; the native code,
  under `reassoc`, in its own), then combined with `acc` if given.
Arithmetic on vectors (`arith.addf` on `vector<8xf32>`, ...) is `tcompiler.interp.scalar`'s,
element-wise.
"""

from __future__ import annotations

import operator
from typing import Any

import numpy as np
from xdsl.dialects import vector
from xdsl.dialects.builtin import DYNAMIC_INDEX, DenseArrayBase, VectorType
from xdsl.ir import Operation

from tcompiler.dialects.kernel import int_values
from tcompiler.interp.core import (
    Fn,
    InterpretError,
    Rule,
    element_type,
    numpy_dtype,
    row_major_strides,
    rule_functions,
    shape_of,
)
from tcompiler.interp.llvm_vector import LLVM_VECTOR_RULES
from tcompiler.interp.memref import offset_fn, out_of_bounds


def _lanes(op: Operation) -> int:
    shape = shape_of(op.results[0].type if op.results else op.operands[0].type)
    if len(shape) != 1:
        raise InterpretError(f"{op.name}: only 1-D vectors are supported, got {shape}")
    return shape[0]


def _load(op: vector.LoadOp, arrays: bool) -> Fn:
    offset, lanes = offset_fn(row_major_strides(shape_of(op.base.type))), _lanes(op)

    def load(a: np.ndarray, *ivs: int) -> np.ndarray:
        o = offset(*ivs)
        if o < 0 or o + lanes > len(a):
            raise out_of_bounds(o, lanes, len(a))
        return a[o:o + lanes].copy()

    return load


def _store(op: vector.StoreOp, arrays: bool) -> Fn:
    offset, lanes = offset_fn(row_major_strides(shape_of(op.base.type))), _lanes(op)

    def store(v: np.ndarray, a: np.ndarray, *ivs: int) -> None:
        o = offset(*ivs)
        if o < 0 or o + lanes > len(a):
            raise out_of_bounds(o, lanes, len(a))
        a[o:o + lanes] = v

    return store


def _broadcast(op: vector.BroadcastOp, arrays: bool) -> Fn:
    shape = shape_of(op.vector.type)
    dtype = numpy_dtype(element_type(op.vector.type))
    if not isinstance(op.source.type, VectorType):
        return lambda x: np.full(shape, x, dtype=dtype)
    return lambda x: np.broadcast_to(x, shape).astype(dtype)


def _fma(op: vector.FMAOp, arrays: bool) -> Fn:
    return lambda a, b, c: a * b + c


def _shuffle(op: vector.ShuffleOp, arrays: bool) -> Fn:
    mask = np.array(int_values(op.mask), dtype=np.int64)
    return lambda a, b: np.concatenate((a, b))[mask]


def _position(static: DenseArrayBase, dynamic: tuple[Any, ...]) -> tuple[int, ...]:
    """The element position: static values, with DYNAMIC_INDEX slots taken from `dynamic`."""
    values = iter(dynamic)
    return tuple(int(next(values)) if p == DYNAMIC_INDEX else int(p)
                 for p in int_values(static))


def _insert(op: vector.InsertOp, arrays: bool) -> Fn:
    def insert(source: Any, dest: np.ndarray, *dynamic: int) -> np.ndarray:
        result = dest.copy()
        result[_position(op.static_position, dynamic)] = source
        return result

    return insert


def _extract(op: vector.ExtractOp, arrays: bool) -> Fn:
    def extract(source: np.ndarray, *dynamic: int) -> Any:
        value = source[_position(op.static_position, dynamic)]
        return value.copy() if isinstance(value, np.ndarray) else value

    return extract


_REDUCE: dict[str, tuple[Fn, Fn]] = {  # kind -> (reduce lanes, combine two values)
    "add": (np.add.reduce, operator.add), "mul": (np.multiply.reduce, operator.mul),
    "minsi": (np.min, np.minimum), "maxsi": (np.max, np.maximum),
    "minimumf": (np.min, np.minimum), "maximumf": (np.max, np.maximum),
    "minnumf": (np.nanmin, np.fmin), "maxnumf": (np.nanmax, np.fmax),
    "and": (np.bitwise_and.reduce, operator.and_), "or": (np.bitwise_or.reduce, operator.or_),
    "xor": (np.bitwise_xor.reduce, operator.xor),
}


def _reduction(op: vector.ReductionOp, arrays: bool) -> Fn:
    kind = op.kind.data.value
    if kind not in _REDUCE:
        raise InterpretError(f"vector.reduction: kind {kind!r} is not supported")
    reduce, combine = _REDUCE[kind]
    dtype = numpy_dtype(element_type(op.dest.type))
    if op.acc is None:
        return lambda v: dtype.type(reduce(v))
    return lambda v, acc: dtype.type(combine(dtype.type(reduce(v)), acc))


VECTOR_RULES: dict[type[Operation], Rule] = {
    vector.LoadOp: _load, vector.StoreOp: _store, vector.BroadcastOp: _broadcast,
    vector.FMAOp: _fma, vector.ShuffleOp: _shuffle, vector.InsertOp: _insert,
    vector.ExtractOp: _extract, vector.ReductionOp: _reduction, **LLVM_VECTOR_RULES,
}
"""vector op -> rule (and the llvm ops the loops stage admits for vectors)."""

VectorFunctions = rule_functions("VectorFunctions", VECTOR_RULES)
