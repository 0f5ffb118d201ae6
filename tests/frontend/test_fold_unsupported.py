"""Fold before judging: a node on constants folds at import whatever its op (and at any size),
so the masks and index tables real exports build from constants (Mod, ScatterND, CumSum,
Trilu, ... in Swin; Det stands for an op tcc has no kernel for at all) never block a compile;
ops tcc lacks, on run-time data, are still reported up front, all at once."""

from __future__ import annotations

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper, numpy_helper

import tcompiler.backend as backend
from tcompiler.errors import UnsupportedModelError
from tcompiler.frontend import import_model

RNG = np.random.default_rng(3)


def _model(nodes: list[onnx.NodeProto], initializers: dict[str, np.ndarray],
           shape: list[int]) -> onnx.ModelProto:
    graph = helper.make_graph(
        nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, shape)],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, shape)],
        initializer=[numpy_helper.from_array(v, n) for n, v in initializers.items()])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def _swin_style_mask(n: int) -> onnx.ModelProto:
    """y = x + mask, the mask built from constants as Swin exports do: window ids by Mod,
    a cumulative count (CumSum), a causal triangle (Trilu), and updates put in by ScatterND;
    `big` (n x n) is a large initializer, moved out of the proto while the model is checked."""
    idx = np.arange(n, dtype=np.int64)
    nodes = [
        helper.make_node("Mod", ["idx", "four"], ["win"]),                   # int64 [n]
        helper.make_node("CumSum", ["big", "axis0"], ["cum"]),               # float [n, n]
        helper.make_node("Trilu", ["cum"], ["tri"], upper=0),
        helper.make_node("ScatterND", ["tri", "where", "updates"], ["scattered"]),
        helper.make_node("Cast", ["win"], ["winf"], to=TensorProto.FLOAT),
        helper.make_node("Add", ["scattered", "winf"], ["unscaled"]),
        helper.make_node("Det", ["rot"], ["det"]),                           # no kernel in tcc
        helper.make_node("Mul", ["unscaled", "det"], ["mask"]),
        helper.make_node("Add", ["x", "mask"], ["y"]),
    ]
    inits = {"idx": idx, "four": np.array(4, np.int64), "axis0": np.array(0, np.int64),
             "big": RNG.standard_normal((n, n)).astype(np.float32),
             "where": np.array([[0, n - 1], [n - 1, 0]], np.int64),
             "updates": np.array([-100.0, 100.0], np.float32),
             "rot": np.array([[0.0, -2.0], [2.0, 0.0]], np.float32)}
    return _model(nodes, inits, [n, n])


@pytest.mark.parametrize("n", [5, 40])  # small constants, then ones larger than SMALL
def test_unsupported_ops_on_constants_fold_and_match_onnxruntime(n: int) -> None:
    model = _swin_style_mask(n)
    x = RNG.standard_normal((n, n)).astype(np.float32)
    (want,) = ort.InferenceSession(model.SerializeToString(),
                                   providers=["CPUExecutionProvider"]).run(None, {"x": x})
    (got,) = backend.run_model(model, [x])
    np.testing.assert_allclose(got, np.asarray(want), rtol=1e-5, atol=1e-5)
    import_model(model)  # Det has no kernel: it compiles only because it folded


def test_the_same_ops_on_data_are_reported_all_at_once() -> None:
    nodes = [helper.make_node("Det", ["x"], ["d"], name="det_x"),
             helper.make_node("DFT", ["x"], ["f"], name="dft_x"),
             helper.make_node("Det", ["big"], ["dc"], name="det_const"),
             helper.make_node("Add", ["x", "d"], ["y"])]
    model = _model(nodes, {"big": np.eye(30, dtype=np.float32)}, [30, 30])
    with pytest.raises(UnsupportedModelError) as err:
        import_model(model)
    assert err.value.problems == ["Det (opset 17): nodes det_x",
                                  "DFT (opset 17): nodes dft_x"]  # Det on a constant folds


