"""kernel.matmul and kernel.gemm under each GEMM algorithm (tiled, dot, loops), at sizes
that are not multiples of the register tile (M, N, K odd; partial column panels; scalar tail
columns), with transposes, broadcast batches and 1-d operands. `run_kernel` runs a parallel
kernel's units in two halves, as two threads would."""

from __future__ import annotations

import numpy as np
import pytest


def rand(*shape: int) -> np.ndarray:
    return np.random.default_rng(sum(shape) + len(shape)).standard_normal(shape).astype(
        np.float32)


def schedule(algorithm: str, rows: int = 8, vectors: int = 3, lanes: int = 16,
             k_block: int = 0, pack_b: bool = False) -> str:
    if algorithm == "loops":
        return 'schedule = {family = "gemm", algorithm = "loops"}'
    return (f'schedule = {{family = "gemm", algorithm = "{algorithm}", tile_channels = {rows} '
            f": i64, tile_vectors = {vectors} : i64, lanes = {lanes} : i64, k_block = "
            f"{k_block} : i64, pack_b = {str(pack_b).lower()}}}")


MATMUL_CASES = {
    # name: (A shape, B shape)
    "odd_2d": ((13, 37), (37, 53)),
    "panel_and_tail": ((9, 20), (20, 85)),  # one full 48-panel, a 32-wide one, 5 scalar
    "batched_a": ((2, 3, 7, 19), (19, 40)),
    "two_panels_exact": ((10, 33), (33, 96)),
    "broadcast_batch": ((2, 1, 5, 11), (3, 11, 33)),
    "vector_a": ((17,), (17, 50)),
}


@pytest.mark.parametrize("case", list(MATMUL_CASES))
@pytest.mark.parametrize("algorithm,k_block", [("tiled", 0), ("tiled", 8), ("tiled", 16),
                                               ("loops", 0)])
