"""Convolution algorithms end to end: one-conv ONNX models (strides 1-4, asymmetric pads,
dilations, groups and depthwise, kernels 1x1..7x7 and non-square, odd sizes, batch 1-3, bias or
not, Relu / Clip epilogues and a residual Add) compiled with every forced algorithm
(`CompileOptions.conv_algorithm`: direct, im2col, im2win, winograd) and compared with
onnxruntime. Each compile must prove which algorithm ran: the report's kernel schedules show
the rewritten kernels exactly where the schedule rules (`costmodel.space`, decided here from
the conv's shapes, not hard-coded) say the algorithm is valid, and a plain conv kernel (direct,
tiled or pointwise) where it is not.

Also: a filter that is a graph input (not a constant) with winograd, random schedules over
the whole space, the window / Winograd buffers in the memory plan, and the kernel-level and
arena interpreters on the rewritten IR. The default run is a fixed seeded sweep; the larger
one is marked slow."""

from __future__ import annotations

import random
from dataclasses import dataclass

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper, numpy_helper
from xdsl.parser import Parser

from tcompiler import interp
from tcompiler.context import make_context, module_text
from tcompiler.costmodel.schedules import CONV_ALGORITHM_CHOICES, ConvSchedule
from tcompiler.costmodel.space import space
from tcompiler.dialects import kernel
from tcompiler.kernels.conv_math import output_hw
from tcompiler.pipeline import CompileOptions, compile_model, compile_to_stage
from tcompiler.plugins import PluginSettings
from tcompiler.runtime import CompiledModel

ALGORITHMS = ("direct", "im2col", "im2win", "winograd")
MARKERS = {"im2col": ("im2col_",), "im2win": ("im2win",),
           "winograd": ("winograd_input_", "matmul_", "winograd_output_")}
"""The kernel functions a rewrite leaves (named by outline-kernels' kinds): every one of them
must be there. (im2win's prefix also covers a channels-last variant, im2win_nhwc.)"""
LEFTOVER_CONVS = {"im2col": ({"pointwise"},), "im2win": ({"tiled"}, set()),
                  "winograd": (set(),)}
"""The algorithms of the conv kernels a rewrite may leave (the one doing the arithmetic)."""
EXPANDED_KINDS = ("im2col", "im2win", "winograd_input", "winograd_output", "window_gemm",
                  "to_nchw", "matmul")
"""Kernel kinds only a rewrite introduces in a one-conv model."""


