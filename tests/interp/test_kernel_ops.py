"""Every kernel op, interpreted, against onnxruntime: a small ONNX model per case, compiled to
the kernels stage (the case checks its kernel op is there) and interpreted there and at the
loops stage. Ops or forms ONNX cannot express (conv's clip epilogue with a residual, i1
reductions, remap's fill) are written in kernel IR and checked against numpy."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np
import onnx
import pytest
from onnx import helper
from xdsl.parser import Parser

from tcompiler import interp
from tcompiler.context import make_context
from tcompiler.dialects import kernel
from tcompiler.pipeline import CompileOptions

from .models import Feeds, model, ort_run, rand

Case = Callable[[np.random.Generator], tuple[onnx.ModelProto, Feeds]]
OPTIONS = CompileOptions(memory_plan="greedy")


def node(op_type: str, inputs: list[str], outputs: list[str] | None = None, **attrs: object
         ) -> onnx.NodeProto:
    return helper.make_node(op_type, inputs, outputs or ["y"], **attrs)


def conv(rng: np.random.Generator) -> tuple[onnx.ModelProto, Feeds]:
    x = rand(rng, 1, 3, 7, 7)
    w = {"w": rand(rng, 4, 3, 3, 3), "b": rand(rng, 4)}
    return model([node("Conv", ["x", "w", "b"], pads=[1, 0, 1, 2], strides=[2, 1])],
                 {"x": x}, ["y"], w), {"x": x}


def conv_grouped_dilated(rng: np.random.Generator) -> tuple[onnx.ModelProto, Feeds]:
    x = rand(rng, 2, 4, 9, 8)
    return model([node("Conv", ["x", "w"], group=2, dilations=[2, 1], pads=[2, 1, 2, 1])],
                 {"x": x}, ["y"], {"w": rand(rng, 6, 2, 3, 3)}), {"x": x}


def conv_1d(rng: np.random.Generator) -> tuple[onnx.ModelProto, Feeds]:
    x = rand(rng, 1, 2, 11)
    return model([node("Conv", ["x", "w"], strides=[3])], {"x": x}, ["y"],
                 {"w": rand(rng, 3, 2, 4)}), {"x": x}


def conv_residual_relu(rng: np.random.Generator, width: int = 6
                       ) -> tuple[onnx.ModelProto, Feeds]:
    x, r = rand(rng, 1, 3, 6, width), rand(rng, 1, 4, 6, width)
    nodes = [node("Conv", ["x", "w", "b"], ["c"], pads=[1, 1, 1, 1]),
             node("Add", ["c", "r"], ["s"]), node("Relu", ["s"])]
    return model(nodes, {"x": x, "r": r}, ["y"], {"w": rand(rng, 4, 3, 3, 3),
                                                  "b": rand(rng, 4)}), {"x": x, "r": r}


def conv_relu6(rng: np.random.Generator) -> tuple[onnx.ModelProto, Feeds]:
    x = rand(rng, 1, 3, 6, 6, scale=3.0)
    nodes = [node("Conv", ["x", "w"], ["c"], pads=[1, 1, 1, 1]), node("Clip", ["c", "lo", "hi"])]
    weights = {"w": rand(rng, 4, 3, 3, 3), "lo": np.array(0, np.float32),
               "hi": np.array(6, np.float32)}
    return model(nodes, {"x": x}, ["y"], weights), {"x": x}


def conv_wide(rng: np.random.Generator) -> tuple[onnx.ModelProto, Feeds]:
    """Rows wider than a vector, a residual Add and Relu: for im2col and im2win (rows)."""
    return conv_residual_relu(rng, width=20)


def conv_narrow(rng: np.random.Generator) -> tuple[onnx.ModelProto, Feeds]:
    """Rows narrower than a vector, 8 output channels: for im2win (NHWC) and Winograd."""
    x = rand(rng, 1, 3, 6, 6)
    return model([node("Conv", ["x", "w", "b"], pads=[1, 1, 1, 1])], {"x": x}, ["y"],
                 {"w": rand(rng, 8, 3, 3, 3), "b": rand(rng, 8)}), {"x": x}


def qlinear_conv(rng: np.random.Generator) -> tuple[onnx.ModelProto, Feeds]:
    """Int8 conv, rows wide enough for the packing's vectors, K = 45 (not a multiple of 4)."""
    x = rng.integers(0, 256, (1, 5, 6, 20), dtype=np.uint8)
    oc = 18
    weights = {"xs": np.array(0.02, np.float32), "xz": np.array(7, np.uint8),
               "w": rng.integers(-128, 128, (oc, 5, 3, 3), dtype=np.int8),
               "ws": rng.uniform(0.001, 0.01, oc).astype(np.float32),
               "wz": np.zeros(oc, np.int8), "ys": np.array(0.3, np.float32),
               "yz": np.array(90, np.uint8), "b": rng.integers(-500, 500, oc, dtype=np.int32)}
    inputs = ["x", "xs", "xz", "w", "ws", "wz", "ys", "yz", "b"]
    return model([node("QLinearConv", inputs, pads=[1, 1, 1, 1])], {"x": x}, ["y"],
                 weights), {"x": x}


