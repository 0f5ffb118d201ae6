"""Rules for data movement: sources, views, Identity, Dropout, Transpose, Concat."""

from __future__ import annotations

import numpy as np
from xdsl.dialects.builtin import IntegerAttr, i64
from xdsl.ir import Operation

from tcompiler.dialects import kernel, onnx
from tcompiler.dialects.kernel import ints
from tcompiler.dialects.onnx import attr_ints, node_name, shape_of
from tcompiler.errors import UnsupportedModelError
from tcompiler.kernels.attrs import normalize_axis
from tcompiler.kernels.convert import GraphConverter, constant_of, memref_of


def source(c: GraphConverter, op: Operation) -> None:
    """Weights and constants become buffers when (and if) a kernel reads them."""


def view(c: GraphConverter, op: Operation) -> None:
    source = c.materialize(op.operands[0])
    view = kernel.ViewOp(source, memref_of(op.results[0].type))
    c.block.add_op(view)
    c.storage[op.results[0]] = view.result


def identity(c: GraphConverter, op: Operation) -> None:
    c.alias(op.results[0], op.operands[0])


def dropout(c: GraphConverter, op: onnx.DropoutOp) -> None:
    """Inference Dropout (or training with ratio 0) is the identity; its mask all true."""
    training = constant_of(c.weights, op.training_mode) if op.training_mode else None
    ratio = constant_of(c.weights, op.ratio) if op.ratio else None
    if op.training_mode is not None and (training is None or training.any()):
        if ratio is None or ratio.any():
            raise UnsupportedModelError([
                f"Dropout ({node_name(op)}): training mode with a nonzero or unknown ratio "
                "(random output)"])
    c.alias(op.output, op.data)
    if op.mask is not None and op.mask.uses:
        mask = np.ones(shape_of(op.mask), dtype=np.bool_)
        c.storage[op.mask] = c.weight(mask, f"{node_name(op) or 'dropout'}.mask")


def transpose(c: GraphConverter, op: onnx.TransposeOp) -> None:
    rank = len(shape_of(op.data))
    perm = attr_ints(op, "perm", list(range(rank))[::-1]) or []
    c.define(op.transposed, c.deferred(kernel.TransposeOp, [op.data], "transpose",
                                         {"perm": ints(perm)}))


def concat(c: GraphConverter, op: onnx.ConcatOp) -> None:
    axis = normalize_axis(op.axis.value.data, len(shape_of(op.concat_result)))
    c.define(op.concat_result, c.deferred(kernel.ConcatOp, list(op.inputs), "concat",
                                            {"axis": IntegerAttr(axis, i64)}, variadic=True))


RULES = {
    onnx.InitializerOp: source,
    onnx.ConstantOp: source,
    onnx.ReshapeOp: view,
    onnx.FlattenOp: view,
    onnx.UnsqueezeOp: view,
    onnx.IdentityOp: identity,
    onnx.DropoutOp: dropout,
    onnx.TransposeOp: transpose,
    onnx.ConcatOp: concat,
}
