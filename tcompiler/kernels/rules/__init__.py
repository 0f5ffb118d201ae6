"""onnx op -> conversion rule, one module per op family.

A rule is `rule(converter: GraphConverter, op) -> None`: it defines the op's results through
the converter (`define`, `alias`, `materialize`, `expr`, `deferred`; see `convert.py`).
"""

from __future__ import annotations

from collections.abc import Callable

from xdsl.ir import Operation

from tcompiler.kernels.rules import elementwise, gather, nn, reduce, resize, shape

RULES: dict[type[Operation], Callable[..., None]] = {
    **shape.RULES,
    **gather.RULES,
    **resize.RULES,
    **nn.RULES,
    **reduce.RULES,
    **elementwise.RULES,
}