@dataclass(frozen=True)
class Conv:
    x: tuple[int, int, int, int]  # N, C, H, W
    cout: int
    kernel: tuple[int, int]
    strides: tuple[int, int] = (1, 1)
    pads: tuple[int, int, int, int] = (0, 0, 0, 0)  # top, left, bottom, right
    dilations: tuple[int, int] = (1, 1)
    group: int = 1
    bias: bool = True
    residual: bool = False
    activation: str | None = None  # None | "relu" | "clip"

    @property
    def w(self) -> tuple[int, int, int, int]:
        return (self.cout, self.x[1] // self.group, *self.kernel)

    @property
    def y(self) -> tuple[int, int, int, int]:
        return (self.x[0], self.cout, *output_hw(self.x, self.kernel, self.strides, self.pads,
                                                   self.dilations))

    def __str__(self) -> str:
        return (f"x{'x'.join(map(str, self.x))}_w{'x'.join(map(str, self.w))}_s{self.strides}"
                f"_p{self.pads}_d{self.dilations}_g{self.group}"
                f"{'_b' if self.bias else ''}{'_r' if self.residual else ''}"
                f"_{self.activation or 'none'}").replace(" ", "")


def onnx_model(c: Conv, seed: int, constant_filter: bool = True) -> onnx.ModelProto:
    rng = np.random.default_rng(seed)
    inputs = [helper.make_tensor_value_info("x", TensorProto.FLOAT, list(c.x))]
    fan_in = int(np.prod(c.w[1:]))
    w = (rng.uniform(-1, 1, c.w) / np.sqrt(fan_in)).astype(np.float32)
    inits = []
    if constant_filter:
        inits.append(numpy_helper.from_array(w, "w"))
    else:
        inputs.append(helper.make_tensor_value_info("w", TensorProto.FLOAT, list(c.w)))
    conv_inputs = ["x", "w"]
    if c.bias:
        inits.append(numpy_helper.from_array(rng.uniform(-0.5, 0.5, c.cout).astype(np.float32), "b"))
        conv_inputs.append("b")
    nodes = [helper.make_node("Conv", conv_inputs, ["conv"], kernel_shape=list(c.kernel),
                              strides=list(c.strides), pads=list(c.pads),
                              dilations=list(c.dilations), group=c.group, name="conv")]
    last = "conv"
    if c.residual:
        inputs.append(helper.make_tensor_value_info("r", TensorProto.FLOAT, list(c.y)))
        nodes.append(helper.make_node("Add", [last, "r"], ["sum"], name="add"))
        last = "sum"
    if c.activation == "relu":
        nodes.append(helper.make_node("Relu", [last], ["act"], name="relu"))
        last = "act"
    elif c.activation == "clip":
        inits += [numpy_helper.from_array(np.array(-0.25, np.float32), "lo"),
                  numpy_helper.from_array(np.array(0.5, np.float32), "hi")]
        nodes.append(helper.make_node("Clip", [last, "lo", "hi"], ["act"], name="clip"))
        last = "act"
    out = helper.make_tensor_value_info(last, TensorProto.FLOAT, list(c.y))
    model = helper.make_model(helper.make_graph(nodes, "g", inputs, [out], inits),
                              opset_imports=[helper.make_opsetid("", 17)])
    onnx.checker.check_model(model)
    return model


def feeds_for(model: onnx.ModelProto, seed: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed + 1000)
    inits = {i.name for i in model.graph.initializer}
    return {i.name: rng.standard_normal([d.dim_value for d in i.type.tensor_type.shape.dim]
                                        ).astype(np.float32)
            for i in model.graph.input if i.name not in inits}


def ort_run(model: onnx.ModelProto, feeds: dict[str, np.ndarray]) -> np.ndarray:
    opts = ort.SessionOptions()
    opts.log_severity_level = 3
    session = ort.InferenceSession(model.SerializeToString(), opts,
                                   providers=["CPUExecutionProvider"])
    return session.run(None, feeds)[0]


def assert_matches(got: np.ndarray, want: np.ndarray, what: str) -> None:
    assert got.shape == want.shape, what
    np.testing.assert_allclose(got, want, rtol=1e-3, atol=1e-4 * float(np.abs(want).max()),
                               err_msg=what)


def kernel_conv(c: Conv) -> kernel.ConvOp:
    """The kernel.conv this model's Conv becomes (to ask the schedule rules about it)."""
    def mem(shape) -> str:
        return "memref<" + "x".join(map(str, shape)) + "xf32>"

    def arr(values) -> str:
        return "array<i64: " + ", ".join(map(str, values)) + ">"

    text = (f"func.func @k(%x: {mem(c.x)}, %w: {mem(c.w)}, %y: {mem(c.y)}) {{\n"
            f"kernel.conv %x, %w -> %y {{strides = {arr(c.strides)}, pads = {arr(c.pads)}, "
            f"dilations = {arr(c.dilations)}, group = {c.group} : i64}} : "
            f"{mem(c.x)}, {mem(c.w)} -> {mem(c.y)}\nfunc.return\n}}")
    return next(op for op in Parser(make_context(), text).parse_module().walk()
                if isinstance(op, kernel.ConvOp))


def valid_for(c: Conv, algorithm: str) -> bool:
    """The schedule rules' verdict: does the conv's space hold a schedule of `algorithm`?"""
    if algorithm == "direct":
        return True
    op = kernel_conv(c)
    return any(isinstance(s, ConvSchedule) and s.algorithm in CONV_ALGORITHM_CHOICES[algorithm]
               for s in space(op))


def assert_algorithm_used(c: Conv, algorithm: str, schedules: dict, valid: bool,
                          policy: str = "heuristic") -> None:
    """The kernels left by the compile are those of `algorithm` when it is valid; when it is
    not, the heuristic policy keeps one plain conv kernel, and the random policy draws from the
    whole space (any algorithm but the forced one can show up)."""
    names = sorted(schedules)
    convs = [s["schedule"] for n, s in schedules.items() if n.startswith("conv_")]
    what = (str(c), algorithm, policy, names, convs)
    if algorithm != "direct" and valid:
        for prefix in MARKERS[algorithm]:
            assert any(n.startswith(prefix) for n in names), what
        others = tuple(p for a, ps in MARKERS.items() if a != algorithm for p in ps
                       if p != "matmul_")
        assert not any(n.startswith(others) for n in names), what
        # the conv kernel left over is the one the rewrite builds (pointwise / tiled), if any
        assert {s["algorithm"] for s in convs} in LEFTOVER_CONVS[algorithm], what
    elif algorithm == "direct" or policy == "heuristic":  # one plain conv kernel
        assert not any(n.startswith(EXPANDED_KINDS) for n in names), what
        assert len(convs) == 1, what
        assert convs[0]["algorithm"] in ("direct", "tiled", "pointwise", "packed"), what
    else:
        assert not any(n.startswith(MARKERS[algorithm][0]) for n in names), what


def compile_and_check(c: Conv, algorithm: str, options: CompileOptions, seed: int,
                      schedules: str = "heuristic", check_used: bool = True) -> dict:
    model = onnx_model(c, seed)
    feeds = feeds_for(model, seed)
    want = ort_run(model, feeds)
    opts = CompileOptions(cache_dir=options.cache_dir, jobs=options.jobs, schedules=schedules,
                          conv_algorithm=algorithm)
    program, report = compile_model(model, opts)
    (got,) = CompiledModel(program).run(feeds)
    assert_matches(got, want, f"{c} --conv-algorithm {algorithm} ({schedules})")
    if check_used:
        assert_algorithm_used(c, algorithm, report.info["schedules"], valid_for(c, algorithm),
                              schedules)
    return report.info["schedules"]


# ----------------------------------------------------------------------------- the shapes

FIXED = [
    # winograd-valid: 3x3 stride 1, ungrouped, >= 4 output channels
    Conv((1, 3, 9, 20), 16, (3, 3), pads=(1, 1, 1, 1), activation="relu"),
    Conv((2, 5, 14, 19), 17, (3, 3), residual=True, activation="relu"),
    Conv((1, 5, 7, 7), 32, (3, 3), pads=(1, 1, 1, 1), bias=False),
    Conv((3, 2, 6, 11), 8, (3, 3), pads=(0, 1, 2, 0), activation="clip"),
    Conv((1, 4, 3, 3), 4, (3, 3), pads=(1, 1, 1, 1), residual=True),
    # strided, asymmetric pads, dilations, groups
    Conv((2, 4, 11, 23), 6, (3, 3), strides=(2, 2), pads=(1, 0, 2, 1), group=2),
    Conv((1, 3, 30, 40), 7, (11, 11), strides=(4, 4), activation="relu"),
    Conv((1, 2, 20, 37), 16, (7, 7), strides=(2, 2), pads=(3, 3, 3, 3), activation="relu"),
    Conv((1, 2, 13, 29), 16, (3, 3), pads=(2, 2, 2, 2), dilations=(2, 2)),
    Conv((1, 3, 10, 21), 4, (3, 5), strides=(2, 3), pads=(1, 2, 0, 1), dilations=(1, 2)),
    Conv((1, 8, 12, 33), 8, (3, 3), pads=(1, 1, 1, 1), group=8, residual=True, activation="clip"),
    Conv((2, 6, 9, 40), 6, (5, 3), strides=(2, 2), pads=(0, 2, 1, 0), dilations=(1, 2), group=3),
    Conv((1, 4, 8, 24), 12, (1, 1), activation="relu"),
    Conv((1, 4, 9, 33), 6, (1, 1), strides=(2, 2), bias=False),
    Conv((1, 3, 17, 17), 5, (1, 7), pads=(0, 3, 0, 3), residual=True),
    Conv((2, 2, 15, 9), 3, (7, 1), strides=(3, 1), pads=(3, 0, 3, 0)),
]


def random_conv(rng: random.Random) -> Conv:
    """A random valid conv, a third of them in Winograd's domain (3x3 stride 1 ungrouped)."""
    while True:
        batch = rng.randint(1, 3)
        if rng.random() < 0.33:
            cin, cout = rng.randint(1, 6), rng.choice([4, 8, 12, 16, 17, 24])
            kernel_hw, strides, dilations, group = (3, 3), (1, 1), (1, 1), 1
            pads = rng.choice([(0, 0, 0, 0), (1, 1, 1, 1), (1, 0, 0, 1), (2, 1, 0, 2)])
        else:
            group = rng.choice([1, 1, 1, 2, 3, "dw"])
            cin = rng.randint(1, 4) * (1 if group == "dw" else group)
            if group == "dw":
                cin = rng.randint(2, 8)
                group = cin
            cout = group * rng.randint(1, 4)
            kernel_hw = (rng.randint(1, 7), rng.randint(1, 7))
            strides = (rng.randint(1, 4), rng.randint(1, 4))
            dilations = (rng.choice([1, 1, 2]), rng.choice([1, 1, 2, 3]))
            pads = tuple(rng.randint(0, min(3, k - 1)) for k in (*kernel_hw, *kernel_hw))
        h, w = rng.randint(3, 17), rng.randint(3, 41)
        c = Conv((batch, cin, h, w), cout, kernel_hw, strides, pads, dilations, group,
                 bias=rng.random() < 0.7, residual=rng.random() < 0.3,
                 activation=rng.choice([None, "relu", "clip"]))
        if min(c.y[2:]) >= 1:
            return c


def sweep(seed: int, count: int) -> list[Conv]:
    rng = random.Random(seed)
    return [random_conv(rng) for _ in range(count)]


DEFAULT = FIXED + sweep(2024, 10)  # the slow sweep (`-m slow`) has 80 more
SLOW = sweep(7, 80)


def test_the_sweep_covers_every_algorithm() -> None:
    """Each forced algorithm is valid for several convs of the default sweep and invalid for
    several others (so both the rewrite and the fallback are exercised)."""
    for algorithm in ("im2col", "im2win", "winograd"):
        verdicts = [valid_for(c, algorithm) for c in DEFAULT]
        invalid = 1 if algorithm == "im2col" else 3  # im2col: all but 1x1 stride-1 convs
        assert sum(verdicts) >= 5 and len(verdicts) - sum(verdicts) >= invalid, algorithm


@pytest.mark.parametrize("algorithm", ALGORITHMS)
@pytest.mark.parametrize("case", range(len(DEFAULT)), ids=[str(c) for c in DEFAULT])
def test_forced_algorithm(case: int, algorithm: str, options: CompileOptions) -> None:
    compile_and_check(DEFAULT[case], algorithm, options, seed=case)


RANDOM_CASES = [0, 1, 3, 5, 7, 9, 10, 14, len(FIXED), len(FIXED) + 1]


@pytest.mark.parametrize("algorithm", ("auto", *ALGORITHMS))
@pytest.mark.parametrize("case", RANDOM_CASES, ids=[str(DEFAULT[i]) for i in RANDOM_CASES])
def test_random_schedules(case: int, algorithm: str, options: CompileOptions) -> None:
    """schedules="random": a random legal schedule of the whole space (auto) or of the forced
    algorithm's schedules; the forced algorithm must still be the one used."""
    c = DEFAULT[case]
    schedules = compile_and_check(c, algorithm, options, seed=100 + case, schedules="random",
                                  check_used=algorithm != "auto")
    if algorithm == "auto":  # whatever was drawn, the kernels are consistent with it
        names = set(schedules)
        if any(n.startswith("winograd_input_") for n in names):
            assert valid_for(c, "winograd")
        if any(n.startswith("im2win_") for n in names):
            assert valid_for(c, "im2win")


def test_random_schedules_reach_the_new_algorithms(options: CompileOptions) -> None:
    """Over a few winograd-valid convs, random schedules over the whole space pick rewrites."""
    seen: set[str] = set()
    for i, c in enumerate(FIXED[:5]):
        names = compile_and_check(c, "auto", options, seed=200 + i, schedules="random",
                                  check_used=False)
        seen |= {n.rsplit("_", 1)[0] for n in names}
    assert seen & {"im2col", "im2win", "winograd_input"}, seen


@pytest.mark.slow
@pytest.mark.parametrize("algorithm", ALGORITHMS)
@pytest.mark.parametrize("case", range(len(SLOW)), ids=[str(c) for c in SLOW])
def test_forced_algorithm_large_sweep(case: int, algorithm: str, options: CompileOptions) -> None:
    compile_and_check(SLOW[case], algorithm, options, seed=500 + case)
    compile_and_check(SLOW[case], algorithm, options, seed=900 + case, schedules="random")


# ----------------------------------------------------------------------------- fallbacks


@pytest.mark.parametrize("algorithm, c, seed", [
    # Winograd needs the filter at compile time
    ("winograd", Conv((1, 3, 8, 20), 16, (3, 3), pads=(1, 1, 1, 1), bias=True,
                      activation="relu"), 3),
    # so does im2win with phases (width stride 2): the per-phase filter needs values
    ("im2win", Conv((1, 3, 9, 40), 8, (3, 3), strides=(2, 2), pads=(1, 1, 1, 1)), 4),
], ids=["winograd", "strided_im2win"])
def test_filter_from_a_graph_input_falls_back(algorithm: str, c: Conv, seed: int,
                                              options: CompileOptions) -> None:
    """A filter that is a graph input keeps the conv (heuristic schedule) and still computes
    the right thing."""
    assert valid_for(c, algorithm)
    model = onnx_model(c, seed=seed, constant_filter=False)
    feeds = feeds_for(model, seed)
    want = ort_run(model, feeds)
    program, report = compile_model(model, CompileOptions(
        cache_dir=options.cache_dir, jobs=options.jobs, schedules="heuristic",
        conv_algorithm=algorithm))
    (got,) = CompiledModel(program).run(feeds)
    assert_matches(got, want, f"{algorithm} with a run-time filter")
    assert_algorithm_used(c, algorithm, report.info["schedules"], valid=False)


def test_stride1_im2win_filter_from_a_graph_input_is_rewritten(options: CompileOptions) -> None:
    """At width stride 1 im2win only views the filter, so a run-time filter is fine."""
    c = Conv((1, 3, 8, 20), 16, (3, 3), pads=(1, 1, 1, 1), residual=True, activation="relu")
    model = onnx_model(c, seed=5, constant_filter=False)
    feeds = feeds_for(model, 5)
    want = ort_run(model, feeds)
    for algorithm in ("im2col", "im2win"):
        program, report = compile_model(model, CompileOptions(
            cache_dir=options.cache_dir, jobs=options.jobs, schedules="heuristic",
            conv_algorithm=algorithm))
        (got,) = CompiledModel(program).run(feeds)
        assert_matches(got, want, f"{algorithm} with a run-time filter")
        assert_algorithm_used(c, algorithm, report.info["schedules"], valid=True)


# ----------------------------------------------------------------------------- memory plan


def buffer_offsets(module) -> list[tuple[tuple[int, ...], int | None]]:
    main = next(op for op in module.walk() if getattr(op, "sym_name", None) is not None
                and op.sym_name.data == "main")
    found = []
    for op in main.walk():
        if isinstance(op, kernel.BufferOp):
            offset = op.offset
            found.append((kernel.shape(op.results[0]), None if offset is None
                          else offset.value.data))
    return found


@pytest.mark.parametrize("algorithm,shape", [
    ("im2win", (1, 9, 9, 22)),  # C*KH*P = 3*3*1 rows, OW + reach = 20 + 2
    ("im2col", (1, 27, 9, 20)),
    ("winograd", (36, 15, 3)),  # F(4x4): 3 x 5 tiles of the 9 x 20 output, 3 channels
])
def test_rewrite_buffers_are_in_the_arena(algorithm: str, shape, options: CompileOptions) -> None:
    """The schedule stage places the rewrite's buffers (window tensor, columns, V and M) in the
    arena: each has an offset, fits, and the compiled model's arena holds it."""
    c = Conv((1, 3, 9, 20), 16, (3, 3), pads=(1, 1, 1, 1), activation="relu")
    model = onnx_model(c, seed=6)
    opts = CompileOptions(cache_dir=options.cache_dir, jobs=options.jobs, schedules="heuristic",
                          conv_algorithm=algorithm)
    comp = compile_to_stage(model, "schedule", opts)
    buffers = buffer_offsets(comp.module)
    arena = next(op for op in comp.module.walk() if getattr(op, "sym_name", None) is not None
                 and op.sym_name.data == "main").attributes["tcc.arena_size"].value.data
    assert shape in [s for s, _ in buffers], buffers
    for s, offset in buffers:
        assert offset is not None and offset >= 0, (s, buffers)
        assert offset + 4 * int(np.prod(s)) <= arena, (s, offset, arena)
    program, report = compile_model(model, opts)
    assert report.info["memory_plan"]["arena_bytes"] >= 4 * int(np.prod(shape))
    feeds = feeds_for(model, 6)
    (got,) = CompiledModel(program).run(feeds)
    assert_matches(got, ort_run(model, feeds), f"{algorithm} arena")


@pytest.mark.parametrize("stage", ["kernels", "schedule"])
@pytest.mark.parametrize("algorithm", ["im2col", "im2win", "winograd"])
def test_interpreted_stages(stage: str, algorithm: str, options: CompileOptions) -> None:
    """The reference interpreter on the rewritten IR: each kernel by its numpy rule (kernels)
    and in one arena laid out by the memory plan (schedule), against onnxruntime; two
    rewritten convs in a row so the arena is shared."""
    rng = np.random.default_rng(8)
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3, 8, 18])
    inits = [numpy_helper.from_array(rng.uniform(-0.3, 0.3, (16, 3, 3, 3)).astype(np.float32), "w1"),
             numpy_helper.from_array(rng.uniform(-0.3, 0.3, (16, 16, 3, 3)).astype(np.float32), "w2"),
             numpy_helper.from_array(rng.uniform(-0.3, 0.3, 16).astype(np.float32), "b")]
    nodes = [helper.make_node("Conv", ["x", "w1", "b"], ["c1"], pads=[1, 1, 1, 1]),
             helper.make_node("Relu", ["c1"], ["r1"]),
             helper.make_node("Conv", ["r1", "w2"], ["c2"], pads=[1, 1, 1, 1]),
             helper.make_node("Add", ["c2", "r1"], ["y"])]
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 16, 8, 18])
    model = helper.make_model(helper.make_graph(nodes, "g", [x], [y], inits),
                              opset_imports=[helper.make_opsetid("", 17)])
    feeds = {"x": rng.standard_normal((2, 3, 8, 18)).astype(np.float32)}
    opts = CompileOptions(cache_dir=options.cache_dir, jobs=options.jobs, schedules="heuristic",
                          conv_algorithm=algorithm)
    text = module_text(compile_to_stage(model, "kernels", opts).module)
    assert all(marker.rstrip("_") in text for marker in MARKERS[algorithm]), algorithm
    got = interp.run(model, feeds, stage=stage, options=opts)["y"]
    assert_matches(got, ort_run(model, feeds), f"{algorithm} interpreted at {stage}")


