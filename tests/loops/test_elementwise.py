"""map (3-way broadcasting), transpose, concat and copy lowered to loops, against numpy."""

from __future__ import annotations

import numpy as np

RNG = np.random.default_rng(0)


def rand(*shape: int) -> np.ndarray:
    return RNG.standard_normal(shape).astype(np.float32)


def test_map_broadcasts_three_inputs(run_kernel):
    a, b, c = rand(2, 3, 4), rand(3, 1), rand(4)
    y = np.zeros((2, 3, 4), np.float32)
    op = """kernel.map %a0, %a1, %a2 -> %a3 : $0, $1, $2 -> $3 {
    ^bb0(%p: f32, %q: f32, %r: f32):
      %s = arith.mulf %p, %q : f32
      %t = arith.addf %s, %r : f32
      %z = arith.constant 0.0 : f32
      %u = arith.maximumf %t, %z : f32
      kernel.yield %u : f32
    }"""
    out = run_kernel(op, [a, b, c, y])
    np.testing.assert_allclose(out, np.maximum(a * b + c, 0), rtol=1e-6)


def test_map_yields_its_argument_on_rank_0_broadcast(run_kernel):
    a, y = rand(1), np.zeros((2, 3), np.float32)
    op = """kernel.map %a0 -> %a1 : $0 -> $1 {
    ^bb0(%p: f32):
      kernel.yield %p : f32
    }"""
    np.testing.assert_array_equal(run_kernel(op, [a, y]), np.broadcast_to(a, (2, 3)))


def test_transpose_rank_4(run_kernel):
    x = rand(2, 3, 4, 5)
    y = np.zeros((4, 2, 5, 3), np.float32)
    op = "kernel.transpose %a0 -> %a1 {perm = array<i64: 2, 0, 3, 1>} : $0 -> $1"
    np.testing.assert_array_equal(run_kernel(op, [x, y]), x.transpose(2, 0, 3, 1))


def test_concat_axis_0_and_1(run_kernel):
    a, b = rand(2, 3), rand(1, 3)
    op0 = "kernel.concat %a0, %a1 -> %a2 {axis = 0 : i64} : $0, $1 -> $2"
    out = run_kernel(op0, [a, b, np.zeros((3, 3), np.float32)])
    np.testing.assert_array_equal(out, np.concatenate([a, b], 0))
    c, d, e = rand(2, 1, 4), rand(2, 3, 4), rand(2, 2, 4)
    op1 = "kernel.concat %a0, %a1, %a2 -> %a3 {axis = 1 : i64} : $0, $1, $2 -> $3"
    out = run_kernel(op1, [c, d, e, np.zeros((2, 6, 4), np.float32)])
    np.testing.assert_array_equal(out, np.concatenate([c, d, e], 1))


def test_concat_many_inputs_last_axis(run_kernel):
    """Seven inputs (a binary search over their offsets per unit), along the last axis (the
    copied rest is one element) and along axis 2 of a 4-d tensor."""
    parts = [rand(2, 3, k) for k in (1, 4, 2, 5, 1, 3, 2)]
    names = ", ".join(f"%a{i}" for i in range(7))
    types = ", ".join(f"${i}" for i in range(7))
    op = f"kernel.concat {names} -> %a7 {{axis = 2 : i64}} : {types} -> $7"
    out = run_kernel(op, [*parts, np.zeros((2, 3, 18), np.float32)])
    np.testing.assert_array_equal(out, np.concatenate(parts, 2))
    parts4 = [rand(1, 2, k, 5) for k in (3, 1, 4)]
    op4 = "kernel.concat %a0, %a1, %a2 -> %a3 {axis = 2 : i64} : $0, $1, $2 -> $3"
    out = run_kernel(op4, [*parts4, np.zeros((1, 2, 8, 5), np.float32)])
    np.testing.assert_array_equal(out, np.concatenate(parts4, 2))


def test_copy_between_shapes(run_kernel):
    op = "kernel.copy %a0 -> %a1 : $0 -> $1"
    for src, dst in [((2, 3, 4), (6, 4)), ((6, 4), (4, 6)), ((1, 12), (3, 1, 4)), ((5,), (5,))]:
        x = rand(*src)
        out = run_kernel(op, [x, np.zeros(dst, np.float32)])
        np.testing.assert_array_equal(out, x.reshape(dst))
