"""Stand-in for `tcompiler.codegen.jit` until it lands: load object files with MCJIT.

`load_objects(objects) -> JitLibrary`; `JitLibrary.address(symbol) -> int` (0 if undefined).
No system linker is involved: llvmlite's MCJIT relocates the ELF objects in process. The
library owns the engine; addresses stay valid while it is alive.
"""

from __future__ import annotations

from collections.abc import Iterable

import llvmlite.binding as llb


class JitLibrary:
    def __init__(self, objects: Iterable[bytes]):
        llb.initialize_native_target()
        llb.initialize_native_asmprinter()
        machine = llb.Target.from_default_triple().create_target_machine(reloc="pic")
        self._engine = llb.create_mcjit_compiler(llb.parse_assembly(""), machine)
        for data in objects:
            self._engine.add_object_file(llb.ObjectFileRef.from_data(data))
        self._engine.finalize_object()

    def address(self, symbol: str) -> int:
        return int(self._engine.get_function_address(symbol))


def load_objects(objects: Iterable[bytes]) -> JitLibrary:
    return JitLibrary(objects)