# ----------------------------------------------------------------------------- other convs


def one_node_model(node: onnx.NodeProto, shapes: dict[str, list[int]], inits: dict[str, np.ndarray],
                   out_shape: list[int]) -> onnx.ModelProto:
    inputs = [helper.make_tensor_value_info(n, TensorProto.FLOAT, s) for n, s in shapes.items()]
    graph = helper.make_graph(
        [node], "g", inputs, [helper.make_tensor_value_info("y", TensorProto.FLOAT, out_shape)],
        [numpy_helper.from_array(v, k) for k, v in inits.items()])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


@pytest.mark.parametrize("algorithm", ALGORITHMS)
@pytest.mark.parametrize("rank", [1, 3])
def test_non_2d_convs_keep_a_plain_kernel(rank: int, algorithm: str,
                                          options: CompileOptions) -> None:
    """Every rewrite needs a 2-d conv: 1-d and 3-d convs keep one conv kernel and match."""
    rng = np.random.default_rng(rank)
    spatial = [21] if rank == 1 else [5, 6, 7]
    kernel_shape = [3] * rank
    w = rng.uniform(-0.3, 0.3, (16, 4, *kernel_shape)).astype(np.float32)
    out = [1, 16, *spatial]
    model = one_node_model(helper.make_node("Conv", ["x", "w"], ["y"], pads=[1] * 2 * rank),
                           {"x": [1, 4, *spatial]}, {"w": w}, out)
    feeds = feeds_for(model, rank)
    program, report = compile_model(model, CompileOptions(
        cache_dir=options.cache_dir, jobs=options.jobs, schedules="heuristic",
        conv_algorithm=algorithm))
    (got,) = CompiledModel(program).run(feeds)
    assert_matches(got, ort_run(model, feeds), f"{rank}-d conv, {algorithm}")
    names = list(report.info["schedules"])
    assert not any(n.startswith(EXPANDED_KINDS) for n in names), names


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_auto_pad_same_upper_strided(algorithm: str, options: CompileOptions) -> None:
    """auto_pad SAME_UPPER with stride 2 gives asymmetric pads (more at the end)."""
    rng = np.random.default_rng(9)
    w = rng.uniform(-0.3, 0.3, (16, 3, 3, 3)).astype(np.float32)
    model = one_node_model(
        helper.make_node("Conv", ["x", "w"], ["y"], auto_pad="SAME_UPPER", strides=[2, 2]),
        {"x": [2, 3, 10, 40]}, {"w": w}, [2, 16, 5, 20])
    feeds = feeds_for(model, 9)
    program, report = compile_model(model, CompileOptions(
        cache_dir=options.cache_dir, jobs=options.jobs, schedules="heuristic",
        conv_algorithm=algorithm))
    (got,) = CompiledModel(program).run(feeds)
    assert_matches(got, ort_run(model, feeds), f"SAME_UPPER stride 2, {algorithm}")
    c = Conv((2, 3, 10, 40), 16, (3, 3), strides=(2, 2), pads=(0, 0, 1, 1), bias=False)
    assert c.y == (2, 16, 5, 20)
    assert_algorithm_used(c, algorithm, report.info["schedules"], valid_for(c, algorithm))


