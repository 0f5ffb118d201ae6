"""onnx op -> conversion rule, one module per op family.

A rule is `rule(converter: GraphConverter, op) -> None`: it defines each result of `op` through
the converter's public methods (`define_kernel`, `define_map`, `alias`, `memref`, `expr`, ...;
see `convert.py`). `GraphConverter` takes the table by injection, so a plug-in can convert with
`{**RULES, MyOp: my_rule}`.
"""

from __future__ import annotations

from xdsl.ir import Operation

from tcompiler.kernels.convert import Rule
from tcompiler.kernels.rules import (
    control,
    detect,
    einsum,
    elementwise,
    gather,
    index,
    math,
    nn,
    norms,
    quant,
    reduce,
    resize,
    rotary,
    shape,
    types,
)

RULES: dict[type[Operation], Rule] = {
    **shape.RULES,
    **gather.RULES,
    **resize.RULES,
    **nn.RULES,
    **reduce.RULES,
    **elementwise.RULES,
    **math.RULES, **index.RULES, **einsum.RULES, **norms.RULES, **rotary.RULES,
    **types.RULES,
    **detect.RULES,
    **control.RULES,
    **quant.RULES,
}
