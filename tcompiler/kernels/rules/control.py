"""The rule for the call of a loop (`tcompiler.loop_bodies`): `func.call @tcc_loop_<k>` on
tensors -> the same call on buffers, destination-passing like a kernel's.

Its arguments are the loop's operands, then a destination per result (`GraphConverter.
destination`: the output argument a result is returned in, or a new buffer), then the scratch the
body needs (an i8 buffer of `ir_names.LOOP_SCRATCH` bytes); the call writes its last
`ir_names.WRITES` arguments (the results and the scratch). The declaration takes the new
argument types.
"""

from __future__ import annotations

from xdsl.dialects import func
from xdsl.dialects.builtin import FunctionType, IntegerAttr, MemRefType, i8, i64

from tcompiler import ir_names
from tcompiler.kernels.convert import GraphConverter


def loop_call(c: GraphConverter, op: func.CallOp) -> None:
    scratch = op.attributes.get(ir_names.LOOP_SCRATCH)
    assert isinstance(scratch, IntegerAttr), f"@{op.callee.string_value()} is not a loop"
    ins = [c.memref(v) for v in op.arguments]
    outs = [c.destination(result) for result in op.res]
    outs.append(c.buffer(MemRefType(i8, [max(scratch.value.data, 1)])))
    call = func.CallOp(op.callee, [*ins, *outs], [])
    call.attributes[ir_names.WRITES] = IntegerAttr(len(outs), i64)
    call.attributes[ir_names.LOOP_SCRATCH] = scratch
    c.insert(call)
    name = op.callee.string_value()
    for declaration in c.module.body.block.ops:
        if isinstance(declaration, func.FuncOp) and declaration.sym_name.data == name:
            declaration.function_type = FunctionType.from_lists(
                [v.type for v in call.arguments], [])


RULES = {func.CallOp: loop_call}
