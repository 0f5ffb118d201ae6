"""A QDQ int8 ResNet-style model written by `onnxruntime.quantization.quantize_static` (random
weights; per-channel int8 weights with uint8 activations, or per-tensor ones with int8
activations; a few random calibration inputs),
compiled by tcc and compared with onnxruntime's int8 execution: the logits (dequantized from
uint8) agree within one quantization step of the output scale.

`fuse-qdq` turns every DequantizeLinear -> Conv/MatMul -> QuantizeLinear into QLinearConv /
QLinearMatMul, which run on the int8 kernels (`kernel.qgemm`) bit-exactly as onnxruntime's
(tests/ops/test_int8_kernels.py); no float conv or matmul is left. The Add and the pooling
stay float between their Q/DQ maps (onnxruntime runs QLinearAdd and its int8 pool there, with
their own rounding), hence one step of tolerance.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper, numpy_helper
from onnxruntime.quantization import (
    CalibrationDataReader,
    QuantFormat,
    QuantType,
    quantize_static,
)

from tcompiler.pipeline import CompileOptions, compile_model, compile_to_stage, stage_text
from tcompiler.runtime import CompiledModel

SHAPE = [1, 3, 16, 16]


def float_model(channels: int = 8) -> onnx.ModelProto:
    rng = np.random.default_rng(0)
    inits: list[onnx.TensorProto] = []
    nodes: list[onnx.NodeProto] = []

    def conv(name: str, x: str, cin: int, cout: int) -> str:
        w = (rng.standard_normal((cout, cin, 3, 3)) * np.sqrt(2 / (cin * 9))).astype(np.float32)
        b = (rng.standard_normal(cout) * 0.1).astype(np.float32)
        inits.extend([numpy_helper.from_array(w, f"{name}_w"), numpy_helper.from_array(b, f"{name}_b")])
        nodes.append(helper.make_node("Conv", [x, f"{name}_w", f"{name}_b"], [name], pads=[1] * 4))
        return name

    def relu(x: str) -> str:
        nodes.append(helper.make_node("Relu", [x], [f"{x}_relu"]))
        return f"{x}_relu"

    h = relu(conv("stem", "x", 3, channels))
    y = conv("b", relu(conv("a", h, channels, channels)), channels, channels)
    nodes.append(helper.make_node("Add", [y, h], ["sum"]))
    nodes += [helper.make_node("GlobalAveragePool", [relu("sum")], ["pool"]),
              helper.make_node("Flatten", ["pool"], ["flat"]),
              helper.make_node("MatMul", ["flat", "fc_w"], ["logits"])]
    inits.append(numpy_helper.from_array(
        (rng.standard_normal((channels, 10)) * 0.3).astype(np.float32), "fc_w"))
    graph = helper.make_graph(
        nodes, "resnet_block", [helper.make_tensor_value_info("x", TensorProto.FLOAT, SHAPE)],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, [1, 10])], inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


class RandomInputs(CalibrationDataReader):
    def __init__(self) -> None:
        rng = np.random.default_rng(1)
        self.inputs = iter([{"x": rng.standard_normal(SHAPE).astype(np.float32)}
                            for _ in range(4)])

    def get_next(self) -> dict[str, np.ndarray] | None:
        return next(self.inputs, None)


@pytest.mark.parametrize("activations,per_channel,symmetric", [
    (QuantType.QUInt8, True, False), (QuantType.QInt8, False, False),
    (QuantType.QInt8, True, True)], ids=["u8-per-channel", "s8-per-tensor", "s8-symmetric"])
def test_qdq_resnet_block_matches_onnxruntime_int8(activations: QuantType, per_channel: bool,
                                                   symmetric: bool, tmp_path: Path,
                                                   cache_dir: str) -> None:
    """(Symmetric s8 activations keep the Relus, quantized on their own.)"""
    source, quantized = tmp_path / "f32.onnx", tmp_path / "qdq.onnx"
    onnx.save(float_model(), source)
    quantize_static(str(source), str(quantized), RandomInputs(), quant_format=QuantFormat.QDQ,
                    activation_type=activations, weight_type=QuantType.QInt8,
                    per_channel=per_channel, extra_options={"ActivationSymmetric": symmetric})
    model = onnx.load(quantized)
    assert {n.op_type for n in model.graph.node} >= {"QuantizeLinear", "DequantizeLinear"}
    options = CompileOptions(cache_dir=cache_dir)
    kernels = stage_text(compile_to_stage(model, "kernels", options))
    assert "kernel.qgemm " in kernels  # the convs and the matmul, none left in float:
    assert "kernel.conv " not in kernels and "kernel.matmul " not in kernels
    program, _ = compile_model(model, options)
    session = ort.InferenceSession(str(quantized), providers=["CPUExecutionProvider"])
    logits_scale = next(numpy_helper.to_array(i) for i in model.graph.initializer
                        if i.name == model.graph.node[-1].input[1])
    for seed in range(3):
        x = np.random.default_rng(10 + seed).standard_normal(SHAPE).astype(np.float32)
        (got,) = CompiledModel(program).run({"x": x})
        want = np.asarray(session.run(None, {"x": x})[0])
        assert np.abs(got - want).max() <= float(logits_scale) * 1.001
