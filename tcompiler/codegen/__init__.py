"""The `llvm` stage: loop-level IR -> llvm dialect -> LLVM O3 -> ELF objects -> MCJIT.

    obj = compile_to_object(module, Target.host())   # bytes; cache with ObjectCache
    lib = load_objects([obj])                        # no system linker
    lib.function("kernel", n_args)(ptr0, ptr1, ...)

Lowering is the `lower-to-llvm` pass (`tcompiler.passes.lower_to_llvm`).
"""

from tcompiler.codegen.cache import ObjectCache, cache_key
from tcompiler.codegen.jit import JitError, JitLibrary, load_objects
from tcompiler.codegen.llvm_backend import assembly_text, compile_to_object, llvm_ir_text
from tcompiler.codegen.target import Target

__all__ = [
    "JitError", "JitLibrary", "ObjectCache", "Target", "assembly_text", "cache_key",
    "compile_to_object", "llvm_ir_text", "load_objects",
]
