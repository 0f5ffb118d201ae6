"""Loops compiled as real loops (`onnx.Loop`, `frontend/loops.py`): imported as a region,
interpreted, compiled to a sub-program the native runner iterates; compared with onnxruntime.
Compile work does not grow with the trip count; results are the same bits at 1 and 2 threads.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper

from tcompiler.artifact import read_artifact, write_artifact
from tcompiler.assemble import graph_function
from tcompiler.errors import UnsupportedModelError
from tcompiler.frontend import import_model
from tcompiler.frontend.loops import UNROLL_AT_MOST
from tcompiler.interp.core import InterpretError
from tcompiler.interp.run import run
from tcompiler.memplan.graph import KernelGraph
from tcompiler.memplan.planner import plan_arena
from tcompiler.memplan.validate import validate_arena
from tcompiler.pipeline import CompileOptions, compile_model, compile_to_stage
from tcompiler.runtime import CompiledModel
from tests.ops.test_recurrent import recurrent_model

F, I64, B = TensorProto.FLOAT, TensorProto.INT64, TensorProto.BOOL


@pytest.fixture(scope="module")
def opts(cache_dir: str) -> CompileOptions:
    return CompileOptions(cache_dir=cache_dir, memory_plan="greedy")


def value(name: str, elem: int, shape: Sequence[int | str]) -> onnx.ValueInfoProto:
    return helper.make_tensor_value_info(name, elem, shape)


def rnn_loop(trips: int, scan: bool = True, limit: float | None = None) -> onnx.ModelProto:
    """h = tanh(h @ W + x * i) per iteration (W and x read from outside); with `scan` each h
    stacked; with `limit` a second carried value t counts the iterations and the body's
    condition is t < limit (it ends on data), and `trips` < 0 leaves the trip count out."""
    nodes = [helper.make_node("MatMul", ["h", "W"], ["hw"]),
             helper.make_node("Cast", ["i"], ["fi"], to=F),
             helper.make_node("Mul", ["x", "fi"], ["xi"]),
             helper.make_node("Add", ["hw", "xi"], ["pre"]),
             helper.make_node("Tanh", ["pre"], ["h_out"])]
    inputs = [value("i", I64, []), value("c_in", B, []), value("h", F, [2, 4])]
    outputs = [value("c_out", B, []), value("h_out", F, [2, 4])]
    initial, results = ["h0"], [value("h_final", F, [2, 4])]
    if limit is None:
        nodes.append(helper.make_node("Identity", ["c_in"], ["c_out"]))
    else:
        nodes += [helper.make_node("Add", ["t", "one"], ["t_out"]),
                  helper.make_node("Less", ["t_out", "limit"], ["c_out"])]
        inputs.append(value("t", F, []))
        outputs.append(value("t_out", F, []))
        initial.append("t0")
        results.append(value("t_final", F, []))
    if scan:
        nodes.append(helper.make_node("Mul", ["h_out", "x"], ["y"]))
        outputs.append(value("y", F, [2, 4]))
        results.append(value("ys", F, [trips, 2, 4]))
    body = helper.make_graph(nodes, "body", inputs, outputs)
    rng = np.random.default_rng(0)
    inits = {"W": (rng.standard_normal((4, 4)) * 0.5).astype(np.float32),
             "m": np.array(trips, np.int64), "c0": np.array(True),
             "t0": np.array(0.0, np.float32), "one": np.array(1.0, np.float32),
             "limit": np.array(limit or 0.0, np.float32)}
    loop = helper.make_node("Loop", ["m" if trips >= 0 else "", "c0", *initial],
                            [r.name for r in results], body=body, name="rnn")
    graph = helper.make_graph(
        [loop], "g", [value("h0", F, [2, 4]), value("x", F, [2, 4])], results,
        [onnx.numpy_helper.from_array(a, n) for n, a in inits.items()])
    built = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    return onnx.shape_inference.infer_shapes(built, strict_mode=True)


def feeds() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(1)
    return {"h0": rng.uniform(-1, 1, (2, 4)).astype(np.float32),
            "x": rng.uniform(-0.01, 0.01, (2, 4)).astype(np.float32)}


def expected(proto: onnx.ModelProto) -> list[np.ndarray]:
    session = ort.InferenceSession(proto.SerializeToString(), providers=["CPUExecutionProvider"])
    return [np.asarray(a) for a in session.run(None, feeds())]


def check(got: list[np.ndarray], want: list[np.ndarray]) -> None:
    assert len(got) == len(want)
    for g, w in zip(got, want, strict=True):
        assert g.shape == w.shape
        np.testing.assert_allclose(g, w, rtol=1e-4, atol=1e-5)


def test_long_loops_import_as_a_region_short_ones_unroll() -> None:
    assert '"onnx.Loop"' in str(import_model(rnn_loop(UNROLL_AT_MOST + 1)).module)
    assert '"onnx.Loop"' not in str(import_model(rnn_loop(UNROLL_AT_MOST)).module)


def test_a_thousand_iterations_with_scan_outputs(opts: CompileOptions) -> None:
    proto = rnn_loop(1000)
    program, report = compile_model(proto, opts)
    check(CompiledModel(program).run(feeds()), expected(proto))
    assert len(program.loops) == 1 and report.kernel_calls < 10


def test_compile_work_does_not_grow_with_the_trip_count(opts: CompileOptions) -> None:
    small, _ = compile_model(rnn_loop(20), opts)
    large, _ = compile_model(rnn_loop(1000), opts)
    assert [len(p.steps) for p in (small, large)] == [len(large.steps)] * 2
    assert ([len(b.steps) for b in small.loops.values()]
            == [len(b.steps) for b in large.loops.values()])
    assert small.kernels.keys() == large.kernels.keys()


@pytest.mark.parametrize("trips", [300, -1])
def test_a_condition_computed_from_data_ends_the_loop(trips: int, opts: CompileOptions) -> None:
    """t < 37 stops the loop after 37 iterations, before the trip count (or with none)."""
    proto = rnn_loop(trips, scan=False, limit=37.0)
    program, _ = compile_model(proto, opts)
    check(CompiledModel(program).run(feeds()), expected(proto))


def test_the_interpreter_runs_the_loop_op() -> None:
    proto = rnn_loop(40)
    got = run(proto, feeds(), stage="graph")
    check(list(got.values()), expected(proto))


def test_same_bits_at_one_and_two_threads(opts: CompileOptions) -> None:
    program, _ = compile_model(rnn_loop(200), opts)
    one = CompiledModel(program, threads=1).run(feeds())
    two = CompiledModel(program, threads=2).run(feeds())
    for a, b in zip(one, two, strict=True):
        assert a.tobytes() == b.tobytes()


def test_the_artifact_keeps_the_loop(opts: CompileOptions, tmp_path: Path) -> None:
    proto = rnn_loop(100)
    program, _ = compile_model(proto, opts)
    write_artifact(tmp_path / "loop.tcc", program)
    loaded = read_artifact(tmp_path / "loop.tcc")
    assert loaded.loops == program.loops
    with zipfile.ZipFile(tmp_path / "loop.tcc") as archive:  # readers before loops refuse it
        assert json.loads(archive.read("manifest.json"))["format_version"] == 2
    check(CompiledModel(loaded).run(feeds()), expected(proto))


def test_scan_outputs_without_a_trip_count_are_declined_up_front() -> None:
    with pytest.raises(UnsupportedModelError) as err:
        import_model(rnn_loop(-1, scan=True, limit=37.0))
    assert err.value.problems == ["Loop with scan outputs whose trip count is input data (or "
                                  "absent) (opset 17): nodes rnn"]


def scan_model(length: int, in_axis: int, in_reverse: int) -> onnx.ModelProto:
    """A running sum over `length` elements of xs (along `in_axis`, reversed with
    `in_reverse`), each partial sum times 2 stacked."""
    body = helper.make_graph([helper.make_node("Add", ["s", "e"], ["s_out"]),
                              helper.make_node("Add", ["s_out", "s_out"], ["y"])], "body",
                             [value("s", F, [3]), value("e", F, [3])],
                             [value("s_out", F, [3]), value("y", F, [3])])
    node = helper.make_node("Scan", ["s0", "xs"], ["s", "ys"], body=body, num_scan_inputs=1,
                            scan_input_axes=[in_axis], scan_input_directions=[in_reverse])
    xs = [length, 3] if in_axis == 0 else [3, length]
    graph = helper.make_graph([node], "g", [value("s0", F, [3]), value("xs", F, xs)],
                              [value("s", F, [3]), value("ys", F, [length, 3])])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


@pytest.mark.parametrize("in_axis, in_reverse", [(0, 0), (1, 1)])
def test_a_scan_over_a_long_sequence(in_axis: int, in_reverse: int,
                                     opts: CompileOptions) -> None:
    proto = scan_model(2000, in_axis, in_reverse)
    assert '"onnx.Loop"' in str(import_model(proto).module)
    rng = np.random.default_rng(3)
    data = {"s0": rng.standard_normal(3).astype(np.float32),
            "xs": rng.standard_normal([2000, 3] if in_axis == 0 else [3, 2000]).astype(
                np.float32)}
    program, _ = compile_model(proto, opts)
    session = ort.InferenceSession(proto.SerializeToString(), providers=["CPUExecutionProvider"])
    check(CompiledModel(program).run(data), [np.asarray(a) for a in session.run(None, data)])


def test_scan_outputs_shape_inference_leaves_unknown_are_typed(opts: CompileOptions) -> None:
    """ONNX shape inference leaves a Loop's scan output dimension unknown: tcc types it from
    the trip count, so what reads it has static shapes too."""
    proto = rnn_loop(300)
    proto.graph.node.append(helper.make_node("Transpose", ["ys"], ["yt"], perm=[1, 0, 2]))
    proto.graph.output[1].CopyFrom(value("yt", F, ["a", "b", "c"]))
    del proto.graph.value_info[:]
    program, _ = compile_model(proto, opts)
    assert program.outputs[1].shape == (2, 300, 4)
    check(CompiledModel(program).run(feeds()), expected(proto))


def test_the_interpreter_declines_a_loop_below_the_graph_stage() -> None:
    with pytest.raises(InterpretError, match="loop @tcc_loop_0 is a call of its compiled body"):
        run(rnn_loop(40), feeds(), stage="kernels")


@pytest.mark.parametrize("method", ["ilp", "greedy", "naive"])
def test_the_planner_places_the_loop_scratch(method: str) -> None:
    """The loop's call reads its operands and writes its results and its scratch; every
    planner's plan of the model around it validates."""
    proto = rnn_loop(100)
    proto.graph.node.append(helper.make_node("Relu", ["ys"], ["after"]))  # reads the result
    proto.graph.output.append(value("after", F, [100, 2, 4]))
    comp = compile_to_stage(proto, "kernels", CompileOptions(memory_plan=method))
    main = graph_function(comp.module)
    graph, _ = KernelGraph.from_main(main)
    loop = next(op for op in graph.ops if op.name == "tcc_loop_0")
    assert len(loop.writes) == 3 and len(loop.reads) == 2  # h, ys, scratch; h0, x (W: a weight)
    plan = plan_arena(graph, method=method).best
    assert validate_arena(graph, plan) == []