def matmul_integer(rng: np.random.Generator) -> tuple[onnx.ModelProto, Feeds]:
    """Int8 matmul with s8 activations (packed with their sign bit flipped), N = 20."""
    a = rng.integers(-128, 128, (3, 37), dtype=np.int8)
    weights = {"b": rng.integers(-128, 128, (37, 20), dtype=np.int8),
               "az": np.array(-5, np.int8)}
    return model([node("MatMulInteger", ["a", "b", "az"])], {"a": a}, ["y"], weights), {"a": a}


def conv_transpose(rng: np.random.Generator) -> tuple[onnx.ModelProto, Feeds]:
    x = rand(rng, 1, 4, 4, 5)
    return model([node("ConvTranspose", ["x", "w", "b"], strides=[2, 2], pads=[1, 0, 0, 1],
                       output_padding=[1, 0], group=2, dilations=[1, 2])],
                 {"x": x}, ["y"], {"w": rand(rng, 4, 3, 3, 2), "b": rand(rng, 6)}), {"x": x}


def gemm(rng: np.random.Generator) -> tuple[onnx.ModelProto, Feeds]:
    a = rand(rng, 3, 5)
    return model([node("Gemm", ["a", "b", "c"], transB=1, alpha=0.5, beta=2.0)], {"a": a},
                 ["y"], {"b": rand(rng, 4, 5), "c": rand(rng, 4)}), {"a": a}


def gemm_trans_a_relu(rng: np.random.Generator) -> tuple[onnx.ModelProto, Feeds]:
    a = rand(rng, 5, 3)
    nodes = [node("Gemm", ["a", "b", "c"], ["g"], transA=1), node("Relu", ["g"])]
    return model(nodes, {"a": a}, ["y"], {"b": rand(rng, 5, 4), "c": rand(rng, 3, 1)}), {"a": a}


def matmul_batched(rng: np.random.Generator) -> tuple[onnx.ModelProto, Feeds]:
    a, b = rand(rng, 2, 1, 3, 4), rand(rng, 3, 4, 5)
    return model([node("MatMul", ["a", "b"])], {"a": a, "b": b}, ["y"]), {"a": a, "b": b}


def matmul_vector(rng: np.random.Generator) -> tuple[onnx.ModelProto, Feeds]:
    a, b = rand(rng, 4), rand(rng, 2, 4, 5)
    return model([node("MatMul", ["a", "b"])], {"a": a, "b": b}, ["y"]), {"a": a, "b": b}


def max_pool(rng: np.random.Generator) -> tuple[onnx.ModelProto, Feeds]:
    x = rand(rng, 1, 2, 9, 8)
    return model([node("MaxPool", ["x"], kernel_shape=[3, 2], strides=[2, 2], pads=[1, 1, 1, 0],
                       ceil_mode=1, dilations=[1, 2])], {"x": x}, ["y"]), {"x": x}


def avg_pool(rng: np.random.Generator) -> tuple[onnx.ModelProto, Feeds]:
    x = rand(rng, 1, 2, 7, 7)
    nodes = [node("AveragePool", ["x"], ["a"], kernel_shape=[3, 3], strides=[2, 2],
                  pads=[1, 1, 1, 1], ceil_mode=1),
             node("AveragePool", ["x"], ["b"], kernel_shape=[2, 3], pads=[1, 1, 0, 1],
                  count_include_pad=1)]
    return model(nodes, {"x": x}, ["a", "b"]), {"x": x}


