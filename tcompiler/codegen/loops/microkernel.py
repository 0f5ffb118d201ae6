"""A register-tiled matrix-multiply microkernel: C[i, j] += sum_k A(i, k) * B[k, j:j+VL].

LLVM does not register-tile loops for us (spike notes: plain loops reach 20-50 GFLOP/s, a
tiled `vector<16xf32>` kernel ~250), so this emits the tile explicitly. The `Tile` comes from
the kernel's schedule: MR rows (`tile_channels`), NR = `tile_vectors` x VL columns (VL =
`lanes`), the K block (`k_block`, 0 = all of K) and which of the row and column tile loops is
outside (`rows_outside`):

    for k0 in [0, K) step KB:                     (one block when KB = 0)
     for j0 in [0, n_vec) step NR:                n_vec = n rounded down to VL
      for i0 in [0, m) step MR (remainder rows get a smaller tile):
        acc[r][v] = C[i0+r, j0+v*VL : +VL]        MR x NR/VL vector accumulators
        for k in [k0, k0+KB):                     accumulators carried as scf.for iter_args
          b[v] = B[k, j0+v*VL : +VL]
          for r: acc[r][v] = fma(broadcast(A(i0+r, k)), b[v], acc[r][v])
        C[i0+r, j0+v*VL : +VL] = acc[r][v]

Columns past n_vec: `gemm_tiles` covers them with one more VL-wide vector shifted left to end
at column n, or (n < VL) with 8- and 4-wide vectors, and returns where it stopped; the rest
is the caller's. Operands are given as
callbacks so the same tile serves Gemm (A[i, k]) and 1x1 convolutions (A = W[oc, ic, 0, 0],
B = X[n, ic, 0, p] read across rows of the contiguous plane). C must hold its initial value
(bias, residual, or zero); A's values may be scaled by `alpha` on the fly. Each tile reloads
C, so K blocks accumulate through C.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from xdsl.dialects import vector
from xdsl.dialects.builtin import DenseArrayBase, VectorType, f32, i64
from xdsl.ir import SSAValue

from tcompiler.codegen.loops.builder import Idx, LoopBuilder


@dataclass(frozen=True)
class Tile:
    """The register tile and its loops (from a `ConvSchedule` or `GemmSchedule`)."""

    rows: int  # MR
    vectors: int  # NR / VL
    lanes: int  # VL
    k_block: int = 0
    rows_outside: bool = False


ScalarAt = Callable[[LoopBuilder, Idx, Idx], SSAValue]
RowOf = Callable[[LoopBuilder, Idx], Idx]
"""(builder, row) -> what `a_at` needs of that row (e.g. its offset), once per tile."""
VectorRef = Callable[[LoopBuilder, Idx, Idx], tuple[SSAValue, list[Idx]]]
"""(builder, row, column) -> (memref, indices) of the first element of a VL-wide slice (index
arithmetic goes through the builder, so it lands inside the loop that uses it)."""
VectorInit = Callable[[LoopBuilder, Idx, Idx, int], SSAValue]
"""(builder, row, column, VL) -> the VL-wide value C starts from there (bias, residual)."""
VectorFinish = Callable[[LoopBuilder, SSAValue], SSAValue]
"""(builder, vector) -> the vector to store (an activation)."""


@dataclass(frozen=True)
class Fused:
    """What a single-K-block `gemm_tiles` does in registers instead of the caller's passes over
    C: accumulators start from `init` (not from C, which need hold nothing) and `finish` runs
    on them before the store. Separate passes cost more than their loads and stores: LLVM
    vectorized a [rows, columns] relu nest across the rows, with gathers and scatters."""

    init: VectorInit
    finish: VectorFinish | None = None


def vload(b: LoopBuilder, ref: tuple[SSAValue, list[Idx]], lanes: int) -> SSAValue:
    memref, indices = ref
    op = vector.LoadOp(memref, [b.index(i) for i in indices], VectorType(f32, [lanes]))
    return b.insert(op).results[0]


def vstore(b: LoopBuilder, value: SSAValue, ref: tuple[SSAValue, list[Idx]]) -> None:
    memref, indices = ref
    b.insert(vector.StoreOp(value, memref, [b.index(i) for i in indices]))


def shuffle(b: LoopBuilder, first: SSAValue, second: SSAValue, mask: list[int]) -> SSAValue:
    """vector<len(mask) x f32> of lanes `mask` of concat(first, second)."""
    result = VectorType(f32, [len(mask)])
    op = vector.ShuffleOp(first, second, DenseArrayBase.from_list(i64, mask), result_type=result)
    return b.insert(op).results[0]


def splat(b: LoopBuilder, value: float, lanes: int) -> SSAValue:
    """vector<lanes x f32> of the constant `value`."""
    return b.insert(vector.BroadcastOp(b.f32(value), VectorType(f32, [lanes]))).results[0]


def _tile(b: LoopBuilder, i0: Idx, j0: Idx, rows: int, nv: int, lanes: int,
          k_range: tuple[Idx, Idx], a_at: ScalarAt, b_ref: VectorRef, c_ref: VectorRef,
          alpha: float, a_row: RowOf | None, keep: int = 0, fused: Fused | None = None
          ) -> None:
    """One MR x NR tile; with `keep` (a shifted last vector, nv = 1), the first `keep` lanes of
    each row's result are C's as it was (columns an earlier tile finished), the rest new."""
    coords = [(r, v) for r in range(rows) for v in range(nv)]
    if fused:
        inits = [fused.init(b, b.add(i0, r), b.add(j0, v * lanes), lanes) for r, v in coords]
    else:
        inits = [vload(b, c_ref(b, b.add(i0, r), b.add(j0, v * lanes)), lanes)
                 for r, v in coords]
    a_rows = [a_row(b, b.add(i0, r)) if a_row else b.add(i0, r) for r in range(rows)]

    def step(inner: LoopBuilder, ivs: list[Idx], accs: list[SSAValue]) -> list[SSAValue]:
        (kk,) = ivs
        bvecs = [vload(inner, b_ref(inner, kk, inner.add(j0, v * lanes)), lanes)
                 for v in range(nv)]
        out: list[SSAValue] = []
        for r in range(rows):
            scalar = inner.scale(a_at(inner, a_rows[r], kk), alpha)
            splat = inner.insert(vector.BroadcastOp(scalar, VectorType(f32, [lanes]))).results[0]
            for v in range(nv):
                out.append(inner.insert(vector.FMAOp(splat, bvecs[v], accs[r * nv + v])).results[0])
        return out

    results = b.reduce_many([k_range], inits, step)
    for (r, v), result in zip(coords, results):
        ref = c_ref(b, b.add(i0, r), b.add(j0, v * lanes))
        if fused and fused.finish:
            result = fused.finish(b, result)
        if keep:
            result = shuffle(b, vload(b, ref, lanes), result,
                             [*range(keep), *range(lanes + keep, 2 * lanes)])
        vstore(b, result, ref)


def gemm_tiles(b: LoopBuilder, m: int, n: int, k: int, tile: Tile, a_at: ScalarAt,
               b_ref: VectorRef, c_ref: VectorRef, alpha: float = 1.0,
               a_row: RowOf | None = None, fused: Fused | None = None) -> int:
    """Accumulate the columns [0, done) of C and return done: the columns [0, n_vec) (n_vec a
    multiple of VL) in VL-wide vectors, then the rest: where n >= VL, by one more VL-wide
    vector shifted left to end at column n (`_tile`'s `keep`: its first lanes, columns the
    vectors before it finished, are stored back unchanged), so done = n; below VL, by what 8-
    and 4-wide vectors cover (`narrow_columns`), leaving at most 3 columns to the caller's
    scalar code. With `a_row`, `a_at` gets `a_row(i)` (computed once per tile, outside the
    reduction loop) instead of the row i itself. `fused` (`can_fuse`: one K block, n >= VL, so
    that done = n) starts and finishes the tiles in registers.

    The shifted vector reads B and C only inside [0, n) and runs after the vectors it
    overlaps, in the same K block and the same parallel unit. It is what lets `fused` take
    every column: with both, chains of 1x1 convs (1024->256->1024, Xeon, 1 thread) ran at 133
    GFLOP/s on 14x14 planes and 149 on 12x16, against 128 and 141 with 8- and 4-wide tail
    vectors and the bias and relu as passes over C."""
    mr, lanes = tile.rows, tile.lanes
    nr = tile.vectors * lanes
    n_vec = n - n % lanes
    m_main, n_main = m - m % mr, n_vec - n_vec % nr
    shifted = n % lanes if n_vec else 0
    narrow = [] if shifted else narrow_columns(n_vec, n, lanes)

    def k_block(b: LoopBuilder, k_lo: Idx, k_hi: Idx) -> None:
        def cell(b: LoopBuilder, i0: Idx, rows: int, j0: Idx, nv: int, width: int = lanes,
                 keep: int = 0) -> None:
            _tile(b, i0, j0, rows, nv, width, (k_lo, k_hi), a_at, b_ref, c_ref, alpha, a_row,
                  keep, fused)

        def column_block(b: LoopBuilder, j0: Idx, nv: int, width: int = lanes, keep: int = 0
                         ) -> None:
            b.loop(0, m_main, lambda b, i0: cell(b, i0, mr, j0, nv, width, keep), step=mr)
            if m % mr:
                cell(b, m_main, m % mr, j0, nv, width, keep)

        def row_block(b: LoopBuilder, i0: Idx, rows: int) -> None:
            b.loop(0, n_main, lambda b, j0: cell(b, i0, rows, j0, tile.vectors), step=nr)
            for j0 in range(n_main, n_vec, lanes):
                cell(b, i0, rows, j0, 1)
            if shifted:
                cell(b, i0, rows, n - lanes, 1, keep=lanes - shifted)
            for j0, width in narrow:
                cell(b, i0, rows, j0, 1, width)

        if tile.rows_outside:
            b.loop(0, m_main, lambda b, i0: row_block(b, i0, mr), step=mr)
            if m % mr:
                row_block(b, m_main, m % mr)
            return
        b.loop(0, n_main, lambda b, j0: column_block(b, j0, tile.vectors), step=nr)
        for j0 in range(n_main, n_vec, lanes):
            column_block(b, j0, 1)
        if shifted:
            column_block(b, n - lanes, 1, keep=lanes - shifted)
        for j0, width in narrow:
            column_block(b, j0, 1, width)

    assert fused is None or can_fuse(n, k, tile), "fused tiles need one K block and n >= VL"
    kb = tile.k_block if 0 < tile.k_block < k else k
    k_main = k - k % kb
    b.loop(0, k_main, lambda b, k0: k_block(b, k0, b.add(k0, kb)), step=kb)
    if k % kb:
        k_block(b, k_main, k)
    if shifted:
        return n
    return narrow[-1][0] + narrow[-1][1] if narrow else n_vec


def can_fuse(n: int, k: int, tile: Tile) -> bool:
    """Whether `gemm_tiles` can take `fused` for n columns and a reduction of k: each tile
    then starts and ends C's values (one K block) and covers every column (n >= VL)."""
    return n >= tile.lanes and not 0 < tile.k_block < k


