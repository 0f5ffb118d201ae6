"""The stage table of the compile driver (`tcompiler.pipeline` runs it; `tcc compile --emit`
takes its names). A leaf module, so the CLI can list the stages without importing xDSL.

    stage     pipeline (built-in passes)                 scope    contract after it
    onnx      (the frontend: checker, opset upgrade,     module   contracts.ONNX
              shape inference, import)
    graph     onnx-canonicalize,fold-batchnorm,fuse-qdq, module   contracts.ONNX
              onnx-canonicalize
    kernels   convert-onnx-to-kernel,fuse-conv-epilogue, module   contracts.KERNELS
              fuse-elementwise,outline-kernels,
              dedup-kernels,choose-schedules{policy=...},
              conv-to-im2col,conv-to-im2win,
              conv-to-winograd,conv-to-packed,pack-weights,
              dedup-kernels
    schedule  concat-in-place,                           module   contracts.KERNELS
              plan-memory{method=... time_limit=...}
    loops     lower-kernels-to-loops                     kernel   contracts.LOOPS
    llvm      lower-to-llvm{expand-math=...}             kernel   contracts.LLVM

The scope says where `compile_model` runs a stage: `module` stages on the model's module,
`kernel` stages on one module per distinct kernel (cached, in parallel). Kernel stages come
after every module stage.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from tcompiler.pipeline import CompileOptions

GRAPH_PIPELINE = "onnx-canonicalize,fold-batchnorm,fuse-qdq,onnx-canonicalize"
CONV_ALGORITHM_PIPELINE = ("conv-to-im2col,conv-to-im2win,conv-to-winograd,conv-to-packed,"
                           "pack-weights,dedup-kernels")
"""The passes that rewrite the convs whose schedule names a multi-kernel algorithm (`packed`:
its filter packed), pack the constant B operands of gemms scheduled `pack_b`, and make one
function per distinct kernel again (equal convs give equal transforms)."""


MAX_WEIGHT_GROWTH = 0.1
"""The default of `tcc compile --max-weight-growth` (`choose-schedules{max_weight_growth}`)."""


def kernels_pipeline(options: CompileOptions) -> str:
    """The fused kernels, then a schedule for each (`--schedules`, `--tuning-db`)."""
    from tcompiler.kernels import KERNELS_PIPELINE

    choose = f"policy={options.schedules}"
    if options.conv_algorithm != "auto":
        choose += f" conv_algorithm={options.conv_algorithm}"
    if options.max_weight_growth != MAX_WEIGHT_GROWTH:
        growth = options.max_weight_growth if options.max_weight_growth != float("inf") else -1
        choose += f" max_weight_growth={float(growth)}"
    if options.cost_model:
        choose += f' model="{options.cost_model}"'
    if options.tuning_db:
        choose += f' db="{options.tuning_db}"'
    return f"{KERNELS_PIPELINE},choose-schedules{{{choose}}},{CONV_ALGORITHM_PIPELINE}"


def plan_memory_pipeline(options: CompileOptions) -> str:
    return (f"concat-in-place,plan-memory{{method={options.memory_plan} "
            f"time_limit={float(options.plan_time_limit)}}}")


def llvm_pipeline(options: CompileOptions) -> str:
    """`lower-to-llvm`; `--no-expand-math` keeps math ops as intrinsics and libm calls."""
    return "lower-to-llvm" if options.expand_math else "lower-to-llvm{expand-math=false}"


@dataclass(frozen=True)
class Stage:
    name: str
    pipeline: str | Callable[[CompileOptions], str]  # the built-in passes ("" for onnx)
    scope: Literal["module", "kernel"]

    def builtin_pipeline(self, options: CompileOptions) -> str:
        return self.pipeline if isinstance(self.pipeline, str) else self.pipeline(options)


STAGES: tuple[Stage, ...] = (
    Stage("onnx", "", "module"),  # the frontend imports; no extra passes after it
    Stage("graph", GRAPH_PIPELINE, "module"),
    Stage("kernels", kernels_pipeline, "module"),
    Stage("schedule", plan_memory_pipeline, "module"),
    Stage("loops", "lower-kernels-to-loops", "kernel"),
    Stage("llvm", llvm_pipeline, "kernel"),
)
STAGE_NAMES = tuple(s.name for s in STAGES)
