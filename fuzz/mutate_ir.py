"""STAND-IN for the INPUTS branch's IR mutators (delete this file when merging it: the real
`fuzz/mutate_ir.py` replaces it). Only the interface the engine uses:

    IR_MUTATORS: dict[str, Callable[[Case, random.Random], Case | None]]
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from dataclasses import replace

from tcompiler.fuzz.case import Case

UNARY = ("Relu", "Sigmoid", "Tanh")
ARITH = ("arith.addf", "arith.mulf", "arith.subf", "arith.maximumf")


def swap_unary(case: Case, rng: random.Random) -> Case | None:
    if case.model is None:
        return None
    import onnx

    proto = onnx.ModelProto.FromString(case.model)
    nodes = [n for n in proto.graph.node if n.op_type in UNARY]
    if not nodes:
        return None
    node = rng.choice(nodes)
    node.op_type = rng.choice([u for u in UNARY if u != node.op_type])
    return replace(case, model=proto.SerializeToString(), origin="mutate-ir:swap-unary")


def drop_unary(case: Case, rng: random.Random) -> Case | None:
    if case.model is None:
        return None
    import onnx

    proto = onnx.ModelProto.FromString(case.model)
    graph = proto.graph
    outputs = {o.name for o in graph.output}
    nodes = [n for n in graph.node if n.op_type in UNARY and n.output[0] not in outputs]
    if not nodes:
        return None
    node = rng.choice(nodes)
    for other in graph.node:
        for i, name in enumerate(other.input):
            if name == node.output[0]:
                other.input[i] = node.input[0]
    graph.node.remove(node)
    return replace(case, model=proto.SerializeToString(), origin="mutate-ir:drop-unary")


def swap_arith(case: Case, rng: random.Random) -> Case | None:
    if case.ir is None:
        return None
    found = [m for m in re.finditer("|".join(re.escape(a) for a in ARITH), case.ir)]
    if not found:
        return None
    m = rng.choice(found)
    other = rng.choice([a for a in ARITH if a != m.group(0)])
    return replace(case, ir=case.ir[:m.start()] + other + case.ir[m.end():],
                   origin="mutate-ir:swap-arith")


IR_MUTATORS: dict[str, Callable[[Case, random.Random], Case | None]] = {
    "swap-unary": swap_unary, "drop-unary": drop_unary, "swap-arith": swap_arith}
