"""Semantics of the llvm ops the loops stage admits for vectors (`contracts.LOOPS`, used by
the int8 kernels, `codegen/loops/qgemm.py`), on numpy values:

- bitcast: the same bytes seen as the result type (a vector<4xi8> becomes one i32);
- sitofp, trunc: numpy's casts (trunc keeps the low bits);
- call_intrinsic `llvm.x86.avx512.vpdpbusd.512`: acc + the sum of each 32-bit lane's four
  u8 (first operand) x s8 (second) byte products, wrapping in int32.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from xdsl.dialects import llvm
from xdsl.dialects.builtin import VectorType
from xdsl.ir import Operation

from tcompiler.codegen.llvm_rules import llvm_type
from tcompiler.interp.core import Fn, InterpretError, Rule, element_type, numpy_dtype

VPDPBUSD = "llvm.x86.avx512.vpdpbusd.512"


def _result(op: Operation) -> tuple[np.dtype[Any], tuple[int, ...] | None]:
    ty = op.results[0].type
    shape = tuple(ty.get_shape()) if isinstance(ty, VectorType) else None
    return numpy_dtype(element_type(ty)), shape


def _bitcast(op: llvm.BitcastOp, arrays: bool) -> Fn:
    dtype, shape = _result(op)
    source = numpy_dtype(llvm_type(element_type(op.arg.type)))

    def bitcast(v: Any) -> Any:
        raw = np.ascontiguousarray(np.asarray(v, dtype=source)).view(dtype)
        return raw.reshape(shape) if shape is not None else raw.reshape(())[()]

    return bitcast


def _cast(op: Operation, arrays: bool) -> Fn:
    dtype, _ = _result(op)
    return lambda v: np.asarray(v).astype(dtype)


def _call_intrinsic(op: llvm.CallIntrinsicOp, arrays: bool) -> Fn:
    if op.intrin.data != VPDPBUSD:
        raise InterpretError(f"llvm.call_intrinsic: {op.intrin.data} is not supported")

    def vpdpbusd(acc: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        u8 = a.astype(np.int32).view(np.uint8).reshape(-1, 4).astype(np.int64)
        s8 = b.astype(np.int32).view(np.int8).reshape(-1, 4).astype(np.int64)
        return (acc.astype(np.int64) + (u8 * s8).sum(axis=1)).astype(np.int32)

    return vpdpbusd


LLVM_VECTOR_RULES: dict[type[Operation], Rule] = {
    llvm.BitcastOp: _bitcast, llvm.SIToFPOp: _cast, llvm.TruncOp: _cast,
    llvm.CallIntrinsicOp: _call_intrinsic,
}
"""llvm op -> rule (merged into the vector rules)."""
