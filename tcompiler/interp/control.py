"""Semantics of `onnx.Loop` (`tcompiler.dialects.onnx_control`): the body's ops run through
the interpreter once per iteration, in a Python loop.

The iteration number and the condition are one-element arrays of the body arguments' shapes;
the loop stops at the trip count (the property, or the trip count input's value at run time)
or after a body yields a false condition; scan outputs are
the yielded slices stacked along a new axis 0.
"""

from __future__ import annotations

import numpy as np
from xdsl.interpreter import Interpreter, PythonValues
from xdsl.ir import SSAValue

from tcompiler.dialects.onnx import shape_of
from tcompiler.dialects.onnx_control import LoopOp, YieldOp


def run_loop(interpreter: Interpreter, op: LoopOp, args: PythonValues) -> PythonValues:
    block = op.body.block
    trips = op.trips
    if op.trip_input is not None:
        trips, args = int(np.asarray(args[0]).reshape(-1)[0]), args[1:]
    count = len(op.initial)
    carried, captured = list(args[:count]), list(args[count:])
    slices: list[list[np.ndarray]] = [[] for _ in range(op.scan_count)]
    iteration, running = 0, True
    while running and (trips < 0 or iteration < trips):
        values: dict[SSAValue, object] = dict(zip(block.args, [
            np.full(shape_of(block.args[0]), iteration, np.int64),
            np.full(shape_of(block.args[1]), True), *carried, *captured], strict=True))
        for inner in block.ops:
            inputs = tuple(values[v] for v in inner.operands)
            if isinstance(inner, YieldOp):
                running = bool(np.asarray(inputs[0]).reshape(-1)[0])
                carried = list(inputs[1:1 + count])
                for parts, part in zip(slices, inputs[1 + count:], strict=True):
                    parts.append(np.asarray(part))
                break
            values.update(zip(inner.results, interpreter.run_op(inner, inputs), strict=True))
        iteration += 1
    return (*carried, *(np.stack(parts) for parts in slices))
