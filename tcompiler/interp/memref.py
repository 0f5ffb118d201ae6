"""Semantics of the `memref` ops of the loops stage: load, store, alloca/alloc, dealloc.

A memref value is a flat 1-D numpy view (see `core`); `%ref[%i, %j]` is element
`i * stride_0 + j` of it, the strides those of the static row-major shape. An index may run
past its dimension into the next row, as the kernels' contiguous-plane addressing does (the
same address in the native code); outside the buffer it is an IndexError. A fresh
allocation is filled with NaN (floats) or the type's lowest value, so reading it before
writing shows; under `unwritten_fill(byte)` every fresh allocation, buffer, output and the
arena start as that byte instead (the fuzzer's check that no output depends on memory nothing
wrote: such outputs change with the fill).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import numpy as np
from xdsl.dialects import memref
from xdsl.ir import Operation

from tcompiler.interp.core import (
    Fn,
    Rule,
    element_type,
    numpy_dtype,
    row_major_strides,
    rule_functions,
    shape_of,
)


def offset_fn(strides: tuple[int, ...]) -> Fn:
    """`offset(*indices)`: the flat element offset of `indices` for these strides."""
    if len(strides) == 0:
        return lambda: 0
    if len(strides) == 1:
        return lambda i: i
    if len(strides) == 2:
        s0 = strides[0]
        return lambda i, j: i * s0 + j
    if len(strides) == 3:
        s0, s1 = strides[:2]
        return lambda i, j, k: i * s0 + j * s1 + k
    if len(strides) == 4:
        s0, s1, s2 = strides[:3]
        return lambda i, j, k, m: i * s0 + j * s1 + k * s2 + m
    return lambda *ivs: sum(i * s for i, s in zip(ivs, strides))


def out_of_bounds(offset: int, count: int, size: int) -> IndexError:
    return IndexError(f"access to elements [{offset}, {offset + count}) of a buffer of {size}")


def _checked(o: int, a: np.ndarray) -> int:
    if o < 0:
        raise out_of_bounds(o, 1, len(a))
    return o


def _load(op: memref.LoadOp, arrays: bool) -> Fn:
    """a[flat offset], specialized for ranks 1 to 4 (the hot loads of every kernel)."""
    strides = row_major_strides(shape_of(op.memref.type))
    if len(strides) == 1:
        return lambda a, i: a[_checked(i, a)]
    if len(strides) == 2:
        s0 = strides[0]
        return lambda a, i, j: a[_checked(i * s0 + j, a)]
    if len(strides) == 3:
        s0, s1 = strides[:2]
        return lambda a, i, j, k: a[_checked(i * s0 + j * s1 + k, a)]
    if len(strides) == 4:
        s0, s1, s2 = strides[:3]
        return lambda a, i, j, k, m: a[_checked(i * s0 + j * s1 + k * s2 + m, a)]
    offset = offset_fn(strides)
    return lambda a, *ivs: a[_checked(offset(*ivs), a)]


def _store(op: memref.StoreOp, arrays: bool) -> Fn:
    """a[flat offset] = v, specialized for ranks 1 to 4."""
    strides = row_major_strides(shape_of(op.memref.type))
    offset = offset_fn(strides)

    def store(v: Any, a: np.ndarray, *ivs: int) -> None:
        a[_checked(offset(*ivs), a)] = v

    if len(strides) == 2:
        s0 = strides[0]

        def store2(v: Any, a: np.ndarray, i: int, j: int) -> None:
            a[_checked(i * s0 + j, a)] = v

        return store2
    if len(strides) == 4:
        s0, s1, s2 = strides[:3]

        def store4(v: Any, a: np.ndarray, i: int, j: int, k: int, m: int) -> None:
            a[_checked(i * s0 + j * s1 + k * s2 + m, a)] = v

        return store4
    return store


_FILL: ContextVar[int | None] = ContextVar("unwritten_fill", default=None)


@contextmanager
def unwritten_fill(byte: int) -> Iterator[None]:
    """Within: memory nothing wrote yet holds `byte` in every byte (see the module doc)."""
    token = _FILL.set(byte)
    try:
        yield
    finally:
        _FILL.reset(token)


def fill_byte() -> int | None:
    """The byte of the enclosing `unwritten_fill`, else None."""
    return _FILL.get()


def garbage(dtype: np.dtype[Any], count: int) -> np.ndarray:
    """A fresh flat array of `count` elements that nothing wrote: `poison`, or under
    `unwritten_fill` that byte."""
    byte = _FILL.get()
    if byte is None or dtype.kind == "V":
        return poison(dtype, count)
    return np.full(count * dtype.itemsize, byte, dtype=np.uint8).view(dtype)


def poison(dtype: np.dtype[Any], count: int) -> np.ndarray:
    """A fresh flat array of `count` elements that are visibly uninitialized."""
    if dtype.kind == "f" or dtype.name == "bfloat16":
        return np.full(count, np.nan, dtype=dtype)
    if dtype.kind == "V":  # ml_dtypes' int4, uint4, int2, uint2
        return np.zeros(count, dtype=dtype)
    if dtype.kind == "b":
        return np.ones(count, dtype=dtype)
    return np.full(count, np.iinfo(dtype).min, dtype=dtype)


def _alloc(op: memref.AllocaOp | memref.AllocOp, arrays: bool) -> Fn:
    ty = op.memref.type
    dtype = numpy_dtype(element_type(ty))
    static = [d for d in shape_of(ty) if d >= 0]

    def allocate(*dynamic_sizes: int) -> np.ndarray:
        return garbage(dtype, int(np.prod([*static, *dynamic_sizes])))

    return allocate


def _dealloc(op: Operation, arrays: bool) -> Fn:
    return lambda ref: None


MEMREF_RULES: dict[type[Operation], Rule] = {
    memref.LoadOp: _load, memref.StoreOp: _store,
    memref.AllocaOp: _alloc, memref.AllocOp: _alloc,
    memref.DeallocOp: _dealloc,
}
"""memref op -> rule."""

MemRefFunctions = rule_functions("MemRefFunctions", MEMREF_RULES)
