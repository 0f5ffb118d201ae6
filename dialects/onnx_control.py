"""The control-flow op of the `onnx` dialect: `onnx.Loop`, a loop with a region (registered in
`onnx.ONNX` through `CONTROL_OPS`, but not in `ONNX_OPS`: the importer builds it itself,
`tcompiler.frontend.loops`).

    %final, %ys = "onnx.Loop"(%v0, %w) <{trip_count = 1000 : i64,
                                          operandSegmentSizes = array<i32: 0, 1, 1>}> ({
    ^bb0(%i: tensor<i64>, %cond: tensor<i1>, %v: tensor<4xf32>, %w_: tensor<4xf32>):
      %next = "onnx.Add"(%v, %w_) : ...
      onnx.yield %cond, %next, %next : tensor<i1>, tensor<4xf32>, tensor<4xf32>
    }) : (tensor<4xf32>, tensor<4xf32>) -> (tensor<4xf32>, tensor<1000x4xf32>)

ONNX Loop semantics with an explicit capture list: an optional trip count known at run time
(`trip_input`, int64, one element; then `trip_count` is -1 and there are no scan outputs),
the loop-carried values, the captured values. The body block takes the iteration number
(int64, one element), the condition (bool, one element), the loop-carried values (`initial`)
and the values it reads from outside (`captured`, the same every iteration); it yields the
condition, the new carried values (of the same types) and one slice per scan output. The
results are the final carried values, then the scan outputs stacked along a new axis 0 (which
needs `trip_count` iterations, none cut short by the condition). The loop runs while the
iteration number is below `trip_count` or the trip count input (neither: no bound) and the
last condition yielded is true;
the first condition is true. Nothing in the body reads a value defined outside it.
"""

from __future__ import annotations

from collections.abc import Sequence

from xdsl.dialects.builtin import IntegerAttr, TensorType, i1, i64
from xdsl.ir import Attribute, Block, Region, SSAValue
from xdsl.irdl import (
    AttrSizedOperandSegments,
    IRDLOperation,
    irdl_op_definition,
    opt_operand_def,
    prop_def,
    region_def,
    traits_def,
    var_operand_def,
    var_result_def,
)
from xdsl.traits import HasParent, IsTerminator
from xdsl.utils.exceptions import VerifyException


@irdl_op_definition
class LoopOp(IRDLOperation):
    """ONNX Loop as a region (module doc)."""

    name = "onnx.Loop"
    trip_input = opt_operand_def(TensorType)
    initial = var_operand_def(TensorType)
    captured = var_operand_def(TensorType)
    trip_count = prop_def(IntegerAttr)
    outputs = var_result_def(TensorType)
    body = region_def("single_block")
    irdl_options = (AttrSizedOperandSegments(as_property=True),)

    def __init__(self, trip_input: SSAValue | None, initial: Sequence[SSAValue],
                 captured: Sequence[SSAValue], trip_count: int,
                 result_types: Sequence[Attribute], body: Block):
        super().__init__(operands=[[] if trip_input is None else [trip_input], list(initial),
                                   list(captured)],
                         properties={"trip_count": IntegerAttr(trip_count, i64)},
                         result_types=[list(result_types)], regions=[Region(body)])

    @property
    def trips(self) -> int:
        """The trip count, -1 for a loop bounded by its condition only or by `trip_input`."""
        return self.trip_count.value.data

    @property
    def scan_count(self) -> int:
        return len(self.outputs) - len(self.initial)

    def verify_(self) -> None:
        if self.trip_input is not None:
            _check_scalar(self.trip_input.type, i64, "trip count input")
            if self.trips != -1 or self.scan_count:
                raise VerifyException("onnx.Loop: a trip count input needs trip_count = -1 and "
                                      "no scan outputs")
        block = self.body.block
        carried = [v.type for v in self.initial]
        expected = [*carried, *(v.type for v in self.captured)]
        actual = [a.type for a in block.args]
        if len(actual) != len(expected) + 2 or actual[2:] != expected:
            raise VerifyException(f"onnx.Loop: body arguments ({_text(actual)}) are not "
                                  f"(iteration, condition, {_text(expected)})")
        for arg, element, what in ((block.args[0], i64, "iteration number"),
                                   (block.args[1], i1, "condition")):
            _check_scalar(arg.type, element, f"body {what}")
        terminator = block.last_op
        if not isinstance(terminator, YieldOp):
            raise VerifyException("onnx.Loop: the body must end with onnx.yield")
        yielded = [v.type for v in terminator.values]
        if len(yielded) != len(self.outputs) + 1:
            raise VerifyException(f"onnx.Loop: the body yields {len(yielded)} values, expected "
                                  f"1 + {len(self.outputs)} (condition, outputs)")
        _check_scalar(yielded[0], i1, "yielded condition")
        if yielded[1:1 + len(carried)] != carried:
            raise VerifyException(f"onnx.Loop: carried values change type: ({_text(carried)}) "
                                  f"-> ({_text(yielded[1:1 + len(carried)])})")
        results = [r.type for r in self.outputs]
        if results[:len(carried)] != carried:
            raise VerifyException(f"onnx.Loop: results ({_text(results[:len(carried)])}) differ "
                                  f"from the carried values ({_text(carried)})")
        for part, whole in zip(yielded[1 + len(carried):], results[len(carried):], strict=True):
            _check_stacked(part, whole, self.trips)


@irdl_op_definition
class YieldOp(IRDLOperation):
    """The terminator of an `onnx.Loop` body: condition, carried values, scan slices."""

    name = "onnx.yield"
    values = var_operand_def(TensorType)
    traits = traits_def(IsTerminator(), HasParent(LoopOp))
    assembly_format = "$values attr-dict `:` type($values)"

    def __init__(self, *values: SSAValue):
        super().__init__(operands=[list(values)])


def _text(types: Sequence[Attribute]) -> str:
    return ", ".join(map(str, types))


def _check_scalar(ty: Attribute, element: Attribute, what: str) -> None:
    if not (isinstance(ty, TensorType) and ty.element_type == element
            and ty.element_count() == 1):
        raise VerifyException(f"onnx.Loop: {what} must be a one-element {element} tensor, "
                              f"got {ty}")


def _check_stacked(part: Attribute, whole: Attribute, trips: int) -> None:
    assert isinstance(part, TensorType) and isinstance(whole, TensorType)
    expected = TensorType(part.element_type, [trips, *part.get_shape()])
    if trips < 0 or whole != expected:
        raise VerifyException(f"onnx.Loop: scan output {whole} is not {trips} slices {part} "
                              f"stacked (scan outputs need a trip count)")


CONTROL_OPS = (LoopOp, YieldOp)
"""The ops of this module, for the `onnx` dialect."""
