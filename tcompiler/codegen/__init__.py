"""The `llvm` stage's backend: llvm dialect -> LLVM O3 -> ELF objects -> in-process linker.

    obj = compile_to_object(module, Target.host())   # bytes; cache with ObjectCache
    lib = load_objects([obj])                        # no system linker
    lib.function("kernel", n_args)(ptr0, ptr1, ...)

`module` is in the llvm dialect: loop-level IR is lowered first by the `lower-to-llvm` pass
(`tcompiler.passes.lower_to_llvm`, which runs the `convert-*-to-llvm` conversions; their
shared rule vocabulary is `tcompiler.codegen.llvm_rules`). Kernel-level IR is turned into
loops by `tcompiler.codegen.loops` (the `lower-kernels-to-loops` pass). Nothing here imports
`tcompiler.passes`.

Names are imported lazily: loading and running artifacts (`jit`, `elf_loader`, `elf`) needs
neither xDSL nor LLVM (llvmlite), and a runtime process should not pay for importing them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tcompiler.codegen.cache import ObjectCache as ObjectCache
    from tcompiler.codegen.cache import cache_key as cache_key
    from tcompiler.codegen.elf_loader import JitError as JitError
    from tcompiler.codegen.jit import JitLibrary as JitLibrary
    from tcompiler.codegen.jit import load_objects as load_objects
    from tcompiler.codegen.llvm_backend import assembly_text as assembly_text
    from tcompiler.codegen.llvm_backend import compile_to_object as compile_to_object
    from tcompiler.codegen.llvm_backend import llvm_ir_text as llvm_ir_text
    from tcompiler.codegen.target import Target as Target

_HOMES = {
    "ObjectCache": "cache", "cache_key": "cache", "JitError": "elf_loader", "JitLibrary": "jit",
    "load_objects": "jit", "assembly_text": "llvm_backend", "compile_to_object": "llvm_backend",
    "llvm_ir_text": "llvm_backend", "Target": "target",
}
__all__ = sorted(_HOMES)


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module 'tcompiler.codegen' has no attribute {name!r}")
    return getattr(importlib.import_module(f"tcompiler.codegen.{_HOMES[name]}"), name)
