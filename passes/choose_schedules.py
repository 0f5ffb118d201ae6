"""choose-schedules: give every kernel op its schedule (the lowering choices, as data).

Runs at the kernels stage, before `plan-memory` (a schedule can change what a kernel needs in
memory). Each kernel op of each kernel function gets a `schedule` property, and the function
records where it came from (`tcc.schedule_source`) and, from a cost model, the predicted time
(`tcc.predicted_us`). Policies (option `policy`):

- `heuristic`: the fixed rules tcc had before it had a schedule space (`costmodel.schedules`);
- `random`: a uniformly random legal schedule from the op's space (`costmodel.space`), seeded
  by `seed` and the kernel's name, so a run is reproducible (fuzzing and testing the space);
- `costmodel`: the measured best from the tuning database `db` for this CPU, else the top of
  the space ranked by the learned model (`model`, default: the one shipped with tcc), keeping
  the heuristic unless the model predicts a clear gain (`costmodel.select`).

`conv_algorithm` (`tcc compile --conv-algorithm`: auto, direct, im2col, im2win, winograd)
narrows every policy's choice for a conv to the schedules of that algorithm, for the convs it
is valid for (`costmodel.space`); the heuristic policy then takes `space.default_schedule`.
The algorithms that rewrite a conv into several kernels are done by `conv-to-im2col`,
`conv-to-im2win` and `conv-to-winograd`, which run after this pass.

Ops that already have a schedule (set by a plug-in pass, or parsed from text) keep it unless
`override` is set.

Before:

    func.func @conv_0(%x: memref<1x8x16x16xf32>, %w: memref<8x8x3x3xf32>,
                      %y: memref<1x8x16x16xf32>) attributes {tcc.kernel} {
      kernel.conv %x, %w -> %y {strides = ..., pads = ..., dilations = ..., group = 1 : i64}
          : memref<1x8x16x16xf32>, memref<8x8x3x3xf32> -> memref<1x8x16x16xf32>
      func.return
    }

After (`policy=heuristic`):

    func.func @conv_0(...) attributes {tcc.kernel, tcc.schedule_source = "heuristic"} {
      kernel.conv %x, %w -> %y {..., schedule = {family = "conv", algorithm = "tiled",
          tile_channels = 6 : i64, tile_vectors = 2 : i64, lanes = 16 : i64,
          loop_order = "channels_rows", ic_block = 0 : i64}} : ...
      func.return
    }
"""

from __future__ import annotations

import random
import zlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

from xdsl.context import Context
from xdsl.dialects import func
from xdsl.dialects.builtin import FloatAttr, ModuleOp, StringAttr, f64
from xdsl.passes import ModulePass

from tcompiler import contracts, ir_names
from tcompiler.costmodel.schedules import Schedule, heuristic
from tcompiler.costmodel.space import sample, space
from tcompiler.dialects import kernel
from tcompiler.errors import OptionError
from tcompiler.memplan.lifetimes import nbytes
from tcompiler.stages import MAX_WEIGHT_GROWTH

POLICIES = ("heuristic", "random", "costmodel")
CONV_ALGORITHMS = ("auto", "direct", "im2col", "im2win", "winograd")

Choice = tuple[Schedule, str, float | None]
Chooser = Callable[[str, kernel.KernelOp], Choice]
"""(kernel function name, kernel op) -> (schedule, where it came from, predicted us or None)"""


