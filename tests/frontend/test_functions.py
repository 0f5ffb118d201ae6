"""Function ops tcc has no op for are expanded into their ONNX function bodies at import
(frontend/functions.py): the results match onnxruntime, the unsupported-op check judges the
expanded graph, and an op the dialect has is never expanded."""

from __future__ import annotations

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper, numpy_helper
from onnx.reference import ReferenceEvaluator

import tcompiler.backend as backend
from tcompiler.errors import UnsupportedModelError
from tcompiler.frontend import import_model
from tcompiler.frontend.functions import inline_functions, is_function_op

RNG = np.random.default_rng(14)


def _model(nodes: list[onnx.NodeProto], inputs: dict[str, tuple[int, list[int]]],
           outputs: dict[str, tuple[int, list[int]]], opset: int,
           initializers: dict[str, np.ndarray] | None = None) -> onnx.ModelProto:
    graph = helper.make_graph(
        nodes, "g", [helper.make_tensor_value_info(n, t, s) for n, (t, s) in inputs.items()],
        [helper.make_tensor_value_info(n, t, s) for n, (t, s) in outputs.items()],
        initializer=[numpy_helper.from_array(v, n) for n, v in (initializers or {}).items()])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])


def _matches_onnxruntime(model: onnx.ModelProto, feeds: dict[str, np.ndarray]) -> None:
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    want = session.run(None, feeds)
    got = backend.run_model(model, list(feeds.values()))
    for ours, theirs in zip(got, want, strict=True):
        np.testing.assert_allclose(ours, np.asarray(theirs), rtol=1e-5, atol=1e-5)


def _ops(model: onnx.ModelProto) -> set[str]:
    return {op.name for op in import_model(model).module.walk()}


@pytest.mark.parametrize("axis", [-1, 1])
def test_rms_normalization_expands_and_matches_onnxruntime(axis: int) -> None:
    """RMSNormalization (opset 23) has a context-dependent body (ReduceMean, Sqrt, Div, ...)
    and a native dialect op: the op wins, and matches the body's meaning."""
    nodes = [helper.make_node("RMSNormalization", ["x", "scale"], ["y"], name="rms", axis=axis,
                              epsilon=1e-3)]
    scale = RNG.standard_normal((4, 6)[axis:] if axis > 0 else (6,)).astype(np.float32)
    model = _model(nodes, {"x": (TensorProto.FLOAT, [3, 4, 6])},
                   {"y": (TensorProto.FLOAT, [3, 4, 6])}, 23, {"scale": scale})
    x = RNG.standard_normal((3, 4, 6)).astype(np.float32) * 10
    x[0, 0] = 0.0  # a row of zeros: the epsilon keeps it finite
    _matches_onnxruntime(model, {"x": x})
    assert "onnx.RMSNormalization" in _ops(model) and "onnx.ReduceMean" not in _ops(model)


@pytest.mark.parametrize("axes", [[0, 2, 3], [1]])
def test_mean_variance_normalization_expands_and_matches_onnxruntime(axes: list[int]) -> None:
    """MeanVarianceNormalization has no dialect op: its schema's body (ReduceMean, Sub, Pow,
    Sqrt, Div, ...) is what compiles."""
    nodes = [helper.make_node("MeanVarianceNormalization", ["x"], ["y"], name="mvn", axes=axes)]
    model = _model(nodes, {"x": (TensorProto.FLOAT, [2, 3, 4, 5])},
                   {"y": (TensorProto.FLOAT, [2, 3, 4, 5])}, 17, {})
    x = RNG.standard_normal((2, 3, 4, 5)).astype(np.float32) * 3 + 1
    _matches_onnxruntime(model, {"x": x})
    assert "onnx.ReduceMean" in _ops(model)


@pytest.mark.parametrize("reduction", ["none", "sum", "mean"])
def test_losses_expand_by_input_types_and_match_onnxruntime(reduction: str) -> None:
    """NegativeLogLikelihoodLoss and SoftmaxCrossEntropyLoss build their bodies from the node's
    input types and attributes (ignore_index, weights, reduction)."""
    n, c, d = 5, 4, 3
    nodes = [
        helper.make_node("NegativeLogLikelihoodLoss", ["logp", "target", "w"], ["nll"],
                         reduction=reduction, ignore_index=2),
        helper.make_node("SoftmaxCrossEntropyLoss", ["scores", "target"], ["sce"],
                         reduction=reduction),
    ]
    shape = [n] if reduction == "none" else []
    model = _model(
        nodes, {"logp": (TensorProto.FLOAT, [n, c, d]), "scores": (TensorProto.FLOAT, [n, c, d]),
                "target": (TensorProto.INT64, [n, d])},
        {"nll": (TensorProto.FLOAT, [*shape, d][: len(shape) + (reduction == "none")]),
         "sce": (TensorProto.FLOAT, [*shape, d][: len(shape) + (reduction == "none")])},
        22, {"w": RNG.uniform(0.5, 2.0, c).astype(np.float32)})
    feeds = {"logp": RNG.standard_normal((n, c, d)).astype(np.float32),
             "scores": RNG.standard_normal((n, c, d)).astype(np.float32),
             "target": RNG.integers(0, c, (n, d)).astype(np.int64)}
    _matches_onnxruntime(model, feeds)


