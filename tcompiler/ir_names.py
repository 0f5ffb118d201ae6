"""The discardable attribute names tcc puts on IR, in one place.

On `@main` (the graph function):
    GRAPH          unit: this function is the graph (calls kernels in order)
    INPUT_NAMES    the ONNX names of the graph inputs, in argument order
    OUTPUT_NAMES   the ONNX names of the graph outputs, in argument order (from the kernels
                   stage on, then `<name>:length` for each length output, `program.py`)
    DYNAMIC_AXES   i64 per model output: the axis whose extent is known only at run time, or
                   -1; only when some output has one (`program.py`)
    ARENA_SIZE ... the memory plan as `plan-memory` left it (PLAN_ATTRS)
On calls in `@main`:
    INPLACE        the argument positions whose bytes the call's output takes over (the
                   plan's in-place decisions, kept so the plan can be checked after lowering)
    LOOP_SCRATCH   i64, on the call of a loop: the scratch bytes its body needs
    WRITES         i64: the call writes its last this many arguments (absent: the last one)
On loop declarations (`tcompiler.loop_bodies`):
    LOOP           unit: a declaration `@tcc_loop_<k>` the runner implements as a loop
On kernel functions:
    KERNEL         unit: this function holds one kernel op
    MAY_ALIAS      unit: a copy of a kernel whose calls pass overlapping buffers (no noalias)
    PARALLEL       i64: the kernel splits into this many independent units; its last two
                   arguments are the unit range [lo, hi) one call runs (`LoopBuilder.parallel`)
"""

from __future__ import annotations

GRAPH = "tcc.graph"
KERNEL = "tcc.kernel"
MAY_ALIAS = "tcc.may_alias"
PARALLEL = "tcc.parallel"
INPLACE = "tcc.inplace"
INPUT_NAMES = "tcc.input_names"
OUTPUT_NAMES = "tcc.output_names"
DYNAMIC_AXES = "tcc.dynamic_axes"

ARENA_SIZE = "tcc.arena_size"
ARENA_LOWER_BOUND = "tcc.arena_lower_bound"
MEMORY_PLAN = "tcc.memory_plan"
PLAN_BASELINE = "tcc.plan_baseline"
PLAN_GAP = "tcc.plan_gap"
PLAN_SECONDS = "tcc.plan_seconds"
LOOP = "tcc.loop"
LOOP_SCRATCH = "tcc.loop_scratch"
WRITES = "tcc.writes"

PLAN_OPTIMAL = "tcc.plan_optimal"
PLAN_INPLACE = "tcc.plan_inplace"

SCHEDULE_SOURCE = "tcc.schedule_source"
"""On kernel functions: where the kernel's schedule came from (heuristic, random, model, db)."""
PREDICTED_US = "tcc.predicted_us"
"""On kernel functions: the cost model's predicted time of the chosen schedule, microseconds."""


def units_symbol(kernel: str) -> str:
    """The symbol of the i64 constant a parallel kernel's object exports: its unit count."""
    return f"{kernel}.units"
