"""If, Loop and Scan end to end (rewritten at import by `frontend/control.py`; loops of more
than `loops.UNROLL_AT_MOST` iterations are real loops, `test_real_loops.py`): compiled by tcc,
compared with onnxruntime; and the constructs tcc declines, each with its reason.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper

from tcompiler.errors import UnsupportedModelError
from tcompiler.frontend import import_model
from tcompiler.frontend.control import MAX_UNROLL
from tcompiler.pipeline import CompileOptions, compile_model
from tcompiler.runtime import CompiledModel

F, I64, B = TensorProto.FLOAT, TensorProto.INT64, TensorProto.BOOL


@pytest.fixture(scope="module")
def opts(cache_dir: str) -> CompileOptions:
    return CompileOptions(cache_dir=cache_dir, memory_plan="greedy")


def value(name: str, elem: int, shape: Sequence[int | str]) -> onnx.ValueInfoProto:
    return helper.make_tensor_value_info(name, elem, shape)


def model(nodes: list[onnx.NodeProto], inputs: list[onnx.ValueInfoProto],
          outputs: list[str | onnx.ValueInfoProto],
          initializers: dict[str, np.ndarray] | None = None) -> onnx.ModelProto:
    """A model of `nodes`; outputs given by name are typed by shape inference."""
    graph = helper.make_graph(nodes, "g", inputs,
                              [helper.make_empty_tensor_value_info(n) if isinstance(n, str)
                               else n for n in outputs],
                              [onnx.numpy_helper.from_array(a, n)
                               for n, a in (initializers or {}).items()])
    built = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    return onnx.shape_inference.infer_shapes(built, strict_mode=True)


def check(proto: onnx.ModelProto, feeds: dict[str, np.ndarray], opts: CompileOptions) -> None:
    program, _ = compile_model(proto, opts)
    got = CompiledModel(program).run(feeds)
    session = ort.InferenceSession(proto.SerializeToString(), providers=["CPUExecutionProvider"])
    for g, w in zip(got, [np.asarray(a) for a in session.run(None, feeds)], strict=True):
        assert g.shape == w.shape
        np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-6)


def x_feed() -> dict[str, np.ndarray]:
    return {"x": np.random.default_rng(0).uniform(-1, 1, (2, 3)).astype(np.float32)}


def branch(op: str, name: str) -> onnx.GraphProto:
    """A branch reading the outer `x` (outer scope): op(x, x)."""
    return helper.make_graph([helper.make_node(op, ["x", "x"], [name])], name, [],
                             [value(name, F, [2, 3])])


def if_model(cond: np.ndarray | None, else_shape: list[int] | None = None) -> onnx.ModelProto:
    else_graph = branch("Mul", "e")
    if else_shape is not None:
        else_graph = helper.make_graph(
            [helper.make_node("Constant", [], ["e"], value=onnx.numpy_helper.from_array(
                np.ones(else_shape, np.float32)))], "e", [], [value("e", F, else_shape)])
    node = helper.make_node("If", ["c"], ["y"], then_branch=branch("Add", "t"),
                            else_branch=else_graph)
    inputs = [value("x", F, [2, 3])] + ([value("c", B, [])] if cond is None else [])
    y = value("y", F, ["rows", "columns"])  # the branches' shapes differ with `else_shape`
    return model([node], inputs, [y], None if cond is None else {"c": cond})


@pytest.mark.parametrize("cond", [True, False])
def test_if_constant_condition_folds_to_the_taken_branch(cond: bool, opts: CompileOptions) -> None:
    proto = if_model(np.array(cond))
    text = str(import_model(proto).module)
    assert ("onnx.Add" in text) == cond and ("onnx.Mul" in text) != cond
    assert "onnx.Where" not in text
    check(proto, x_feed(), opts)


@pytest.mark.parametrize("cond", [True, False])
def test_if_runtime_condition_selects(cond: bool, opts: CompileOptions) -> None:
    check(if_model(None), {**x_feed(), "c": np.array(cond)}, opts)


def test_if_runtime_condition_with_differing_branches_declines() -> None:
    proto = if_model(None, else_shape=[3, 2])
    with pytest.raises(UnsupportedModelError, match="If .*differ in shape"):
        import_model(proto)


def loop_body(cond_out: onnx.NodeProto, scan: bool = True) -> onnx.GraphProto:
    """acc + x * i (x from the outer scope), the new acc also a scan output."""
    nodes = [cond_out,
             helper.make_node("Cast", ["i"], ["fi"], to=F),
             helper.make_node("Mul", ["x", "fi"], ["xi"]),
             helper.make_node("Add", ["acc", "xi"], ["acc_out"])]
    outputs = [value("c_out", B, []), value("acc_out", F, [2, 3])]
    if scan:
        nodes.append(helper.make_node("Identity", ["acc_out"], ["s"]))
        outputs.append(value("s", F, [2, 3]))
    return helper.make_graph(nodes, "body",
                             [value("i", I64, []), value("c_in", B, []),
                              value("acc", F, [2, 3])], outputs)


def loop_model(trips: int, body: onnx.GraphProto, scan: bool = True) -> onnx.ModelProto:
    outputs = [value("acc", F, [2, 3])] + ([value("scan", F, [trips, 2, 3])] if scan else [])
    node = helper.make_node("Loop", ["m", "c0", "a0"], [v.name for v in outputs], body=body)
    return model([node], [value("x", F, [2, 3]), value("a0", F, [2, 3])], list(outputs),
                 {"m": np.array(trips, np.int64), "c0": np.array(True)})


def test_loop_static_trip_count(opts: CompileOptions) -> None:
    body = loop_body(helper.make_node("Identity", ["c_in"], ["c_out"]))
    feeds = {**x_feed(), "a0": np.ones((2, 3), np.float32)}
    check(loop_model(4, body), feeds, opts)


def test_loop_condition_computed_in_the_body(opts: CompileOptions) -> None:
    """Stops when the sum passes 2 (a run-time condition): carried values are selected."""
    stop = helper.make_node("Less", ["total", "two"], ["c_out"])
    body = loop_body(stop, scan=False)
    body.node.extend([
        helper.make_node("ReduceSum", ["acc_out"], ["total"], keepdims=0),
        helper.make_node("Constant", [], ["two"], value=onnx.numpy_helper.from_array(
            np.array(2.0, np.float32)))])
    body.node.insert(0, body.node.pop(0))  # keep the nodes topologically sorted
    body.node.append(body.node.pop(0))
    feeds = {"x": np.full((2, 3), 0.1, np.float32), "a0": np.zeros((2, 3), np.float32)}
    check(loop_model(6, body, scan=False), feeds, opts)


def test_loop_declines() -> None:
    """A long loop that cannot be a real loop (`frontend/loops.py`: here its body reads the
    iteration number as reduction axes, a constant only once unrolled) is not unrolled either."""
    body = loop_body(helper.make_node("Identity", ["c_in"], ["c_out"]), scan=False)
    zero = onnx.numpy_helper.from_array(np.array([0], np.int64))
    body.node.extend([helper.make_node("Constant", [], ["zero"], value=zero),
                      helper.make_node("Mul", ["i", "zero"], ["axes"]),
                      helper.make_node("ReduceSum", ["acc_out", "axes"], ["r"])])
    with pytest.raises(UnsupportedModelError, match=f"Loop .*at most {MAX_UNROLL}"):
        import_model(loop_model(MAX_UNROLL + 1, body, scan=False))
    stop = helper.make_node("Not", ["c_in"], ["c_out"])
    with pytest.raises(UnsupportedModelError, match="Loop .*length depends on a condition"):
        import_model(loop_model(3, loop_body(stop)))
    gathering = loop_body(stop, scan=False)  # acc + x[i] * i: i past the end is out of range
    gathering.node[2].op_type = "Gather"
    gathering.node[2].input[:] = ["x", "i"]
    gathering.node[3].input[1] = "xi"
    gathering.node.insert(3, helper.make_node("Mul", ["xi_row", "fi"], ["xi"]))
    gathering.node[2].output[0] = "xi_row"
    with pytest.raises(UnsupportedModelError, match="Loop .*out of bounds"):
        import_model(loop_model(3, gathering, scan=False))


def test_loop_with_a_nested_if(opts: CompileOptions) -> None:
    """An If in the body on the iteration number (a constant once unrolled) folds per
    iteration: odd iterations add x, even ones subtract it."""
    then_graph = helper.make_graph([helper.make_node("Add", ["acc", "x"], ["t"])], "t", [],
                                   [value("t", F, [2, 3])])
    else_graph = helper.make_graph([helper.make_node("Sub", ["acc", "x"], ["e"])], "e", [],
                                   [value("e", F, [2, 3])])
    body = helper.make_graph([
        helper.make_node("Identity", ["c_in"], ["c_out"]),
        helper.make_node("Constant", [], ["two"], value=onnx.numpy_helper.from_array(
            np.array(2, np.int64))),
        helper.make_node("Mod", ["i", "two"], ["odd_i"]),
        helper.make_node("Cast", ["odd_i"], ["odd"], to=B),
        helper.make_node("If", ["odd"], ["acc_out"], then_branch=then_graph,
                         else_branch=else_graph)],
        "body", [value("i", I64, []), value("c_in", B, []), value("acc", F, [2, 3])],
        [value("c_out", B, []), value("acc_out", F, [2, 3])])
    proto = loop_model(5, body, scan=False)
    assert "onnx.Where" not in str(import_model(proto).module)
    check(proto, {**x_feed(), "a0": np.zeros((2, 3), np.float32)}, opts)


@pytest.mark.parametrize("in_axis, in_dir, out_axis, out_dir", [
    (0, 0, 0, 0), (1, 1, 0, 0), (-1, 0, 1, 1), (0, 1, -1, 0)])
def test_scan(in_axis: int, in_dir: int, out_axis: int, out_dir: int,
              opts: CompileOptions) -> None:
    """A running sum and product over a [4, 5] input, along either axis, either direction."""
    rows = 5 if in_axis in (0, -2) else 4
    length = 9 - rows
    body = helper.make_graph([
        helper.make_node("Add", ["s", "e"], ["s_out"]),
        helper.make_node("Mul", ["p", "e"], ["p_out"]),
        helper.make_node("Mul", ["s_out", "w"], ["y"])],  # w from the outer scope
        "body", [value("s", F, [rows]), value("p", F, [rows]), value("e", F, [rows])],
        [value("s_out", F, [rows]), value("p_out", F, [rows]), value("y", F, [rows])])
    node = helper.make_node("Scan", ["s0", "p0", "xs"], ["s", "p", "ys"], body=body,
                            num_scan_inputs=1, scan_input_axes=[in_axis],
                            scan_input_directions=[in_dir], scan_output_axes=[out_axis],
                            scan_output_directions=[out_dir])
    shape = [length, rows] if in_axis == 0 else [rows, length]
    proto = model([node], [value("s0", F, [rows]), value("p0", F, [rows]),
                           value("xs", F, shape), value("w", F, [rows])], ["s", "p", "ys"])
    rng = np.random.default_rng(1)
    feeds = {n: rng.uniform(0.5, 1.5, s).astype(np.float32)
             for n, s in (("s0", [rows]), ("p0", [rows]), ("xs", shape), ("w", [rows]))}
    check(proto, feeds, opts)


def test_unsupported_op_in_a_subgraph_is_reported_up_front() -> None:
    then_graph = helper.make_graph([helper.make_node("Det", ["x"], ["t"])], "t", [],
                                   [value("t", F, [])])
    else_graph = helper.make_graph([helper.make_node("ReduceSum", ["x"], ["e"], keepdims=0)],
                                   "e", [], [value("e", F, [])])
    node = helper.make_node("If", ["c"], ["y"], then_branch=then_graph, else_branch=else_graph)
    proto = model([node], [value("x", F, [3, 3]), value("c", B, [])], ["y"])
    with pytest.raises(UnsupportedModelError, match="Det"):
        import_model(proto)


def test_loop_of_zero_iterations(opts: CompileOptions) -> None:
    body = loop_body(helper.make_node("Identity", ["c_in"], ["c_out"]), scan=False)
    check(loop_model(0, body, scan=False), {**x_feed(), "a0": np.ones((2, 3), np.float32)}, opts)


def test_nested_loops(opts: CompileOptions) -> None:
    """An inner Loop whose trip count is the outer iteration number (a constant once the outer
    loop is unrolled), reading the outer body's carried value: acc2 += x * acc per inner step."""
    inner = helper.make_graph([
        helper.make_node("Identity", ["c2_in"], ["c2_out"]),
        helper.make_node("Mul", ["x", "acc"], ["x_acc"]),
        helper.make_node("Add", ["acc2", "x_acc"], ["acc2_out"])],
        "inner", [value("j", I64, []), value("c2_in", B, []), value("acc2", F, [2, 3])],
        [value("c2_out", B, []), value("acc2_out", F, [2, 3])])
    outer = helper.make_graph([
        helper.make_node("Identity", ["c_in"], ["c_out"]),
        helper.make_node("Loop", ["i", "", "acc"], ["acc_out"], body=inner)],
        "outer", [value("i", I64, []), value("c_in", B, []), value("acc", F, [2, 3])],
        [value("c_out", B, []), value("acc_out", F, [2, 3])])
    proto = loop_model(4, outer, scan=False)
    check(proto, {**x_feed(), "a0": np.full((2, 3), 0.5, np.float32)}, opts)