NARROW_LANES = (8, 4)
"""The widths of the vectors that cover columns past the last full VL-wide vector."""


def narrow_columns(n_vec: int, n: int, lanes: int) -> list[tuple[int, int]]:
    """(first column, width) of the narrower vectors that cover what they can of the columns
    [n_vec, n) (fewer than `lanes`), widest first; the rest are left to scalar code."""
    found: list[tuple[int, int]] = []
    for width in NARROW_LANES:
        if width < lanes and n - n_vec >= width:
            found.append((n_vec, width))
            n_vec += width
    return found


def panel_tiles(b: LoopBuilder, m: int, k: int, j0: Idx, vectors: int, tile: Tile,
                a_at: ScalarAt, b_ref: VectorRef, c_ref: VectorRef, alpha: float = 1.0,
                a_row: RowOf | None = None, fused: Fused | None = None) -> None:
    """Accumulate one column panel of C, columns [j0, j0 + vectors x VL), over all rows and
    all of K: the K blocks outside the row tiles, so a K block of the panel of B stays in L1
    across the row tiles and the panel of C stays in cache across the K blocks. `j0` need not
    be static (a parallel unit's panel); `vectors` (<= tile.vectors) is. `fused` (one K
    block only) starts and finishes the tiles in registers, as in `gemm_tiles`."""
    assert fused is None or not 0 < tile.k_block < k, "fused tiles need one K block"
    mr = tile.rows
    m_main = m - m % mr

    def k_block(b: LoopBuilder, k_lo: Idx, k_hi: Idx) -> None:
        def cell(b: LoopBuilder, i0: Idx, rows: int) -> None:
            _tile(b, i0, j0, rows, vectors, tile.lanes, (k_lo, k_hi), a_at, b_ref, c_ref,
                  alpha, a_row, fused=fused)

        b.loop(0, m_main, lambda b, i0: cell(b, i0, mr), step=mr)
        if m % mr:
            cell(b, m_main, m % mr)

    kb = tile.k_block if 0 < tile.k_block < k else k
    k_main = k - k % kb
    b.loop(0, k_main, lambda b, k0: k_block(b, k0, b.add(k0, kb)), step=kb)
    if k % kb:
        k_block(b, k_main, k)


