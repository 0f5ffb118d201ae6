"""Issue 14's detection and segmentation ops end to end against onnxruntime (onnx.reference
where it lacks the opset): NonMaxSuppression (both box formats, thresholds present or
absent, batches and classes, the per-class limit), NonZero and Compress (sizes known only at
run time: model outputs cut to their length), GridSample (every mode, padding and
align_corners, 4-d and 5-d, opset 16 and 20 names), RoiAlign (opsets 10 and 16, avg and
max, both coordinate modes, adaptive and fixed sampling), AffineGrid (2-d, 3-d); a detection
head (conv -> scores and box deltas -> TopK pre-selection -> box decode -> NMS); and what
is declined: a data-dependent value read by another node.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper
from onnx.reference import ReferenceEvaluator

from tcompiler.errors import UnsupportedModelError
from tcompiler.pipeline import compile_model
from tcompiler.runtime import CompiledModel

sys.path.insert(0, str(Path(__file__).resolve().parent))
from issue14_check import check, expected, node_model, rand  # noqa: E402


def _boxes(rng: np.random.Generator, batches: int, count: int) -> np.ndarray:
    """Corner boxes [y1, x1, y2, x2] (some flipped), clustered so that many overlap."""
    centers = rng.uniform(0, 10, (batches, count, 2))
    sizes = rng.uniform(0.5, 4, (batches, count, 2))
    corners = np.concatenate([centers - sizes / 2, centers + sizes / 2], axis=-1)
    flip = rng.random((batches, count)) < 0.3
    corners[flip] = corners[flip][:, [2, 3, 0, 1]]
    return corners.astype(np.float32)


@pytest.mark.parametrize("center", [0, 1])
@pytest.mark.parametrize(("limit", "iou", "score"), [(3, 0.5, None), (100, 0.3, 0.4),
                                                     (1, 0.0, 0.9), (0, 0.5, None)])
def test_non_max_suppression(center, limit, iou, score, options) -> None:
    rng = np.random.default_rng(limit)
    boxes = _boxes(rng, 2, 40)
    if center:
        boxes = np.concatenate([(boxes[..., 1::-1] + boxes[..., 3:1:-1]) / 2,
                                np.abs(boxes[..., 3:1:-1] - boxes[..., 1::-1])], axis=-1)
    scores = np.round(rng.random((2, 3, 40)), 2).astype(np.float32)  # ties
    weights = {"limit": np.array([limit], np.int64), "iou": np.array([iou], np.float32)}
    if score is not None:
        weights["score"] = np.array([score], np.float32)
    feeds = {"boxes": boxes, "scores": scores}
    model = node_model("NonMaxSuppression", feeds, 11, weights, center_point_box=center)
    check(model, feeds, options)


def test_non_max_suppression_without_limit_selects_nothing(options) -> None:
    feeds = {"boxes": _boxes(np.random.default_rng(0), 1, 5),
             "scores": np.ones((1, 1, 5), np.float32)}
    check(node_model("NonMaxSuppression", feeds, 11), feeds, options)


@pytest.mark.parametrize("dtype", [np.float32, np.int64, np.int32, np.bool_])
@pytest.mark.parametrize("dims", [(7,), (3, 4), (2, 3, 4)])
def test_non_zero(dtype, dims, options) -> None:
    x = np.random.default_rng(len(dims)).integers(-1, 2, dims).astype(dtype)
    check(node_model("NonZero", {"x": x}, 13), {"x": x}, options)


def test_non_zero_all_and_none(options) -> None:
    for x in (np.ones((2, 3), np.float32), np.zeros((2, 3), np.float32),
              np.array([np.nan, 0.0, -0.0], np.float32)):
        check(node_model("NonZero", {"x": x}, 13), {"x": x}, options)


@pytest.mark.parametrize("axis", [None, 0, 1, -1])
@pytest.mark.parametrize("length", [2, 3, 5])
def test_compress(axis, length, options) -> None:
    rng = np.random.default_rng(length)
    x = rand(3, 5 if axis is None else 4, 2)
    feeds = {"x": x, "c": rng.random(length) < 0.6}
    attrs = {} if axis is None else {"axis": axis}
    check(node_model("Compress", feeds, 11, **attrs), feeds, options)


@pytest.mark.parametrize("mode", ["linear", "nearest", "cubic"])
@pytest.mark.parametrize("padding", ["zeros", "border", "reflection"])
@pytest.mark.parametrize("align", [0, 1])
def test_grid_sample(mode, padding, align, options) -> None:
    x = rand(2, 3, 5, 7)
    grid = rand(2, 4, 6, 2, seed=1, low=-1.6, high=1.6)  # reaches past the image on all sides
    feeds = {"x": x, "g": grid}
    model = node_model("GridSample", feeds, 20, mode=mode, padding_mode=padding,
                       align_corners=align)
    if (mode, padding) != ("cubic", "border"):
        check(model, feeds, options, atol=1e-4)
        return
    # onnxruntime clamps a coordinate in [-0.5, 0) too when the other one is out of range
    # (one test for both dims): tcc follows onnx.reference, which looks at each on its own
    program, _ = compile_model(model, options)
    ours = CompiledModel(program).run(feeds)[0]
    theirs = ReferenceEvaluator(model).run(None, feeds)
    assert isinstance(theirs, list)
    np.testing.assert_allclose(ours, theirs[0], rtol=1e-5, atol=1e-4)


@pytest.mark.parametrize("mode", ["bilinear", "nearest", "bicubic"])
def test_grid_sample_opset_16_names(mode, options) -> None:
    feeds = {"x": rand(1, 2, 4, 4), "g": rand(1, 3, 3, 2, seed=2, low=-1.2, high=1.2)}
    check(node_model("GridSample", feeds, 16, mode=mode), feeds, options, atol=1e-4)


@pytest.mark.parametrize("mode", ["linear", "nearest"])
@pytest.mark.parametrize("padding", ["zeros", "border", "reflection"])
def test_grid_sample_volumetric(mode, padding, options) -> None:
    feeds = {"x": rand(1, 2, 3, 4, 5), "g": rand(1, 2, 3, 2, 3, seed=3, low=-1.3, high=1.3)}
    check(node_model("GridSample", feeds, 20, mode=mode, padding_mode=padding), feeds, options,
          atol=1e-4)


@pytest.mark.parametrize("mode", ["avg", "max"])
@pytest.mark.parametrize(("opset", "transform"), [(10, "output_half_pixel"),  # its only one
                                                  (16, "half_pixel"), (16, "output_half_pixel")])
@pytest.mark.parametrize("ratio", [0, 2])
def test_roi_align(opset, mode, transform, ratio, options) -> None:
    x = rand(2, 3, 10, 12)
    rois = np.array([[0, 0, 9, 9], [0.5, 1.5, 6.2, 4.1], [5, 5, 5.2, 5.3], [-2, 3, 14, 12]],
                    np.float32)
    feeds = {"x": x, "rois": rois}
    attrs = {"coordinate_transformation_mode": transform} if opset >= 16 else {}
    model = node_model("RoiAlign", feeds, opset, {"batch": np.array([0, 1, 1, 0], np.int64)},
                       mode=mode, output_height=3, output_width=2, sampling_ratio=ratio,
                       spatial_scale=0.75, **attrs)
    check(model, feeds, options, atol=1e-4)


@pytest.mark.parametrize("size", [(2, 3, 4, 5), (1, 2, 3, 4, 5)])
@pytest.mark.parametrize("align", [0, 1])
def test_affine_grid(size, align, options) -> None:
    spatial = len(size) - 2
    theta = rand(size[0], spatial, spatial + 1)
    model = node_model("AffineGrid", {"theta": theta}, 20, {"size": np.array(size, np.int64)},
                       align_corners=align)
    check(model, {"theta": theta}, options)


def test_data_dependent_value_read_by_a_node_is_declined(options) -> None:
    x = rand(3, 4)
    graph = helper.make_graph(
        [helper.make_node("NonZero", ["x"], ["nz"], name="where"),
         helper.make_node("Cast", ["nz"], ["y"], to=TensorProto.FLOAT, name="to_float")],
        "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, x.shape)],
        [helper.make_empty_tensor_value_info("y")])
    model = onnx.shape_inference.infer_shapes(
        helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]))
    with pytest.raises(UnsupportedModelError, match="node where.*feeds nodes to_float"):
        compile_model(model, options)


def test_lengths_are_not_model_outputs(options) -> None:
    x = np.array([[0, 2.0], [3.0, 0]], np.float32)
    program, _ = compile_model(node_model("NonZero", {"x": x}, 13), options)
    assert [(s.name, s.dynamic_axis) for s in program.outputs] == [("y0", 1),
                                                                    ("y0:length", None)]
    model = CompiledModel(program)
    assert [s.name for s in model.outputs] == ["y0"]
    assert model.run({"x": x})[0].tolist() == [[0, 1], [1, 0]]


def detection_head(rng: np.random.Generator, anchors: int = 300, keep: int = 64
                   ) -> onnx.ModelProto:
    """features [1, 8, 10, 10] -> a 1x1 conv per anchor slot (3 per cell) to a score and 4
    box deltas -> the top `keep` anchors by score (TopK) -> boxes decoded from their anchors
    (Gather, exp of the size deltas) -> NonMaxSuppression over them (the model output)."""
    cells = 100 * 3
    assert anchors == cells
    anchor_boxes = np.concatenate([rng.uniform(0, 32, (cells, 2)),
                                   rng.uniform(2, 8, (cells, 2))], axis=1).astype(np.float32)
    weights = {
        "w_score": rng.standard_normal((3, 8, 1, 1)).astype(np.float32) * 0.5,
        "w_delta": rng.standard_normal((12, 8, 1, 1)).astype(np.float32) * 0.1,
        "anchors": anchor_boxes, "k": np.array([keep], np.int64),
        "score_shape": np.array([1, cells], np.int64),
        "delta_shape": np.array([cells, 4], np.int64),
        "perm_shape": np.array([1, 1, keep], np.int64),
        "box_shape": np.array([1, keep, 4], np.int64),
        "half": np.array([0.5], np.float32), "limit": np.array([20], np.int64),
        "iou": np.array([0.45], np.float32), "min_score": np.array([0.2], np.float32),
    }
    nodes = [
        helper.make_node("Conv", ["features", "w_score"], ["s4"]),
        helper.make_node("Transpose", ["s4"], ["s4t"], perm=[0, 2, 3, 1]),
        helper.make_node("Reshape", ["s4t", "score_shape"], ["logits"]),
        helper.make_node("Sigmoid", ["logits"], ["scores"]),
        helper.make_node("Conv", ["features", "w_delta"], ["d4"]),
        helper.make_node("Transpose", ["d4"], ["d4t"], perm=[0, 2, 3, 1]),
        helper.make_node("Reshape", ["d4t", "delta_shape"], ["deltas"]),
        helper.make_node("TopK", ["scores", "k"], ["top_scores", "top"], axis=1),
        helper.make_node("Squeeze", ["top"], ["picked"]),
        helper.make_node("Gather", ["deltas", "picked"], ["d"], axis=0),
        helper.make_node("Gather", ["anchors", "picked"], ["a"], axis=0),
        helper.make_node("Split", ["d"], ["d_xy", "d_wh"], axis=1, num_outputs=2),
        helper.make_node("Split", ["a"], ["a_xy", "a_wh"], axis=1, num_outputs=2),
        helper.make_node("Mul", ["d_xy", "a_wh"], ["shift"]),
        helper.make_node("Add", ["a_xy", "shift"], ["center"]),
        helper.make_node("Exp", ["d_wh"], ["grow"]),
        helper.make_node("Mul", ["a_wh", "grow"], ["size"]),
        helper.make_node("Concat", ["center", "size"], ["decoded"], axis=1),
        helper.make_node("Reshape", ["decoded", "box_shape"], ["boxes"]),
        helper.make_node("Reshape", ["top_scores", "perm_shape"], ["class_scores"]),
        helper.make_node("NonMaxSuppression",
                         ["boxes", "class_scores", "limit", "iou", "min_score"], ["selected"],
                         center_point_box=1),
    ]
    graph = helper.make_graph(
        nodes, "detection_head",
        [helper.make_tensor_value_info("features", TensorProto.FLOAT, (1, 8, 10, 10))],
        [helper.make_empty_tensor_value_info("selected"),
         helper.make_empty_tensor_value_info("boxes")],
        [numpy_helper.from_array(v, n) for n, v in weights.items()])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)])
    return onnx.shape_inference.infer_shapes(model, strict_mode=True)


def test_detection_head_matches_onnxruntime(options) -> None:
    rng = np.random.default_rng(7)
    model = detection_head(rng)
    program, _ = compile_model(model, options)
    compiled = CompiledModel(program)
    for seed in range(3):
        features = np.random.default_rng(seed).standard_normal((1, 8, 10, 10)).astype(
            np.float32)
        ours = compiled.run({"features": features})
        theirs = expected(model, {"features": features})
        np.testing.assert_allclose(ours[1], theirs[1], rtol=1e-5, atol=1e-5)
        assert ours[0].shape == theirs[0].shape and 0 < len(ours[0]) <= 20
        np.testing.assert_array_equal(ours[0], theirs[0])
