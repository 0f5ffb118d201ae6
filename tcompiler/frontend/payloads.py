"""Keeping weight bytes out of the protobuf while the model is checked, upgraded and inferred.

`onnx.checker`, `onnx.version_converter` and `onnx.shape_inference` each serialize the whole
model (VGG-19: 548 MB, about 2 s a copy). None of them needs the values of large weights, only
their names, types and dims. `strip_payloads` takes every large initializer out of the graph and
declares it as a graph input of the same type instead; `restore_payloads` puts the initializers
back (and drops those inputs) before the values are read.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import onnx
from onnx import helper

from tcompiler.weights import SMALL


@dataclass
class Payloads:
    tensors: list[onnx.TensorProto] = field(default_factory=list)
    added_inputs: set[str] = field(default_factory=set)


def _elements(tensor: onnx.TensorProto) -> int:
    count = 1
    for d in tensor.dims:
        count *= d
    return count


def strip_payloads(proto: onnx.ModelProto) -> Payloads:
    """Move the large initializers of `proto` out (in place), without copying their bytes."""
    graph = proto.graph
    originals = list(graph.initializer)
    payloads = Payloads()
    if not any(_elements(t) > SMALL for t in originals):
        return payloads
    del graph.initializer[:]  # detaches the messages; `originals` keeps them alive
    inputs = {i.name for i in graph.input}
    for tensor in originals:
        if _elements(tensor) <= SMALL:
            graph.initializer.add().CopyFrom(tensor)
            continue
        payloads.tensors.append(tensor)
        if tensor.name not in inputs:
            graph.input.append(helper.make_tensor_value_info(tensor.name, tensor.data_type,
                                                             list(tensor.dims)))
            payloads.added_inputs.add(tensor.name)
    return payloads


def restore_payloads(proto: onnx.ModelProto, payloads: Payloads) -> None:
    """Put the stripped initializers back into `proto` (in place)."""
    graph = proto.graph
    if payloads.added_inputs:
        keep = [i for i in graph.input if i.name not in payloads.added_inputs]
        del graph.input[:]
        graph.input.extend(keep)
    graph.initializer.extend(payloads.tensors)
