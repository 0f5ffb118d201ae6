"""Kernel schedules: every lowering choice of a kernel op, as typed data on the op.

A schedule is a frozen dataclass per op family, stored on the kernel op as its `schedule`
property (a dictionary attribute, so `--emit=kernels` prints it and `tcc-opt` parses it back):

    kernel.conv %x, %w bias %b -> %y {..., schedule = {family = "conv", algorithm = "tiled",
        tile_channels = 6 : i64, tile_vectors = 2 : i64, lanes = 16 : i64,
        loop_order = "channels_rows", ic_block = 0 : i64}} : ...

The loop emitters (`tcompiler.codegen.loops`) read the schedule and nothing else: every knob
below is honoured there, and every schedule `check` accepts computes the same result.

- `ConvSchedule` (kernel.conv): `algorithm` is `direct` (plain loops, any conv), `tiled`
  (register-tiled direct convolution: `tile_channels` output channels x `tile_vectors`
  column vectors of `lanes` floats of one output row, 2-d with width stride <= 2),
  `pointwise` (1x1 stride-1 unpadded ungrouped convs as a GEMM on the register-tiled
  microkernel: `tile_channels` rows x `tile_vectors` vectors). `loop_order`: which of the two
  outer loops is outside (`channels_rows`: output-channel tiles outside the output rows
  (tiled) or pixel blocks (pointwise); `rows_channels`: the reverse). `ic_block`: block the
  reduction over input channels (0 = one block): partial sums go to Y between blocks, so a
  block of input rows stays in cache across output-channel tiles. The kernel width loop of
  a tiled conv is always unrolled (its padding lanes are resolved statically). `packed`
  (2-d, ungrouped, >= `lanes` output channels, 1x1 included): a direct conv
  vectorized along output channels, `tile_channels` consecutive output pixels of a row x
  `tile_vectors` vectors of `lanes` output channels, over the filter packed into blocks of
  `lanes * tile_vectors` output channels at compile time (`conv-to-packed`; `ic_block` blocks
  the reduction as for `tiled`).
  Four more algorithms are rewrites into several kernels, done by a pass at the kernels stage
  (`EXPANDED_ALGORITHMS`; the tile knobs pass on to the kernel that does the arithmetic):
  `im2col` (any 2-d conv: `kernel.im2col` + a pointwise conv over the columns), `im2win`
  (2-d, kernel wider than 1x1, output rows >= `lanes`: `kernel.im2win` + a tiled stride-1
  unpadded conv over the window tensor), `im2win_nhwc` (2-d, ungrouped, width dilation 1,
  >= `lanes` output channels: `kernel.im2win_nhwc` + `kernel.window_gemm`, a GEMM of pixels
  x output channels, + `kernel.to_nchw`), `winograd2` / `winograd4` (3x3 stride-1 undilated
  ungrouped, >= `lanes` output channels, tiles covering at most 1.5x the output: F(2x2,3x3) /
  F(4x4,3x3) as input transform, batched
  matmul on the microkernel, output transform; `ic_block` blocks the matmul's reduction).
- `GemmSchedule` (kernel.gemm, kernel.matmul): `algorithm` is `loops` (scalar loops LLVM
  vectorizes), `tiled` (the register-tiled microkernel over B's contiguous rows: gemm with
  trans_b = 0 and matmul), `dot` (gemm with trans_b = 1: `tile_channels` rows of B at a time
  as vector dot products along K). `k_block` blocks the reduction (tiled). `pack_b` (tiled,
  B one matrix): B is a constant packed at compile time into column panels of NR =
  `tile_vectors` x `lanes` (`pack-weights`, which also resolves a gemm's trans_b = 1; a B
  computed at run time keeps its layout and its kernel the heuristic's unpacked schedule).
- `LoopSchedule` (every other kernel): `unroll` of the innermost output loop (elementwise,
  data movement and pooling kernels; 1 for the others).

`heuristic(op)` is the choice tcc made before schedules existed (so `heuristic` reproduces
that code exactly), except for gemm and matmul, whose heuristic is the measured fast default
(`heuristic_gemm`); the space of legal schedules is in `costmodel.space`.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any, ClassVar

from xdsl.dialects.builtin import BoolAttr, DictionaryAttr, IntegerAttr, StringAttr, i1, i64
from xdsl.ir import Attribute, Operation

from tcompiler.costmodel.facts import facts
from tcompiler.dialects import kernel

MAX_VECTOR_REGISTERS = 32
"""zmm0-31 with AVX-512; a register tile's accumulators plus its operands must fit."""