def test_matmul(run_kernel, case: str, algorithm: str, k_block: int) -> None:
    a_shape, b_shape = MATMUL_CASES[case]
    a, b = rand(*a_shape), rand(*b_shape)
    ref = a @ b
    attrs = schedule(algorithm, k_block=k_block)
    op = f"kernel.matmul %a0, %a1 -> %a2 {{{attrs}}} : $0, $1 -> $2"
    # Y starts as NaN: with one K block the tiles start from zero in registers, not from Y
    out = run_kernel(op, [a, b, np.full(ref.shape, np.nan, np.float32)])
    np.testing.assert_allclose(out, ref, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("trans_a", [0, 1])
@pytest.mark.parametrize("trans_b", [0, 1])
@pytest.mark.parametrize("algorithm", ["tiled", "dot", "loops"])
def test_gemm(run_kernel, trans_a: int, trans_b: int, algorithm: str) -> None:
    if algorithm == "tiled" and trans_b or algorithm == "dot" and (trans_a or not trans_b):
        pytest.skip("not a legal schedule of this gemm")
    m, k, n = 11, 37, 53
    a = rand(k, m) if trans_a else rand(m, k)
    b = rand(n, k) if trans_b else rand(k, n)
    c = rand(1, n)
    ref = np.maximum(0.5 * ((a.T if trans_a else a) @ (b.T if trans_b else b)) + 2.0 * c, 0)
    rows = 4 if algorithm == "dot" else 8
    attrs = (f"trans_a = {trans_a} : i64, trans_b = {trans_b} : i64, alpha = 0.5 : f32, "
             f'beta = 2.0 : f32, activation = "relu", '
             f"{schedule(algorithm, rows, 1 if algorithm == 'dot' else 3, k_block=0)}")
    op = f"kernel.gemm %a0, %a1 bias %a2 -> %a3 {{{attrs}}} : $0, $1 bias $2 -> $3"
    out = run_kernel(op, [a, b, c, np.zeros((m, n), np.float32)])
    np.testing.assert_allclose(out, ref, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("c_shape", [None, (), (1,), (53,), (11, 1), (11, 53)])
@pytest.mark.parametrize("beta", [1.0, 2.0])
@pytest.mark.parametrize("k_block,relu", [(0, True), (0, False), (16, True)])
def test_tiled_gemm_bias_shapes(run_kernel, c_shape, beta: float, k_block: int,
                                relu: bool) -> None:
    """The tiled gemm starts its tiles from beta * C (each broadcast shape: one value per
    row, per column, per element, or one for all) and ends with the relu in registers when
    K is one block; with K blocks through passes over Y. Y starts as NaN."""
    m, k, n = 11, 37, 53
    a, b = rand(m, k), rand(k, n)
    ref = 0.5 * (a @ b)
    args, bias, types = [a, b], "", "$0, $1"
    if c_shape is not None:
        c = rand(*c_shape) if c_shape else np.asarray(rand(1)[0], np.float32)
        ref = ref + beta * c
        args.append(c)
        bias, types = "bias %a2 ", "$0, $1 bias $2"
    if relu:
        ref = np.maximum(ref, 0)
    out_index = len(args)
    attrs = (f"trans_a = 0 : i64, trans_b = 0 : i64, alpha = 0.5 : f32, beta = {beta} : f32, "
             + ('activation = "relu", ' if relu else "") + schedule("tiled", k_block=k_block))
    op = f"kernel.gemm %a0, %a1 {bias}-> %a{out_index} {{{attrs}}} : {types} -> ${out_index}"
    out = run_kernel(op, [*args, np.full((m, n), np.nan, np.float32)])
    np.testing.assert_allclose(out, ref, rtol=1e-4, atol=1e-4)


def test_tiled_gemm_with_b_unpacked_is_refused() -> None:
    """A gemm with trans_b = 1 scheduled `tiled` with `pack_b` runs only once pack-weights
    packed its B: the loops stage refuses it, naming the pass (tcc fuzz found it crashing
    there instead)."""
    from tcompiler.contracts import PassPreconditionError

    from .conftest import build  # noqa: TID252

    attrs = ("trans_a = 0 : i64, trans_b = 1 : i64, alpha = 1.0 : f32, beta = 0.0 : f32, "
             f"{schedule('tiled', pack_b=True)}")
    with pytest.raises(PassPreconditionError, match="run pack-weights first"):
        build(f"kernel.gemm %a0, %a1 -> %a2 {{{attrs}}} : $0, $1 -> $2",
              [(4, 8), (16, 8), (4, 16)])


def test_matrix_vector_dot(run_kernel) -> None:
    """A batch-1 fully-connected layer: K not a multiple of the vector, N of the row tile."""
    k, n = 203, 37
    x, w = rand(1, k), rand(n, k)
    attrs = ("trans_a = 0 : i64, trans_b = 1 : i64, alpha = 1.0 : f32, beta = 0.0 : f32, "
             f"{schedule('dot', 4, 1)}")
    op = f"kernel.gemm %a0, %a1 -> %a2 {{{attrs}}} : $0, $1 -> $2"
    out = run_kernel(op, [x, w, np.zeros((1, n), np.float32)])
    np.testing.assert_allclose(out, x @ w.T, rtol=1e-4, atol=1e-4)


PACKED_CASES = ["odd_2d", "panel_and_tail", "batched_a", "two_panels_exact"]


@pytest.mark.parametrize("case", PACKED_CASES)
@pytest.mark.parametrize("vectors,k_block", [(3, 0), (3, 8), (2, 16), (1, 0)])
def test_matmul_packed_b(run_kernel, case: str, vectors: int, k_block: int) -> None:
    """B packed in panels of the tile's width (what `pack-weights` makes of a constant B):
    the full panels, a narrower last one, the zero-padded columns past N and the scalar tail
    columns read the packed layout and give numpy's product."""
    from tcompiler.kernels.panels import pack_panels

    a_shape, b_shape = MATMUL_CASES[case]
    a, b = rand(*a_shape), rand(*b_shape)
    ref = a @ b
    nr = vectors * 16
    attrs = f"b_panel = {nr} : i64, {schedule('tiled', 8, vectors, k_block=k_block, pack_b=True)}"
    op = f"kernel.matmul %a0, %a1 -> %a2 {{{attrs}}} : $0, $1 -> $2"
    out = run_kernel(op, [a, pack_panels(b, nr), np.zeros(ref.shape, np.float32)])
    np.testing.assert_allclose(out, ref, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("trans_a", [0, 1])
def test_gemm_packed_b(run_kernel, trans_a: int) -> None:
    from tcompiler.kernels.panels import pack_panels

    m, k, n = 11, 37, 53
    a = rand(k, m) if trans_a else rand(m, k)
    b, c = rand(k, n), rand(1, n)
    ref = np.maximum(0.5 * ((a.T if trans_a else a) @ b) + 2.0 * c, 0)
    attrs = (f"trans_a = {trans_a} : i64, trans_b = 0 : i64, alpha = 0.5 : f32, beta = 2.0 : "
             f'f32, activation = "relu", b_panel = 48 : i64, {schedule("tiled", pack_b=True)}')
    op = f"kernel.gemm %a0, %a1 bias %a2 -> %a3 {{{attrs}}} : $0, $1 bias $2 -> $3"
    out = run_kernel(op, [a, pack_panels(b, 48), c, np.zeros((m, n), np.float32)])
    np.testing.assert_allclose(out, ref, rtol=1e-4, atol=1e-4)


def test_pack_panels_round_trip() -> None:
    from tcompiler.kernels.panels import pack_panels, unpack_panels

    b = rand(7, 50)
    packed = pack_panels(b, 16)
    assert packed.shape == (4, 7, 16)
    assert np.array_equal(packed[3, :, 2:], np.zeros((7, 14), np.float32))
    assert np.array_equal(unpack_panels(packed, 50), b)