def argmax_pool(rng: np.random.Generator) -> tuple[onnx.ModelProto, Feeds]:
    x = rand(rng, 2, 2, 5, 6)
    x[0, 0, :2, :2] = 1.5  # ties: the first position wins
    nodes = [node("MaxPool", ["x"], ["y", "i"], kernel_shape=[2, 3], strides=[2, 2],
                  pads=[0, 1, 1, 0], storage_order=1)]
    return model(nodes, {"x": x}, ["y", "i"]), {"x": x}


def global_pools(rng: np.random.Generator) -> tuple[onnx.ModelProto, Feeds]:
    x = rand(rng, 2, 3, 4, 5)
    nodes = [node("GlobalAveragePool", ["x"], ["a"]), node("GlobalMaxPool", ["x"], ["m"])]
    return model(nodes, {"x": x}, ["a", "m"]), {"x": x}


def softmax(rng: np.random.Generator) -> tuple[onnx.ModelProto, Feeds]:
    x = rand(rng, 2, 5, 3, scale=4.0)
    nodes = [node("Softmax", ["x"], ["a"], axis=1), node("Softmax", ["x"], ["b"], axis=-1),
             node("LogSoftmax", ["x"], ["c"], axis=1), node("LogSoftmax", ["x"], ["d"])]
    return model(nodes, {"x": x}, ["a", "b", "c", "d"]), {"x": x}


def lrn(rng: np.random.Generator) -> tuple[onnx.ModelProto, Feeds]:
    x = rand(rng, 1, 7, 3, 3, scale=5.0)
    return model([node("LRN", ["x"], size=3, alpha=0.01, beta=0.6, bias=1.5)], {"x": x},
                 ["y"]), {"x": x}


def transpose_concat(rng: np.random.Generator) -> tuple[onnx.ModelProto, Feeds]:
    a, b = rand(rng, 2, 3, 4), rand(rng, 2, 3, 1)
    nodes = [node("Transpose", ["a"], ["t"], perm=[2, 0, 1]),
             node("Concat", ["a", "b", "a"], ["c"], axis=2)]
    return model(nodes, {"a": a, "b": b}, ["t", "c"]), {"a": a, "b": b}


def reshape_copy(rng: np.random.Generator) -> tuple[onnx.ModelProto, Feeds]:
    x = rand(rng, 2, 3, 4)
    nodes = [node("Reshape", ["x", "s"])]
    return model(nodes, {"x": x}, ["y"], {"s": np.array([4, -1], np.int64)}), {"x": x}


def reductions(rng: np.random.Generator) -> tuple[onnx.ModelProto, Feeds]:
    x = rand(rng, 2, 3, 4, 5)
    weights = {"ax": np.array([1, 3], np.int64), "last": np.array([-1], np.int64)}
    nodes = [node("ReduceSum", ["x", "ax"], ["s"]),
             node("ReduceMean", ["x"], ["m"], axes=[0, 2], keepdims=0),
             node("ReduceMax", ["x"], ["h"], axes=[1, 2]),
             node("ReduceMin", ["x"], ["l"], axes=[3], keepdims=0),
             node("ReduceSum", ["i", "last"], ["si"], keepdims=0)]
    feeds = {"x": x, "i": rng.integers(-50, 50, (3, 4)).astype(np.int64)}
    return model(nodes, feeds, ["s", "m", "h", "l", "si"], weights), feeds


def normalizations(rng: np.random.Generator) -> tuple[onnx.ModelProto, Feeds]:
    x = rand(rng, 2, 3, 4, 5, scale=2.0)
    weights = {"g": rand(rng, 5), "b": rand(rng, 5), "gi": rand(rng, 3), "bi": rand(rng, 3)}
    nodes = [node("LayerNormalization", ["x", "g", "b"], ["n", "mean", "inv"], axis=-1,
                  epsilon=1e-3),
             node("InstanceNormalization", ["x", "gi", "bi"], ["i"], epsilon=1e-4)]
    return model(nodes, {"x": x}, ["n", "mean", "inv", "i"], weights), {"x": x}


