"""tcc's dialects and passes as an `xdsl.universe.Universe` (entry points
`tcompiler.plugins` and `xdsl.universe`), so xdsl-opt and tcc share one registry."""

from __future__ import annotations

from xdsl.ir import Dialect
from xdsl.universe import Universe

from tcompiler.passes import PASSES


def _onnx() -> Dialect:
    from tcompiler.dialects.onnx import ONNX

    return ONNX


def _kernel() -> Dialect:
    from tcompiler.dialects.kernel import Kernel

    return Kernel


TCC_UNIVERSE = Universe(all_dialects={"onnx": _onnx, "kernel": _kernel}, all_passes=PASSES)
