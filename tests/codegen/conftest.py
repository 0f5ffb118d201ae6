"""Helpers for codegen tests: compile MLIR text, load it with the JIT, call it on numpy arrays."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from xdsl.dialects.builtin import ModuleOp
from xdsl.parser import Parser

from tcompiler.codegen import JitLibrary, Target, compile_to_object, load_objects
from tcompiler.context import make_context
from tcompiler.passes.lower_to_llvm import LowerToLLVMPass


def parse(text: str) -> ModuleOp:
    module = Parser(make_context(), text).parse_module()
    module.verify()
    return module


def lowered(text: str, expand_math: bool = True) -> ModuleOp:
    """Loop-level IR text -> the llvm-dialect module the backend takes (`lower-to-llvm`)."""
    module = parse(text)
    LowerToLLVMPass(expand_math=expand_math).apply(make_context(), module)
    module.verify()
    return module


@pytest.fixture(scope="session")
def host() -> Target:
    return Target.host()


@pytest.fixture
def jit(host: Target) -> Callable[[str], JitLibrary]:
    def build(text: str) -> JitLibrary:
        return load_objects([compile_to_object(lowered(text), host)])

    return build


def call(lib: JitLibrary, symbol: str, *arrays: np.ndarray) -> None:
    for a in arrays:
        assert a.flags.c_contiguous
    lib.function(symbol, len(arrays))(*[a.ctypes.data for a in arrays])


@pytest.fixture
def run(jit: Callable[[str], JitLibrary]) -> Callable[..., None]:
    """`run(mlir_text, symbol, *arrays)`: compile, load and call `symbol` on the arrays."""

    def compile_and_call(text: str, symbol: str, *arrays: np.ndarray) -> None:
        call(jit(text), symbol, *arrays)

    return compile_and_call
