"""The `llvm` stage's backend: llvm dialect -> LLVM O3 -> ELF objects -> MCJIT.

    obj = compile_to_object(module, Target.host())   # bytes; cache with ObjectCache
    lib = load_objects([obj])                        # no system linker
    lib.function("kernel", n_args)(ptr0, ptr1, ...)

`module` is in the llvm dialect: loop-level IR is lowered first by the `lower-to-llvm` pass
(`tcompiler.passes.lower_to_llvm`, which runs the `convert-*-to-llvm` conversions; their
shared rule vocabulary is `tcompiler.codegen.llvm_rules`). Kernel-level IR is turned into
loops by `tcompiler.codegen.loops` (the `lower-kernels-to-loops` pass). Nothing here imports
`tcompiler.passes`.
"""

from tcompiler.codegen.cache import ObjectCache, cache_key
from tcompiler.codegen.jit import JitError, JitLibrary, load_objects
from tcompiler.codegen.llvm_backend import assembly_text, compile_to_object, llvm_ir_text
from tcompiler.codegen.target import Target

__all__ = [
    "JitError", "JitLibrary", "ObjectCache", "Target", "assembly_text", "cache_key",
    "compile_to_object", "llvm_ir_text", "load_objects",
]
