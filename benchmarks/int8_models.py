"""QDQ int8 models (onnxruntime's `quantize_static`) compiled by tcc against onnxruntime's int8
execution, and the int8 matmul kernel against the float one.

    python benchmarks/int8_models.py [--runs 30] [--threads 1 2] [--repeats 20] [--no-kernels]

Models (random weights, per-channel s8 weights, u8 activations, 4 random calibration inputs):
- `small`: the ResNet-style block of tests/models/test_qdq_model.py (3x16x16, 8 channels);
- `resnet56`: two ResNet basic blocks at 64x56x56 (3x3 convs), a 1x1 conv to 256 channels,
  global average pool and a 256 -> 1000 matmul.
For each thread count tcc and onnxruntime (that many intra-op threads, all graph
optimizations: it fuses the QDQ pattern into QLinearConv) run ALTERNATELY on the same input,
medians of `runs`; the outputs are compared (in units of the output's quantization step).

Kernels (one thread, every parallel unit on the calling thread, `costmodel.measure`):
`kernel.qgemm` (u8 x s8 -> i32, both operand layouts) against `kernel.matmul` (f32) on the
same M, K, N: GOPS (2 ops per multiply-add).

Output: one JSON object on stdout (with the machine's load average: on a shared machine the
2-thread figures of both runtimes suffer first).
"""

from __future__ import annotations

import argparse
import functools
import importlib.util
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

KERNEL_SHAPES = ((128, 768, 3072), (64, 576, 3136))


