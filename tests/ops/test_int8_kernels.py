"""The int8 kernels (`kernels/rules/quant_int8.py`, `codegen/loops/qgemm.py`): QLinearConv,
QLinearMatMul, ConvInteger and MatMulInteger with constant s8 weights run on `kernel.qgemm`
and match onnxruntime exactly, with VNNI and with the portable loops, at 1 and 2 threads
(convs wide enough for the packing's 16-column vectors, with K a multiple of 4 and not, and
narrower ones; K over one K block); the kernel interpreter agrees."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import helper, numpy_helper

from tcompiler.codegen.target import Target
from tcompiler.interp.run import run
from tcompiler.kernels.rules import quant_int8
from tcompiler.pipeline import CompileOptions, compile_model, compile_to_stage, stage_text
from tcompiler.runtime import CompiledModel


@pytest.fixture(scope="module")
def opts(cache_dir: str) -> CompileOptions:
    return CompileOptions(cache_dir=cache_dir, memory_plan="greedy")


@pytest.fixture(params=["vnni", "portable"])
def isa(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    if request.param == "vnni" and not Target.host().has("avx512vnni"):
        pytest.skip("this CPU has no AVX-512 VNNI")
    if request.param == "portable":
        monkeypatch.setattr(quant_int8, "_vnni", lambda: 0)
    yield request.param


def model(node: onnx.NodeProto, x: np.ndarray, constants: dict[str, np.ndarray],
          opset: int = 13) -> onnx.ModelProto:
    graph = helper.make_graph(
        [node], "g",
        [helper.make_tensor_value_info("x", helper.np_dtype_to_tensor_dtype(x.dtype), x.shape)],
        [helper.make_empty_tensor_value_info(node.output[0])],
        [numpy_helper.from_array(a, n) for n, a in constants.items()])
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    return onnx.shape_inference.infer_shapes(m, strict_mode=True)


def check(m: onnx.ModelProto, x: np.ndarray, opts: CompileOptions, isa: str) -> None:
    """Exactly onnxruntime's result, on the int8 kernels (QLinear*: requantized in their
    epilogue), at 1 and 2 threads."""
    text = stage_text(compile_to_stage(m, "kernels", opts))
    assert "kernel.qgemm" in text and f"vnni = {int(isa == 'vnni')}" in text
    assert (" scale " in text) == m.graph.node[0].op_type.startswith("QLinear")
    session = ort.InferenceSession(m.SerializeToString(), providers=["CPUExecutionProvider"])
    want = np.asarray(session.run(None, {"x": x})[0])
    program, _ = compile_model(m, opts)
    for threads in (1, 2):
        (got,) = CompiledModel(program, threads=threads).run({"x": x})
        assert got.dtype == want.dtype
        np.testing.assert_array_equal(got, want)


def _range(dtype: type) -> tuple[int, int]:
    info = np.iinfo(dtype)
    return int(info.min), int(info.max) + 1


def conv_case(dtype: type, c: int, oc: int, hw: int, k: int, pad: int, stride: int,
              integer: bool = False) -> tuple[onnx.ModelProto, np.ndarray]:
    rng = np.random.default_rng(c * 100 + oc)
    x = rng.integers(*_range(dtype), (2, c, hw, hw)).astype(dtype)
    x[0, 0] = np.iinfo(dtype).max  # the largest u8 x s8 products
    w = rng.integers(-128, 128, (oc, c, k, k)).astype(np.int8)
    w[0] = -128
    zero = np.array(7 if dtype == np.uint8 else -3, dtype)
    pads, strides = [pad] * 4, [stride] * 2
    if integer:
        node = helper.make_node("ConvInteger", ["x", "w", "xz"], ["y"], pads=pads,
                                strides=strides)
        return model(node, x, {"w": w, "xz": zero}, opset=10), x
    consts = {"xs": np.array(0.02, np.float32), "xz": zero, "w": w,
              "ws": rng.uniform(0.0005, 0.002, oc).astype(np.float32),
              "wz": np.zeros(oc, np.int8), "ys": np.array(0.5, np.float32),
              "yz": np.array(100 if dtype == np.uint8 else 5, dtype),
              "b": rng.integers(-3000, 3000, oc).astype(np.int32)}
    node = helper.make_node("QLinearConv", ["x", "xs", "xz", "w", "ws", "wz", "ys", "yz", "b"],
                            ["y"], pads=pads, strides=strides)
    return model(node, x, consts, opset=10), x


@pytest.mark.parametrize("dtype", [np.uint8, np.int8])
@pytest.mark.parametrize("shape", [(8, 16, 20, 3, 1, 1), (3, 5, 7, 3, 0, 2),
                                   (300, 36, 20, 1, 0, 1), (5, 8, 33, 3, 1, 1),
                                   (4, 4, 10, 3, 1, 1), (4, 4, 17, 3, 1, 1)],
                         ids=["3x3", "3x3-stride2", "1x1-long-k", "3x3-odd-channels", "3x3-narrow",
                              "3x3-common-columns-under-16"])
def test_qlinear_conv(dtype: type, shape: tuple[int, int, int, int, int, int],
                      opts: CompileOptions, isa: str) -> None:
    check(*conv_case(dtype, *shape), opts, isa)


def test_conv_integer(opts: CompileOptions, isa: str) -> None:
    check(*conv_case(np.uint8, 6, 20, 9, 3, 1, 1, integer=True), opts, isa)


def matmul_case(dtype: type, rows: tuple[int, ...], k: int, n: int,
                integer: bool = False) -> tuple[onnx.ModelProto, np.ndarray]:
    rng = np.random.default_rng(k + n)
    x = rng.integers(*_range(dtype), (*rows, k)).astype(dtype)
    w = rng.integers(-128, 128, (k, n)).astype(np.int8)
    zero = np.array(9 if dtype == np.uint8 else -2, dtype)
    if integer:
        node = helper.make_node("MatMulInteger", ["x", "w", "xz"], ["y"])
        return model(node, x, {"w": w, "xz": zero}, opset=10), x
    consts = {"xs": np.array(0.05, np.float32), "xz": zero, "w": w,
              "ws": rng.uniform(0.001, 0.003, n).astype(np.float32), "wz": np.zeros(n, np.int8),
              "ys": np.array(0.8, np.float32), "yz": np.array(120 if dtype == np.uint8 else 0,
                                                               dtype)}
    node = helper.make_node("QLinearMatMul", ["x", "xs", "xz", "w", "ws", "wz", "ys", "yz"],
                            ["y"])
    return model(node, x, consts, opset=21), x


@pytest.mark.parametrize("dtype", [np.uint8, np.int8])
@pytest.mark.parametrize("rows,k,n", [((1,), 70, 10), ((2, 9), 64, 40), ((6,), 300, 130)],
                         ids=["vector", "batched", "wide"])
def test_qlinear_matmul(dtype: type, rows: tuple[int, ...], k: int, n: int,
                        opts: CompileOptions, isa: str) -> None:
    check(*matmul_case(dtype, rows, k, n), opts, isa)


def test_matmul_integer(opts: CompileOptions, isa: str) -> None:
    check(*matmul_case(np.int8, (5,), 48, 20, integer=True), opts, isa)


def test_interpreter_matches_onnxruntime(opts: CompileOptions) -> None:
    for m, x in (conv_case(np.int8, 5, 8, 9, 3, 1, 1), matmul_case(np.uint8, (3,), 33, 20)):
        session = ort.InferenceSession(m.SerializeToString(), providers=["CPUExecutionProvider"])
        want = np.asarray(session.run(None, {"x": x})[0])
        (got,) = run(m, {"x": x}, stage="kernels", options=opts).values()
        np.testing.assert_array_equal(got, want)


def test_qdq_conv_with_a_relu_that_stays(opts: CompileOptions) -> None:
    """DequantizeLinear -> Conv -> Relu -> QuantizeLinear with y's zero point above 0: one
    QLinearConv on the int8 kernels, then max(y, zero point); within one step of
    onnxruntime (which may run this Conv in float)."""
    rng = np.random.default_rng(5)
    x = rng.integers(0, 256, (1, 8, 18, 18), dtype=np.uint8)
    consts = {"xs": np.array(0.02, np.float32), "xz": np.array(7, np.uint8),
              "w": rng.integers(-128, 128, (16, 8, 3, 3), dtype=np.int8),
              "ws": rng.uniform(0.0005, 0.002, 16).astype(np.float32),
              "wz": np.zeros(16, np.int8), "b": rng.integers(-3000, 3000, 16, dtype=np.int32),
              "ys": np.array(0.05, np.float32), "yz": np.array(100, np.uint8)}
    consts["bs"] = consts["xs"] * consts["ws"]
    nodes = [helper.make_node("DequantizeLinear", ["x", "xs", "xz"], ["xf"]),
             helper.make_node("DequantizeLinear", ["w", "ws", "wz"], ["wf"], axis=0),
             helper.make_node("DequantizeLinear", ["b", "bs"], ["bf"], axis=0),
             helper.make_node("Conv", ["xf", "wf", "bf"], ["c"], pads=[1, 1, 1, 1]),
             helper.make_node("Relu", ["c"], ["r"]),
             helper.make_node("QuantizeLinear", ["r", "ys", "yz"], ["y"])]
    graph = helper.make_graph(
        nodes, "g", [helper.make_tensor_value_info("x", onnx.TensorProto.UINT8, x.shape)],
        [helper.make_empty_tensor_value_info("y")],
        [numpy_helper.from_array(a, n) for n, a in consts.items()])
    m = onnx.shape_inference.infer_shapes(
        helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]), strict_mode=True)
    text = stage_text(compile_to_stage(m, "kernels", opts))
    assert "kernel.qgemm" in text and "kernel.conv " not in text
    session = ort.InferenceSession(m.SerializeToString(), providers=["CPUExecutionProvider"])
    want = np.asarray(session.run(None, {"x": x})[0]).astype(np.int32)
    program, _ = compile_model(m, opts)
    (got,) = CompiledModel(program).run({"x": x})
    assert got.min() >= 100 and np.abs(got.astype(np.int32) - want).max() <= 1
