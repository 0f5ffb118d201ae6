"""Reading the planned graph function into a `Program` (steps, buffers, packed weights).

`@main` at the schedule stage is a straight list of `func.call`s on buffers: arguments
(inputs, then outputs), `kernel.weight`s, `kernel.buffer`s with arena offsets, and views of
those. Each distinct base becomes one `Buffer`; reshape views share their base's buffer id,
a slice of an arena buffer (a view with an `offset`) is a buffer of its own at its bytes
(numbered in the order the calls first pass them). `buffer_names` names those buffers.
"""

from __future__ import annotations

from xdsl.dialects import func
from xdsl.dialects.builtin import ArrayAttr, IntegerAttr, MemRefType, ModuleOp, StringAttr
from xdsl.ir import Attribute, BlockArgument, SSAValue

from tcompiler import ir_names
from tcompiler.dialects import kernel
from tcompiler.dialects.onnx import dtype_of
from tcompiler.memplan.graph import buffer_arguments
from tcompiler.memplan.lifetimes import base_of, byte_offset, is_whole, nbytes
from tcompiler.program import Buffer, Step, TensorSpec
from tcompiler.weights import WeightStore


def graph_function(module: ModuleOp) -> func.FuncOp:
    for op in module.body.block.ops:
        if isinstance(op, func.FuncOp) and ir_names.GRAPH in op.attributes:
            return op
    raise AssertionError("module has no graph function (tcc.graph)")


def kernel_functions(module: ModuleOp) -> list[func.FuncOp]:
    return [op for op in module.body.block.ops
            if isinstance(op, func.FuncOp) and ir_names.KERNEL in op.attributes]


def dtype_name(ty: Attribute) -> str:
    assert isinstance(ty, MemRefType)
    return dtype_of(ty.element_type).name


def _names(main: func.FuncOp, key: str, count: int, prefix: str) -> list[str]:
    attr = main.attributes.get(key)
    if isinstance(attr, ArrayAttr) and len(attr.data) == count:
        return [a.data for a in attr.data if isinstance(a, StringAttr)]
    return [f"{prefix}{i}" for i in range(count)]


def _dynamic_axes(main: func.FuncOp) -> list[int]:
    attr = main.attributes.get(ir_names.DYNAMIC_AXES)
    if not isinstance(attr, ArrayAttr):
        return []
    return [a.value.data for a in attr.data if isinstance(a, IntegerAttr)]


def assemble(module: ModuleOp, weights: WeightStore, num_inputs: int
             ) -> tuple[list[TensorSpec], list[TensorSpec], list[Step], list[Buffer], int, bytes]:
    """(inputs, outputs, steps, buffers, arena_bytes, weights_blob) of a planned module."""
    main = graph_function(module)
    args = list(main.body.block.args)
    in_args, out_args = args[:num_inputs], args[num_inputs:]
    in_names = _names(main, ir_names.INPUT_NAMES, len(in_args), "input_")
    out_names = _names(main, ir_names.OUTPUT_NAMES, len(out_args), "output_")
    inputs = [TensorSpec(n, tuple(a.type.get_shape()), dtype_name(a.type))  # type: ignore[attr-defined]
              for n, a in zip(in_names, in_args)]
    axes = _dynamic_axes(main)
    outputs = [TensorSpec(n, tuple(a.type.get_shape()), dtype_name(a.type),  # type: ignore[attr-defined]
                          axes[i] if i < len(axes) and axes[i] >= 0 else None)
               for i, (n, a) in enumerate(zip(out_names, out_args))]

    weight_names = [op.weight_name.data for op in main.body.block.ops
                    if isinstance(op, kernel.WeightOp)]
    unique_weights = list(dict.fromkeys(weight_names))
    blob, weight_offsets = weights.pack(unique_weights)

    ids: dict[tuple[SSAValue, int, int], int] = {}
    buffers: list[Buffer] = []

    def buffer_id(value: SSAValue) -> int:
        key = storage_key(value)
        if key in ids:
            return ids[key]
        base, start, size = key
        new_id = len(buffers)
        ids[key] = new_id
        owner = base.owner
        if isinstance(base, BlockArgument):
            index = base.index
            kind = "input" if index < num_inputs else "output"
            buffers.append(Buffer(new_id, kind, nbytes(base),
                                  index=index if kind == "input" else index - num_inputs))
        elif isinstance(owner, kernel.WeightOp):
            buffers.append(Buffer(new_id, "weight", nbytes(base),
                                  offset=weight_offsets[owner.weight_name.data]))
        elif isinstance(owner, kernel.BufferOp):
            offset = owner.offset
            assert isinstance(offset, IntegerAttr), "buffer without a planned offset"
            buffers.append(Buffer(new_id, "arena", size, offset=offset.value.data + start))
        else:
            raise AssertionError(f"unexpected buffer owner {owner}")
        return new_id

    # a lowered parallel kernel's unit range is the runtime's to choose, not a buffer
    steps = [Step(op.callee.string_value(), tuple(buffer_id(a) for a in buffer_arguments(op)))
             for op in main.body.block.ops if isinstance(op, func.CallOp)]
    arena_attr = main.attributes.get(ir_names.ARENA_SIZE)
    arena = arena_attr.value.data if isinstance(arena_attr, IntegerAttr) else 0
    return inputs, outputs, steps, buffers, arena, blob


def storage_key(value: SSAValue) -> tuple[SSAValue, int, int]:
    """(base, first byte, size) of the bytes `value` names: one `Buffer` per key. A reshape
    view is its base's buffer; a slice of an arena buffer (`concat-in-place`) a buffer of its
    own at its bytes; only arena buffers are sliced."""
    base = base_of(value)
    if is_whole(value):
        return base, 0, nbytes(base)
    assert isinstance(base.owner, kernel.BufferOp), f"a slice of {base} that is not in the arena"
    return base, byte_offset(value), nbytes(value)


def buffer_names(module: ModuleOp, num_inputs: int) -> list[str]:
    """The name of each buffer of `assemble`, by id: the ONNX name of an input or output, a
    weight's name, the ONNX tensor an arena buffer was made for (its name hint, sanitized as
    the importer does), else "buffer<id>"."""
    main = graph_function(module)
    args = list(main.body.block.args)
    in_names = _names(main, ir_names.INPUT_NAMES, num_inputs, "input_")
    out_names = _names(main, ir_names.OUTPUT_NAMES, len(args) - num_inputs, "output_")
    calls = [op for op in main.body.block.ops if isinstance(op, func.CallOp)]
    keys: dict[tuple[SSAValue, int, int], SSAValue] = {}
    for arg in (a for op in calls for a in buffer_arguments(op)):
        keys.setdefault(storage_key(arg), arg)
    names: list[str] = []
    for (base, _, _), arg in keys.items():
        owner = base.owner
        if isinstance(base, BlockArgument):
            names.append(in_names[base.index] if base.index < num_inputs
                         else out_names[base.index - num_inputs])
        elif isinstance(owner, kernel.WeightOp):
            names.append(owner.weight_name.data)
        elif is_whole(arg):
            names.append(base.name_hint or f"buffer{len(names)}")
        else:
            names.append(arg.name_hint or f"buffer{len(names)}")
    return names
