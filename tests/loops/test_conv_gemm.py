"""kernel.conv (1-D/2-D/3-D, strides, dilations, asymmetric pads, groups, bias+residual+relu)
and kernel.gemm (all transposes, alpha/beta, every C broadcast shape) against numpy."""

from __future__ import annotations

import numpy as np
import pytest

RNG = np.random.default_rng(1)


def rand(*shape: int) -> np.ndarray:
    return RNG.standard_normal(shape).astype(np.float32)


def ints(values) -> str:
    return "array<i64: " + ", ".join(str(v) for v in values) + ">"


def conv_reference(x, w, strides, pads, dilations, group):
    s = x.ndim - 2
    xp = np.pad(x.astype(np.float64), [(0, 0), (0, 0)] + [(pads[d], pads[s + d]) for d in range(s)])
    k = w.shape[2:]
    out = [(xp.shape[2 + d] - dilations[d] * (k[d] - 1) - 1) // strides[d] + 1 for d in range(s)]
    cin_g, cout_g = w.shape[1], w.shape[0] // group
    y = np.zeros((x.shape[0], w.shape[0], *out))
    for g in range(group):
        xs, ws = xp[:, g * cin_g:(g + 1) * cin_g], w[g * cout_g:(g + 1) * cout_g]
        for tap in np.ndindex(*k):
            window = tuple(slice(tap[d] * dilations[d],
                                 tap[d] * dilations[d] + strides[d] * (out[d] - 1) + 1, strides[d])
                           for d in range(s))
            patch = xs[(slice(None), slice(None), *window)]
            y[:, g * cout_g:(g + 1) * cout_g] += np.einsum(
                "nc...,oc->no...", patch, ws[(slice(None), slice(None), *tap)])
    return y


CONV_CASES = {
    # name: (x shape, w shape, strides, pads, dilations, group)
    "1d": ((2, 3, 9), (4, 3, 3), [1], [1, 0], [1], 1),
    "2d_pad1": ((1, 3, 6, 7), (4, 3, 3, 3), [1, 1], [1, 1, 1, 1], [1, 1], 1),
    "2d_stride2_asym": ((1, 2, 7, 8), (3, 2, 3, 2), [2, 2], [0, 1, 2, 0], [1, 1], 1),
    "2d_dilation2": ((1, 2, 8, 8), (2, 2, 3, 3), [1, 1], [2, 2, 2, 2], [2, 2], 1),
    "2d_group2": ((1, 4, 5, 5), (6, 2, 3, 3), [1, 1], [1, 1, 1, 1], [1, 1], 2),
    "2d_depthwise_stride2": ((2, 3, 7, 7), (3, 1, 3, 3), [2, 2], [1, 1, 1, 1], [1, 1], 3),
    "2d_1x1": ((1, 5, 4, 4), (3, 5, 1, 1), [1, 1], [0, 0, 0, 0], [1, 1], 1),
    "3d": ((1, 2, 4, 5, 5), (3, 2, 2, 3, 3), [1, 2, 1], [0, 1, 1, 1, 0, 1], [1, 1, 2], 1),
    "kernel_larger_than_input": ((1, 1, 2, 2), (1, 1, 3, 3), [1, 1], [1, 1, 1, 1], [1, 1], 1),
}


@pytest.mark.parametrize("case", CONV_CASES, ids=list(CONV_CASES))
def test_conv(run_kernel, case):
    xs, ws, strides, pads, dilations, group = CONV_CASES[case]
    x, w = rand(*xs), rand(*ws)
    ref = conv_reference(x, w, strides, pads, dilations, group)
    attrs = (f"{{strides = {ints(strides)}, pads = {ints(pads)}, dilations = {ints(dilations)}, "
             f"group = {group} : i64}}")
    op = f"kernel.conv %a0, %a1 -> %a2 {attrs} : $0, $1 -> $2"
    out = run_kernel(op, [x, w, np.zeros(ref.shape, np.float32)])
    np.testing.assert_allclose(out, ref, rtol=1e-4, atol=1e-5)


def test_conv_bias_residual_relu(run_kernel):
    x, w, b = rand(1, 4, 5, 6), rand(4, 2, 3, 3), rand(4)
    ref = conv_reference(x, w, [1, 1], [1, 1, 1, 1], [1, 1], 2)
    r = rand(*ref.shape)
    ref = np.maximum(ref + b[None, :, None, None] + r, 0)
    attrs = ('{strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, '
             'dilations = array<i64: 1, 1>, group = 2 : i64, activation = "relu"}')
    op = (f"kernel.conv %a0, %a1 bias %a2 residual %a3 -> %a4 {attrs} : "
          "$0, $1 bias $2 residual $3 -> $4")
    out = run_kernel(op, [x, w, b, r, np.zeros(ref.shape, np.float32)])
    np.testing.assert_allclose(out, ref, rtol=1e-4, atol=1e-5)


GEMM_C_SHAPES = [None, (5,), (1, 5), (3, 1), (3, 5), (1,), (1, 1)]


@pytest.mark.parametrize("trans_a", [0, 1])
@pytest.mark.parametrize("trans_b", [0, 1])
def test_gemm_transposes(run_kernel, trans_a, trans_b):
    m, k, n = 3, 4, 5
    a = rand(k, m) if trans_a else rand(m, k)
    b = rand(n, k) if trans_b else rand(k, n)
    c = rand(1, 5)
    ref = 0.5 * ((a.T if trans_a else a) @ (b.T if trans_b else b)) + 2.0 * c
    attrs = (f"{{trans_a = {trans_a} : i64, trans_b = {trans_b} : i64, "
             "alpha = 0.5 : f32, beta = 2.0 : f32}")
    op = f"kernel.gemm %a0, %a1 bias %a2 -> %a3 {attrs} : $0, $1 bias $2 -> $3"
    out = run_kernel(op, [a, b, c, np.zeros((m, n), np.float32)])
    np.testing.assert_allclose(out, ref, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("c_shape", GEMM_C_SHAPES, ids=str)
@pytest.mark.parametrize("trans_b", [0, 1])
def test_gemm_bias_broadcast_relu(run_kernel, c_shape, trans_b):
    a, b = rand(3, 4), (rand(5, 4) if trans_b else rand(4, 5))
    ref = a @ (b.T if trans_b else b)
    args = [a, b]
    bias = ""
    types = "$0, $1"
    if c_shape is not None:
        c = rand(*c_shape)
        ref = ref + 1.5 * c
        args.append(c)
        bias, types = "bias %a2 ", "$0, $1 bias $2"
    ref = np.maximum(ref, 0)
    out_index = len(args)
    attrs = (f'{{trans_a = 0 : i64, trans_b = {trans_b} : i64, alpha = 1.0 : f32, '
             'beta = 1.5 : f32, '
             f'activation = "relu"}}')
    op = f"kernel.gemm %a0, %a1 {bias}-> %a{out_index} {attrs} : {types} -> ${out_index}"
    out = run_kernel(op, [*args, np.zeros((3, 5), np.float32)])
    np.testing.assert_allclose(out, ref, rtol=1e-5, atol=1e-5)