PanelBody = Callable[[LoopBuilder, Idx, Idx, int], None]
"""(builder, group, first column j0, vectors) -> the work of one column panel of a group."""
GroupBody = Callable[[LoopBuilder, Idx], None]


def parallel_panels(b: LoopBuilder, groups: int, n_vec: int, tile: Tile, panel: PanelBody,
                    last: GroupBody | None = None) -> None:
    """A parallel loop over `groups` x the column panels of [0, n_vec) (n_vec a multiple of
    VL): unit u is group u // panels, panel u % panels. Full panels are NR = tile.vectors x VL
    wide, the last one may be narrower (a static width: each unit runs one of two loops of
    at most one trip, the full or the narrow panel). `last(group)` runs after the group's
    last panel, in the same unit (the scalar columns past n_vec). Units share no output."""
    lanes = tile.lanes
    nr = tile.vectors * lanes
    full, rest = divmod(n_vec, nr)
    panels = full + (rest > 0)

    def unit(b: LoopBuilder, u: Idx) -> None:
        g, p = b.floordiv(u, panels), b.rem(u, panels)
        if full:
            b.loop(p, b.min(b.add(p, 1), full), lambda b, q: panel(b, g, b.mul(q, nr),
                                                                   tile.vectors))
        if rest:
            b.loop(b.max(p, full), b.add(p, 1), lambda b, q: panel(b, g, full * nr,
                                                                   rest // lanes))
        if last is not None:
            finish = last
            b.loop(b.max(p, panels - 1), b.add(p, 1), lambda b, q: finish(b, g))

    b.parallel(groups * panels, unit)