@dataclass(frozen=True)
class ChooseSchedulesPass(ModulePass):
    """Attach a schedule to every kernel op (see the module docstring)."""

    name = "choose-schedules"
    input_contract: ClassVar[contracts.Contract] = contracts.KERNELS

    policy: str = "heuristic"
    """heuristic | random | costmodel"""
    seed: int = 0
    """Seed of the random policy."""
    override: bool = False
    """Replace schedules that ops already have."""
    model: str = ""
    """costmodel policy: a model file (default: the model shipped with tcc)."""
    db: str = ""
    """costmodel policy: a tuning database whose measured best schedules win."""
    conv_algorithm: str = "auto"
    """auto | direct | im2col | im2win | winograd: the convolution algorithm to use where valid."""
    max_weight_growth: float = MAX_WEIGHT_GROWTH
    """costmodel policy, conv_algorithm auto: the bytes re-laid-out filters add (Winograd's
    grow 4x) stay within this fraction of the model's weights or 16 MiB, whichever is larger
    (`costmodel.select.fit_weight_budget`); negative: no limit."""

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        contracts.require(op, self.name, self.input_contract)
        if self.policy not in POLICIES:
            raise OptionError(f"choose-schedules: unknown policy {self.policy!r} "
                              f"(choose from {', '.join(POLICIES)})")
        if self.conv_algorithm not in CONV_ALGORITHMS:
            raise OptionError(f"choose-schedules: unknown conv_algorithm "
                              f"{self.conv_algorithm!r} (choose from {', '.join(CONV_ALGORITHMS)})")
        costmodel = self._costmodel() if self.policy == "costmodel" else None
        chooser = (lambda name, kop: costmodel(kop)) if costmodel else self._chooser()
        chosen: list[tuple[str, kernel.KernelOp, Choice]] = []
        for fn in op.body.block.ops:
            if not isinstance(fn, func.FuncOp) or ir_names.KERNEL not in fn.attributes:
                continue
            for kop in fn.body.walk():
                if isinstance(kop, kernel.KernelOp) and (kop.schedule is None or self.override):
                    chosen.append((fn.sym_name.data, kop, chooser(fn.sym_name.data, kop)))
        if costmodel and self.conv_algorithm == "auto" and self.max_weight_growth >= 0:
            chosen = self._fit_weight_budget(op, chosen, costmodel)
        for _, kop, (schedule, source, predicted) in chosen:
            fn = kop.parent_op()
            assert isinstance(fn, func.FuncOp)
            kop.schedule = schedule.to_attr()
            fn.attributes[ir_names.SCHEDULE_SOURCE] = StringAttr(source)
            if predicted is not None:
                fn.attributes[ir_names.PREDICTED_US] = FloatAttr(predicted, f64)

    def _fit_weight_budget(self, module: ModuleOp,
                           chosen: list[tuple[str, kernel.KernelOp, Choice]],
                           choose: Callable[..., Choice]
                           ) -> list[tuple[str, kernel.KernelOp, Choice]]:
        from tcompiler.costmodel.select import MIN_GROWTH_BYTES, HeldConv, fit_weight_budget

        calls = Counter(call.callee.root_reference.data for call in module.walk()
                        if isinstance(call, func.CallOp))
        weights = sum(nbytes(w.result) for w in module.walk() if isinstance(w, kernel.WeightOp))
        ops_in = Counter(name for name, _, _ in chosen)
        keys = [name if ops_in[name] == 1 else f"{name}.{i}"  # the function's name if unique
                for i, (name, _, _) in enumerate(chosen)]
        convs = {key: HeldConv(kop, calls[name], choice)
                 for key, (name, kop, choice) in zip(keys, chosen)
                 if isinstance(kop, kernel.ConvOp) and calls[name]}
        budget = max(int(self.max_weight_growth * weights), MIN_GROWTH_BYTES)
        changed = fit_weight_budget(convs, budget, choose)
        return [(name, kop, changed.get(key, choice))
                for key, (name, kop, choice) in zip(keys, chosen)]

    def _costmodel(self) -> Callable[..., Choice]:
        from tcompiler.codegen.target import Target
        from tcompiler.costmodel.select import costmodel_chooser

        return costmodel_chooser(self.model or None, self.db or None, Target.host(),
                                 self.conv_algorithm)

    def _chooser(self) -> Chooser:
        if self.policy == "random":
            return self._random
        return lambda name, kop: (self._heuristic(kop), "heuristic", None)

    def _heuristic(self, kop: kernel.KernelOp) -> Schedule:
        if isinstance(kop, kernel.ConvOp) and self.conv_algorithm != "auto":
            return space(kop, self.conv_algorithm)[0]
        return heuristic(kop)

    def _random(self, name: str, kop: kernel.KernelOp) -> tuple[Schedule, str, float | None]:
        rng = random.Random(self.seed * 1_000_003 + zlib.crc32(name.encode()))
        return sample(kop, rng, 1, self.conv_algorithm)[0], "random", None

