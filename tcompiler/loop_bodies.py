"""Real loops through the compile: each `onnx.Loop` of `@main` becomes a sub-program.

    bodies = split_loops(module)        # @main now calls @tcc_loop_<k> where each loop was
    module_k = body_module(body_k)      # the body as a model of its own: @main(iter, cond,
                                        #   carried..., captured...) -> (cond, carried..., scans...)
    rename_kernels(module_k, "tcc_loop_<k>_")   # its kernel symbols, unique in the program
    new = share_kernels(module_k, seen)         # ... but one per distinct kernel of all bodies

The driver (`tcompiler.pipeline.compile_model`) compiles each body module through the module
stages like any model (so the same rules, fusion, schedules and memory planner apply: the body
gets its own arena), then marks the loop's call with the scratch the body needs
(`ir_names.LOOP_SCRATCH`, see `program.LoopBody`) before the parent's stages run. The call of
`@tcc_loop_<k>` (a declaration, `ir_names.LOOP`) takes the loop's operands and returns its
results; `convert-onnx-to-kernel` turns it into a call on buffers that writes its outputs and
its scratch (`tcompiler.kernels.rules.control`), which the planner places like any other; the
runner runs the body's steps per iteration (`tcompiler.runtime.native`).
"""

from __future__ import annotations

from xdsl.dialects import func
from xdsl.dialects.builtin import (
    ArrayAttr,
    ModuleOp,
    StringAttr,
    SymbolRefAttr,
    UnitAttr,
)
from xdsl.ir import Block, Region, SSAValue

from tcompiler import ir_names
from tcompiler.dialects.onnx_control import LoopOp, YieldOp


def loop_symbol(index: int) -> str:
    return f"tcc_loop_{index}"


def split_loops(module: ModuleOp) -> list[LoopOp]:
    """Replace every `onnx.Loop` of `@main` by a call of a new declaration `@tcc_loop_<k>`;
    return the loops (detached), k in order."""
    main = next(op for op in module.body.block.ops
                if isinstance(op, func.FuncOp) and op.sym_name.data == "main")
    loops = [op for op in main.body.block.ops if isinstance(op, LoopOp)]
    for index, loop in enumerate(loops):
        name = loop_symbol(index)
        trip = [] if loop.trip_input is None else [loop.trip_input]
        operands = [*trip, *loop.initial, *loop.captured]
        signature = ([v.type for v in operands], [r.type for r in loop.outputs])
        declaration = func.FuncOp(name, signature, Region(), visibility="private")
        declaration.attributes[ir_names.LOOP] = UnitAttr()
        module.body.block.add_op(declaration)
        call = func.CallOp(name, operands, signature[1])
        call.attributes.update(loop.attributes)
        main.body.block.insert_op_before(call, loop)
        for old, new in zip(loop.results, call.results, strict=True):
            new.name_hint = old.name_hint
            old.replace_all_uses_with(new)
        loop.detach()
    return loops


def body_module(loop: LoopOp) -> ModuleOp:
    """The body of `loop` as a module whose `@main` takes the body's arguments and returns
    what the body yields."""
    block = Block(arg_types=[a.type for a in loop.body.block.args])
    for new, old in zip(block.args, loop.body.block.args, strict=True):
        new.name_hint = old.name_hint
    mapping: dict[SSAValue, SSAValue] = dict(zip(loop.body.block.args, block.args, strict=True))
    for op in loop.body.block.ops:
        if isinstance(op, YieldOp):
            block.add_op(func.ReturnOp(*(mapping.get(v, v) for v in op.values)))
            break
        block.add_op(op.clone(value_mapper=mapping))  # type: ignore[arg-type]
    ret = block.last_op
    assert isinstance(ret, func.ReturnOp)
    signature = ([a.type for a in block.args], [v.type for v in ret.arguments])
    main = func.FuncOp("main", signature, Region(block))
    main.attributes[ir_names.INPUT_NAMES] = ArrayAttr(
        [StringAttr(a.name_hint or f"in{i}") for i, a in enumerate(block.args)])
    main.attributes[ir_names.OUTPUT_NAMES] = ArrayAttr(
        [StringAttr(f"out{i}") for i in range(len(ret.arguments))])
    return ModuleOp([main])


def rename_kernels(module: ModuleOp, prefix: str) -> None:
    """Prefix every kernel function of `module` and the calls of it."""
    for op in module.walk():
        if isinstance(op, func.FuncOp) and ir_names.KERNEL in op.attributes:
            op.sym_name = StringAttr(prefix + op.sym_name.data)
        elif isinstance(op, func.CallOp):
            op.callee = SymbolRefAttr(prefix + op.callee.string_value())


def share_kernels(module: ModuleOp, seen: dict[str, str]) -> list[func.FuncOp]:
    """Calls of a kernel function of `module` equal to one of an earlier body (`seen`: its
    text with the name left out -> its name) call that one instead, and the copy goes; the
    kernel functions left, which `seen` now holds too."""
    kept: list[func.FuncOp] = []
    renamed: dict[str, str] = {}
    for fn in [op for op in module.body.block.ops
               if isinstance(op, func.FuncOp) and ir_names.KERNEL in op.attributes]:
        name = fn.sym_name.data
        key = str(fn).replace(f"@{name}(", "@(", 1)
        if key in seen:
            renamed[name] = seen[key]
            fn.detach()
            fn.erase()
            continue
        seen[key] = name
        kept.append(fn)
    for op in module.walk():
        if isinstance(op, func.CallOp) and op.callee.string_value() in renamed:
            op.callee = SymbolRefAttr(renamed[op.callee.string_value()])
    return kept