def test_a_trip_count_known_at_run_time(opts: CompileOptions) -> None:
    """M an input: a loop with carried values only reads it when it runs (scan outputs would
    need it at compile time)."""
    proto = rnn_loop(0, scan=False)
    proto.graph.initializer.remove(next(i for i in proto.graph.initializer if i.name == "m"))
    proto.graph.input.append(value("m", I64, []))
    assert '"onnx.Loop"' in str(import_model(proto).module)
    model = CompiledModel(compile_model(proto, opts)[0])
    session = ort.InferenceSession(proto.SerializeToString(), providers=["CPUExecutionProvider"])
    for trips in (0, 3, 250):
        data = {**feeds(), "m": np.array(trips, np.int64)}
        check(model.run(data), [np.asarray(a) for a in session.run(None, data)])
    data = {**feeds(), "m": np.array(7, np.int64)}
    check(list(run(proto, data, stage="onnx").values()),
          [np.asarray(a) for a in session.run(None, data)])


def test_a_body_passing_a_value_through_and_yielding_one_twice(opts: CompileOptions) -> None:
    """Common in exports: a carried value returned unchanged, and the new state also the scan
    output (one value, two body outputs)."""
    body = helper.make_graph(
        [helper.make_node("Add", ["h", "x"], ["h_out"]),
         helper.make_node("Identity", ["c"], ["c_out"])], "body",
        [value("i", I64, []), value("c", B, []), value("h", F, [3]), value("k", F, [3])],
        [value("c_out", B, []), value("h_out", F, [3]), value("k", F, [3]),
         value("h_out", F, [3])])
    loop = helper.make_node("Loop", ["m", "", "h0", "h0"], ["hf", "kf", "ys"], body=body)
    graph = helper.make_graph(
        [loop], "g", [value("h0", F, [3]), value("x", F, [3])],
        [value("hf", F, [3]), value("kf", F, [3]), value("ys", F, [30, 3])],
        [onnx.numpy_helper.from_array(np.array(30, np.int64), "m")])
    proto = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    assert '"onnx.Loop"' in str(import_model(proto).module)
    data = {"h0": np.arange(3, dtype=np.float32), "x": np.ones(3, np.float32)}
    session = ort.InferenceSession(proto.SerializeToString(), providers=["CPUExecutionProvider"])
    check(CompiledModel(compile_model(proto, opts)[0]).run(data),
          [np.asarray(a) for a in session.run(None, data)])


def test_equal_kernels_of_loop_bodies_are_compiled_once(opts: CompileOptions) -> None:
    """A bidirectional LSTM's two time loops: their bodies call the same kernels (the reverse
    one reads its step's projection from the end, the rest is equal)."""
    model, data = recurrent_model("LSTM", {"direction": "bidirectional"}, {"B"}, steps=50)
    program, _ = compile_model(model, opts)
    forward, backward = ({s.kernel for s in body.steps} for body in program.loops.values())
    assert len(forward & backward) >= len(forward) - 2
    assert all(k in program.kernels for k in forward | backward)
    check(CompiledModel(program).run(data), expected_of(model, data))


def expected_of(proto: onnx.ModelProto, data: dict[str, np.ndarray]) -> list[np.ndarray]:
    session = ort.InferenceSession(proto.SerializeToString(), providers=["CPUExecutionProvider"])
    return [np.asarray(a) for a in session.run(None, data)]