class ScheduleError(ValueError):
    """A schedule that does not fit its op (names the op and the knob)."""


@dataclass(frozen=True)
class Schedule:
    """Base of the schedule families; subclasses are frozen dataclasses of knobs."""

    FAMILY: ClassVar[str] = ""

    def to_attr(self) -> DictionaryAttr:
        entries: dict[str, Attribute] = {"family": StringAttr(self.FAMILY)}
        for f in dataclasses.fields(self):
            entries[f.name] = _knob_attr(getattr(self, f.name))
        return DictionaryAttr(entries)

    def knobs(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def check(self, op: Operation) -> None:
        """Raise `ScheduleError` unless this schedule is legal for `op`."""


def _knob_attr(value: Any) -> Attribute:
    if isinstance(value, bool):
        return BoolAttr.from_bool(value)
    if isinstance(value, int):
        return IntegerAttr(value, i64)
    return StringAttr(str(value))


def _knob_value(attr: Attribute) -> Any:
    if isinstance(attr, IntegerAttr):
        value = int(attr.value.data)
        return bool(value) if attr.type == i1 else value
    if isinstance(attr, StringAttr):
        return attr.data
    raise ScheduleError(f"schedule knob {attr} is not an integer, boolean or string")


def _require(ok: bool, op: Operation, message: str) -> None:
    if not ok:
        raise ScheduleError(f"{op.name}: {message}")


def _check_tile(op: Operation, rows: int, vectors: int, lanes: int) -> None:
    """A register tile: known lanes, not empty, accumulators + operands in registers."""
    _require(lanes in LANES, op, f"lanes must be one of {LANES}")
    _require(1 <= rows and 1 <= vectors, op, "empty register tile")
    registers = rows * vectors + vectors + 1
    _require(registers <= MAX_VECTOR_REGISTERS, op,
             f"a {rows}x{vectors} tile needs {registers} vector registers "
             f"(at most {MAX_VECTOR_REGISTERS})")


# ----------------------------------------------------------------------------- conv

CONV_ALGORITHMS = ("direct", "tiled", "pointwise", "packed", "im2col", "im2win", "im2win_nhwc",
                   "winograd2", "winograd4")
EXPANDED_ALGORITHMS = ("im2col", "im2win", "im2win_nhwc", "winograd2", "winograd4")
"""Algorithms a pass rewrites into several kernels (conv-to-im2col, conv-to-im2win,
conv-to-winograd) before the conv reaches the loop emitters."""
CONV_ALGORITHM_CHOICES: dict[str, tuple[str, ...]] = {
    "direct": ("direct", "tiled", "pointwise", "packed"), "im2col": ("im2col",),
    "im2win": ("im2win", "im2win_nhwc"),
    "winograd": ("winograd2", "winograd4")}
"""`tcc compile --conv-algorithm X`: the schedule algorithms X stands for."""
CONV_LOOP_ORDERS = ("channels_rows", "rows_channels")
LANES = (4, 8, 16)


@dataclass(frozen=True)
class ConvSchedule(Schedule):
    FAMILY: ClassVar[str] = "conv"

    algorithm: str = "direct"
    tile_channels: int = 6
    tile_vectors: int = 2
    lanes: int = 16
    loop_order: str = "channels_rows"
    ic_block: int = 0

    def check(self, op: Operation) -> None:
        assert isinstance(op, kernel.ConvOp)
        _require(self.algorithm in CONV_ALGORITHMS, op, f"unknown algorithm {self.algorithm!r}")
        _require(self.loop_order in CONV_LOOP_ORDERS, op, f"unknown loop_order {self.loop_order!r}")
        _require(self.ic_block >= 0, op, "ic_block must be >= 0")
        if self.algorithm == "direct":
            _require(self == ConvSchedule("direct"), op, "direct takes no tile knobs")
            return
        _check_tile(op, self.tile_channels, self.tile_vectors, self.lanes)
        if self.algorithm == "pointwise":
            _require(is_pointwise(op, grouped=True), op,
                     "pointwise needs a 1x1 stride-1 unpadded conv")
            return
        if self.algorithm == "tiled":
            _require(is_tileable(op, self.lanes), op,
                     f"tiled needs a 2-d conv, width stride <= 2 and rows >= {self.lanes} wide")
            return
        if self.algorithm == "packed":
            _check_packed(op, self)
            return
        f = facts(op)
        _require(len(f.shape("X")) == 4, op, f"{self.algorithm} needs a 2-d conv")
        if self.algorithm == "im2win":
            _require(math.prod(f.shape("W")[2:]) > 1, op, "im2win needs a kernel wider than 1x1")
            _require(f.shape("Y")[3] >= self.lanes, op,
                     f"im2win needs output rows >= {self.lanes} wide")
        elif self.algorithm == "im2win_nhwc":
            _require(math.prod(f.shape("W")[2:]) > 1, op, "im2win needs a kernel wider than 1x1")
            _require(f.int("group") == 1 and f.ints("dilations")[1] == 1, op,
                     "im2win_nhwc needs an ungrouped conv with width dilation 1")
            _require(self.loop_order == "channels_rows", op, "im2win_nhwc takes no loop_order")
            _require(f.shape("Y")[1] >= self.lanes, op,
                     f"im2win_nhwc needs >= {self.lanes} output channels")
        elif self.algorithm.startswith("winograd"):
            _require(is_winograd(op), op,
                     "winograd needs a 3x3 stride-1 undilated ungrouped conv")
            _require(self.loop_order == "channels_rows", op, "winograd takes no loop_order")
            _require(f.shape("Y")[1] >= self.lanes, op,
                     f"winograd needs >= {self.lanes} output channels")
            m, (oh, ow) = winograd_tile(self), f.shape("Y")[2:]
            covered = math.ceil(oh / m) * m * math.ceil(ow / m) * m
            _require(covered <= WINOGRAD_MAX_COVER * oh * ow, op,
                     f"F({m}x{m}) tiles cover {covered / (oh * ow):.2f}x the {oh}x{ow} output "
                     f"(at most {WINOGRAD_MAX_COVER}x)")


WINOGRAD_MAX_COVER = 1.5
"""A Winograd tile size is valid while its tiles cover at most 1.5x the output (a 5x5 output
in 4x4 tiles computes 8x8: the multiplies it saves go to padding, its filter is 4x larger)."""


def _check_packed(op: kernel.ConvOp, s: ConvSchedule) -> None:
    """Read from the op itself, not `facts`: the check also runs on the conv after
    `conv-to-packed`, whose W is the packed filter."""
    w, y = op.filter_shape(), kernel.shape(op.Y)
    _require(len(w) == 4 and op.group.value.data == 1, op,
             "packed needs a 2-d ungrouped conv")
    _require(y[1] >= s.lanes, op, f"packed needs >= {s.lanes} output channels")
    _require(s.loop_order == "channels_rows", op, "packed takes no loop_order")
    _require(not op.packed or kernel.shape(op.W)[-1] == s.lanes * s.tile_vectors, op,
             f"the packed filter's blocks are not {s.lanes} x {s.tile_vectors} channels")


def is_pointwise(op: kernel.ConvOp, grouped: bool = False) -> bool:
    """A 1x1 stride-1 unpadded conv (ungrouped unless `grouped`): a GEMM per image."""
    f = facts(op)
    return (all(k == 1 for k in f.shape("W")[2:]) and all(s == 1 for s in f.ints("strides"))
            and not any(f.ints("pads")) and (grouped or f.int("group") == 1))


def is_winograd(op: kernel.ConvOp) -> bool:
    f = facts(op)
    return (len(f.shape("X")) == 4 and f.shape("W")[2:] == (3, 3) and f.int("group") == 1
            and f.ints("strides") == (1, 1) and f.ints("dilations") == (1, 1))


def winograd_tile(schedule: ConvSchedule) -> int:
    """m of F(m x m, 3 x 3) for a winograd algorithm."""
    return int(schedule.algorithm.removeprefix("winograd"))


def filter_elements(op: kernel.ConvOp, schedule: ConvSchedule) -> int:
    """How many elements the conv's filter holds once its schedule has laid it out: Winograd's
    transformed filter [alpha^2, C_in, C_out] (alpha^2/9 of the 3x3 filter), `packed`'s blocks
    of `lanes * tile_vectors` output channels (the last one padded); the filter itself else."""
    w = op.filter_shape()
    if schedule.algorithm.startswith("winograd"):
        alpha = winograd_tile(schedule) + 2
        return alpha * alpha * w[0] * w[1]
    if schedule.algorithm == "packed":
        block = schedule.lanes * schedule.tile_vectors
        return -(-w[0] // block) * block * math.prod(w[1:])
    return math.prod(w)


def is_tileable(op: kernel.ConvOp, lanes: int = 4) -> bool:
    f = facts(op)
    x = f.shape("X")
    if len(x) != 4 or f.ints("strides")[1] > 2:
        return False
    return min(x[3], f.shape("Y")[3]) >= lanes


def conv_lanes(op: kernel.ConvOp) -> int:
    """The widest vector that fits the narrower of the input and output rows."""
    f = facts(op)
    width = min(f.shape("X")[3], f.shape("Y")[3])
    return 16 if width >= 16 else 8 if width >= 8 else 4


def heuristic_conv(op: kernel.ConvOp) -> ConvSchedule:
    if is_pointwise(op):
        return ConvSchedule("pointwise", tile_channels=6, tile_vectors=2, lanes=16,
                            loop_order="rows_channels")
    if not is_tileable(op):
        return ConvSchedule("direct")
    rows = min(6, facts(op).shape("Y")[1] // facts(op).int("group"))
    return ConvSchedule("tiled", tile_channels=6, tile_vectors=2 if rows > 2 else 4,
                        lanes=conv_lanes(op))


# ----------------------------------------------------------------------------- gemm / matmul

GEMM_ALGORITHMS = ("loops", "tiled", "dot")


@dataclass(frozen=True)
class GemmSchedule(Schedule):
    FAMILY: ClassVar[str] = "gemm"

    algorithm: str = "loops"
    tile_channels: int = 6
    tile_vectors: int = 2
    lanes: int = 16
    k_block: int = 0
    pack_b: bool = False

    def check(self, op: Operation) -> None:
        assert isinstance(op, kernel.GemmOp | kernel.MatMulOp | kernel.WindowGemmOp)
        _require(self.algorithm in GEMM_ALGORITHMS, op, f"unknown algorithm {self.algorithm!r}")
        _require(self.k_block >= 0, op, "k_block must be >= 0")
        _require(not self.pack_b or (self.algorithm == "tiled" and packable_b(op)), op,
                 "pack_b needs tiled and a B that is one matrix (a gemm, a matmul with a 2-d "
                 "B and A with rows)")
        panel = facts(op).props.get("b_panel")
        _require(panel is None or (self.algorithm == "tiled"
                                   and panel == self.tile_vectors * self.lanes), op,
                 f"a B packed in panels of {panel} columns runs tiled with tile_vectors x "
                 "lanes equal to it")
        if isinstance(op, kernel.WindowGemmOp):
            _require(self.algorithm == "tiled", op, "a window gemm runs tiled")
            _check_tile(op, self.tile_channels, self.tile_vectors, self.lanes)
            _require(facts(op).shape("Y")[2] >= self.lanes, op,
                     f"tiled needs N >= lanes ({self.lanes})")
            return
        if self.algorithm == "loops":
            _require(self == GemmSchedule("loops"), op, "loops takes no tile knobs")
            return
        _check_tile(op, self.tile_channels, self.tile_vectors, self.lanes)
        trans_b = isinstance(op, kernel.GemmOp) and facts(op).int("trans_b")
        if self.algorithm == "tiled":
            _require(not trans_b or self.pack_b, op, "tiled needs B's rows contiguous along N "
                     "(trans_b = 0) or B packed in panels (pack_b)")
            _require(gemm_n(op) >= self.lanes, op, f"tiled needs N >= lanes ({self.lanes})")
            return
        _require(isinstance(op, kernel.GemmOp) and bool(trans_b), op,
                 "dot needs a gemm with trans_b = 1 (B's rows contiguous along K)")
        assert isinstance(op, kernel.GemmOp)
        _require(not facts(op).int("trans_a"), op, "dot needs A's rows contiguous (trans_a = 0)")
        _require(self.tile_vectors == 1 and self.k_block == 0, op,
                 "dot keeps one vector per row of B and runs all of K")


def gemm_n(op: kernel.GemmOp | kernel.MatMulOp) -> int:
    """N: the columns of Y (1 for a matmul with a 1-d B)."""
    if isinstance(op, kernel.GemmOp):
        return facts(op).shape("Y")[1]
    return facts(op).shape("Y")[-1] if len(facts(op).shape("B")) > 1 else 1


def packable_b(op: kernel.GemmOp | kernel.MatMulOp | kernel.WindowGemmOp) -> bool:
    """B is one matrix ([K, N], or [N, K] for a gemm with trans_b = 1: packing transposes it)
    that can be packed in panels along N."""
    f = facts(op)
    if isinstance(op, kernel.GemmOp):
        return True
    if isinstance(op, kernel.MatMulOp):
        return len(f.shape("A")) >= 2 and (len(f.shape("B")) == 2 or "b_panel" in f.props)
    return False


PACK_MIN_BYTES = 32 * 1024
"""The smallest B the heuristic packs: a B that fits in L1 has no row stride to hide."""


GEMM_TILE = (8, 3)
"""MR x NR/VL of the default register tile: 24 accumulators + 3 B vectors + 1 broadcast."""
GEMM_K_BLOCK = 128
"""K rows of a B panel per block: 128 x 48 floats = 24 KiB, in L1 across the row tiles."""
MATVEC_ROWS = 4
"""Rows of B (independent accumulators) per step of a matrix-vector `dot`."""


def heuristic_gemm(op: kernel.GemmOp | kernel.MatMulOp | kernel.WindowGemmOp) -> GemmSchedule:
    """`dot` for a fully-connected gemm of few rows (trans_b = 1: streams B's rows at full
    vector width, MATVEC_ROWS accumulators); `tiled` for a matmul or a gemm when N >= 16, with
    B packed in panels when it is a matrix of at least PACK_MIN_BYTES (a gemm with trans_b = 1
    runs tiled only so); else `loops`."""
    if isinstance(op, kernel.WindowGemmOp):
        n = facts(op).shape("Y")[2]
        return GemmSchedule("tiled", 6, 2, 16 if n >= 16 else 8 if n >= 8 else 4)
    f = facts(op)
    n = gemm_n(op)
    if isinstance(op, kernel.GemmOp):
        m = f.shape("Y")[0]
        k = f.shape("A")[0] if f.int("trans_a") else f.shape("A")[1]
        if f.int("trans_b") and not f.int("trans_a") and m <= 4 and k >= 16:
            return GemmSchedule("dot", MATVEC_ROWS, 1, 16, 0)
    else:
        k = f.shape("A")[-1]
    pack = packable_b(op) and k * n * 4 >= PACK_MIN_BYTES
    transposed = isinstance(op, kernel.GemmOp) and f.int("trans_b")
    if n < 16 or transposed and not pack:
        return GemmSchedule("loops")
    vectors = GEMM_TILE[1] if n >= 48 else n // 16
    k_block = GEMM_K_BLOCK if k > 2 * GEMM_K_BLOCK else 0
    return GemmSchedule("tiled", GEMM_TILE[0], vectors, 16, k_block, pack)


# ----------------------------------------------------------------------------- everything else


@dataclass(frozen=True)
class LoopSchedule(Schedule):
    FAMILY: ClassVar[str] = "loops"

    unroll: int = 1

    def check(self, op: Operation) -> None:
        _require(self.unroll in UNROLLS, op, f"unroll must be one of {UNROLLS}")
        _require(self.unroll == 1 or isinstance(op, UNROLLABLE), op,
                 "this kernel's loops take no unroll")


UNROLLS = (1, 2, 4, 8)
UNROLLABLE = (kernel.MapOp, kernel.CopyOp, kernel.TransposeOp, kernel.ConcatOp, kernel.PoolOp,
              kernel.GatherOp, kernel.GatherElementsOp, kernel.GatherNDOp)
"""The kernels whose output nest the emitters unroll (`LoopBuilder.nest(unroll=...)`)."""

FAMILIES: dict[str, type[Schedule]] = {
    cls.FAMILY: cls for cls in (ConvSchedule, GemmSchedule, LoopSchedule)}


def family_of(op: Operation) -> type[Schedule]:
    if isinstance(op, kernel.ConvOp):
        return ConvSchedule
    if isinstance(op, kernel.GemmOp | kernel.MatMulOp | kernel.WindowGemmOp):
        return GemmSchedule
    return LoopSchedule


def heuristic(op: Operation) -> Schedule:
    """The schedule tcc chose before it had a schedule space (a fixed rule per op)."""
    if isinstance(op, kernel.ConvOp):
        return heuristic_conv(op)
    if isinstance(op, kernel.GemmOp | kernel.MatMulOp | kernel.WindowGemmOp):
        return heuristic_gemm(op)
    return LoopSchedule()


def from_attr(op: Operation, attr: DictionaryAttr) -> Schedule:
    """The typed schedule an attribute holds, checked against `op`."""
    knobs = {name: _knob_value(value) for name, value in attr.data.items()}
    family = knobs.pop("family", None)
    cls = family_of(op)
    _require(family == cls.FAMILY, op, f"schedule family {family!r}, expected {cls.FAMILY!r}")
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(knobs) - names)
    _require(not unknown, op, f"unknown {cls.FAMILY} schedule knob(s) {', '.join(unknown)}")
    schedule = cls(**knobs)
    schedule.check(op)
    return schedule


def schedule_of(op: kernel.KernelOp) -> Schedule:
    """`op`'s schedule: its `schedule` property, or the heuristic one when it has none."""
    if op.schedule is None:
        return heuristic(op)
    return from_attr(op, op.schedule)
