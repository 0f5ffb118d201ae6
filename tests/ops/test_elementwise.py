"""Elementwise ops end to end: one- or few-node models built with onnx.helper, compiled by tcc,
run natively on seeded random inputs (int and bool inputs at run time, not baked) and compared
with onnxruntime (onnx.reference where onnxruntime lacks the op's opset).
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper
from onnx.reference import ReferenceEvaluator

from tcompiler.pipeline import CompileOptions, compile_model, compile_to_stage
from tcompiler.runtime import CompiledModel

TYPES = {np.float32: TensorProto.FLOAT, np.int64: TensorProto.INT64,
         np.int32: TensorProto.INT32, np.bool_: TensorProto.BOOL}


@pytest.fixture(scope="module")
def opts(cache_dir: str) -> CompileOptions:
    return CompileOptions(cache_dir=cache_dir, memory_plan="greedy")


def make(nodes: list[onnx.NodeProto], inputs: dict[str, np.ndarray], outputs: dict[str, Any],
         opset: int = 17, initializers: dict[str, np.ndarray] | None = None) -> onnx.ModelProto:
    """A model of `nodes`; `outputs` maps names to numpy element types (shapes inferred)."""
    graph = helper.make_graph(
        nodes, "g",
        [helper.make_tensor_value_info(n, TYPES[a.dtype.type], a.shape) for n, a in inputs.items()],
        [helper.make_empty_tensor_value_info(n) for n in outputs],
        [onnx.numpy_helper.from_array(a, n) for n, a in (initializers or {}).items()])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model = onnx.shape_inference.infer_shapes(model, strict_mode=True)
    for out in model.graph.output:
        assert out.type.tensor_type.elem_type == TYPES[outputs[out.name]], out
    return model


def reference(model: onnx.ModelProto, inputs: dict[str, np.ndarray]) -> list[np.ndarray]:
    try:
        session = ort.InferenceSession(model.SerializeToString(),
                                       providers=["CPUExecutionProvider"])
        return session.run(None, inputs)
    except Exception:  # noqa: BLE001 - opsets or type combinations onnxruntime lacks
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return [np.asarray(r) for r in ReferenceEvaluator(model).run(None, inputs)]


def check(model: onnx.ModelProto, inputs: dict[str, np.ndarray], opts: CompileOptions,
          rtol: float = 1e-5, atol: float = 1e-6) -> list[np.ndarray]:
    program, _ = compile_model(model, opts)
    got = CompiledModel(program).run(inputs)
    want = reference(model, inputs)
    for g, w in zip(got, want, strict=True):
        assert g.dtype == w.dtype and g.shape == w.shape, (g.dtype, w.dtype, g.shape, w.shape)
        np.testing.assert_allclose(g, w, rtol=rtol, atol=atol)
    return got


def rand(*shape: int, seed: int = 0, low: float = -3.0, high: float = 3.0) -> np.ndarray:
    return np.random.default_rng(seed).uniform(low, high, shape).astype(np.float32)


def ints(*shape: int, dtype: Any = np.int64, seed: int = 0, low: int = -20,
         high: int = 20) -> np.ndarray:
    return np.random.default_rng(seed).integers(low, high, shape).astype(dtype)


def bools(*shape: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 2, shape).astype(np.bool_)


# ----------------------------------------------------------------------------- float unary

UNARY = [
    ("Relu", {}, 17), ("LeakyRelu", {}, 17), ("LeakyRelu", {"alpha": 0.3}, 17),
    ("Sigmoid", {}, 17), ("HardSigmoid", {}, 17), ("HardSigmoid", {"alpha": 0.4, "beta": 0.3}, 22),
    ("HardSwish", {}, 17), ("Tanh", {}, 17), ("Erf", {}, 17), ("Exp", {}, 17), ("Neg", {}, 17),
    ("Abs", {}, 17), ("Reciprocal", {}, 17), ("Gelu", {}, 20),
    ("Gelu", {"approximate": "tanh"}, 20), ("Relu", {}, 7), ("Sigmoid", {}, 6),
]


@pytest.mark.parametrize("op,attrs,opset", UNARY, ids=lambda v: str(v))
def test_float_unary(op: str, attrs: dict[str, Any], opset: int, opts: CompileOptions) -> None:
    x = rand(2, 3, 17, seed=1)
    check(make([helper.make_node(op, ["x"], ["y"], **attrs)], {"x": x}, {"y": np.float32},
               opset), {"x": x}, opts)


@pytest.mark.parametrize("op", ["Sqrt", "Log"])
def test_positive_domain(op: str, opts: CompileOptions) -> None:
    x = rand(4, 9, low=0.01, high=50.0)
    check(make([helper.make_node(op, ["x"], ["y"])], {"x": x}, {"y": np.float32}), {"x": x}, opts)


def test_isnan_and_nan_propagation(opts: CompileOptions) -> None:
    x = rand(3, 5)
    x[0, 1], x[2, 3] = np.nan, np.inf
    nodes = [helper.make_node("IsNaN", ["x"], ["n"]), helper.make_node("Relu", ["x"], ["r"]),
             helper.make_node("Max", ["x", "x"], ["m"])]
    model = make(nodes, {"x": x}, {"n": np.bool_, "r": np.float32, "m": np.float32}, 20)
    n, r, _ = check(model, {"x": x}, opts)
    assert n[0, 1] and not n[2, 3] and np.isnan(r[0, 1])


# ----------------------------------------------------------------------------- binary, variadic


@pytest.mark.parametrize("op", ["Add", "Sub", "Mul", "Div", "Pow", "Min", "Max", "Sum", "Mean"])
def test_float_binary_broadcast(op: str, opts: CompileOptions) -> None:
    a, b = rand(2, 3, 4, seed=2, low=0.5, high=2.0), rand(3, 1, seed=3, low=-2.0, high=2.0)
    check(make([helper.make_node(op, ["a", "b"], ["y"])], {"a": a, "b": b}, {"y": np.float32}),
          {"a": a, "b": b}, opts)


@pytest.mark.parametrize("op", ["Min", "Max", "Sum", "Mean"])
def test_variadic(op: str, opts: CompileOptions) -> None:
    xs = {"a": rand(3, 1, 4, seed=4), "b": rand(2, 1, 1, 1, seed=5), "c": rand(4, seed=6)}
    check(make([helper.make_node(op, list(xs), ["y"])], xs, {"y": np.float32}), xs, opts)
    one = {"a": xs["a"]}
    check(make([helper.make_node(op, ["a"], ["y"])], one, {"y": np.float32}), one, opts)


@pytest.mark.parametrize("exponent", [2.0, 3.0, 0.5, 1.0, -1.5])
def test_pow_constant_exponent(exponent: float, opts: CompileOptions) -> None:
    x = rand(5, 7, low=0.1, high=4.0)
    e = np.array(exponent, np.float32)
    model = make([helper.make_node("Pow", ["x", "e"], ["y"])], {"x": x}, {"y": np.float32},
                 initializers={"e": e})
    check(model, {"x": x}, opts)


@pytest.mark.parametrize("base,exp", [(np.float32, np.int64), (np.float32, np.int32),
                                      (np.int64, np.int64), (np.int32, np.float32)])
def test_pow_mixed_types(base: Any, exp: Any, opts: CompileOptions) -> None:
    x = (np.arange(12).reshape(3, 4) % 5 + 1).astype(base)
    y = np.array([0, 1, 2, 3], dtype=exp)
    check(make([helper.make_node("Pow", ["x", "y"], ["z"])], {"x": x, "y": y}, {"z": base},
               15), {"x": x, "y": y}, opts)


# ----------------------------------------------------------------------------- integers


@pytest.mark.parametrize("dtype", [np.int64, np.int32])
@pytest.mark.parametrize("op", ["Add", "Sub", "Mul", "Div", "Min", "Max"])
def test_int_binary(op: str, dtype: Any, opts: CompileOptions) -> None:
    a = ints(3, 4, dtype=dtype, seed=7)
    b = ints(4, dtype=dtype, seed=8, low=1, high=6) * np.array([1, -1, 1, -1], dtype)
    check(make([helper.make_node(op, ["a", "b"], ["y"])], {"a": a, "b": b}, {"y": dtype}),
          {"a": a, "b": b}, opts, rtol=0, atol=0)


def test_int_division_truncates_toward_zero(opts: CompileOptions) -> None:
    a = np.array([7, -7, 7, -7, 6, -1], np.int64)
    b = np.array([2, 2, -2, -2, 3, 5], np.int64)
    model = make([helper.make_node("Div", ["a", "b"], ["y"])], {"a": a, "b": b}, {"y": np.int64})
    (y,) = check(model, {"a": a, "b": b}, opts, rtol=0, atol=0)
    assert y.tolist() == [3, -3, -3, 3, 2, 0]


@pytest.mark.parametrize("op", ["Abs", "Neg", "Relu"])
def test_int_unary(op: str, opts: CompileOptions) -> None:
    x = ints(2, 9, dtype=np.int32, seed=9)
    check(make([helper.make_node(op, ["x"], ["y"])], {"x": x}, {"y": np.int32}), {"x": x},
          opts, rtol=0, atol=0)


def test_int_clip_and_where(opts: CompileOptions) -> None:
    x, lo, hi = ints(3, 5, seed=10), np.array(-4, np.int64), np.array(6, np.int64)
    k = bools(3, 5, seed=11)
    nodes = [helper.make_node("Clip", ["x", "lo", "hi"], ["c"]),
             helper.make_node("Where", ["k", "c", "x"], ["y"])]
    model = make(nodes, {"x": x, "k": k}, {"y": np.int64}, initializers={"lo": lo, "hi": hi})
    check(model, {"x": x, "k": k}, opts, rtol=0, atol=0)


# ----------------------------------------------------------------------------- logic


@pytest.mark.parametrize("dtype", [np.float32, np.int64, np.int32])
@pytest.mark.parametrize("op", ["Equal", "Greater", "GreaterOrEqual", "Less", "LessOrEqual"])
def test_comparisons(op: str, dtype: Any, opts: CompileOptions) -> None:
    a, b = ints(2, 3, 4, dtype=dtype, seed=12, low=-3, high=3), ints(3, 1, dtype=dtype, seed=13,
                                                                     low=-3, high=3)
    check(make([helper.make_node(op, ["a", "b"], ["y"])], {"a": a, "b": b}, {"y": np.bool_}),
          {"a": a, "b": b}, opts)


def test_bool_logic(opts: CompileOptions) -> None:
    a, b, c = bools(3, 4, 5, seed=14), bools(4, 5, seed=15), bools(5, seed=16)
    nodes = [helper.make_node("And", ["a", "b"], ["ab"]), helper.make_node("Or", ["ab", "c"], ["o"]),
             helper.make_node("Not", ["o"], ["y"]), helper.make_node("Equal", ["a", "b"], ["e"])]
    model = make(nodes, {"a": a, "b": b, "c": c}, {"y": np.bool_, "e": np.bool_})
    check(model, {"a": a, "b": b, "c": c}, opts)


def test_where_broadcasts_three_ways(opts: CompileOptions) -> None:
    k, x, y = bools(4, 1, seed=17), rand(1, 6, seed=18), rand(4, 6, seed=19)
    check(make([helper.make_node("Where", ["k", "x", "y"], ["z"])], {"k": k, "x": x, "y": y},
               {"z": np.float32}), {"k": k, "x": x, "y": y}, opts)


# ----------------------------------------------------------------------------- clip, prelu


@pytest.mark.parametrize("bounds", [(-1.0, 1.5), (None, 0.5), (-0.5, None), (2.0, -2.0),
                                    (None, None)])
def test_clip_inputs(bounds: tuple[float | None, float | None], opts: CompileOptions) -> None:
    x = rand(3, 7, seed=20)
    names, inits = ["x"], {}
    for name, bound in zip(("lo", "hi"), bounds):
        names.append(name if bound is not None else "")
        if bound is not None:
            inits[name] = np.array(bound, np.float32)
    while names[-1] == "":
        names.pop()
    model = make([helper.make_node("Clip", names, ["y"])], {"x": x}, {"y": np.float32},
                 initializers=inits)
    check(model, {"x": x}, opts)


def test_clip_runtime_bounds(opts: CompileOptions) -> None:
    x, lo, hi = rand(4, 5, seed=21), np.array(-0.7, np.float32), np.array(0.9, np.float32)
    model = make([helper.make_node("Clip", ["x", "lo", "hi"], ["y"])],
                 {"x": x, "lo": lo, "hi": hi}, {"y": np.float32})
    check(model, {"x": x, "lo": lo, "hi": hi}, opts)


@pytest.mark.parametrize("opset", [6, 7])
def test_clip_attributes_old_opset(opset: int, opts: CompileOptions) -> None:
    x = rand(2, 8, seed=22)
    node = helper.make_node("Clip", ["x"], ["y"], min=0.0, max=6.0)
    check(make([node], {"x": x}, {"y": np.float32}, opset), {"x": x}, opts)


def test_prelu_channel_slope(opts: CompileOptions) -> None:
    x, slope = rand(1, 3, 4, 4, seed=23), rand(3, 1, 1, seed=24)
    model = make([helper.make_node("PRelu", ["x", "s"], ["y"])], {"x": x}, {"y": np.float32},
                 initializers={"s": slope})
    check(model, {"x": x}, opts)


# ----------------------------------------------------------------------------- casts


CASTS = [np.float32, np.int64, np.int32, np.bool_]


@pytest.mark.parametrize("src", CASTS, ids=lambda t: np.dtype(t).name)
@pytest.mark.parametrize("dst", CASTS, ids=lambda t: np.dtype(t).name)
def test_cast(src: Any, dst: Any, opts: CompileOptions) -> None:
    x = np.array([[0.0, 1.0, -2.7, 3.9], [2.5, -0.4, 0.0, 100.0]], np.float32).astype(src)
    node = helper.make_node("Cast", ["x"], ["y"], to=TYPES[dst])
    check(make([node], {"x": x}, {"y": dst}), {"x": x}, opts, rtol=0, atol=0)


def test_castlike(opts: CompileOptions) -> None:
    x, t = rand(3, 4, seed=25) * 10, np.zeros(1, np.int32)
    model = make([helper.make_node("CastLike", ["x", "t"], ["y"])], {"x": x, "t": t},
                 {"y": np.int32})
    check(model, {"x": x, "t": t}, opts, rtol=0, atol=0)


# ----------------------------------------------------------------------------- fusion


def test_chain_fuses_into_one_typed_map(opts: CompileOptions) -> None:
    """Sub -> Div -> Erf -> Greater -> Where -> Cast (each result used once): one map."""
    x, m = rand(2, 16, seed=26), rand(16, seed=27)
    two = np.array(2.0, np.float32)
    nodes = [helper.make_node("Sub", ["x", "m"], ["a"]), helper.make_node("Div", ["a", "two"], ["b"]),
             helper.make_node("Erf", ["b"], ["c"]), helper.make_node("Greater", ["c", "m"], ["k"]),
             helper.make_node("Where", ["k", "m", "x"], ["w"]),
             helper.make_node("Cast", ["w"], ["y"], to=TensorProto.INT32)]
    model = make(nodes, {"x": x, "m": m}, {"y": np.int32}, initializers={"two": two})
    text = str(compile_to_stage(model, "kernels", opts).module)
    assert text.count("kernel.map") == 1, text
    check(model, {"x": x, "m": m}, opts, rtol=0, atol=0)


def test_relu6_after_depthwise_conv_is_an_epilogue(opts: CompileOptions) -> None:
    x = rand(1, 4, 6, 6, seed=28)
    w, lo, hi = rand(4, 1, 3, 3, seed=29), np.array(0, np.float32), np.array(6, np.float32)
    nodes = [helper.make_node("Conv", ["x", "w"], ["c"], pads=[1, 1, 1, 1], group=4),
             helper.make_node("Clip", ["c", "lo", "hi"], ["y"])]
    model = make(nodes, {"x": x}, {"y": np.float32}, initializers={"w": w, "lo": lo, "hi": hi})
    text = str(compile_to_stage(model, "kernels", opts).module)
    assert 'activation = "clip"' in text and "kernel.map" not in text
    (y,) = check(model, {"x": x}, opts)
    assert y.max() == 6.0 and y.min() == 0.0