def resnet56() -> tuple[onnx.ModelProto, list[int]]:
    rng = np.random.default_rng(0)
    shape = [1, 64, 56, 56]
    inits: list[onnx.TensorProto] = []
    nodes: list[onnx.NodeProto] = []

    def conv(x: str, cin: int, cout: int, k: int, relu: bool) -> str:
        name = f"conv{len(nodes)}"
        w = (rng.standard_normal((cout, cin, k, k)) * np.sqrt(2 / (cin * k * k)))
        b = rng.standard_normal(cout) * 0.1
        inits.extend([numpy_helper.from_array(w.astype(np.float32), f"{name}_w"),
                      numpy_helper.from_array(b.astype(np.float32), f"{name}_b")])
        nodes.append(helper.make_node("Conv", [x, f"{name}_w", f"{name}_b"], [name],
                                      pads=[k // 2] * 4))
        if not relu:
            return name
        nodes.append(helper.make_node("Relu", [name], [f"{name}_relu"]))
        return f"{name}_relu"

    h = "x"
    for _ in range(2):
        y = conv(conv(h, 64, 64, 3, True), 64, 64, 3, False)
        nodes.append(helper.make_node("Add", [y, h], [f"{y}_sum"]))
        nodes.append(helper.make_node("Relu", [f"{y}_sum"], [f"{y}_out"]))
        h = f"{y}_out"
    h = conv(h, 64, 256, 1, True)
    inits.append(numpy_helper.from_array(
        (rng.standard_normal((256, 1000)) * 0.05).astype(np.float32), "fc_w"))
    nodes += [helper.make_node("GlobalAveragePool", [h], ["pool"]),
              helper.make_node("Flatten", ["pool"], ["flat"]),
              helper.make_node("MatMul", ["flat", "fc_w"], ["logits"])]
    graph = helper.make_graph(
        nodes, "resnet56", [helper.make_tensor_value_info("x", TensorProto.FLOAT, shape)],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, [1, 1000])], inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), shape


def small() -> tuple[onnx.ModelProto, list[int]]:
    path = Path(__file__).parent.parent / "tests" / "models" / "test_qdq_model.py"
    spec = importlib.util.spec_from_file_location("test_qdq_model", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.float_model(), list(module.SHAPE)


MODELS: dict[str, Callable[[], tuple[onnx.ModelProto, list[int]]]] = {
    "small": small, "resnet56": resnet56}


def quantized(model: onnx.ModelProto, shape: list[int]) -> onnx.ModelProto:
    from onnxruntime.quantization import (
        CalibrationDataReader,
        QuantFormat,
        QuantType,
        quantize_static,
    )

    class RandomInputs(CalibrationDataReader):
        def __init__(self) -> None:
            rng = np.random.default_rng(1)
            self.inputs = iter([{"x": rng.standard_normal(shape).astype(np.float32)}
                                for _ in range(4)])

        def get_next(self) -> dict[str, np.ndarray] | None:
            return next(self.inputs, None)

    with tempfile.TemporaryDirectory() as tmp:
        source, target = Path(tmp) / "f32.onnx", Path(tmp) / "qdq.onnx"
        onnx.save(model, source)
        quantize_static(str(source), str(target), RandomInputs(), quant_format=QuantFormat.QDQ,
                        activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8,
                        per_channel=True)
        return onnx.load(target)


def medians(ours: Callable[[], object], theirs: Callable[[], object], runs: int
            ) -> tuple[float, float]:
    """Median seconds of `ours` and `theirs`, run alternately after 3 warm-up runs each."""
    for _ in range(3):
        ours()
        theirs()
    a: list[float] = []
    b: list[float] = []
    for _ in range(runs):
        t0 = time.perf_counter()
        ours()
        a.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        theirs()
        b.append(time.perf_counter() - t0)
    return statistics.median(a), statistics.median(b)


def bench_model(name: str, runs: int, thread_counts: list[int], cache_dir: str
                ) -> dict[str, object]:
    import onnxruntime as ort

    from tcompiler.pipeline import CompileOptions, compile_model, compile_to_stage, stage_text
    from tcompiler.runtime import CompiledModel

    model, shape = MODELS[name]()
    qdq = quantized(model, shape)
    options = CompileOptions(cache_dir=cache_dir)
    kernels = stage_text(compile_to_stage(qdq, "kernels", options))
    program, _ = compile_model(qdq, options)
    step = float(next(numpy_helper.to_array(i) for i in qdq.graph.initializer
                      if i.name == qdq.graph.node[-1].input[1]))
    x = np.random.default_rng(7).standard_normal(shape).astype(np.float32)
    result: dict[str, object] = {
        "input": shape, "qgemm_kernels": kernels.count("kernel.qgemm"),
        "float_convs": kernels.count("kernel.conv "), "threads": {}}
    for threads in thread_counts:
        opts = ort.SessionOptions()
        opts.intra_op_num_threads, opts.inter_op_num_threads = threads, 1
        session = ort.InferenceSession(qdq.SerializeToString(), opts,
                                       providers=["CPUExecutionProvider"])
        tcc = CompiledModel(program, threads=threads)
        got = tcc.run({"x": x})[0]
        want = np.asarray(session.run(None, {"x": x})[0])
        ours, theirs = medians(functools.partial(tcc.run, {"x": x}),
                               functools.partial(session.run, None, {"x": x}), runs)
        result["threads"][str(threads)] = {  # type: ignore[index]
            "tcc_ms": round(ours * 1e3, 3), "ort_ms": round(theirs * 1e3, 3),
            "ratio_tcc_over_ort": round(ours / theirs, 3),
            "max_diff_steps": round(float(np.abs(got - want).max()) / step, 3)}
        print(f"[int8] {name} {threads}t {result['threads'][str(threads)]}",  # type: ignore
              file=sys.stderr, flush=True)
    return result


def qgemm_text(m: int, k: int, n: int, unsigned: str) -> str:
    kq = -(-k // 4)
    a, b = f"memref<1x{m}x{4 * kq}xi8>", f"memref<1x{kq}x{4 * n}xi8>"
    c = f"memref<{m}x1xi32>" if unsigned == "b" else f"memref<1x{n}xi32>"
    y = f"memref<1x{m}x{n}xi32>"
    return (f"builtin.module {{\n  func.func @kernel(%a: {a}, %b: {b}, %c: {c}, %y: {y}) "
            f"attributes {{tcc.kernel}} {{\n    kernel.qgemm %a, %b, %c -> %y {{unsigned = "
            f"\"{unsigned}\", vnni = 1 : i64}} : {a}, {b}, {c} -> {y}\n    func.return\n  }}\n}}\n")


def bench_kernels(repeats: int) -> list[dict[str, object]]:
    from gemm_kernels import compiled, matmul_text

    rng = np.random.default_rng(0)
    out: list[dict[str, object]] = []
    for m, k, n in KERNEL_SHAPES:
        a, b = rng.standard_normal((m, k), np.float32), rng.standard_normal((k, n), np.float32)
        f32_arrays = [a, b, np.zeros((m, n), np.float32)]
        f32_kernel, _ = compiled(matmul_text(m, k, n), f32_arrays)
        kq = -(-k // 4)
        row: dict[str, object] = {"m": m, "k": k, "n": n}
        for unsigned in ("a", "b"):
            arrays = [rng.integers(-128, 128, (1, m, 4 * kq), dtype=np.int8),
                      rng.integers(-128, 128, (1, kq, 4 * n), dtype=np.int8),
                      np.zeros((m, 1) if unsigned == "b" else (1, n), np.int32),
                      np.zeros((1, m, n), np.int32)]
            kernel, _ = compiled(qgemm_text(m, k, n, unsigned), arrays)
            ours, theirs = medians(functools.partial(kernel.run, arrays),  # type: ignore
                                   functools.partial(f32_kernel.run, f32_arrays),  # type: ignore
                                   repeats)
            row[f"int8_gops_unsigned_{unsigned}"] = round(2 * m * k * n / ours / 1e9, 1)
            row[f"f32_gflops_beside_{unsigned}"] = round(2 * m * k * n / theirs / 1e9, 1)
        print(f"[int8] kernel {row}", file=sys.stderr, flush=True)
        out.append(row)
    return out


def main(argv: list[str] | None = None) -> int:
    import os

    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--models", nargs="+", default=list(MODELS), choices=list(MODELS))
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--kernels", action=argparse.BooleanOptionalAction, default=True,
                        help="also time the int8 and f32 matmul kernels (needs kernel.qgemm)")
    args = parser.parse_args(argv)
    cache_dir = os.environ.get("TCC_CACHE_DIR", str(Path.home() / ".cache" / "tcc"))
    sys.path.insert(0, str(Path(__file__).parent))
    models = {name: bench_model(name, args.runs, args.threads, cache_dir)
              for name in args.models}
    kernels = bench_kernels(args.repeats) if args.kernels else []
    json.dump({"load_average_1min_at_end": os.getloadavg()[0], "cpus": os.cpu_count(),
               "models": models, "kernels_1_thread": kernels}, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
