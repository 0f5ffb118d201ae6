"""The kernels the convolution-algorithm passes introduce (`kernel.im2col`, `kernel.im2win`,
`kernel.winograd_input`, `kernel.winograd_output`), each run three ways: lowered to loops and
run natively, lowered and interpreted (`run_kernel`), and interpreted at the kernel level
(`tcompiler.interp.kernel`'s rules, unlowered). Each is checked against an independent numpy
loop over the index maps of `tcompiler/kernels/conv_math.py`, and the chain the rewrite builds
(transform + the conv, matmul or output transform after it) against a float64 direct
convolution, over strides, pads (asymmetric, larger than the kernel reach), dilations, groups,
odd sizes and batch 2. Then the verifiers' errors for bad shapes and attributes."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pytest
from xdsl.parser import Parser
from xdsl.utils.exceptions import VerifyException

from tcompiler.context import make_context
from tcompiler.interp import interpret
from tcompiler.kernels import conv_math

from .conftest import _native_available, build, memref, run_interpreter, run_native  # noqa: TID252
from .test_conv_gemm import conv_reference  # noqa: TID252


def ints(values) -> str:
    return "array<i64: " + ", ".join(map(str, values)) + ">"


def rand(seed: int, *shape: int) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


def run_unlowered(op_text: str, arrays: list[np.ndarray]) -> None:
    """The kernel op interpreted as it is (the interpreter's kernel-level rule)."""
    for i in reversed(range(len(arrays))):
        op_text = op_text.replace(f"${i}", memref(arrays[i].shape))
    args = ", ".join(f"%a{i}: {memref(a.shape)}" for i, a in enumerate(arrays))
    text = f"func.func @kernel({args}) attributes {{tcc.kernel}} {{\n{op_text}\nfunc.return\n}}"
    module = Parser(make_context(), text).parse_module()
    module.verify()
    outputs = interpret(module, {f"arg{i}": a for i, a in enumerate(arrays)})
    arrays[-1][...] = outputs[f"arg{len(arrays) - 1}"]


@pytest.fixture(params=["native", "interpreter", "kernel-rule"])
def run_any(request: pytest.FixtureRequest) -> Callable[[str, list[np.ndarray]], np.ndarray]:
    """`run_kernel` (tests/loops/conftest.py) plus the unlowered kernel-level interpreter."""
    if request.param == "native" and not _native_available():
        pytest.skip("tcompiler.codegen native path not available")

    def run(op_text: str, args: list[np.ndarray]) -> np.ndarray:
        arrays = [np.ascontiguousarray(a, dtype=np.float32).copy() for a in args]
        if request.param == "kernel-rule":
            run_unlowered(op_text, arrays)
        else:
            lowered = build(op_text, [a.shape for a in arrays])
            (run_native if request.param == "native" else run_interpreter)(lowered, arrays)
        return arrays[-1]

    return run


def out_size(size: int, k: int, s: int, pad_total: int, d: int) -> int:
    return (size + pad_total - d * (k - 1) - 1) // s + 1


def window_attrs(k, s, p, d) -> str:
    return (f"kernel_shape = {ints(k)}, strides = {ints(s)}, pads = {ints(p)}, "
            f"dilations = {ints(d)}")


# ----------------------------------------------------------------------------- references


def im2col_loops(x: np.ndarray, k, s, p, d) -> np.ndarray:
    """cols[n, (c*KH + kh)*KW + kw, oh, ow] = X[n, c, oh*sh + kh*dh - pt, ow*sw + kw*dw - pl]."""
    n, c, h, w = x.shape
    oh_n, ow_n = out_size(h, k[0], s[0], p[0] + p[2], d[0]), out_size(w, k[1], s[1], p[1] + p[3], d[1])
    out = np.full((n, c * k[0] * k[1], oh_n, ow_n), np.nan, np.float32)
    for ci in range(c):
        for kh in range(k[0]):
            for kw in range(k[1]):
                r = (ci * k[0] + kh) * k[1] + kw
                for oh in range(oh_n):
                    for ow in range(ow_n):
                        ih, iw = oh * s[0] + kh * d[0] - p[0], ow * s[1] + kw * d[1] - p[1]
                        inside = 0 <= ih < h and 0 <= iw < w
                        out[:, r, oh, ow] = x[:, ci, ih, iw] if inside else 0.0
    return out


def im2win_taps(kw_n: int, sw: int, dw: int) -> tuple[int, list[tuple[int, int]]]:
    """(phases, [(p, q) per kernel column]) with kw*dw = q*sw + p."""
    phases = 1 if dw % sw == 0 else sw
    return phases, [divmod(kw * dw, sw)[::-1] if phases > 1 else (0, kw * dw // sw)
                    for kw in range(kw_n)]


def im2win_loops(x: np.ndarray, k, s, p, d) -> np.ndarray:
    """win[n, (c*KH + kh)*P + ph, oh, m] = X[n, c, oh*sh + kh*dh - pt, m*sw + ph - pl]."""
    n, c, h, w = x.shape
    oh_n, ow_n = out_size(h, k[0], s[0], p[0] + p[2], d[0]), out_size(w, k[1], s[1], p[1] + p[3], d[1])
    phases, taps = im2win_taps(k[1], s[1], d[1])
    wq = ow_n + max(q for _, q in taps)
    out = np.full((n, c * k[0] * phases, oh_n, wq), np.nan, np.float32)
    for ci in range(c):
        for kh in range(k[0]):
            for ph in range(phases):
                r = (ci * k[0] + kh) * phases + ph
                for oh in range(oh_n):
                    for m in range(wq):
                        ih, iw = oh * s[0] + kh * d[0] - p[0], m * s[1] + ph - p[1]
                        inside = 0 <= ih < h and 0 <= iw < w
                        out[:, r, oh, m] = x[:, ci, ih, iw] if inside else 0.0
    return out


def winograd_input_loops(x: np.ndarray, pads, m: int) -> np.ndarray:
    bt = conv_math.WINOGRAD[m][0]
    alpha = m + 2
    n, c, h, w = x.shape
    th = math.ceil((h + pads[0] + pads[2] - 2) / m)
    tw = math.ceil((w + pads[1] + pads[3] - 2) / m)
    v = np.zeros((alpha * alpha, n * th * tw, c))
    for b in range(n):
        for i in range(th):
            for j in range(tw):
                d = np.zeros((c, alpha, alpha))
                for a in range(alpha):
                    for e in range(alpha):
                        ih, iw = i * m - pads[0] + a, j * m - pads[1] + e
                        if 0 <= ih < h and 0 <= iw < w:
                            d[:, a, e] = x[b, :, ih, iw]
                t = (b * th + i) * tw + j
                v[:, t, :] = np.einsum("ar,crs,es->aec", bt, d, bt).reshape(alpha * alpha, c)
    return v


def winograd_output_loops(mt: np.ndarray, y_shape, m: int) -> np.ndarray:
    at = conv_math.WINOGRAD[m][2]
    alpha = m + 2
    n, k, oh, ow = y_shape
    th, tw = math.ceil(oh / m), math.ceil(ow / m)
    y = np.zeros(y_shape)
    for b in range(n):
        for i in range(th):
            for j in range(tw):
                t = (b * th + i) * tw + j
                tile = mt[:, t, :].astype(np.float64).reshape(alpha, alpha, k)
                out = np.einsum("ia,abk,jb->kij", at, tile, at)  # [K, m, m]
                rows, cols = min(m, oh - i * m), min(m, ow - j * m)
                y[b, :, i * m:i * m + rows, j * m:j * m + cols] = out[:, :rows, :cols]
    return y


def epilogue(y: np.ndarray, bias, residual, activation: str | None) -> np.ndarray:
    if bias is not None:
        y = y + bias[None, :, None, None]
    if residual is not None:
        y = y + residual
    if activation == "relu":
        y = np.maximum(y, 0)
    elif activation == "clip":
        y = np.clip(y, -0.5, 1.5)
    return y


def close(got: np.ndarray, want: np.ndarray, rtol: float = 1e-4) -> None:
    atol = 1e-4 * max(float(np.abs(want).max()), 1.0)
    np.testing.assert_allclose(got, want, rtol=rtol, atol=atol)


# ----------------------------------------------------------------------------- im2col / im2win

WINDOWS = {
    # name: (x shape, kernel, strides, pads (t, l, b, r), dilations)
    "3x3_pad1": ((1, 2, 5, 7), (3, 3), (1, 1), (1, 1, 1, 1), (1, 1)),
    "3x3_stride2_odd": ((2, 3, 9, 11), (3, 3), (2, 2), (1, 1, 1, 1), (1, 1)),
    "5x3_asym_pads": ((1, 2, 8, 10), (5, 3), (1, 2), (2, 0, 1, 3), (1, 1)),
    "dilated_2_3": ((1, 1, 11, 13), (3, 3), (1, 1), (2, 3, 2, 3), (2, 3)),
    "stride3_dilation2": ((2, 2, 9, 17), (2, 3), (2, 3), (0, 2, 1, 0), (1, 2)),
    "stride2_dilation2_one_phase": ((1, 2, 7, 15), (3, 3), (2, 2), (1, 2, 1, 2), (1, 2)),
    "stride4_11x11": ((1, 1, 23, 27), (11, 11), (4, 4), (2, 2, 2, 2), (1, 1)),
    "pads_beyond_reach": ((1, 1, 3, 4), (2, 3), (1, 1), (3, 4, 2, 5), (1, 1)),
    "1x1_stride2": ((1, 3, 6, 9), (1, 1), (2, 2), (0, 0, 0, 0), (1, 1)),
    "7x1": ((2, 2, 10, 5), (7, 1), (1, 1), (3, 0, 3, 0), (1, 1)),
}


@pytest.mark.parametrize("case", sorted(WINDOWS))
def test_im2col(run_any, case: str) -> None:
    xs, k, s, p, d = WINDOWS[case]
    x = rand(1, *xs)
    ref = im2col_loops(x, k, s, p, d)
    assert ref.shape == conv_math.im2col_shape(xs, k, s, p, d)
    op = f"kernel.im2col %a0 -> %a1 {{{window_attrs(k, s, p, d)}}} : $0 -> $1"
    garbage = np.full(ref.shape, 7.0, np.float32)  # padding must be written, not assumed zero
    np.testing.assert_array_equal(run_any(op, [x, garbage]), ref)


@pytest.mark.parametrize("case", sorted(WINDOWS))
def test_im2win(run_any, case: str) -> None:
    xs, k, s, p, d = WINDOWS[case]
    x = rand(2, *xs)
    ref = im2win_loops(x, k, s, p, d)
    assert ref.shape == conv_math.im2win_shape(xs, k, s, p, d)
    op = f"kernel.im2win %a0 -> %a1 {{{window_attrs(k, s, p, d)}}} : $0 -> $1"
    garbage = np.full(ref.shape, 7.0, np.float32)
    np.testing.assert_array_equal(run_any(op, [x, garbage]), ref)


CHAINS = {
    # name: (x shape, w shape, strides, pads, dilations, group, activation)
    "3x3_relu": ((1, 3, 6, 20), (5, 3, 3, 3), (1, 1), (1, 1, 1, 1), (1, 1), 1, "relu"),
    "grouped_strided_clip": ((2, 4, 9, 21), (6, 2, 3, 3), (2, 2), (1, 0, 2, 1), (1, 1), 2, "clip"),
    "depthwise_5x5": ((1, 4, 8, 19), (4, 1, 5, 5), (1, 1), (2, 2, 2, 2), (1, 1), 4, None),
    "stride3_dilation2": ((1, 2, 9, 40), (3, 2, 2, 3), (2, 3), (0, 2, 1, 0), (1, 2), 1, "relu"),
    "dilated_asym": ((2, 2, 11, 24), (7, 2, 3, 3), (1, 1), (2, 3, 2, 3), (2, 3), 1, None),
    "stem_7x7_s2": ((1, 3, 20, 40), (8, 3, 7, 7), (2, 2), (3, 3, 3, 3), (1, 1), 1, "relu"),
}


def chain_case(case: str):
    xs, ws, s, p, d, group, activation = CHAINS[case]
    x, w = rand(3, *xs), rand(4, *ws)
    ref = conv_reference(x, w, list(s), list(p), list(d), group)
    b, r = rand(5, ws[0]), rand(6, *ref.shape)
    return x, w, b, r, s, p, d, group, activation, epilogue(ref, b, r, activation)


def conv_text(strides, pads, dilations, group, activation, schedule) -> str:
    act = {"relu": ', activation = "relu"',
           "clip": ', activation = "clip", clip_min = -0.5 : f32, clip_max = 1.5 : f32',
           None: ""}[activation]
    return (f"kernel.conv %a0, %a1 bias %a2 residual %a3 -> %a4 {{strides = {ints(strides)}, "
            f"pads = {ints(pads)}, dilations = {ints(dilations)}, group = {group} : i64{act}, "
            f"schedule = {schedule}}} : $0, $1 bias $2 residual $3 -> $4")


def tile(algorithm: str, lanes: int, channels: int = 3) -> str:
    return (f'{{family = "conv", algorithm = "{algorithm}", tile_channels = {channels} : i64, '
            f'tile_vectors = 1 : i64, lanes = {lanes} : i64, loop_order = "rows_channels", '
            "ic_block = 0 : i64}")


@pytest.mark.parametrize("case", sorted(CHAINS))
def test_im2col_then_pointwise_is_the_conv(run_any, case: str) -> None:
    """What conv-to-im2col builds: the columns, then a (grouped) 1x1 conv with the filter
    seen as [C_out, C/G*KH*KW, 1, 1], keeping bias, residual and activation."""
    x, w, b, r, s, p, d, group, activation, ref = chain_case(case)
    k = w.shape[2:]
    cols = run_any(f"kernel.im2col %a0 -> %a1 {{{window_attrs(k, s, p, d)}}} : $0 -> $1",
                   [x, np.zeros(conv_math.im2col_shape(x.shape, k, s, p, d), np.float32)])
    filt = w.reshape(w.shape[0], -1, 1, 1)
    y = run_any(conv_text((1, 1), (0, 0, 0, 0), (1, 1), group, activation, tile("pointwise", 4)),
                [cols, filt, b, r, np.zeros(ref.shape, np.float32)])
    close(y, ref)


@pytest.mark.parametrize("case", sorted(CHAINS))
def test_im2win_then_window_conv_is_the_conv(run_any, case: str) -> None:
    """What conv-to-im2win builds: the window tensor, then a stride-1 unpadded 1 x Q conv
    (register-tiled) with the filter re-laid-out per phase (`conv_math.im2win_filter`)."""
    x, w, b, r, s, p, d, group, activation, ref = chain_case(case)
    k = w.shape[2:]
    lanes = 16 if ref.shape[3] >= 16 else 8 if ref.shape[3] >= 8 else 4
    win = run_any(f"kernel.im2win %a0 -> %a1 {{{window_attrs(k, s, p, d)}}} : $0 -> $1",
                  [x, np.zeros(conv_math.im2win_shape(x.shape, k, s, p, d), np.float32)])
    filt, dilation = conv_math.im2win_filter(w, s, d)
    y = run_any(conv_text((1, 1), (0, 0, 0, 0), (1, dilation), group, activation,
                          tile("tiled", lanes)),
                [win, filt, b, r, np.zeros(ref.shape, np.float32)])
    close(y, ref)


def test_im2win_filter_relayout_matches_taps() -> None:
    """Independently of conv_math's own taps: the re-laid-out filter puts W[..., kw] at
    (phase p, column q) with kw*dw = q*sw + p."""
    w = rand(7, 3, 2, 2, 5)
    for sw, dw in ((2, 1), (3, 2), (4, 3), (3, 1), (2, 2), (1, 3)):
        phases, taps = im2win_taps(5, sw, dw)
        filt, dilation = conv_math.im2win_filter(w, (1, sw), (1, dw))
        filt = filt.reshape(3, 2, 2, phases, -1)
        if phases == 1:
            assert dilation == dw // sw
            np.testing.assert_array_equal(filt[:, :, :, 0, :], w)
            continue
        assert dilation == 1
        expected = np.zeros_like(filt)
        for kw, (ph, q) in enumerate(taps):
            expected[:, :, :, ph, q] = w[..., kw]
        np.testing.assert_array_equal(filt, expected)


# ----------------------------------------------------------------------------- winograd

WINOGRAD_CASES = {
    # name: (x shape, C_out, pads, m, bias, residual, activation)
    "f2_no_pad_relu": ((1, 2, 6, 6), 16, (0, 0, 0, 0), 2, True, True, "relu"),
    "f4_asym_batch2": ((2, 3, 7, 9), 16, (1, 0, 0, 1), 4, False, False, "relu"),
    "f4_odd_clip": ((1, 5, 5, 11), 8, (1, 1, 1, 1), 4, True, False, "clip"),
    "f2_pad2_batch2": ((2, 4, 4, 4), 4, (2, 2, 2, 2), 2, False, True, None),
    "f4_single_partial_tile": ((1, 3, 3, 3), 16, (0, 0, 0, 0), 4, True, True, None),
    "f2_odd_asym": ((1, 1, 9, 7), 17, (0, 1, 2, 0), 2, True, False, "clip"),
    "f4_wide": ((1, 2, 6, 37), 16, (1, 1, 1, 1), 4, True, True, "relu"),
    # tiles of 16 channels run the output transform on vectors (a blocked transpose)
    "f4_two_vectors_clip": ((1, 3, 8, 12), 32, (1, 1, 1, 1), 4, True, True, "clip"),
    "f2_three_vectors_batch2": ((2, 2, 6, 6), 48, (0, 0, 0, 0), 2, True, False, "relu"),
    # and so do the tiles at Y's edges, storing only their rows and columns inside Y
    "f4_edges_two_vectors_clip": ((1, 3, 7, 10), 32, (1, 1, 1, 1), 4, True, False, "clip"),
    "f2_edges_residual_batch2": ((2, 2, 5, 7), 16, (1, 1, 1, 1), 2, False, True, "relu"),
    # inputs of 16k channels and rows of 16 or more, as the models' Winograd convs have
    "f4_rows_16_channels": ((1, 16, 9, 21), 16, (1, 1, 1, 1), 4, True, False, "relu"),
    "f2_rows_32_channels_asym": ((2, 32, 5, 18), 16, (0, 1, 2, 0), 2, False, True, None),
    "f4_rows_width_16_pad2": ((1, 16, 4, 16), 32, (2, 2, 2, 2), 4, True, True, "clip"),
}


def winograd_case(case: str):
    xs, cout, pads, m, bias, residual, activation = WINOGRAD_CASES[case]
    x, w = rand(11, *xs), rand(12, cout, xs[1], 3, 3)
    conv = conv_reference(x, w, [1, 1], list(pads), [1, 1], 1)
    b = rand(13, cout) if bias else None
    r = rand(14, *conv.shape) if residual else None
    return x, w, b, r, pads, m, activation, conv, epilogue(conv, b, r, activation)


@pytest.mark.parametrize("case", sorted(WINOGRAD_CASES))
def test_winograd_input(run_any, case: str) -> None:
    x, w, b, r, pads, m, activation, conv, ref = winograd_case(case)
    want = winograd_input_loops(x, pads, m)
    assert want.shape == conv_math.winograd_v_shape(x.shape, pads, m)
    v = run_any(f"kernel.winograd_input %a0 -> %a1 {{tile = {m} : i64, pads = {ints(pads)}}} "
                ": $0 -> $1", [x, np.full(want.shape, 7.0, np.float32)])
    close(v, want, rtol=1e-5)


def winograd_output_op(mt: np.ndarray, b, r, m: int, activation: str | None
                       ) -> tuple[str, list[np.ndarray]]:
    """(the kernel.winograd_output op text, its input arrays) for M `mt` with the epilogue;
    the output is the next argument."""
    operands, types, args = ["%a0"], ["$0"], [mt]
    for name, value in (("bias", b), ("residual", r)):
        if value is not None:
            operands.append(f"{name} %a{len(args)}")
            types.append(f"{name} ${len(args)}")
            args.append(value)
    act = {"relu": ', activation = "relu"',
           "clip": ', activation = "clip", clip_min = -0.5 : f32, clip_max = 1.5 : f32',
           None: ""}[activation]
    n = len(args)
    return (f"kernel.winograd_output {' '.join(operands)} -> %a{n} {{tile = {m} : i64{act}}} : "
            f"{' '.join(types)} -> ${n}", args)


@pytest.mark.parametrize("case", sorted(WINOGRAD_CASES))
def test_winograd_output_epilogue(run_any, case: str) -> None:
    x, w, b, r, pads, m, activation, conv, ref = winograd_case(case)
    alpha = m + 2
    th, tw = math.ceil(conv.shape[2] / m), math.ceil(conv.shape[3] / m)
    mt = rand(15, alpha * alpha, conv.shape[0] * th * tw, conv.shape[1])
    want = epilogue(winograd_output_loops(mt, conv.shape, m), b, r, activation)
    op, args = winograd_output_op(mt, b, r, m, activation)
    y = run_any(op, [*args, np.full(conv.shape, 7.0, np.float32)])
    close(y, want, rtol=1e-5)


@pytest.mark.parametrize("case", sorted(WINOGRAD_CASES))
def test_winograd_chain_is_the_conv(run_any, case: str) -> None:
    """What conv-to-winograd builds: V = input transform, M = V @ U (the tiled batched matmul,
    U = G g G^T at compile time), Y = output transform with the conv's epilogue."""
    x, w, b, r, pads, m, activation, conv, ref = winograd_case(case)
    v_shape = conv_math.winograd_v_shape(x.shape, pads, m)
    v = run_any(f"kernel.winograd_input %a0 -> %a1 {{tile = {m} : i64, pads = {ints(pads)}}} "
                ": $0 -> $1", [x, np.zeros(v_shape, np.float32)])
    u = conv_math.winograd_filter(w, m).astype(np.float32)
    lanes = 16 if w.shape[0] >= 16 else 8 if w.shape[0] >= 8 else 4
    gemm = (f'{{family = "gemm", algorithm = "tiled", tile_channels = 4 : i64, '
            f'tile_vectors = 1 : i64, lanes = {lanes} : i64, k_block = 0 : i64}}')
    mt = run_any(f"kernel.matmul %a0, %a1 -> %a2 {{schedule = {gemm}}} : $0, $1 -> $2",
                 [v, u, np.zeros((v_shape[0], v_shape[1], w.shape[0]), np.float32)])
    op, args = winograd_output_op(mt, b, r, m, activation)
    y = run_any(op, [*args, np.zeros(conv.shape, np.float32)])
    # F(4x4) loses a few more bits than F(2x2) (larger transform coefficients)
    close(y, ref, rtol=1e-3 if m == 4 else 1e-4)


def test_winograd_filter_transform_exact() -> None:
    """U = G g G^T, checked by the 1-d identity of F(m, 3): A^T [(G g) * (B^T d)] = correlation
    of d with g, for every m."""
    rng = np.random.default_rng(0)
    for m, (bt, g, at) in conv_math.WINOGRAD.items():
        d, k = rng.standard_normal(m + 2), rng.standard_normal(3)
        direct = np.array([d[i:i + 3] @ k for i in range(m)])
        np.testing.assert_allclose(at @ ((g @ k) * (bt @ d)), direct, rtol=1e-12, atol=1e-12)


# ----------------------------------------------------------------------------- verifiers


def verify(op_text: str, shapes: list[tuple[int, ...]]) -> None:
    for i in reversed(range(len(shapes))):
        op_text = op_text.replace(f"${i}", memref(shapes[i]))
    args = ", ".join(f"%a{i}: {memref(s)}" for i, s in enumerate(shapes))
    Parser(make_context(), f"func.func @k({args}) {{\n{op_text}\nfunc.return\n}}"
           ).parse_module().verify()


W33 = window_attrs((3, 3), (1, 1), (0, 0, 0, 0), (1, 1))
BAD = {
    "im2col_y_shape": ("kernel.im2col %a0 -> %a1 {" + W33 + "} : $0 -> $1",
                       [(1, 2, 5, 5), (1, 18, 3, 4)],
                       r"kernel.im2col: Y \(1, 18, 3, 4\) must be \(1, 18, 3, 3\)"),
    "im2col_x_rank": ("kernel.im2col %a0 -> %a1 {" + W33 + "} : $0 -> $1",
                      [(2, 5, 5), (1, 18, 3, 3)], r"kernel.im2col: X \(2, 5, 5\) must be 4-d"),
    "im2col_kernel_values": (
        "kernel.im2col %a0 -> %a1 {" + window_attrs((3, 3, 3), (1, 1), (0, 0, 0, 0), (1, 1))
        + "} : $0 -> $1", [(1, 2, 5, 5), (1, 18, 3, 3)], "kernel_shape needs 2 values"),
    "im2col_pads_values": (
        "kernel.im2col %a0 -> %a1 {" + window_attrs((3, 3), (1, 1), (0, 0), (1, 1))
        + "} : $0 -> $1", [(1, 2, 5, 5), (1, 18, 3, 3)], "pads needs 4 values"),
    "im2col_zero_stride": (
        "kernel.im2col %a0 -> %a1 {" + window_attrs((3, 3), (0, 1), (0, 0, 0, 0), (1, 1))
        + "} : $0 -> $1", [(1, 2, 5, 5), (1, 18, 3, 3)], "window attributes must be positive"),
    "im2col_negative_pad": (
        "kernel.im2col %a0 -> %a1 {" + window_attrs((3, 3), (1, 1), (0, -1, 0, 0), (1, 1))
        + "} : $0 -> $1", [(1, 2, 5, 5), (1, 18, 3, 3)], "window attributes must be positive"),
    "im2col_window_too_big": (
        "kernel.im2col %a0 -> %a1 {" + window_attrs((5, 5), (1, 1), (0, 0, 0, 0), (1, 1))
        + "} : $0 -> $1", [(1, 2, 3, 3), (1, 50, 1, 1)], "the window does not fit X"),
    "im2win_no_phases": (  # stride 2: two phases, so C*KH*P = 12 rows, not 6
        "kernel.im2win %a0 -> %a1 {" + window_attrs((3, 3), (2, 2), (1, 1, 1, 1), (1, 1))
        + "} : $0 -> $1", [(1, 2, 6, 20), (1, 6, 3, 11)],
        r"kernel.im2win: Y \(1, 6, 3, 11\) must be \(1, 12, 3, 11\)"),
    "im2win_no_reach": (  # the window is Q - 1 columns wider than the output row
        "kernel.im2win %a0 -> %a1 {" + W33 + "} : $0 -> $1", [(1, 2, 6, 20), (1, 6, 4, 18)],
        r"must be \(1, 6, 4, 20\)"),
    "winograd_input_tile3": (
        "kernel.winograd_input %a0 -> %a1 {tile = 3 : i64, pads = array<i64: 0, 0, 0, 0>} : $0 -> $1",
        [(1, 2, 6, 6), (25, 4, 2)], r"kernel.winograd_input: needs a 4-d X, tile in \(2, 4\)"),
    "winograd_input_3_pads": (
        "kernel.winograd_input %a0 -> %a1 {tile = 2 : i64, pads = array<i64: 0, 0, 0>} : $0 -> $1",
        [(1, 2, 6, 6), (16, 4, 2)], "4 pads >= 0"),
    "winograd_input_too_small": (
        "kernel.winograd_input %a0 -> %a1 {tile = 2 : i64, pads = array<i64: 0, 0, 0, 0>} : $0 -> $1",
        [(1, 2, 2, 6), (16, 2, 2)], "a 3x3 window does not fit X"),
    "winograd_input_y_shape": (
        "kernel.winograd_input %a0 -> %a1 {tile = 4 : i64, pads = array<i64: 1, 1, 1, 1>} : $0 -> $1",
        [(2, 3, 7, 9), (36, 6, 3)], r"Y \(36, 6, 3\) must be \(36, 12, 3\)"),
    "winograd_output_tiles": (
        "kernel.winograd_output %a0 -> %a1 {tile = 2 : i64} : $0 -> $1",
        [(16, 4, 16), (1, 16, 5, 4)], "does not hold the tiles of Y"),
    "winograd_output_channels": (
        "kernel.winograd_output %a0 -> %a1 {tile = 2 : i64} : $0 -> $1",
        [(16, 4, 8), (1, 16, 4, 4)], "does not hold the tiles of Y"),
    "winograd_output_tile": (
        "kernel.winograd_output %a0 -> %a1 {tile = 6 : i64} : $0 -> $1",
        [(64, 1, 16), (1, 16, 6, 6)], "tile in"),
    "winograd_output_bias": (
        "kernel.winograd_output %a0 bias %a1 -> %a2 {tile = 2 : i64} : $0 bias $1 -> $2",
        [(16, 4, 16), (8,), (1, 16, 4, 4)], r"bias must have shape \(16,\)"),
    "winograd_output_residual": (
        "kernel.winograd_output %a0 residual %a1 -> %a2 {tile = 2 : i64} : $0 residual $1 -> $2",
        [(16, 4, 16), (1, 16, 4, 3), (1, 16, 4, 4)], "residual must have the shape of Y"),
    "winograd_output_activation": (
        'kernel.winograd_output %a0 -> %a1 {tile = 2 : i64, activation = "gelu"} : $0 -> $1',
        [(16, 4, 16), (1, 16, 4, 4)], "activation must be one of"),
    "winograd_output_clip_bounds": (
        'kernel.winograd_output %a0 -> %a1 {tile = 2 : i64, activation = "clip"} : $0 -> $1',
        [(16, 4, 16), (1, 16, 4, 4)], "clip_min and clip_max go with activation clip"),
    "winograd_output_stray_clip": (
        "kernel.winograd_output %a0 -> %a1 {tile = 2 : i64, clip_min = 0.0 : f32, "
        "clip_max = 6.0 : f32} : $0 -> $1",
        [(16, 4, 16), (1, 16, 4, 4)], "clip_min and clip_max go with activation clip"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_verifier_errors(case: str) -> None:
    op_text, shapes, message = BAD[case]
    with pytest.raises(VerifyException, match=message):
        verify(op_text, shapes)


def test_good_ops_verify() -> None:
    """The shapes the passes build (conv_math) verify, so the bad ones fail for their reason."""
    verify("kernel.im2col %a0 -> %a1 {" + W33 + "} : $0 -> $1", [(1, 2, 5, 5), (1, 18, 3, 3)])
    verify("kernel.im2win %a0 -> %a1 {" + window_attrs((3, 3), (2, 2), (1, 1, 1, 1), (1, 1))
           + "} : $0 -> $1", [(1, 2, 6, 20), (1, 12, 3, 11)])
    verify("kernel.winograd_input %a0 -> %a1 {tile = 4 : i64, pads = array<i64: 1, 1, 1, 1>} "
           ": $0 -> $1", [(2, 3, 7, 9), (36, 12, 3)])
    verify('kernel.winograd_output %a0 bias %a1 residual %a2 -> %a3 {tile = 2 : i64, '
           'activation = "clip", clip_min = 0.0 : f32, clip_max = 6.0 : f32} : '
           "$0 bias $1 residual $2 -> $3", [(16, 4, 16), (16,), (1, 16, 4, 4), (1, 16, 4, 4)])
