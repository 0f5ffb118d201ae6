"""The schedule stage runs the memory plan: every buffer is a view of one arena at its
planned offset, so a plan that overlaps live buffers, or puts a kernel's output over an
input it may not overwrite, gives wrong outputs; legal in-place plans stay exact."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from onnx import helper
from xdsl.dialects import func
from xdsl.dialects.builtin import IntegerAttr, ModuleOp, i64
from xdsl.parser import Parser

from tcompiler import interp
from tcompiler.context import make_context
from tcompiler.dialects import kernel
from tcompiler.pipeline import CompileOptions

from .models import model, rand

OPTIONS = CompileOptions(memory_plan="greedy")


def chain() -> tuple[object, dict[str, np.ndarray]]:
    """t1 = conv(x); t2 = conv(t1); t3 = softmax(relu(conv(t2))); y = concat(t1, t3):
    t1 stays live while t2 and t3 are computed."""
    rng = np.random.default_rng(0)
    x = rand(rng, 1, 2, 5, 5)
    nodes = [helper.make_node("Conv", ["x", "w1"], ["t1"], pads=[1, 1, 1, 1]),
             helper.make_node("Conv", ["t1", "w2"], ["t2"], pads=[1, 1, 1, 1]),
             helper.make_node("Conv", ["t2", "w3"], ["c3"], pads=[1, 1, 1, 1]),
             helper.make_node("Relu", ["c3"], ["r3"]),
             helper.make_node("Softmax", ["r3"], ["t3"], axis=1),
             helper.make_node("Concat", ["t1", "t3"], ["y"], axis=1)]
    weights = {"w1": rand(rng, 3, 2, 3, 3), "w2": rand(rng, 3, 3, 3, 3),
               "w3": rand(rng, 3, 3, 3, 3)}
    return model(nodes, {"x": x}, ["y"], weights), {"x": x}


def planned(method: str = "greedy") -> tuple[object, dict[str, np.ndarray], dict[str, np.ndarray]]:
    proto, feeds = chain()
    comp = interp.compile_for(proto, "schedule", CompileOptions(memory_plan=method))
    return comp, feeds, interp.run(proto, feeds, "kernels", OPTIONS)


def buffers(module: ModuleOp) -> list[kernel.BufferOp]:
    return [op for op in module.walk() if isinstance(op, kernel.BufferOp)]


def producer_call(module: object, buffer: kernel.BufferOp) -> func.CallOp:
    """The call writing `buffer` (its last operand, directly or through a view)."""
    for op in module.walk():  # type: ignore[attr-defined]
        if isinstance(op, func.CallOp) and _base(op.operands[-1]) is buffer:
            return op
    raise AssertionError("no call writes this buffer")


def _base(value: object) -> object:
    owner = value.owner  # type: ignore[attr-defined]
    return _base(owner.source) if isinstance(owner, kernel.ViewOp) else owner


def run_planned(comp: Any, feeds: dict[str, np.ndarray]) -> np.ndarray:
    return interp.interpret(comp.module, feeds, comp.weights.arrays)["y"]


@pytest.mark.parametrize("method", ["greedy", "ilp", "naive"])
def test_the_planned_arena_gives_the_kernels_stage_result(method: str) -> None:
    comp, feeds, expected = planned(method)
    offsets = {op.offset.value.data for op in buffers(comp.module)}  # type: ignore[union-attr]
    assert len(offsets) > 1, "the plan should place buffers apart"
    np.testing.assert_array_equal(run_planned(comp, feeds), expected["y"])


def test_a_plan_overlapping_live_buffers_gives_wrong_outputs() -> None:
    comp, feeds, expected = planned()
    for op in buffers(comp.module):
        op.offset = IntegerAttr(0, i64)
    error = interp.relative_error(run_planned(comp, feeds), expected["y"])
    assert error > interp.TOLERANCE


def test_an_output_over_an_input_the_kernel_may_not_overwrite_is_poisoned() -> None:
    comp, feeds, _ = planned()
    softmax = next(op for op in buffers(comp.module)
                   if "softmax" in producer_call(comp.module, op).callee.string_value())
    call = producer_call(comp.module, softmax)
    source = _base(call.operands[0])
    assert isinstance(source, kernel.BufferOp)
    softmax.offset = source.offset  # Y exactly X: fine for a map, not for softmax
    y = run_planned(comp, feeds)
    assert np.isnan(y).any()


def test_a_map_exactly_in_place_is_exact() -> None:
    module = Parser(make_context(), """
    func.func @main(%x: memref<2x3xf32>, %y: memref<2x3xf32>) attributes {tcc.graph,
        tcc.input_names = ["x"], tcc.output_names = ["y"], tcc.arena_size = 64 : i64} {
      %a = kernel.buffer {offset = 0 : i64} : memref<2x3xf32>
      %b = kernel.buffer {offset = 0 : i64} : memref<2x3xf32>
      func.call @neg(%x, %a) : (memref<2x3xf32>, memref<2x3xf32>) -> ()
      func.call @neg(%a, %b) : (memref<2x3xf32>, memref<2x3xf32>) -> ()
      func.call @neg(%b, %y) : (memref<2x3xf32>, memref<2x3xf32>) -> ()
      func.return
    }
    func.func @neg(%i: memref<2x3xf32>, %o: memref<2x3xf32>) attributes {tcc.kernel} {
      kernel.map %i -> %o : memref<2x3xf32> -> memref<2x3xf32> {
      ^bb0(%v: f32):
        %n = arith.negf %v : f32
        kernel.yield %n : f32
      }
      func.return
    }""").parse_module()
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    np.testing.assert_array_equal(interp.interpret(module, {"x": x})["y"], -x)


def test_a_kernel_writing_a_weight_is_an_error() -> None:
    module = Parser(make_context(), """
    func.func @main(%x: memref<3xf32>, %y: memref<3xf32>) attributes {tcc.graph,
        tcc.input_names = ["x"], tcc.output_names = ["y"]} {
      %w = kernel.weight "w" : memref<3xf32>
      func.call @copy(%x, %w) : (memref<3xf32>, memref<3xf32>) -> ()
      func.return
    }
    func.func @copy(%i: memref<3xf32>, %o: memref<3xf32>) attributes {tcc.kernel} {
      kernel.copy %i -> %o : memref<3xf32> -> memref<3xf32>
      func.return
    }""").parse_module()
    with pytest.raises(interp.InterpretError, match="read-only weight"):
        interp.interpret(module, {"x": np.ones(3, np.float32)}, {"w": np.zeros(3, np.float32)})
