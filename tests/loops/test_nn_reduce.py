"""Loops for the issue-4 kernels (reduce, matmul, conv_transpose, normalize, log-softmax),
run natively and through the reference evaluator, against numpy."""

from __future__ import annotations

import numpy as np
import pytest


def rand(*shape: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).uniform(-2.0, 2.0, shape).astype(np.float32)


@pytest.mark.parametrize("kind, axes, keep", [
    ("sum", (2,), True), ("mean", (0, 2), False), ("max", (1,), True), ("sum", (1, 2), False),
    ("mean", (0, 1, 2), True),
])
def test_reduce(run_kernel, kind, axes, keep) -> None:
    x = rand(2, 3, 4)
    want = {"sum": np.sum, "mean": np.mean, "max": np.max}[kind](x, axis=axes, keepdims=keep)
    attr = ", ".join(str(a) for a in axes)
    got = run_kernel(f'kernel.reduce "{kind}" %a0 -> %a1 {{axes = array<i64: {attr}>}} : $0 -> $1',
                     [x, np.zeros(want.shape, np.float32)])
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("a_shape, b_shape", [
    ((3, 4), (4, 5)), ((2, 1, 3, 4), (3, 4, 2)), ((4,), (2, 4, 3)), ((2, 3, 4), (4,)),
])
def test_matmul(run_kernel, a_shape, b_shape) -> None:
    a, b = rand(*a_shape), rand(*b_shape, seed=1)
    want = np.matmul(a, b)
    got = run_kernel("kernel.matmul %a0, %a1 -> %a2 : $0, $1 -> $2",
                     [a, b, np.zeros(want.shape, np.float32)])
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


def conv_transpose_ref(x, w, b, stride, pad, dilation, out):
    n, cin, length = x.shape
    cout = w.shape[1]
    y = np.tile(b[None, :, None], (n, 1, out)).astype(np.float64)
    for i in range(length):
        for k in range(w.shape[2]):
            o = i * stride - pad + k * dilation
            if 0 <= o < out:
                y[:, :, o] += np.einsum("nc,cd->nd", x[:, :, i], w[:, :, k])
    assert y.shape[1] == cout
    return y.astype(np.float32)


def test_conv_transpose_1d(run_kernel) -> None:
    x, w, b = rand(2, 3, 5), rand(3, 2, 3, seed=1), rand(2, seed=2)
    want = conv_transpose_ref(x, w, b, stride=2, pad=1, dilation=2, out=11)
    got = run_kernel(
        "kernel.conv_transpose %a0, %a1 bias %a2 -> %a3 {strides = array<i64: 2>, "
        "pads = array<i64: 1, 0>, dilations = array<i64: 2>, group = 1 : i64} "
        ": $0, $1 bias $2 -> $3", [x, w, b, np.zeros((2, 2, 11), np.float32)])
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("part", ["normalize", "mean", "var", "inv_std_dev"])
def test_normalize(run_kernel, part) -> None:
    x, s = rand(2, 3, 4), rand(4, seed=1)
    mean, var = x.mean(axis=2, keepdims=True), x.var(axis=2, keepdims=True)
    inv = 1 / np.sqrt(var + 1e-5)
    want = {"normalize": (x - mean) * inv * s, "mean": mean, "var": var, "inv_std_dev": inv}[part]
    scale = " scale %a1" if part == "normalize" else ""
    scale_type = " scale $1" if part == "normalize" else ""
    out = "%a2" if part == "normalize" else "%a1"
    args = [x, s] if part == "normalize" else [x]
    got = run_kernel(
        f'kernel.normalize "{part}" %a0{scale} -> {out} {{axes = array<i64: 2>, '
        f'epsilon = 1.0e-05 : f32}} : $0{scale_type} -> ${len(args)}',
        [*args, np.zeros(want.shape, np.float32)])
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("axis", [0, 1, 2])
def test_log_softmax(run_kernel, axis) -> None:
    x = rand(2, 3, 4) * 10
    shifted = x - x.max(axis=axis, keepdims=True)
    want = shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))
    got = run_kernel(f"kernel.softmax %a0 -> %a1 {{axis = {axis} : i64, log}} : $0 -> $1",
                     [x, np.zeros_like(x)])
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)
