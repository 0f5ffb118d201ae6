"""The compile report's data: each kernel's op, shapes, fused ops, FLOPs and bytes; a name for
every buffer (the ONNX tensor's); the machine's estimated peak; the JSON report a superset of
`CompileReport.to_json()`."""

from __future__ import annotations

import json
from pathlib import Path

import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from tcompiler.artifact import write_artifact
from tcompiler.pipeline import CompileOptions, compile_model
from tcompiler.report import report_data, write_report
from tcompiler.report.machine import clock_ghz, peak
from tests.runtime.test_threads import conv_net


def gemm_model() -> onnx.ModelProto:
    """y = Relu(x @ w^T + b), then z = y * y + y."""
    import numpy as np

    w = numpy_helper.from_array(np.ones((8, 16), np.float32), "w")
    b = numpy_helper.from_array(np.ones(8, np.float32), "b")
    nodes = [helper.make_node("Gemm", ["x", "w", "b"], ["g"], transB=1),
             helper.make_node("Relu", ["g"], ["y"]),
             helper.make_node("Mul", ["y", "y"], ["m"]),
             helper.make_node("Add", ["m", "y"], ["z"])]
    graph = helper.make_graph(
        nodes, "gemm", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [4, 16])],
        [helper.make_tensor_value_info("z", TensorProto.FLOAT, [4, 8])], [w, b])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def test_kernels_and_buffers_are_described(options: CompileOptions) -> None:
    program, report = compile_model(gemm_model().SerializeToString(), options)
    details = program.meta["kernels"]
    assert details == report.info["kernel_details"]
    (gemm,) = [d for d in details.values() if d["op"] == "gemm"]
    assert gemm["fused"] == ["gemm", "bias", "relu"]  # B of gemm is the matrix, C the bias
    assert gemm["shapes"] == {"A": [4, 16], "B": [8, 16], "C": [8], "Y": [4, 8]}
    assert gemm["flops"] == 2 * 4 * 8 * 16 and gemm["bytes"] == 4 * (64 + 128 + 8 + 32)
    (mapped,) = [d for d in details.values() if d["op"] == "map"]
    assert mapped["fused"] == ["mulf", "addf"]
    assert mapped["shapes"] == {"inputs0": [4, 8], "Y": [4, 8]}  # y * y + y reads y alone
    names = program.meta["buffer_names"]
    assert len(names) == len(program.buffers)
    assert names[0] == "x" and "z" in names and {"w", "b"} <= set(names) and "y" in names


def test_flops_of_a_packed_conv_are_its_convs(options: CompileOptions) -> None:
    """A conv scheduled `packed` holds a 5-d filter [blocks, C_in, KH, KW, B]; its FLOPs are
    the conv's, not B times them (the report showed SqueezeNet's classifier at 90x)."""
    import numpy as np

    w = numpy_helper.from_array(np.ones((64, 128, 1, 1), np.float32), "w")
    graph = helper.make_graph(
        [helper.make_node("Conv", ["x", "w"], ["y"])], "conv",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 128, 7, 7])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 64, 7, 7])], [w])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    program, _ = compile_model(model.SerializeToString(), options)
    (conv,) = program.meta["kernels"].values()
    assert len(conv["shapes"]["W"]) == 5  # packed (1x1 over >= 128 channels)
    assert conv["flops"] == 2 * 64 * 49 * 128


def test_json_report_is_a_superset(options: CompileOptions, tmp_path: Path) -> None:
    program, report = compile_model(conv_net().SerializeToString(), options)
    artifact = tmp_path / "m.tcc"
    write_artifact(artifact, program)
    write_report(tmp_path / "r.json", report, program, artifact)
    data = json.loads((tmp_path / "r.json").read_text())
    assert set(report.to_json()) <= set(data)
    assert {"artifact", "steps", "measured", "machine"} <= set(data)
    assert len(data["steps"]) == len(program.steps)
    assert set(data["measured"]["kernels"]) == {s.kernel for s in program.steps}
    assert all(us >= 0 for us in data["measured"]["kernels"].values())
    assert report_data(report, program, artifact, measured=False)["measured"] is None


CPUINFO = "processor\t: 0\nmodel name\t: Some CPU\ncpu MHz\t\t: 2599.998\n"


@pytest.mark.parametrize("features,gflops", [("+avx512f,+avx,+fma", 16 * 2 * 2 * 2.6),
                                             ("+avx,+fma,-avx512f", 8 * 2 * 2 * 2.6),
                                             ("+sse2", 4 * 2 * 1 * 2.6)])
def test_peak_from_vector_width_and_clock(features: str, gflops: float) -> None:
    found = peak(features, CPUINFO)
    assert found is not None
    assert found["gflops_per_core"] == pytest.approx(gflops, abs=0.1)
    assert found["how"].startswith("estimated: ")
    assert clock_ghz(CPUINFO) == pytest.approx(2.6, abs=1e-3)
    assert peak(features, "no clock here") is None
