"""Element types beyond float32/int64/int32/bool, end to end: one- or few-node models compiled
by tcc, run natively on edge values (overflow, MIN / -1, division by zero, NaN, infinities,
float16 denormals, rounding ties) and compared bit for bit (floats: NaN = NaN) with
onnxruntime, or onnx.reference where onnxruntime lacks the op or type; and the same models
interpreted at the kernels and loops stages (`tcompiler.interp`).
"""

from __future__ import annotations

import warnings
from typing import Any

import ml_dtypes
import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper
from onnx.reference import ReferenceEvaluator

import tcompiler.backend as backend
from tcompiler import interp
from tcompiler.pipeline import CompileOptions, compile_model
from tcompiler.runtime import CompiledModel

BF16 = np.dtype(ml_dtypes.bfloat16)
INTS = [np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32, np.uint64]
FLOATS = [np.float16, BF16, np.float32, np.float64]
ALL = [*INTS, *FLOATS, np.bool_]


@pytest.fixture(scope="module")
def opts(cache_dir: str) -> CompileOptions:
    return CompileOptions(cache_dir=cache_dir, memory_plan="greedy")


def is_float(dtype: Any) -> bool:
    return np.dtype(dtype).kind == "f" or np.dtype(dtype) == BF16


def code(dtype: Any) -> int:
    return helper.np_dtype_to_tensor_dtype(np.dtype(dtype))