def elementwise(rng: np.random.Generator) -> tuple[onnx.ModelProto, Feeds]:
    a, b = rand(rng, 2, 3, 4), rand(rng, 3, 1)
    a[0, 0, 0] = np.nan
    nodes = [node("Add", ["a", "b"], ["s"]), node("Sigmoid", ["s"], ["g"]),
             node("Mul", ["g", "a"], ["m"]), node("Tanh", ["m"], ["t"]),
             node("Erf", ["b"], ["e"]), node("Sub", ["t", "e"], ["d"]),
             node("Greater", ["d", "b"], ["c"]), node("Where", ["c", "d", "a"], ["w"]),
             node("Abs", ["w"], ["p"]), node("Pow", ["p", "half"], ["q"]),
             node("Div", ["q", "b"], ["y"]), node("Max", ["a", "b"], ["mx"]),
             node("Min", ["a", "b"], ["mn"]), node("LeakyRelu", ["a"], ["lr"], alpha=0.2),
             node("HardSigmoid", ["a"], ["hs"]), node("Sqrt", ["p"], ["sq"])]
    return model(nodes, {"a": a, "b": b}, ["y", "mx", "mn", "lr", "hs", "sq"],
                 {"half": np.array(0.5, np.float32)}), {"a": a, "b": b}


def integer_map(rng: np.random.Generator) -> tuple[onnx.ModelProto, Feeds]:
    x = rand(rng, 3, 4, scale=10.0)
    nodes = [node("Cast", ["x"], ["i"], to=onnx.TensorProto.INT64),
             node("Mul", ["i", "i"], ["sq"]), node("Div", ["sq", "three"], ["d"]),
             node("Neg", ["d"], ["n"]), node("Cast", ["n"], ["f"], to=onnx.TensorProto.FLOAT),
             node("Equal", ["i", "zero"], ["z"]), node("Not", ["z"], ["nz"]),
             node("Cast", ["nz"], ["y"], to=onnx.TensorProto.FLOAT)]
    weights = {"three": np.array(3, np.int64), "zero": np.array(0, np.int64)}
    return model(nodes, {"x": x}, ["f", "y"], weights), {"x": x}


def remaps(rng: np.random.Generator) -> tuple[onnx.ModelProto, Feeds]:
    x = rand(rng, 1, 2, 4, 5)
    weights = {"st": np.array([1, -1], np.int64), "en": np.array([4, -6], np.int64),
               "ax": np.array([2, 3], np.int64), "sp": np.array([1, -2], np.int64),
               "pads": np.array([0, 0, 1, 2, 0, 1, 2, 0], np.int64),
               "reps": np.array([1, 2, 1, 2], np.int64), "shape": np.array([3, 2, 4, 5], np.int64),
               "scales": np.array([1, 1, 1.5, 0.8], np.float32), "roi": np.zeros(0, np.float32),
               "pv": np.array(-1.5, np.float32), "parts": np.array([2, 3], np.int64)}
    nodes = [node("Slice", ["x", "st", "en", "ax", "sp"], ["sl"]),
             node("Pad", ["x", "pads", "pv"], ["pc"]),
             node("Pad", ["x", "pads"], ["pr"], mode="reflect"),
             node("Pad", ["x", "pads"], ["pe"], mode="edge"),
             node("Tile", ["x", "reps"], ["t"]), node("Expand", ["x", "shape"], ["ex"]),
             node("Resize", ["x", "roi", "scales"], ["rn"], mode="nearest"),
             node("Resize", ["x", "roi", "scales"], ["rl"], mode="linear"),
             node("Resize", ["x", "roi", "scales"], ["rc"], mode="cubic"),
             node("Split", ["x", "parts"], ["s0", "s1"], axis=3)]
    outputs = ["sl", "pc", "pr", "pe", "t", "ex", "rn", "rl", "rc", "s0", "s1"]
    proto = model(nodes, {"x": x}, outputs, weights)
    return proto, {"x": x}


