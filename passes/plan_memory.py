"""plan-memory: give every `kernel.buffer` of `@main` a byte offset in one arena.

Before:

    %a = kernel.buffer : memref<1x64xf32>
    func.call @k0(%x, %a) ...
    %b = kernel.buffer : memref<1x64xf32>
    func.call @k1(%a, %b) ...
    %c = kernel.buffer : memref<1x64xf32>
    func.call @k2(%b, %c) ...

After (`method=greedy`: %a is dead when %c is written, so they share bytes):

    %a = kernel.buffer {offset = 0 : i64} : memref<1x64xf32>
    %b = kernel.buffer {offset = 256 : i64} : memref<1x64xf32>
    %c = kernel.buffer {offset = 0 : i64} : memref<1x64xf32>

and `@main` gets `tcc.arena_size = 512 : i64` and `tcc.memory_plan = "greedy-by-size"`.
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects import func
from xdsl.dialects.builtin import IntegerAttr, ModuleOp, StringAttr, i64
from xdsl.passes import ModulePass

from tcompiler.errors import OptionError
from tcompiler.schedule.lifetimes import buffer_intervals
from tcompiler.schedule.memplan import PLANNERS, Live


@dataclass(frozen=True)
class PlanMemoryPass(ModulePass):
    name = "plan-memory"

    method: str = "greedy"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        planner = PLANNERS.get(self.method)
        if planner is None:
            raise OptionError(f"plan-memory: unknown method {self.method!r} "
                              f"(choose from {', '.join(PLANNERS)})")
        for main in op.body.block.ops:
            if isinstance(main, func.FuncOp) and "tcc.graph" in main.attributes:
                intervals = buffer_intervals(main)
                plan = planner([Live(i.nbytes, i.first, i.last) for i in intervals])
                for interval, offset in zip(intervals, plan.offsets):
                    interval.buffer.offset = IntegerAttr(offset, i64)
                main.attributes["tcc.arena_size"] = IntegerAttr(plan.arena_bytes, i64)
                main.attributes["tcc.arena_lower_bound"] = IntegerAttr(plan.lower_bound, i64)
                main.attributes["tcc.memory_plan"] = StringAttr(plan.method)
