"""Issue 14's index and layout ops end to end against onnxruntime (onnx.reference where it
lacks the opset): Trilu (k constant, at run time, absent), TopK (largest/smallest, ties by the
lower index, every axis), OneHot (axis, negative and out-of-range indices, float indices,
run-time values), ScatterND / ScatterElements (every reduction, negative indices), Einsum
(the forms transformers use, ellipsis, implicit output, three operands), DepthToSpace /
SpaceToDepth (DCR, CRD); and what they decline.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from tcompiler.errors import UnsupportedModelError
from tcompiler.pipeline import compile_model

sys.path.insert(0, str(Path(__file__).resolve().parent))
from issue14_check import check, node_model, rand  # noqa: E402


@pytest.mark.parametrize("upper", [0, 1])
@pytest.mark.parametrize("k", [None, 0, 2, -1, -7])
def test_trilu(upper, k, options) -> None:
    x = rand(2, 4, 5)
    weights = {} if k is None else {"k": np.array(k, np.int64)}
    check(node_model("Trilu", {"x": x}, 14, weights, upper=upper), {"x": x}, options)


def test_trilu_run_time_k(options) -> None:
    feeds = {"x": np.arange(12, dtype=np.int64).reshape(3, 4), "k": np.array(1, np.int64)}
    check(node_model("Trilu", feeds, 14, upper=0), feeds, options)


@pytest.mark.parametrize("largest", [0, 1])
@pytest.mark.parametrize(("axis", "k"), [(-1, 3), (0, 2), (1, 1), (1, 4)])
def test_topk(largest, axis, k, options) -> None:
    x = np.random.default_rng(0).integers(-3, 4, (3, 4, 5)).astype(np.float32)  # ties
    model = node_model("TopK", {"x": x}, 11, {"k": np.array([k], np.int64)}, outputs=2,
                       axis=axis, largest=largest)
    check(model, {"x": x}, options)


@pytest.mark.parametrize("k", [1, 2, 7, 64, 299, 300])
@pytest.mark.parametrize("largest", [0, 1])
def test_topk_long_rows_with_ties(k, largest, options) -> None:
    # heap sizes from a root alone to the whole row; ten values: ties at every heap level
    x = np.random.default_rng(k).integers(0, 10, (3, 300)).astype(np.float32)
    model = node_model("TopK", {"x": x}, 11, {"k": np.array([k], np.int64)}, outputs=2,
                       largest=largest)
    check(model, {"x": x}, options)


def test_topk_integers_values_only(options) -> None:
    x = np.array([[5, 1, 5, 3], [0, -2, 7, 7]], np.int64)
    model = node_model("TopK", {"x": x}, 24, {"k": np.array([2], np.int64)}, outputs=2)
    del model.graph.output[1]  # the indices are computed all the same, into a scratch buffer
    check(model, {"x": x}, options)


@pytest.mark.parametrize("axis", [-1, 0, 1])
def test_one_hot(axis, options) -> None:
    indices = np.array([[0, 3, -1], [5, -4, 2]], np.int64)  # 5 and -4 are out of range
    weights = {"depth": np.array(4, np.int64), "values": np.array([-1.0, 2.5], np.float32)}
    check(node_model("OneHot", {"i": indices}, 11, weights, axis=axis), {"i": indices}, options)


def test_one_hot_float_indices_run_time_values(options) -> None:
    # whole numbers: onnx.reference compares floats where the spec casts them to int64
    feeds = {"i": np.array([1.0, 0.0, -1.0], np.float32),
             "values": np.array([3, 9], np.int64)}
    model = node_model("OneHot", feeds, 11, {"depth": np.array(3.0, np.float32)},
                       inputs=["i", "depth", "values"])
    check(model, feeds, options)


@pytest.mark.parametrize("reduction", ["none", "add", "mul", "max", "min"])
def test_scatter_nd(reduction, options) -> None:
    data = rand(4, 3, 2)
    indices = np.array([[1], [-1], [1]] if reduction != "none" else [[1], [-1]], np.int64)
    updates = rand(len(indices), 3, 2, seed=1)
    feeds = {"data": data, "updates": updates}
    model = node_model("ScatterND", feeds, 18, {"indices": indices},
                       inputs=["data", "indices", "updates"], reduction=reduction)
    check(model, feeds, options)


def test_scatter_nd_elements_of_a_matrix(options) -> None:
    data = np.arange(12, dtype=np.int64).reshape(3, 4)
    feeds = {"data": data, "indices": np.array([[0, 1], [2, -1]], np.int64),
             "updates": np.array([100, 200], np.int64)}
    check(node_model("ScatterND", feeds, 11), feeds, options)


@pytest.mark.parametrize("reduction", ["none", "add", "mul", "max", "min"])
@pytest.mark.parametrize("axis", [0, -1])
def test_scatter_elements(reduction, axis, options) -> None:
    data = rand(3, 4)
    indices = np.array([[1, 0, 2, -1], [0, 0, 1, 2]] if reduction != "none" or axis == 0 else
                       [[1, 0, 2, -1], [0, 3, 1, 2]], np.int64)
    if reduction == "none" and axis == 0:
        indices = np.array([[1, 0, 2, 0], [2, 1, 0, 1]], np.int64)
    updates = rand(2, 4, seed=1)
    feeds = {"data": data, "updates": updates}
    model = node_model("ScatterElements", feeds, 18, {"indices": indices},
                       inputs=["data", "indices", "updates"], axis=axis, reduction=reduction)
    check(model, feeds, options)


EINSUMS = [
    ("bhid,bhjd->bhij", [(2, 3, 4, 5), (2, 3, 6, 5)]),
    ("bhij,bhjd->bhid", [(2, 3, 4, 6), (2, 3, 6, 5)]),
    ("ij->ji", [(3, 4)]), ("ij->i", [(3, 4)]), ("ijk->", [(2, 3, 4)]),
    ("i,i", [(5,)] * 2), ("ij,jk", [(3, 4), (4, 5)]), ("i,j->ij", [(3,), (4,)]),
    ("...ij,...jk->...ik", [(2, 3, 4), (2, 4, 5)]), ("bij,bjk,bkl->bil", [(2, 3, 4), (2, 4, 5), (2, 5, 2)]),
    ("abc,cd->abd", [(2, 3, 4), (4, 5)]), ("ij,kj->ik", [(3, 4), (5, 4)]),
]


@pytest.mark.parametrize(("equation", "shapes"), EINSUMS)
def test_einsum(equation, shapes, options) -> None:
    feeds = {f"x{i}": rand(*s, seed=i) for i, s in enumerate(shapes)}
    check(node_model("Einsum", feeds, 12, equation=equation), feeds, options, rtol=1e-4)


def test_einsum_diagonal_declines(options) -> None:
    feeds = {"x": rand(3, 3)}
    with pytest.raises(UnsupportedModelError, match="repeats a letter"):
        compile_model(node_model("Einsum", feeds, 12, equation="ii->i"), options)


@pytest.mark.parametrize("mode", ["DCR", "CRD"])
def test_depth_to_space(mode, options) -> None:
    x = rand(2, 8, 3, 2)
    check(node_model("DepthToSpace", {"x": x}, 13, blocksize=2, mode=mode), {"x": x}, options)


@pytest.mark.parametrize(("opset", "attrs"), [(13, {}), (28, {"mode": "DCR"}),
                                              (28, {"mode": "CRD"})])
def test_space_to_depth(opset, attrs, options) -> None:
    x = rand(2, 3, 4, 6)
    check(node_model("SpaceToDepth", {"x": x}, opset, blocksize=2, **attrs), {"x": x}, options)