def gathers(rng: np.random.Generator) -> tuple[onnx.ModelProto, Feeds]:
    x = rand(rng, 3, 4, 5)
    weights = {"i": np.array([[2, -1], [0, 1]], np.int64),
               "ie": rng.integers(-3, 3, (3, 2, 5)).astype(np.int64),
               "nd": np.array([[[1, 2]], [[0, -1]], [[3, 0]]], np.int64)}
    nodes = [node("Gather", ["x", "i"], ["g"], axis=1),
             node("GatherElements", ["x", "ie"], ["ge"], axis=0),
             node("GatherND", ["x", "nd"], ["gn"], batch_dims=1)]
    return model(nodes, {"x": x}, ["g", "ge", "gn"], weights), {"x": x}


def index_kernels(rng: np.random.Generator) -> tuple[onnx.ModelProto, Feeds]:
    x = np.round(rand(rng, 3, 5) * 2)  # ties for arg_reduce and topk
    weights = {"axis": np.array(1, np.int64), "k": np.array([2], np.int64),
               "ie": np.array([[1, -1, 0, 2, 1]], np.int64), "ie_u": rand(rng, 1, 5),
               "nd": np.array([[2], [0]], np.int64), "u": rand(rng, 2, 5)}
    nodes = [node("ArgMax", ["x"], ["am"], axis=1, select_last_index=1),
             node("CumSum", ["x", "axis"], ["cs"], exclusive=1),
             node("TopK", ["x", "k"], ["tv", "ti"], largest=0),
             node("ScatterElements", ["x", "ie", "ie_u"], ["se"], reduction="add"),
             node("ScatterND", ["x", "nd", "u"], ["sn"], reduction="max")]
    return model(nodes, {"x": x}, ["am", "cs", "tv", "ti", "se", "sn"], weights), {"x": x}


def prod_and_sum_pool(rng: np.random.Generator) -> tuple[onnx.ModelProto, Feeds]:
    x = rand(rng, 1, 2, 5, 6)
    nodes = [node("ReduceProd", ["x"], ["rp"], axes=[1, 3], keepdims=0),
             node("LpPool", ["x"], ["lp"], kernel_shape=[2, 3], pads=[1, 0, 0, 1], p=2)]
    return model(nodes, {"x": x}, ["rp", "lp"]), {"x": x}


def sampling(rng: np.random.Generator) -> tuple[onnx.ModelProto, Feeds]:
    x, grid = rand(rng, 1, 2, 5, 6), rand(rng, 1, 3, 4, 2) * 1.2  # some outside [-1, 1]
    weights = {"rois": np.array([[0.5, 1.0, 4.0, 3.5], [2.0, 0.0, 5.5, 4.5]], np.float32),
               "idx": np.array([0, 0], np.int64)}
    nodes = [node("GridSample", ["x", "g"], ["gs"], mode="bicubic", padding_mode="reflection"),
             node("RoiAlign", ["x", "rois", "idx"], ["ra"], output_height=2, output_width=3,
                  sampling_ratio=0)]
    return model(nodes, {"x": x, "g": grid}, ["gs", "ra"], weights), {"x": x, "g": grid}


def data_dependent(rng: np.random.Generator) -> tuple[onnx.ModelProto, Feeds]:
    x = np.round(rand(rng, 3, 4))  # zeros among the rest
    boxes = np.abs(rand(rng, 1, 6, 4))
    scores = np.abs(rand(rng, 1, 2, 6))
    feeds = {"x": x, "c": x[:, 0] > 0, "boxes": boxes, "scores": scores}
    weights = {"limit": np.array([3], np.int64), "iou": np.array([0.3], np.float32)}
    nodes = [node("NonZero", ["x"], ["nz"]), node("Compress", ["x", "c"], ["cp"], axis=0),
             node("NonMaxSuppression", ["boxes", "scores", "limit", "iou"], ["nms"])]
    return model(nodes, feeds, ["nz", "cp", "nms"], weights), feeds


