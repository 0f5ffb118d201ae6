"""Load ELF objects in-process (no system linker, no LLVM) and look up symbol addresses.

    lib = load_objects([obj1, obj2])          # relocates, resolves against each other + libm
    fn = lib.function("k", 3)                 # ctypes void(void*, void*, void*)
    fn(a.ctypes.data, b.ctypes.data, c.ctypes.data)

The linking is `tcompiler.codegen.elf_loader`'s (pure Python: loading an artifact imports
neither llvmlite nor xDSL). Each `JitLibrary` owns one mapping: libraries are independent, so
several may define the same symbol names and coexist in one process. Code stays mapped while
the `JitLibrary` is alive: keep it referenced as long as any raw `address()` taken from it is
used (`function()` objects hold a reference themselves). Loading raises `JitError` for objects
that cannot be linked; calling the loaded code takes no lock.
"""

from __future__ import annotations

import ctypes
import functools
import logging
from collections.abc import Callable, Iterable, Sequence

from tcompiler.codegen.elf_loader import Image, link_objects
from tcompiler.ir_names import units_symbol

log = logging.getLogger(__name__)


class JitLibrary:
    """Code of some objects, relocated in memory. `address(symbol)` raises KeyError if absent."""

    def __init__(self, image: Image):
        self._image = image
        self.symbols = frozenset(image.symbols)

    def address(self, symbol: str) -> int:
        if symbol not in self.symbols:
            raise KeyError(f"symbol {symbol!r} is not defined by this JitLibrary")
        return self._image.symbols[symbol]

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


def load_objects(objects: Iterable[bytes], names: Sequence[str] = ()) -> JitLibrary:
    """Relocate and link `objects` into a new, independent `JitLibrary`; errors name an
    object by its entry in `names`, else its position."""
    image = link_objects([bytes(o) for o in objects], names)
    log.debug("loaded %d bytes, %d symbols", image.size, len(image.symbols))
    return JitLibrary(image)