@pytest.mark.parametrize("first,second,kinds", [
    ("im2win", "im2col", {"im2win", "im2col", "conv"}),  # the 1x3 window conv -> im2col
    ("im2win", "im2win", {"im2win", "conv"}),  # the window conv's own window
    ("im2col", "im2win", {"im2col", "conv"}),  # a 1x1 conv: im2win is not valid, unchanged
    ("winograd", "im2col", {"winograd_input", "matmul", "winograd_output"}),  # no conv left
])
def test_rewrites_compose(first: str, second: str, kinds: set[str],
                          options: CompileOptions) -> None:
    """The conv a rewrite leaves is an ordinary scheduled conv: choosing again with another
    forced algorithm (an extra kernels-stage pass) rewrites it once more, same result."""
    c = Conv((1, 3, 9, 40), 16, (3, 3), pads=(1, 1, 1, 1), residual=True, activation="relu")
    model = onnx_model(c, seed=11)
    feeds = feeds_for(model, 11)
    again = (f"choose-schedules{{override=true conv_algorithm={second}}},"
             "conv-to-im2col,conv-to-im2win,conv-to-winograd")
    program, report = compile_model(model, CompileOptions(
        cache_dir=options.cache_dir, jobs=options.jobs, schedules="heuristic",
        conv_algorithm=first, passes=(("kernels", again),), plugins=PluginSettings(autoload=False)))
    (got,) = CompiledModel(program).run(feeds)
    assert_matches(got, ort_run(model, feeds), f"{first} then {second}")
    names = list(report.info["schedules"])
    assert {n.rsplit("_", 1)[0] for n in names} == kinds, names
    if first == second:
        assert sum(n.startswith("im2win_") for n in names) == 2, names