CASES: dict[str, tuple[Case, set[str]]] = {
    "conv": (conv, {"conv"}), "conv_grouped_dilated": (conv_grouped_dilated, {"conv"}),
    "conv_1d": (conv_1d, {"conv"}), "conv_residual_relu": (conv_residual_relu, {"conv"}),
    "conv_relu6": (conv_relu6, {"conv"}), "conv_transpose": (conv_transpose, {"conv_transpose"}),
    "gemm": (gemm, {"gemm"}), "gemm_trans_a_relu": (gemm_trans_a_relu, {"gemm"}),
    "matmul_batched": (matmul_batched, {"matmul"}), "matmul_vector": (matmul_vector, {"matmul"}),
    "max_pool": (max_pool, {"pool"}), "avg_pool": (avg_pool, {"pool"}),
    "argmax_pool": (argmax_pool, {"pool"}), "global_pools": (global_pools, {"pool"}),
    "softmax": (softmax, {"softmax"}), "lrn": (lrn, {"lrn"}),
    "transpose_concat": (transpose_concat, {"transpose", "concat"}),
    "reshape_copy": (reshape_copy, {"copy"}), "reductions": (reductions, {"reduce"}),
    "normalizations": (normalizations, {"normalize"}), "elementwise": (elementwise, {"map"}),
    "integer_map": (integer_map, {"map"}), "remaps": (remaps, {"remap"}),
    "gathers": (gathers, {"gather", "gather_elements", "gather_nd"}),
    "prod_and_sum_pool": (prod_and_sum_pool, {"reduce", "pool", "map"}),
    "index_kernels": (index_kernels, {"arg_reduce", "scan", "topk", "scatter_elements",
                                      "scatter_nd"}),
    "sampling": (sampling, {"grid_sample", "roi_align"}),
    "data_dependent": (data_dependent, {"nonzero", "compress", "nms", "topk"}),
    "conv_im2col": (conv_wide, {"im2col", "conv"}), "conv_im2win": (conv_wide, {"im2win", "conv"}),
    "conv_im2win_nhwc": (conv_narrow, {"im2win_nhwc", "window_gemm", "to_nchw"}),
    "conv_winograd": (conv_narrow, {"winograd_input", "matmul", "winograd_output"}),
    "qlinear_conv": (qlinear_conv, {"qpack_im2col", "qgemm"}),
    "matmul_integer": (matmul_integer, {"qpack_rows", "qgemm"}),
}
"""case -> (model builder, the kernel ops (without `kernel.`) its kernels stage must hold)."""
CONV_ALGORITHM = {"conv_im2col": "im2col", "conv_im2win": "im2win",
                  "conv_im2win_nhwc": "im2win", "conv_winograd": "winograd"}
"""The cases compiled with a forced conv algorithm (the others: direct, so kernel.conv stays)."""


def test_cases_cover_every_kernel_op() -> None:
    covered = {f"kernel.{name}" for _, ops in CASES.values() for name in ops}
    assert covered == {op.name for op in kernel.KERNEL_OPS}


def cut(output: np.ndarray, length: int, expected: np.ndarray) -> np.ndarray:
    """An upper-bound output cut to its run-time length on the axis where its bound differs
    from `expected`'s extent (none: it is whole)."""
    axes = [d for d, (a, b) in enumerate(zip(output.shape, expected.shape)) if a != b]
    if not axes:
        return output
    return np.take(output, range(length), axis=axes[0])


def assert_matches(outputs: Feeds, reference: Feeds, what: str) -> None:
    for name, expected in reference.items():
        got = outputs[name]
        if f"{name}:length" in outputs:
            got = cut(got, int(outputs[f"{name}:length"][0]), np.asarray(expected))
        error = interp.relative_error(got, np.asarray(expected))
        assert error <= interp.TOLERANCE, f"{what}: output {name} is off by {error:.3g}"


@pytest.mark.parametrize("case", list(CASES))
def test_kernel_op_matches_onnxruntime(case: str) -> None:
    build, kernel_ops = CASES[case]
    proto, feeds = build(np.random.default_rng(0))
    reference = ort_run(proto, feeds)
    options = dataclasses.replace(OPTIONS, conv_algorithm=CONV_ALGORITHM.get(case, "direct"))
    if case in CONV_ALGORITHM:  # the forced algorithm's default schedule, not the model's pick
        options = dataclasses.replace(options, schedules="heuristic")
    comp = interp.compile_for(proto, "kernels", options)
    missing = {f"kernel.{name}" for name in kernel_ops} - {op.name for op in comp.module.walk()}
    assert not missing, f"{case} does not exercise {missing}"
    outputs = interp.interpret(comp.module, feeds, comp.weights.arrays)
    assert_matches(outputs, reference, f"{case} (kernels)")
    assert_matches(interp.run(proto, feeds, "loops", options), reference, f"{case} (loops)")


