"""Load ELF objects in-process with MCJIT (no system linker) and look up symbol addresses.

    lib = load_objects([obj1, obj2])          # relocates, resolves against each other + libm
    fn = lib.function("k", 3)                 # ctypes void(void*, void*, void*)
    fn(a.ctypes.data, b.ctypes.data, c.ctypes.data)

Each `JitLibrary` owns one MCJIT engine: libraries are independent, so several may define
the same symbol names and coexist in one process. Code stays mapped while the `JitLibrary`
is alive: keep it referenced as long as any raw `address()` taken from it is used
(`function()` objects hold a reference themselves).

Undefined symbols are resolved against the objects of the same `load_objects` call, then
the process (libm and libmvec are loaded permanently on first use). Unresolvable symbols
raise `JitError` *before* MCJIT sees them (MCJIT would abort the process). Loading holds a
process-wide lock; calling the loaded code needs none.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import logging
import threading
from collections.abc import Callable, Iterable

from llvmlite import binding as llb

from tcompiler.codegen.elf import defined_symbols, undefined_symbols
from tcompiler.codegen.target import Target, init_llvm
from tcompiler.errors import TcError
from tcompiler.ir_names import units_symbol

log = logging.getLogger(__name__)

RUNTIME_LIBRARIES = ("m", "mvec")
LINKER_SYMBOLS = frozenset({"_GLOBAL_OFFSET_TABLE_"})  # RuntimeDyld provides these itself
_LOAD_LOCK = threading.Lock()


class JitError(TcError):
    """Objects could not be loaded (bad bytes or symbols nothing provides)."""


@functools.cache
def load_runtime_libraries() -> tuple[str, ...]:
    """Make libm/libmvec symbols visible to MCJIT; returns the libraries loaded."""
    init_llvm()
    loaded = []
    for name in RUNTIME_LIBRARIES:
        path = ctypes.util.find_library(name)
        if path is None:
            log.debug("runtime library %s not found", name)
            continue
        llb.load_library_permanently(path)
        loaded.append(path)
    return tuple(loaded)


class JitLibrary:
    """Code of some objects, relocated in memory. `address(symbol)` raises KeyError if absent."""

    def __init__(self, engine: llb.ExecutionEngine, objects: list[llb.ObjectFileRef],
                 symbols: frozenset[str]):
        self._engine = engine
        self._objects = objects  # the engine reads from them; keep them alive with it
        self.symbols = symbols

    def address(self, symbol: str) -> int:
        if symbol not in self.symbols:
            raise KeyError(f"symbol {symbol!r} is not defined by this JitLibrary")
        address = self._engine.get_function_address(symbol)
        if not address:
            address = self._engine.get_global_value_address(symbol)
        if not address:
            raise KeyError(f"symbol {symbol!r} has no address")
        return address

    def units(self, kernel: str) -> int:
        """How many independent units parallel kernel `kernel` splits into; 0 for a kernel
        without a parallel loop (which takes no unit range)."""
        symbol = units_symbol(kernel)
        if symbol not in self.symbols:
            return 0
        return ctypes.c_int64.from_address(self.address(symbol)).value

    def function(self, symbol: str, n_pointers: int) -> Callable[..., None]:
        """`symbol` as a ctypes `void f(void*, ...)` (the kernel ABI), releasing the GIL; a
        parallel kernel is called with its whole unit range. The function object keeps this
        library (and so its code) alive."""
        units = self.units(symbol)
        ranged = [ctypes.c_int64] * 2 if units else []
        prototype = ctypes.CFUNCTYPE(None, *([ctypes.c_void_p] * n_pointers), *ranged)
        fn = prototype(self.address(symbol))
        fn.library = self  # type: ignore[attr-defined]
        if not units:
            return fn
        whole = functools.partial(_call_all_units, fn, units)
        whole.library = self  # type: ignore[attr-defined]
        return whole


def _call_all_units(fn: Callable[..., None], units: int, *pointers: int | None) -> None:
    fn(*pointers, 0, units)


def load_objects(objects: Iterable[bytes], target: Target | None = None) -> JitLibrary:
    """Relocate and link `objects` into a new, independent `JitLibrary`."""
    blobs = [bytes(o) for o in objects]
    load_runtime_libraries()
    defined: set[str] = set()
    undefined: set[str] = set()
    try:
        for blob in blobs:
            defined |= defined_symbols(blob)
            undefined |= undefined_symbols(blob)
    except (ValueError, IndexError) as err:
        raise JitError(f"not a loadable object file: {err}") from None
    missing = sorted(s for s in undefined - defined - LINKER_SYMBOLS
                     if not llb.address_of_symbol(s))
    if missing:
        raise JitError(f"unresolved symbols: {', '.join(missing)}")
    tm = _jit_target_machine(target or Target.host())
    with _LOAD_LOCK:
        engine = llb.create_mcjit_compiler(llb.parse_assembly(""), tm)
        refs = []
        for blob in blobs:
            ref = llb.ObjectFileRef.from_data(blob)
            engine.add_object_file(ref)
            refs.append(ref)
        engine.finalize_object()
    log.debug("loaded %d objects, %d symbols", len(blobs), len(defined))
    return JitLibrary(engine, refs, frozenset(defined))


def _jit_target_machine(target: Target) -> llb.TargetMachine:
    init_llvm()
    return llb.Target.from_triple(target.triple).create_target_machine(
        cpu=target.cpu, features=target.features, opt=3, reloc="pic", codemodel="default",
        jit=True)