def test_random_ops_are_never_folded() -> None:
    nodes = [helper.make_node("RandomUniform", [], ["r"], name="rand", shape=[2, 2]),
             helper.make_node("Add", ["x", "r"], ["y"])]
    with pytest.raises(UnsupportedModelError, match="RandomUniform"):
        import_model(_model(nodes, {}, [2, 2]))


def test_shape_computations_fold_whatever_their_ops() -> None:
    """Function bodies (Attention's) choose shapes with Equal, Not, And, Where on shapes, and
    take pad values with CastLike to a run-time input's type: all of it folds, so the Expand
    has a static shape and the Pad a constant value."""
    nodes = [
        helper.make_node("Shape", ["x"], ["cols"], start=1, end=2),                # [3]
        helper.make_node("Equal", ["cols", "three"], ["is3"]),
        helper.make_node("Not", ["is3"], ["not3"]),
        helper.make_node("And", ["is3", "yes"], ["both"]),
        helper.make_node("Or", ["both", "not3"], ["cond"]),
        helper.make_node("Where", ["cond", "four", "one"], ["rows"]),               # [4]
        helper.make_node("Concat", ["rows", "cols"], ["shape"], axis=0),
        helper.make_node("Expand", ["x", "shape"], ["wide"]),                       # [4, 3]
        helper.make_node("CastLike", ["minus_two", "x"], ["fill"]),
        helper.make_node("Pad", ["wide", "pads", "fill"], ["y"]),
    ]
    ints = {"three": [3], "four": [4], "one": [1], "minus_two": [-2], "pads": [0, 1, 0, 1]}
    inits: dict[str, np.ndarray] = {n: np.array(v, np.int64) for n, v in ints.items()}
    inits["yes"] = np.array([True])
    graph = helper.make_graph(
        nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [4, 5])],
        initializer=[numpy_helper.from_array(v, n) for n, v in inits.items()])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    x = RNG.standard_normal((1, 3)).astype(np.float32)
    (want,) = ort.InferenceSession(model.SerializeToString(),
                                   providers=["CPUExecutionProvider"]).run(None, {"x": x})
    (got,) = backend.run_model(model, [x])
    np.testing.assert_allclose(got, np.asarray(want), rtol=1e-6)


def test_ops_on_the_shape_of_data_fold() -> None:
    """Shape reads no data: a Mod on a data input's shape folds (as attention exports do)."""
    nodes = [helper.make_node("Shape", ["x"], ["s"]),
             helper.make_node("Mod", ["s", "three"], ["m"], name="mod_shape"),
             helper.make_node("Cast", ["m"], ["mf"], to=TensorProto.FLOAT),
             helper.make_node("Add", ["x", "mf"], ["y"])]
    model = _model(nodes, {"three": np.array(3, np.int64)}, [4, 2])
    assert not backend.prepare(model).folded  # accepted up front
    imported = import_model(model)
    assert "onnx.Mod" not in str(imported.module)


def test_a_constant_read_only_inside_a_subgraph_survives_folding() -> None:
    """Folding drops constants nothing reads; a Scan body's read of an outer one counts."""
    body = helper.make_graph(
        [helper.make_node("Unsqueeze", ["e", "axis"], ["row"]),
         helper.make_node("Squeeze", ["row", "axis"], ["out"])], "body",
        [helper.make_tensor_value_info("e", TensorProto.FLOAT, [4])],
        [helper.make_tensor_value_info("out", TensorProto.FLOAT, [4])])
    nodes = [helper.make_node("Constant", [], ["zero"],
                              value=numpy_helper.from_array(np.array([0], np.int64))),
             helper.make_node("Identity", ["zero"], ["axis"]),  # folds: dead constants go
             helper.make_node("Scan", ["x"], ["y"], body=body, num_scan_inputs=1)]
    x = RNG.standard_normal((4, 4)).astype(np.float32)
    (got,) = backend.run_model(_model(nodes, {}, [4, 4]), [x])
    np.testing.assert_array_equal(got, x)