# ----------------------------------------------------------------------------- kernel IR


def run_ir(text: str, args: list[np.ndarray]) -> dict[str, np.ndarray]:
    module = Parser(make_context(), text).parse_module()
    module.verify()
    return interp.interpret(module, {f"arg{i}": a for i, a in enumerate(args)})


def test_conv_clip_with_residual() -> None:
    rng = np.random.default_rng(1)
    x, w = rand(rng, 1, 2, 4, 4, scale=3), rand(rng, 3, 2, 1, 1)
    b, r = rand(rng, 3), rand(rng, 1, 3, 4, 4)
    text = """func.func @k(%x: memref<1x2x4x4xf32>, %w: memref<3x2x1x1xf32>, %b: memref<3xf32>,
                          %r: memref<1x3x4x4xf32>, %y: memref<1x3x4x4xf32>) {
      kernel.conv %x, %w bias %b residual %r -> %y {strides = array<i64: 1, 1>,
        pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64,
        activation = "clip", clip_min = -0.5 : f32, clip_max = 1.0 : f32}
        : memref<1x2x4x4xf32>, memref<3x2x1x1xf32> bias memref<3xf32>
          residual memref<1x3x4x4xf32> -> memref<1x3x4x4xf32>
      func.return
    }"""
    y = run_ir(text, [x, w, b, r, np.zeros((1, 3, 4, 4), np.float32)])["arg4"]
    expected = np.einsum("nchw,oc->nohw", x, w[:, :, 0, 0]) + b[None, :, None, None] + r
    np.testing.assert_allclose(y, np.clip(expected, -0.5, 1.0), rtol=1e-5, atol=1e-6)


def test_boolean_reductions() -> None:
    x = np.array([[True, False, True], [False, False, True]])
    out = {}
    for kind in ("sum", "max", "min"):
        text = f"""func.func @k(%x: memref<2x3xi1>, %y: memref<2xi1>) {{
          kernel.reduce "{kind}" %x -> %y {{axes = array<i64: 1>}} : memref<2x3xi1> -> memref<2xi1>
          func.return
        }}"""
        out[kind] = run_ir(text, [x, np.zeros(2, bool)])["arg1"]
    assert out["sum"].tolist() == [False, True]  # xor, as the native loops
    assert out["max"].tolist() == [True, True]
    assert out["min"].tolist() == [False, False]


def test_remap_fill() -> None:
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    table = np.array([-1, 1, 0, 2, -1], np.int64)  # rows: [-1, 1]; columns: [0, 2, -1]
    text = """func.func @k(%x: memref<2x3xf32>, %t: memref<5xi64>, %y: memref<2x3xf32>) {
      kernel.remap %x, %t -> %y {taps = array<i64: 1, 1>, fill_dims = array<i64: 0, 1>,
                                 fill = 9.0 : f32}
          : memref<2x3xf32>, memref<5xi64> -> memref<2x3xf32>
      func.return
    }"""
    y = run_ir(text, [x, table, np.zeros((2, 3), np.float32)])["arg2"]
    assert y.tolist() == [[9, 9, 9], [3, 5, 9]]


def test_rms_normalize() -> None:
    rng = np.random.default_rng(2)
    x, scale = rand(rng, 2, 3, 4), rand(rng, 4)
    text = """func.func @k(%x: memref<2x3x4xf32>, %s: memref<4xf32>, %y: memref<2x3x4xf32>) {
      kernel.normalize "rms" %x scale %s -> %y {axes = array<i64: 1, 2>, epsilon = 0.01 : f32}
        : memref<2x3x4xf32> scale memref<4xf32> -> memref<2x3x4xf32>
      func.return
    }"""
    y = run_ir(text, [x, scale, np.zeros((2, 3, 4), np.float32)])["arg2"]
    expected = x / np.sqrt(np.mean(x * x, axis=(1, 2), keepdims=True) + 0.01) * scale
    np.testing.assert_allclose(y, expected, rtol=1e-5, atol=1e-6)