def test_attributes_left_out_take_their_defaults() -> None:
    """A body refers to attributes by `ref_attr_name` whether the node sets them or not: Celu
    without alpha is Celu with alpha 1 (ThresholdedRelu and Swish too); a body using another
    function op (Celu -> Elu) is expanded through; Shrink-9's body exists only with opset
    18's ops."""
    nodes = [helper.make_node("Celu", ["x"], ["c"]),
             helper.make_node("Celu", ["c"], ["d"], alpha=2.5),
             helper.make_node("Shrink", ["d"], ["e"], lambd=0.7, bias=0.2),
             helper.make_node("ThresholdedRelu", ["e"], ["y"])]
    x = np.array([-3, -1, -0.5, 0, 0.5, 1, 1.5, 3], np.float32)
    for opset in (13, 17, 24):
        swish = [helper.make_node("Swish", ["y"], ["z"])] if opset >= 24 else []
        model = _model(nodes + swish, {"x": (TensorProto.FLOAT, [8])},
                       {"z" if swish else "y": (TensorProto.FLOAT, [8])}, opset)
        _matches_onnxruntime(model, {"x": x})


def test_expanded_values_and_nodes_are_named_after_the_node() -> None:
    nodes = [helper.make_node("MeanVarianceNormalization", ["x"], ["c"], name="mvn"),
             helper.make_node("MeanVarianceNormalization", ["c"], ["y"])]
    model = _model(nodes, {"x": (TensorProto.FLOAT, [2, 3, 2, 2])},
                   {"y": (TensorProto.FLOAT, [2, 3, 2, 2])}, 22)
    graph = inline_functions(model).graph
    names = [node.name for node in graph.node]
    assert all(n.startswith(("mvn/", "MeanVarianceNormalization_1/")) for n in names)
    assert len(set(names)) == len(names)
    outputs = [out for node in graph.node for out in node.output]
    assert len(set(outputs)) == len(outputs) and {"c", "y"} <= set(outputs)
    onnx.checker.check_model(inline_functions(model), full_check=True)


def test_a_function_op_with_a_supported_body_is_not_reported() -> None:
    nodes = [helper.make_node("ReduceL2", ["x", "axes"], ["y"], name="norm", keepdims=0)]
    model = _model(nodes, {"x": (TensorProto.FLOAT, [3, 4])}, {"y": (TensorProto.FLOAT, [3])},
                   18, {"axes": np.array([1], np.int64)})
    import_model(model)  # no UnsupportedModelError
    _matches_onnxruntime(model, {"x": RNG.standard_normal((3, 4)).astype(np.float32)})


def test_an_unsupported_op_of_a_body_is_reported_with_the_node_name() -> None:
    """Bernoulli's body draws with RandomUniformLike (never folded, no kernel): that op is
    reported, named after the Bernoulli node, with the other problems, before any work."""
    nodes = [helper.make_node("Bernoulli", ["p"], ["draw"], name="coin"),
             helper.make_node("Det", ["m"], ["d"], name="det_m")]
    model = _model(nodes, {"p": (TensorProto.FLOAT, [4]), "m": (TensorProto.FLOAT, [2, 2])},
                   {"draw": (TensorProto.FLOAT, [4]), "d": (TensorProto.FLOAT, [])}, 20)
    with pytest.raises(UnsupportedModelError) as err:
        import_model(model)
    problems = err.value.problems
    assert len(problems) == 2, problems
    assert problems[0].startswith("RandomUniformLike (opset 20): nodes coin/")
    assert problems[1] == "Det (opset 20): nodes det_m"


def test_ops_the_dialect_has_are_never_expanded() -> None:
    """Softmax has a function body too, but tcc has an op for it."""
    softmax = helper.make_node("Softmax", ["x"], ["y"])
    assert not is_function_op(softmax, {"": 17})
    celu = helper.make_node("Celu", ["x"], ["y"])
    assert is_function_op(celu, {"": 17}) == ("Celu" not in _dialect_ops())
    model = _model([softmax], {"x": (TensorProto.FLOAT, [2, 3])},
                   {"y": (TensorProto.FLOAT, [2, 3])}, 17)
    assert inline_functions(model) is model


def _dialect_ops() -> frozenset[str]:
    from tcompiler.dialects.onnx import ONNX_OPS

    return frozenset(ONNX_OPS)


def test_function_ops_in_nested_graphs_are_expanded() -> None:
    """A Celu inside an If branch expands as one at top level does; the branch reads the
    outer `x`, and the expanded model computes what the original does."""
    def branch(name: str, alpha: float) -> onnx.GraphProto:
        return helper.make_graph(
            [helper.make_node("Celu", ["x"], [f"{name}_y"], name=f"{name}_celu", alpha=alpha)],
            name, [], [helper.make_tensor_value_info(f"{name}_y", TensorProto.FLOAT, [4])])

    nodes = [helper.make_node("ReduceSum", ["x"], ["s"], keepdims=0),
             helper.make_node("Less", ["s", "zero"], ["negative"]),
             helper.make_node("If", ["negative"], ["y"], name="pick",
                              then_branch=branch("then", 0.5), else_branch=branch("else", 3.0))]
    model = _model(nodes, {"x": (TensorProto.FLOAT, [4])}, {"y": (TensorProto.FLOAT, [4])}, 17,
                   {"zero": np.array(0.0, np.float32)})
    expanded = inline_functions(model)
    onnx.checker.check_model(expanded, full_check=True)
    branches = [a.g for a in expanded.graph.node[-1].attribute]
    assert all("Celu" not in {n.op_type for n in g.node} for g in branches) == (
        "Celu" not in _dialect_ops())
    for x in (np.array([-2, -1, 0.5, 1], np.float32), np.array([2, -1, 0.5, 1], np.float32)):
        (want,) = ReferenceEvaluator(model).run(None, {"x": x})
        (got,) = ReferenceEvaluator(expanded).run(None, {"x": x})
        np.testing.assert_allclose(np.asarray(got), np.asarray(want), rtol=1e-6)