def make(nodes: list[onnx.NodeProto], inputs: dict[str, np.ndarray], opset: int = 22
         ) -> onnx.ModelProto:
    graph = helper.make_graph(
        nodes, "g",
        [helper.make_tensor_value_info(n, code(a.dtype), a.shape) for n, a in inputs.items()],
        [helper.make_empty_tensor_value_info(nodes[-1].output[0])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    return onnx.shape_inference.infer_shapes(model, strict_mode=True)


def reference(model: onnx.ModelProto, inputs: dict[str, np.ndarray]) -> np.ndarray:
    try:
        session = ort.InferenceSession(model.SerializeToString(),
                                       providers=["CPUExecutionProvider"])
        return session.run(None, inputs)[0]
    except Exception:  # noqa: BLE001 - ops or types onnxruntime lacks
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return np.asarray(ReferenceEvaluator(model).run(None, inputs)[0])


def same(got: np.ndarray, want: np.ndarray) -> None:
    assert got.dtype == want.dtype and got.shape == want.shape, (got.dtype, want.dtype)
    if got.dtype.kind in "iub":
        np.testing.assert_array_equal(got, want)
        return
    wide_got, wide_want = got.astype(np.float64), want.astype(np.float64)
    np.testing.assert_array_equal(np.isnan(wide_got), np.isnan(wide_want))
    finite = ~np.isnan(wide_want)
    np.testing.assert_array_equal(wide_got[finite], wide_want[finite])


def check(model: onnx.ModelProto, inputs: dict[str, np.ndarray], opts: CompileOptions,
          want: np.ndarray | None = None) -> np.ndarray:
    program, _ = compile_model(model, opts)
    (got,) = CompiledModel(program).run(inputs)
    same(got, reference(model, inputs) if want is None else want)
    return got


def edges(dtype: Any) -> np.ndarray:
    """Edge values of `dtype` and a few ordinary ones (16 of them)."""
    dt = np.dtype(dtype)
    if dt == np.bool_:
        return np.array([True, False] * 8)
    if dt.kind in "iu":
        info = np.iinfo(dt)
        values = [info.min, info.max, info.min + 1, info.max - 1, 0, 1, 2, 3, 5, 7, 100 % info.max,
                  info.max // 2, 0, 1, info.max // 3, 9]
        if dt.kind == "i":
            values[4:8] = [-1, -2, -3, -7]
        return np.array(values, dt)
    finfo = ml_dtypes.finfo(dt) if dt == BF16 else np.finfo(dt)
    values = [0.0, -0.0, 1.0, -1.5, 2.5, -2.5, 0.5, float(finfo.max), -float(finfo.max),
              float(finfo.smallest_subnormal), float(finfo.tiny), np.inf, -np.inf, np.nan,
              3.25, -7.75]
    return np.array(values, np.float64).astype(dt)


def ordinary(dtype: Any, size: int = 16, seed: int = 0) -> np.ndarray:
    """Values every type holds exactly (small integers, halves)."""
    rng = np.random.default_rng(seed)
    dt = np.dtype(dtype)
    if dt == np.bool_:
        return rng.integers(0, 2, size).astype(np.bool_)
    low = 0 if dt.kind == "u" else -9
    values = rng.integers(low, 10, size)
    return (values / 2).astype(dt) if is_float(dt) else values.astype(dt)


# ----------------------------------------------------------------------------- integers


@pytest.mark.parametrize("dtype", INTS)
@pytest.mark.parametrize("op", ["Add", "Sub", "Mul", "Max", "Min"])
def test_integer_arithmetic_wraps(op: str, dtype: Any, opts: CompileOptions) -> None:
    a, b = edges(dtype), np.roll(edges(dtype), 3)
    model = make([helper.make_node(op, ["a", "b"], ["y"])], {"a": a, "b": b})
    with np.errstate(over="ignore"):
        want = {"Add": np.add, "Sub": np.subtract, "Mul": np.multiply, "Max": np.maximum,
                "Min": np.minimum}[op](a, b)
    check(model, {"a": a, "b": b}, opts, want)


@pytest.mark.parametrize("dtype", INTS)
def test_integer_division_truncates_and_never_traps(dtype: Any, opts: CompileOptions) -> None:
    """C division (toward zero); MIN / -1 wraps to MIN; x / 0 is 0 (undefined in ONNX)."""
    a = edges(dtype)
    b = np.roll(edges(dtype), 5)
    model = make([helper.make_node("Div", ["a", "b"], ["y"])], {"a": a, "b": b})
    wide_a, wide_b = a.astype(object), b.astype(object)
    quotient = [0 if y == 0 else abs(x) // abs(y) * (1 if (x < 0) == (y < 0) else -1)
                for x, y in zip(wide_a, wide_b)]
    want = np.array([int(q) for q in quotient], object)
    bits = np.dtype(dtype).itemsize * 8
    want = np.array([int(q) % (1 << bits) for q in want], np.uint64).astype(
        np.dtype(f"uint{bits}")).view(dtype)
    check(model, {"a": a, "b": b}, opts, want)


@pytest.mark.parametrize("dtype", INTS)
@pytest.mark.parametrize("pred", ["Greater", "Less", "Equal", "GreaterOrEqual", "LessOrEqual"])
def test_integer_comparisons_respect_signedness(pred: str, dtype: Any,
                                                opts: CompileOptions) -> None:
    a, b = edges(dtype), np.roll(edges(dtype), 7)
    model = make([helper.make_node(pred, ["a", "b"], ["y"])], {"a": a, "b": b})
    check(model, {"a": a, "b": b}, opts)


@pytest.mark.parametrize("dtype", [np.int8, np.int16, np.uint8, np.uint64])
def test_unary_and_where_and_clip(dtype: Any, opts: CompileOptions) -> None:
    x, k = edges(dtype), np.arange(16) % 3 == 0
    lo, hi = np.array(2, dtype), np.array(100, dtype)
    nodes = [helper.make_node("Abs", ["x"], ["a"]), helper.make_node("Neg", ["a"], ["n"])
             if np.dtype(dtype).kind == "i" else helper.make_node("Identity", ["a"], ["n"]),
             helper.make_node("Clip", ["n", "lo", "hi"], ["c"]),
             helper.make_node("Where", ["k", "c", "x"], ["y"])]
    model = make(nodes, {"x": x, "k": k, "lo": lo, "hi": hi})
    with np.errstate(over="ignore"):
        n = -np.abs(x) if np.dtype(dtype).kind == "i" else x
    want = np.where(k, np.clip(n, lo, hi), x)
    check(model, {"x": x, "k": k, "lo": lo, "hi": hi}, opts, want)


# ----------------------------------------------------------------------------- Mod, bits


@pytest.mark.parametrize("dtype", [*INTS, np.float16, np.float32, np.float64])
@pytest.mark.parametrize("fmod", [0, 1])
def test_mod(fmod: int, dtype: Any, opts: CompileOptions) -> None:
    """fmod=0: the divisor's sign (numpy's mod; x % 0 = 0 on integers); fmod=1: C fmod."""
    a = edges(dtype)
    b = np.roll(edges(dtype), 5)
    if is_float(dtype):
        b = np.where(np.isnan(b), 3, b).astype(dtype)
    model = make([helper.make_node("Mod", ["a", "b"], ["y"], fmod=fmod)], {"a": a, "b": b})
    with np.errstate(all="ignore"):
        want = (np.fmod if fmod else np.mod)(a, b)
    if is_float(dtype) and not fmod:  # a zero result takes the divisor's sign
        want = np.where(want == 0, np.copysign(0, b), want).astype(dtype)
    check(model, {"a": a, "b": b}, opts, want)


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16, np.uint32, np.uint64, np.int8,
                                   np.int16, np.int32, np.int64])
@pytest.mark.parametrize("direction", ["LEFT", "RIGHT"])
def test_bit_shift(direction: str, dtype: Any, opts: CompileOptions) -> None:
    """Amounts 0..bits+1 and, for signed types, negative ones (opset 28: shifted all out)."""
    bits = np.dtype(dtype).itemsize * 8
    x = np.resize(edges(dtype), 20)
    amounts = np.array([0, 1, 2, 3, bits - 1, bits, bits + 1, 4, 7, 5] * 2, dtype)
    if np.dtype(dtype).kind == "i":
        amounts[-3:] = [-1, -2, np.iinfo(dtype).min]
    model = make([helper.make_node("BitShift", ["x", "s"], ["y"], direction=direction)],
                 {"x": x, "s": amounts}, opset=28)
    check(model, {"x": x, "s": amounts}, opts)


@pytest.mark.parametrize("dtype", [np.int8, np.uint16, np.int32, np.uint64])
@pytest.mark.parametrize("op", ["BitwiseAnd", "BitwiseOr", "BitwiseXor"])
def test_bitwise_binary(op: str, dtype: Any, opts: CompileOptions) -> None:
    a, b = edges(dtype).reshape(2, 8), edges(dtype)[3:11]  # broadcast
    model = make([helper.make_node(op, ["a", "b"], ["y"])], {"a": a, "b": b})
    check(model, {"a": a, "b": b}, opts)


@pytest.mark.parametrize("dtype", [np.int8, np.uint8, np.int64, np.uint32])
def test_bitwise_not_and_xor(dtype: Any, opts: CompileOptions) -> None:
    x = edges(dtype)
    check(make([helper.make_node("BitwiseNot", ["x"], ["y"])], {"x": x}), {"x": x}, opts)
    a, b = np.arange(6) % 2 == 0, np.arange(6) % 3 == 0
    check(make([helper.make_node("Xor", ["a", "b"], ["y"])], {"a": a, "b": b}),
          {"a": a, "b": b}, opts)


# ----------------------------------------------------------------------------- floats


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("attrs", [{}, {"detect_negative": 0}, {"detect_positive": 0},
                                   {"detect_negative": 0, "detect_positive": 0}])
def test_is_inf(attrs: dict[str, int], dtype: Any, opts: CompileOptions) -> None:
    x = edges(dtype)
    model = make([helper.make_node("IsInf", ["x"], ["y"], **attrs)], {"x": x})
    check(model, {"x": x}, opts)


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("op", ["Round", "Floor", "Ceil"])
def test_rounding(op: str, dtype: Any, opts: CompileOptions) -> None:
    """Round is half to even (0.5 -> 0, 1.5 -> 2, -2.5 -> -2)."""
    x = np.concatenate([edges(dtype), np.array([0.5, 1.5, 2.5, -0.5, -1.5, 3.7, -3.2, 1e3],
                                               np.float32).astype(dtype)])
    model = make([helper.make_node(op, ["x"], ["y"])], {"x": x})
    fn = {"Round": np.round, "Floor": np.floor, "Ceil": np.ceil}[op]
    check(model, {"x": x}, opts, fn(x.astype(np.float64)).astype(dtype))


@pytest.mark.parametrize("dtype", [np.float16, BF16])
def test_storage_floats_compute_in_f32_and_round_once(dtype: Any, opts: CompileOptions
                                                      ) -> None:
    """Add, Mul, Div, Sqrt, Sigmoid on float16/bfloat16: each op's f32 result rounded to
    nearest even (numpy's float16 arithmetic and ml_dtypes' bfloat16 do the same)."""
    x, y = edges(dtype), np.roll(edges(dtype), 1)
    for op, fn in [("Add", np.add), ("Mul", np.multiply), ("Div", np.divide),
                   ("Max", np.maximum)]:
        model = make([helper.make_node(op, ["x", "y"], ["z"])], {"x": x, "y": y})
        with np.errstate(all="ignore"):
            want = fn(x.astype(np.float32), y.astype(np.float32)).astype(dtype)
        check(model, {"x": x, "y": y}, opts, want)
    with np.errstate(all="ignore"):
        want = np.sqrt(x.astype(np.float32)).astype(dtype)
    check(make([helper.make_node("Sqrt", ["x"], ["z"])], {"x": x}), {"x": x}, opts, want)


def test_float16_denormals_and_overflow(opts: CompileOptions) -> None:
    """Subnormal float16 results survive (no flush to zero); past 65504 is inf."""
    tiny = np.float16(6e-8)  # the smallest subnormal
    x = np.array([tiny, tiny * 3, np.float16(6.1e-5), 65504, 60000, -65504], np.float16)
    y = np.array([2, 0.5, 0.25, 2, 1.2, 1.0009765625], np.float16)
    model = make([helper.make_node("Mul", ["x", "y"], ["z"])], {"x": x, "y": y})
    with np.errstate(over="ignore"):
        want = (x.astype(np.float32) * y.astype(np.float32)).astype(np.float16)
    got = check(model, {"x": x, "y": y}, opts, want)
    assert got[0] != 0 and np.isinf(got[3])


def test_float64_computes_in_float64(opts: CompileOptions) -> None:
    """1 + 1e-12 and exp/log/tanh in float64 (float32 would lose them)."""
    x = np.array([1e-12, 1e-300, 700.0, -3.5, 0.125, 1e10], np.float64)
    nodes = [helper.make_node("Exp", ["x"], ["e"]), helper.make_node("Add", ["e", "x"], ["s"]),
             helper.make_node("Tanh", ["s"], ["t"]), helper.make_node("Add", ["t", "x"], ["y"])]
    model = make(nodes, {"x": x})
    program, _ = compile_model(model, opts)
    (got,) = CompiledModel(program).run({"x": x})
    with np.errstate(over="ignore"):
        want = np.tanh(np.exp(x) + x) + x
    np.testing.assert_allclose(got, want, rtol=1e-15)
    assert got[0] - 1 != 0


# ----------------------------------------------------------------------------- Cast


def _cast_inputs(src: Any, dst: Any) -> np.ndarray:
    """Edge values of `src` whose cast to `dst` ONNX defines (float -> integer only in range,
    never NaN or infinities)."""
    x = edges(src)
    s, d = np.dtype(src), np.dtype(dst)
    if is_float(s) and d.kind in "iu":
        info = np.iinfo(d)
        wide = x.astype(np.float64)
        ok = np.isfinite(wide) & (np.trunc(wide) >= info.min) & (np.trunc(wide) <= info.max)
        x = np.concatenate([x[ok], np.array([1.75, -1.75, 0.99, 42.5], np.float64)
                            .astype(src)])
        if d.kind == "u":
            x = np.abs(x)
    return x


@pytest.mark.parametrize("src", ALL)
@pytest.mark.parametrize("dst", ALL)
def test_cast_every_pair(src: Any, dst: Any, opts: CompileOptions) -> None:
    """float -> float rounds to nearest even (float64 -> bfloat16 once, not through float32),
    float -> int truncates, int -> int wraps, x -> bool is x != 0, bool -> x is 0/1."""
    x = _cast_inputs(src, dst)
    model = make([helper.make_node("Cast", ["x"], ["y"], to=code(dst))], {"x": x})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want = x.astype(dst)
    check(model, {"x": x}, opts, want)


def test_float64_to_bfloat16_rounds_once(opts: CompileOptions) -> None:
    """1 + 2^-8 + 2^-30 is just above a bfloat16 tie: rounded once (the spec) it goes up to
    1 + 2^-7. ml_dtypes and onnxruntime go through float32, where it becomes the tie 1 + 2^-8,
    and round that to even (1.0): tcc differs from them there, by one bfloat16 ulp."""
    x = np.array([1 + 2**-8 + 2**-30, -(1 + 2**-8 + 2**-30), 1 + 2**-8, 3.0e38 * 1.2],
                 np.float64)
    model = make([helper.make_node("Cast", ["x"], ["y"], to=TensorProto.BFLOAT16)], {"x": x})
    want = np.array([1 + 2**-7, -(1 + 2**-7), 1.0, np.inf]).astype(BF16)
    check(model, {"x": x}, opts, want)


@pytest.mark.parametrize("like", [np.uint8, np.float16, np.float64])
def test_cast_like(like: Any, opts: CompileOptions) -> None:
    x, t = ordinary(np.float32, seed=2), np.zeros(1, like)
    if np.dtype(like).kind == "u":
        x = np.abs(x)
    model = make([helper.make_node("CastLike", ["x", "t"], ["y"])], {"x": x, "t": t})
    check(model, {"x": x, "t": t}, opts, x.astype(like))


# ----------------------------------------------------------------------------- data movement


@pytest.mark.parametrize("dtype", [np.uint8, np.int16, np.float16, BF16, np.float64,
                                   np.uint64])
def test_data_movement_keeps_bits(dtype: Any, opts: CompileOptions) -> None:
    """Transpose, Concat, Slice, Gather, Pad and Expand move every type's bits unchanged."""
    x = np.resize(edges(dtype), (4, 6))
    index = np.array([3, 0, 2], np.int64)
    pads = helper.make_tensor("pads", TensorProto.INT64, [4], [1, 0, 0, 2])
    nodes = [helper.make_node("Constant", [], ["pads"], value=pads),
             helper.make_node("Transpose", ["x"], ["t"], perm=[1, 0]),
             helper.make_node("Concat", ["t", "t"], ["c"], axis=1),
             helper.make_node("Gather", ["c", "index"], ["g"], axis=0),
             helper.make_node("Pad", ["g", "pads"], ["y"], mode="constant")]
    model = make(nodes, {"x": x, "index": index})
    want = np.pad(np.concatenate([x.T, x.T], axis=1)[index], [(1, 0), (0, 2)])
    check(model, {"x": x, "index": index}, opts, want)


# ----------------------------------------------------------------------------- interpreter


@pytest.mark.parametrize("stage", ["kernels", "loops"])
def test_interpreter_agrees(stage: str) -> None:
    """uint8 division and comparison, int8 Mod, float16 and bfloat16 casts, interpreted."""
    u = edges(np.uint8)
    v = np.roll(u, 3)
    s = edges(np.int8)
    h = np.linspace(-3, 3, 16).astype(np.float32)
    nodes = [helper.make_node("Div", ["u", "v"], ["q"]),
             helper.make_node("Greater", ["q", "v"], ["g"]),
             helper.make_node("Mod", ["s", "s2"], ["m"]),
             helper.make_node("Cast", ["h"], ["h16"], to=TensorProto.FLOAT16),
             helper.make_node("Cast", ["h16"], ["hb"], to=TensorProto.BFLOAT16),
             helper.make_node("Cast", ["hb"], ["y"], to=TensorProto.FLOAT)]
    feeds = {"u": u, "v": v, "s": s, "s2": np.roll(s, 2), "h": h}
    graph = helper.make_graph(
        nodes, "g",
        [helper.make_tensor_value_info(n, code(a.dtype), a.shape) for n, a in feeds.items()],
        [helper.make_empty_tensor_value_info(n) for n in ("g", "m", "y")])
    model = onnx.shape_inference.infer_shapes(
        helper.make_model(graph, opset_imports=[helper.make_opsetid("", 22)]), strict_mode=True)
    outputs = interp.run(model, feeds, stage=stage)
    native = backend.run_model(model, list(feeds.values()))
    for name, want in zip(("g", "m", "y"), native, strict=True):
        same(np.asarray(outputs[name]), want)


# ----------------------------------------------------------------------------- declines


def test_other_ops_on_new_types_are_declined_by_node() -> None:
    """Kernels written for float32 (Conv here) decline float16 with the node's name (when
    the model is imported, types inferred); float8e8m0 is declined as an element type up
    front."""
    x = np.ones((1, 1, 3, 3), np.float16)
    w = np.ones((1, 1, 1, 1), np.float16)
    model = make([helper.make_node("Conv", ["x", "w"], ["y"], name="conv16")], {"x": x, "w": w})
    with pytest.raises(NotImplementedError, match=r"Conv on float16 .*: nodes conv16"):
        backend.run_model(model, [x, w])
    e8m0 = make([helper.make_node("Cast", ["x"], ["y"], to=TensorProto.FLOAT8E8M0)],
                {"x": np.ones(3, np.float32)}, opset=25)
    with pytest.raises(NotImplementedError, match="element type float8e8m0"):
        backend.prepare(e8m0)


@pytest.mark.parametrize(("src", "dst"), [
    (np.int8, np.uint8), (np.bool_, np.uint8), (np.uint8, np.bool_), (np.uint16, np.int16),
    (np.float16, np.int16), (BF16, np.uint16), (np.uint32, np.float32), (np.int32, np.uint32),
    (np.float64, np.int64), (np.int64, np.float64), (np.uint64, np.float64),
])
def test_bit_cast(src: Any, dst: Any, opts: CompileOptions) -> None:
    """The bits unchanged (NaNs aside: a float16/bfloat16 NaN may come back quieted)."""
    x = edges(src)
    if is_float(src):
        x = x[~np.isnan(x.astype(np.float64))]
    model = make([helper.make_node("BitCast", ["x"], ["y"], to=code(dst))], {"x": x}, opset=26)
    want = x != 0 if np.dtype(dst) == np.bool_ else x.view(dst)
    check(model, {"x": x}, opts, want)


@pytest.mark.parametrize(("op", "dtype"), [
    (op, dtype) for dtype in [np.float16, BF16, np.int8, np.int16, np.uint8, np.uint16, np.uint32]
    for op in ["ReduceSum", "ReduceMax", "ReduceMin", "ReduceMean"]
    if op != "ReduceMean" or is_float(dtype)])  # ReduceMean on integers: declined
def test_reductions_through_a_wider_type(op: str, dtype: Any, opts: CompileOptions) -> None:
    """Sums wrap as the narrow integer type would; float16/bfloat16 sum in f32, rounded once."""
    x = np.resize(ordinary(dtype, 24, seed=4), (2, 3, 4))
    if not is_float(dtype):
        x[0, 0, :2] = np.iinfo(dtype).max  # sums overflow
    axes = helper.make_tensor("axes", TensorProto.INT64, [2], [0, 2])
    nodes = [helper.make_node("Constant", [], ["axes"], value=axes),
             helper.make_node(op, ["x", "axes"], ["y"], keepdims=0)]
    model = make(nodes, {"x": x}, opset=18)
    wide = x.astype(np.float32 if is_float(dtype) else np.int64)
    fn = {"ReduceSum": np.sum, "ReduceMax": np.max, "ReduceMin": np.min,
          "ReduceMean": np.mean}[op]
    want = fn(wide, axis=(0, 2))
    if not is_float(dtype):
        bits = np.dtype(dtype).itemsize * 8
        want = (want % (1 << bits)).astype(np.dtype(f"uint{bits}")).view(dtype)
    check(model, {"x": x}, opts, want.astype(dtype))


@pytest.mark.parametrize("dtype", [np.float16, BF16])
@pytest.mark.parametrize("op", ["Softmax", "LogSoftmax"])
def test_softmax_in_f32(op: str, dtype: Any, opts: CompileOptions) -> None:
    """Computed in f32, rounded once to the storage type."""
    x = np.linspace(-4, 4, 24).reshape(2, 3, 4).astype(dtype)
    model = make([helper.make_node(op, ["x"], ["y"], axis=1)], {"x": x})
    program, _ = compile_model(model, opts)
    (got,) = CompiledModel(program).run({"x": x})
    wide = x.astype(np.float64)
    shifted = wide - wide.max(axis=1, keepdims=True)
    log = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    want = (log if op == "LogSoftmax" else np.exp(log)).astype(np.float32).astype(dtype)
    assert got.dtype == want.dtype
    ulp = 2.0**-10 if dtype == np.float16 else 2.0**-7
    np.testing.assert_allclose(got.astype(np.float64), want.astype(np.float64), rtol=ulp,
                               atol=ulp)


@pytest.mark.parametrize("dtype", [np.float16, BF16, np.float64])
@pytest.mark.parametrize("op", ["Sin", "Atanh", "Elu", "Celu", "Softplus", "Swish", "Sign"])
def test_math_maps_on_other_floats(op: str, dtype: Any, opts: CompileOptions) -> None:
    """The math family's maps: float16/bfloat16 in f32 rounded once, float64 in float64."""
    x = np.linspace(-0.9, 0.9, 16).astype(dtype)
    opset = 24 if op == "Swish" else 22
    model = make([helper.make_node(op, ["x"], ["y"])], {"x": x}, opset=opset)
    program, _ = compile_model(model, opts)
    (got,) = CompiledModel(program).run({"x": x})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want = ReferenceEvaluator(make([helper.make_node(op, ["x"], ["y"])],
                                       {"x": x.astype(np.float64)}, opset=opset)
                                  ).run(None, {"x": x.astype(np.float64)})[0]
    assert got.dtype == x.dtype
    rtol = {np.dtype(np.float16): 2.0**-10, BF16: 2.0**-7}.get(np.dtype(dtype), 1e-12)
    np.testing.assert_allclose(got.astype(np.float64), want, rtol=rtol, atol=rtol)


@pytest.mark.parametrize("dtype", [np.float16, BF16])
@pytest.mark.parametrize(("a_shape", "b_shape"), [((5, 7), (7, 3)), ((2, 5, 7), (7, 4))])
def test_matmul_in_f32(a_shape: tuple[int, ...], b_shape: tuple[int, ...], dtype: Any,
                       opts: CompileOptions) -> None:
    """f32 products and sums (exact here: small halves), rounded once to the storage type."""
    a = np.resize(ordinary(dtype, 70, seed=5), a_shape)
    b = np.resize(ordinary(dtype, 28, seed=6), b_shape)
    model = make([helper.make_node("MatMul", ["a", "b"], ["y"])], {"a": a, "b": b})
    want = np.matmul(a.astype(np.float32), b.astype(np.float32)).astype(dtype)
    check(model, {"a": a, "b": b}, opts, want)


@pytest.mark.parametrize("op", ["ReduceSum", "ReduceMean", "ReduceMax", "ReduceProd",
                                "ReduceLogSumExp", "ReduceL2", "CumSum"])
def test_float64_reductions_and_scans(op: str, opts: CompileOptions) -> None:
    """Computed in float64: 1 + 1e-12 terms survive (float32 would lose them)."""
    x = (1 + np.linspace(-1, 1, 24) * 1e-12).reshape(2, 3, 4)
    if op == "CumSum":
        axis = helper.make_tensor("axis", TensorProto.INT64, [], [1])
        nodes = [helper.make_node("Constant", [], ["axis"], value=axis),
                 helper.make_node(op, ["x", "axis"], ["y"])]
    else:
        axes = helper.make_tensor("axes", TensorProto.INT64, [1], [1])
        nodes = [helper.make_node("Constant", [], ["axes"], value=axes),
                 helper.make_node(op, ["x", "axes"], ["y"])]
    model = make(nodes, {"x": x}, opset=18)
    program, _ = compile_model(model, opts)
    (got,) = CompiledModel(program).run({"x": x})
    want = reference(model, {"x": x})
    assert got.dtype == np.float64
    np.testing.assert_allclose(got, want, rtol=1e-15, atol=0)


SUB_BYTE = {"int4": (4, True), "uint4": (4, False), "int2": (2, True), "uint2": (2, False)}


def _wrapped(values: np.ndarray, name: str) -> np.ndarray:
    """Integers wrapped into the 4- or 2-bit type `name` (two's complement, as ml_dtypes)."""
    bits, signed = SUB_BYTE[name]
    low = np.asarray(values, np.int64) & ((1 << bits) - 1)
    return (low - ((low >> (bits - 1)) << bits) if signed else low).astype(name)


@pytest.mark.parametrize("name", list(SUB_BYTE))
@pytest.mark.parametrize("src", [np.float32, np.float16, np.int8, np.uint16, np.int64])
def test_cast_to_sub_byte_integers_wraps(name: str, src: Any, opts: CompileOptions) -> None:
    """Cast to int4/uint4/int2/uint2: truncated toward zero, then the low bits (ml_dtypes)."""
    x = (np.arange(-9, 16) + (0.75 if is_float(src) else 0)).astype(np.float64)
    if np.dtype(src).kind == "u":
        x = np.abs(x)
    x = x.astype(src)
    model = make([helper.make_node("Cast", ["x"], ["y"], to=code(name))], {"x": x}, opset=25)
    check(model, {"x": x}, opts, _wrapped(np.trunc(x.astype(np.float64)), name))


@pytest.mark.parametrize("name", list(SUB_BYTE))
@pytest.mark.parametrize("dst", [np.float32, BF16, np.int8, np.uint8, np.int64, np.bool_])
def test_cast_from_sub_byte_integers(name: str, dst: Any, opts: CompileOptions) -> None:
    x = _wrapped(np.arange(-8, 16), name)
    nodes = [helper.make_node("Transpose", ["x"], ["t"], perm=[0]),  # data movement too
             helper.make_node("Cast", ["t"], ["y"], to=code(dst))]
    model = make(nodes, {"x": x}, opset=25)
    check(model, {"x": x}, opts, x.astype(np.int64).astype(dst))


@pytest.mark.parametrize("stage", ["kernels", "loops"])
def test_interpreter_agrees_on_sub_byte_integers(stage: str) -> None:
    x = np.arange(-9, 16).astype(np.float32) + 0.5
    nodes = [helper.make_node("Cast", ["x"], ["q"], to=TensorProto.INT4),
             helper.make_node("Cast", ["q"], ["y"], to=TensorProto.FLOAT)]
    model = make(nodes, {"x": x}, opset=25)
    outputs = interp.run(model, {"x": x}, stage=stage)
    same(np.asarray(outputs["y"]), _wrapped(np.trunc(x), "int4").astype(np.float32))


SMALL_FLOATS = [ml_dtypes.float8_e4m3fn, ml_dtypes.float8_e4m3fnuz, ml_dtypes.float8_e5m2,
                ml_dtypes.float8_e5m2fnuz, ml_dtypes.float4_e2m1fn]


def _small_float_probes() -> np.ndarray:
    """Specials, ties around each format's largest value and smallest subnormal, random."""
    rng = np.random.default_rng(7)
    special = [0, -0.0, np.nan, np.inf, -np.inf, 448, 464, 470, 480, 500, 1e6, -1e6, 240, 248,
               57344, 61440, 65536, 6, 6.5, 7, 2**-9, 2**-10, 3 * 2**-11, 2**-16, 2**-17,
               3 * 2**-18, 1e-30, 0.25, 0.75, -1.25]
    return np.concatenate([np.array(special, np.float32),
                           rng.standard_normal(100).astype(np.float32) * 10,
                           (rng.standard_normal(100) * 1e-3).astype(np.float32)])


@pytest.mark.parametrize("dst", SMALL_FLOATS)
@pytest.mark.parametrize("src", [np.float32, np.float16, np.float64])
@pytest.mark.parametrize("saturate", [1, 0])
def test_cast_to_float8_and_float4(saturate: int, src: Any, dst: Any,
                                   opts: CompileOptions) -> None:
    """Round to nearest even; saturate=1: overflow and infinities give the largest finite
    value; saturate=0: infinity (e5m2) or NaN; float4 always saturates (ml_dtypes)."""
    with np.errstate(over="ignore"):
        x = _small_float_probes().astype(src)
    model = make([helper.make_node("Cast", ["x"], ["y"], to=code(dst), saturate=saturate)],
                 {"x": x}, opset=25)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want = ReferenceEvaluator(model).run(None, {"x": x})[0]
    got = check(model, {"x": x}, opts, want)
    finite = ~np.isnan(want.astype(np.float64))
    np.testing.assert_array_equal(np.signbit(got.astype(np.float64))[finite],
                                  np.signbit(want.astype(np.float64))[finite])


@pytest.mark.parametrize("src", SMALL_FLOATS)
@pytest.mark.parametrize("dst", [np.float32, np.float16, BF16, np.float64, np.int8])
def test_cast_every_float8_and_float4_code(src: Any, dst: Any, opts: CompileOptions) -> None:
    """Every code of the format decodes exactly (NaN and infinity included)."""
    count = 16 if src == ml_dtypes.float4_e2m1fn else 256
    x = np.arange(count, dtype=np.uint8).view(src)
    if np.dtype(dst).kind == "i":
        x = x[np.abs(np.nan_to_num(x.astype(np.float64), nan=1e9, posinf=1e9)) < 100]
    model = make([helper.make_node("Cast", ["x"], ["y"], to=code(dst))], {"x": x}, opset=25)
    check(model, {"x": x}, opts, x.astype(np.float64).astype(dst))