def test_scan_with_two_sequences(opts: CompileOptions) -> None:
    """Two scan inputs on different axes and directions, two scan outputs, no state."""
    body = helper.make_graph([
        helper.make_node("Mul", ["a", "b"], ["ab"]),
        helper.make_node("Sub", ["a", "b"], ["d"])],
        "body", [value("a", F, [3]), value("b", F, [3])], [value("ab", F, [3]),
                                                             value("d", F, [3])])
    node = helper.make_node("Scan", ["xa", "xb"], ["ys", "zs"], body=body, num_scan_inputs=2,
                            scan_input_axes=[0, 1], scan_input_directions=[0, 1],
                            scan_output_axes=[1, 0])
    proto = model([node], [value("xa", F, [4, 3]), value("xb", F, [3, 4])], ["ys", "zs"])
    rng = np.random.default_rng(2)
    feeds = {"xa": rng.standard_normal((4, 3)).astype(np.float32),
             "xb": rng.standard_normal((3, 4)).astype(np.float32)}
    check(proto, feeds, opts)


def test_if_runtime_condition_with_a_data_dependent_gather_declines() -> None:
    """Computing the branch not taken must be safe: a gather at run-time indices is not."""
    then_graph = helper.make_graph([helper.make_node("Gather", ["x", "i"], ["t"])], "t", [],
                                   [value("t", F, [3])])
    else_graph = helper.make_graph([helper.make_node("ReduceSum", ["x", "zero"], ["e"],
                                                     keepdims=0)], "e", [], [value("e", F, [3])])
    node = helper.make_node("If", ["c"], ["y"], then_branch=then_graph, else_branch=else_graph)
    proto = model([node], [value("x", F, [2, 3]), value("c", B, []), value("i", I64, [])],
                  [value("y", F, [3])], {"zero": np.array([0], np.int64)})
    with pytest.raises(UnsupportedModelError, match="If .*out of bounds"):
        import_model(proto)


