"""The `loops` stage: each kernel-dialect compute op becomes explicit scf loops.

`lower_kernel(op)` emits the loops just before `op` (which must sit in a `func.func`) and
erases it. The emitted IR stays inside `contracts.LOOPS`, the input of `lower-to-llvm`:
scf.for/if/yield, scalar arith and math, memref.load/store on the function's arguments (no
allocation), and 1-D vector load/store/broadcast/fma/shuffle/insert in the register-tiled
conv and matrix-multiply (pointwise conv) microkernels, and the int8 microkernel's
`llvm.call_intrinsic` of `vpdpbusd` on `llvm.bitcast` byte vectors (`qgemm.py`), whose
byte packing (`qpack.py`) interleaves 1-D byte vectors with `vector.shuffle`.
One module per op family holds its emitter; `EMITTERS` maps op class to emitter.

Aliasing: map and copy are element-for-element and conv reads R before writing Y at the same
index, so those may run in place (Y the same buffer as an input of its shape). The other
kernels use Y as scratch (softmax, lrn, gemm rows) and need Y disjoint from their inputs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from xdsl.ir import Operation
from xdsl.rewriter import Rewriter

from tcompiler.codegen.loops.builder import LoopBuilder
from tcompiler.codegen.loops.conv import emit_conv
from tcompiler.codegen.loops.conv_transpose import emit_conv_transpose
from tcompiler.codegen.loops.detect import DETECT_EMITTERS
from tcompiler.codegen.loops.elementwise import emit_concat, emit_copy, emit_map, emit_transpose
from tcompiler.codegen.loops.gather import emit_gather, emit_gather_elements, emit_gather_nd
from tcompiler.codegen.loops.gemm import emit_gemm
from tcompiler.codegen.loops.im2 import emit_im2col, emit_im2win, emit_im2win_nhwc
from tcompiler.codegen.loops.index import INDEX_EMITTERS
from tcompiler.codegen.loops.lrn import emit_lrn
from tcompiler.codegen.loops.matmul import emit_matmul
from tcompiler.codegen.loops.norm import emit_normalize
from tcompiler.codegen.loops.pool import emit_pool
from tcompiler.codegen.loops.qgemm import emit_qgemm
from tcompiler.codegen.loops.qpack import emit_qpack_im2col, emit_qpack_rows
from tcompiler.codegen.loops.reduce import emit_reduce
from tcompiler.codegen.loops.remap import emit_remap
from tcompiler.codegen.loops.sample import SAMPLE_EMITTERS
from tcompiler.codegen.loops.softmax import emit_softmax
from tcompiler.codegen.loops.window_gemm import emit_to_nchw, emit_window_gemm
from tcompiler.codegen.loops.winograd import emit_winograd_input, emit_winograd_output
from tcompiler.costmodel.schedules import schedule_of
from tcompiler.dialects import kernel, kernel_quant

EMITTERS: dict[type[Operation], Callable[[LoopBuilder, Any, Any], None]] = {
    kernel.ConvOp: emit_conv,
    kernel.GemmOp: emit_gemm,
    kernel.PoolOp: emit_pool,
    kernel.MapOp: emit_map,
    kernel.SoftmaxOp: emit_softmax,
    kernel.LRNOp: emit_lrn,
    kernel.TransposeOp: emit_transpose,
    kernel.ConcatOp: emit_concat,
    kernel.CopyOp: emit_copy,
    kernel.ReduceOp: emit_reduce,
    kernel.MatMulOp: emit_matmul,
    kernel.ConvTransposeOp: emit_conv_transpose,
    kernel.NormalizeOp: emit_normalize,
    kernel.RemapOp: emit_remap,
    kernel.GatherOp: emit_gather,
    kernel.GatherElementsOp: emit_gather_elements,
    kernel.GatherNDOp: emit_gather_nd,
    kernel.Im2ColOp: emit_im2col,
    kernel.Im2WinOp: emit_im2win,
    kernel.Im2WinNhwcOp: emit_im2win_nhwc,
    kernel.WindowGemmOp: emit_window_gemm,
    kernel.ToNchwOp: emit_to_nchw,
    kernel.WinogradInputOp: emit_winograd_input,
    kernel.WinogradOutputOp: emit_winograd_output,
    kernel_quant.QPackIm2ColOp: emit_qpack_im2col,
    kernel_quant.QPackRowsOp: emit_qpack_rows,
    kernel_quant.QGemmOp: emit_qgemm,
    **INDEX_EMITTERS, **DETECT_EMITTERS, **SAMPLE_EMITTERS,
}


def lower_kernel(op: Operation) -> bool:
    """Replace kernel op `op` by loops as its schedule says (the heuristic one when it has
    none); False (and no change) if `op` is not a kernel op."""
    emitter = EMITTERS.get(type(op))
    if emitter is None:
        return False
    assert isinstance(op, kernel.KernelOp)
    emitter(LoopBuilder.before(op), op, schedule_of(op))
    Rewriter.erase_op(op)
    return True