def scan_sum_model() -> onnx.ModelProto:
    body = helper.make_graph([helper.make_node("Add", ["s", "e"], ["s_out"]),
                              helper.make_node("Identity", ["s_out"], ["y"])], "body",
                             [value("s", F, [2]), value("e", F, [2])],
                             [value("s_out", F, [2]), value("y", F, [2])])
    node = helper.make_node("Scan", ["s0", "xs"], ["s", "ys"], body=body, num_scan_inputs=1)
    return model([node], [value("s0", F, [2]), value("xs", F, [3, 2])], ["s", "ys"])


@pytest.mark.parametrize("opset", [9, 11, 13, 16, 19, 21, 23, 25])
def test_every_opset_imports(opset: int) -> None:
    """If, Loop and Scan from their oldest opsets tcc reads (upgraded to 17 when older) to
    the newest: all rewritten away."""
    body = loop_body(helper.make_node("Identity", ["c_in"], ["c_out"]))
    for proto in (if_model(None), loop_model(3, body), scan_sum_model()):
        proto.opset_import[0].version = opset
        text = str(import_model(proto).module)
        assert not any(f"onnx.{op}" in text for op in ("If", "Loop", "Scan"))


def test_a_data_trip_count_with_scan_outputs_is_reported_up_front() -> None:
    """Scan outputs need their length at compile time (carried values only: a real loop
    reads the trip count when it runs, `test_real_loops.py`)."""
    body = loop_body(helper.make_node("Identity", ["c_in"], ["c_out"]), scan=True)
    node = helper.make_node("Loop", ["m", "", "a0"], ["acc", "ys"], body=body, name="by_data")
    proto = model([node], [value("x", F, [2, 3]), value("a0", F, [2, 3]),
                           value("m", I64, [])], [value("acc", F, [2, 3])])
    with pytest.raises(UnsupportedModelError) as err:
        import_model(proto)
    assert err.value.problems == [
        "Loop with scan outputs whose trip count is input data (or absent) (opset 17): "
        "nodes by_data"]
