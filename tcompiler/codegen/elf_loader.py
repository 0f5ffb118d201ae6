"""An in-process linker for x86-64 ELF relocatable objects: pure Python, ctypes and one mapping.

    image = link_objects([kernel_o, runner_o])   # JitError if they cannot be linked
    image.symbols["tcc_run"]                     # address of every global symbol defined

The objects' allocatable sections (`.text*`, `.rodata*` and constant pools, `.data*`, `.bss`)
are laid out, each at its alignment, in one anonymous mapping of three page-aligned parts:

    code      every executable section, then a 16-byte stub `jmp *addr(%rip); .quad addr`
              per external symbol, which calls (PLT32) go through, so a 32-bit PC-relative
              call reaches libm and libc wherever they are (as MCJIT's stubs did)
    constants every read-only section, then the GOT: one 8-byte slot per symbol that a
              GOTPCREL relocation names
    data      the writable sections (`.bss` zero-filled)

Relocations are applied, then code becomes read+execute, constants read-only, data read+write:
no page is ever writable and executable at once. Symbols resolve against the other objects
first, then the process (libc), libm and libmvec (`dlsym`). `.eh_frame` is not loaded: the
code never unwinds (no exceptions cross it, no debugger needs it). Whatever the objects ask
for that this linker does not do (an unknown relocation type, thread-local storage, init
arrays, common symbols, two definitions of one symbol, a symbol nothing defines) is a
`JitError` naming it, never silently wrong code.

The mapping is unmapped when the `Image` is garbage collected: keep it referenced while its
code may run.
"""

from __future__ import annotations

import ctypes
import functools
import mmap
import os
import struct
import weakref
from collections.abc import Sequence
from dataclasses import dataclass, field

from tcompiler.codegen.elf import (
    EM_X86_64,
    ET_REL,
    SHF_ALLOC,
    SHF_EXECINSTR,
    SHF_TLS,
    SHF_WRITE,
    SHN_ABS,
    SHN_COMMON,
    SHN_UNDEF,
    SHT_NOBITS,
    STB_WEAK,
    STT_SECTION,
    ElfObject,
    Relocation,
    Section,
    Symbol,
)
from tcompiler.errors import TcError

EXTERNAL_LIBRARIES = ("libm.so.6", "libmvec.so.1")  # besides the process itself (libc)
SHT_INIT_ARRAY, SHT_FINI_ARRAY, SHT_PREINIT_ARRAY, SHT_X86_64_UNWIND = 14, 15, 16, 0x70000001
STUB = b"\xff\x25\x02\x00\x00\x00\x0f\x0b"  # jmp *2(%rip) over a ud2, to the address after
CODE, CONSTANTS, DATA = 0, 1, 2
PROT = (mmap.PROT_READ | mmap.PROT_EXEC, mmap.PROT_READ, mmap.PROT_READ | mmap.PROT_WRITE)
PAGE = mmap.PAGESIZE

R_NONE, R_64, R_PC32, R_PLT32, R_GOTPCREL, R_32, R_32S = 0, 1, 2, 4, 9, 10, 11
R_PC64, R_GOTOFF64, R_GOTPC32, R_GOTPC64, R_GOTPCRELX, R_REX_GOTPCRELX = 24, 25, 26, 29, 41, 42
GOT_RELATIVE = frozenset({R_GOTPCREL, R_GOTPCRELX, R_REX_GOTPCRELX})
RELOCATION_NAMES = (
    "NONE 64 PC32 GOT32 PLT32 COPY GLOB_DAT JUMP_SLOT RELATIVE GOTPCREL 32 32S 16 PC16 8 PC8 "
    "DTPMOD64 DTPOFF64 TPOFF64 TLSGD TLSLD DTPOFF32 GOTTPOFF TPOFF32 PC64 GOTOFF64 GOTPC32 "
    "GOT64 GOTPCREL64 GOTPC64 GOTPLT64 PLTOFF64 SIZE32 SIZE64 GOTPC32_TLSDESC TLSDESC_CALL "
    "TLSDESC IRELATIVE RELATIVE64 - - GOTPCRELX REX_GOTPCRELX").split()


class JitError(TcError):
    """Objects could not be loaded (bad bytes, or something this linker does not do)."""


@dataclass
class Image:
    """Linked code and data in memory; `symbols` maps each global symbol to its address."""

    address: int
    size: int
    symbols: dict[str, int]
    _finalizer: weakref.finalize = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._finalizer = weakref.finalize(self, _libc().munmap, ctypes.c_void_p(self.address),
                                           ctypes.c_size_t(self.size))


@dataclass
class _Layout:
    """Where everything goes, as (part, offset in part) before the mapping exists."""

    sections: dict[tuple[int, int], tuple[int, int]] = field(default_factory=dict)
    sizes: list[int] = field(default_factory=lambda: [0, 0, 0])
    stubs: dict[str, int] = field(default_factory=dict)  # external name -> offset in code
    got: dict[str | tuple[int, int], int] = field(default_factory=dict)  # key -> offset

    def place(self, part: int, size: int, align: int) -> int:
        offset = -(-self.sizes[part] // align) * align
        self.sizes[part] = offset + size
        return offset


def link_objects(blobs: Sequence[bytes], names: Sequence[str] = ()) -> Image:
    """Lay out, relocate and protect `blobs` (module doc); raises `JitError`, naming an object
    by its entry in `names` (default: its position)."""
    objects = [_parse(blob, repr(names[i]) if i < len(names) else str(i))
               for i, blob in enumerate(blobs)]
    layout = _Layout()
    for o, obj in enumerate(objects):
        for s, section in enumerate(obj.sections):
            if _loaded(section, obj):
                part = _part(section)
                layout.sections[o, s] = part, layout.place(part, section.size, section.align)
    defined = _definitions(objects, layout)
    externals = _externals(objects, defined)
    for name in sorted(externals):
        layout.stubs[name] = layout.place(CODE, len(STUB) + 8, 16)
    for o, obj in enumerate(objects):
        for s in _relocated(obj, o, layout):
            for r in obj.relocations[s]:
                key = _key(obj.symbols[r.symbol], o, r.symbol)
                if r.type in GOT_RELATIVE and key not in layout.got:
                    layout.got[key] = layout.place(CONSTANTS, 8, 8)
    starts = [0]
    for size in layout.sizes[:-1]:
        starts.append(starts[-1] + -(-size // PAGE) * PAGE)
    total = max(starts[-1] + layout.sizes[-1], 1)
    base = _map(total)
    image = Image(base, total, {})
    parts = [bytearray(size) for size in layout.sizes]
    linker = _Linker(objects, layout, [base + start for start in starts], defined, externals)
    image.symbols = {name: linker.address_of(place) for name, place in defined.items()}
    for (o, s), (part, offset) in layout.sections.items():
        section = objects[o].sections[s]
        if section.type != SHT_NOBITS:
            parts[part][offset:offset + section.size] = objects[o].section_bytes(section)
    linker.fill_tables(parts)
    for o, obj in enumerate(objects):
        for s in _relocated(obj, o, layout):
            part, offset = layout.sections[o, s]
            for r in obj.relocations[s]:
                linker.relocate(parts[part], part, offset, o, r)
    for part, start in enumerate(starts):
        ctypes.memmove(base + start, bytes(parts[part]), len(parts[part]))
    for part, start in enumerate(starts):
        end = starts[part + 1] if part + 1 < len(starts) else total
        if end > start:
            _protect(base + start, end - start, PROT[part])
    return image


def _parse(blob: bytes, label: str) -> ElfObject:
    try:
        obj = ElfObject.parse(bytes(blob), f"object {label}")
    except ValueError as err:
        raise JitError(f"not a loadable object file (object {label}): {err}") from None
    if obj.file_type != ET_REL or obj.machine != EM_X86_64:
        raise JitError(f"{obj.name} is not an x86-64 relocatable object (type "
                       f"{obj.file_type}, machine {obj.machine})")
    return obj


def _loaded(section: Section, obj: ElfObject) -> bool:
    if not section.flags & SHF_ALLOC or section.type == SHT_X86_64_UNWIND:
        return False
    if section.flags & SHF_TLS:
        raise JitError(f"{obj.name}: section {section.name} holds thread-local storage, "
                       f"which the loader does not support")
    if section.type in (SHT_INIT_ARRAY, SHT_FINI_ARRAY, SHT_PREINIT_ARRAY):
        raise JitError(f"{obj.name}: section {section.name} needs constructors or "
                       f"destructors run, which the loader does not do")
    if section.align > PAGE:
        raise JitError(f"{obj.name}: section {section.name} wants {section.align}-byte "
                       f"alignment, more than a page")
    return True


def _part(section: Section) -> int:
    if section.flags & SHF_EXECINSTR:
        return CODE
    return DATA if section.flags & SHF_WRITE else CONSTANTS


def _relocated(obj: ElfObject, o: int, layout: _Layout) -> list[int]:
    """The loaded sections of object `o` that have relocations."""
    return sorted(s for s in obj.relocations if (o, s) in layout.sections)


def _key(symbol: Symbol, o: int, index: int) -> str | tuple[int, int]:
    """What identifies `symbol` across objects: its name if global, else where it is."""
    return symbol.name if symbol.is_global and symbol.name else (o, index)


def _definitions(objects: list[ElfObject], layout: _Layout) -> dict[str, tuple[int, int]]:
    """Each global symbol defined -> (object, symbol index); weak ones yield to strong."""
    found: dict[str, tuple[int, int]] = {}
    for o, obj in enumerate(objects):
        for index, symbol in enumerate(obj.symbols):
            if not symbol.is_global or not symbol.name or symbol.shndx == SHN_UNDEF:
                continue
            if symbol.shndx == SHN_COMMON:
                raise JitError(f"{obj.name}: common symbol {symbol.name!r} is not supported")
            if symbol.shndx != SHN_ABS and (o, symbol.shndx) not in layout.sections:
                raise JitError(f"{obj.name}: symbol {symbol.name!r} is in a section the "
                               f"loader does not load")
            if symbol.name in found:
                other, other_index = found[symbol.name]
                if symbol.bind == STB_WEAK:
                    continue
                if objects[other].symbols[other_index].bind != STB_WEAK:
                    raise JitError(f"symbol {symbol.name!r} is defined by both "
                                   f"{objects[other].name} and {obj.name}")
            found[symbol.name] = o, index
    return found


def _externals(objects: list[ElfObject], defined: dict[str, tuple[int, int]]) -> dict[str, int]:
    """Each symbol the objects use but do not define -> its address in the process (0 for
    an unresolved weak reference); JitError naming those nothing defines."""
    wanted = {s.name: s.bind for obj in objects for s in obj.symbols
              if s.is_global and s.name and s.shndx == SHN_UNDEF and s.name not in defined}
    found = {name: _lookup(name) for name in sorted(wanted)}
    missing = sorted(n for n, address in found.items() if not address and wanted[n] != STB_WEAK)
    if missing:
        raise JitError(f"unresolved symbols: {', '.join(missing)}")
    return found


class _Linker:
    def __init__(self, objects: list[ElfObject], layout: _Layout, starts: list[int],
                 defined: dict[str, tuple[int, int]], externals: dict[str, int]):
        self.objects = objects
        self.layout = layout
        self.starts = starts
        self.defined = defined
        self.externals = externals

    def address_of(self, place: tuple[int, int]) -> int:
        """The address of symbol `place` = (object, symbol index), defined there."""
        o, index = place
        symbol = self.objects[o].symbols[index]
        if symbol.shndx == SHN_ABS:
            return symbol.value
        if (o, symbol.shndx) not in self.layout.sections:
            raise JitError(f"{self.objects[o].name}: symbol {symbol.name!r} is in a section "
                           f"the loader does not load")
        part, offset = self.layout.sections[o, symbol.shndx]
        return self.starts[part] + offset + (0 if symbol.type == STT_SECTION else symbol.value)

    def target(self, o: int, index: int) -> int:
        """The address relocation symbol `index` of object `o` stands for."""
        symbol = self.objects[o].symbols[index]
        if symbol.shndx != SHN_UNDEF:
            return self.address_of((o, index))
        if index == 0:  # STN_UNDEF: the relocation names no symbol
            return 0
        if symbol.is_global and symbol.name:
            return self.global_address(symbol.name)
        raise JitError(f"{self.objects[o].name}: a relocation names symbol {index}, which is "
                       f"undefined and not global")

    def global_address(self, name: str) -> int:
        if name in self.defined:
            return self.address_of(self.defined[name])
        return self.externals[name]

    def fill_tables(self, parts: list[bytearray]) -> None:
        for name, offset in self.layout.stubs.items():
            parts[CODE][offset:offset + len(STUB) + 8] = STUB + struct.pack(
                "<Q", self.externals[name])
        for key, offset in self.layout.got.items():
            address = self.target(*key) if isinstance(key, tuple) else self.global_address(key)
            struct.pack_into("<Q", parts[CONSTANTS], offset, address)

    def relocate(self, part: bytearray, index: int, section_at: int, o: int,
                 r: Relocation) -> None:
        """Apply `r` of object `o` to the section at `section_at` of `part` (part `index`)."""
        symbol = self.objects[o].symbols[r.symbol]
        where = section_at + r.offset
        here = self.starts[index] + where
        got = self.starts[CONSTANTS]
        if r.type == R_NONE:
            return
        if r.type in GOT_RELATIVE:
            slot = got + self.layout.got[_key(symbol, o, r.symbol)]
            self._put(part, where, "<i", slot + r.addend - here, r, symbol)
            return
        if r.type == R_GOTPC32:
            self._put(part, where, "<i", got + r.addend - here, r, symbol)
            return
        if r.type == R_GOTPC64:
            self._put(part, where, "<q", got + r.addend - here, r, symbol)
            return
        value = self.target(o, r.symbol)
        if r.type == R_PLT32 and symbol.name in self.layout.stubs:
            value = self.starts[CODE] + self.layout.stubs[symbol.name]
        if r.type in (R_PC32, R_PLT32):
            self._put(part, where, "<i", value + r.addend - here, r, symbol)
        elif r.type == R_64:
            self._put(part, where, "<Q", (value + r.addend) % (1 << 64), r, symbol)
        elif r.type == R_PC64:
            self._put(part, where, "<q", value + r.addend - here, r, symbol)
        elif r.type == R_32:
            self._put(part, where, "<I", value + r.addend, r, symbol)
        elif r.type == R_32S:
            self._put(part, where, "<i", value + r.addend, r, symbol)
        elif r.type == R_GOTOFF64:
            self._put(part, where, "<q", value + r.addend - got, r, symbol)
        else:
            obj = self.objects[o]
            raise JitError(f"{obj.name}: unsupported relocation {_relocation_name(r.type)} "
                           f"against symbol {_symbol_name(obj, symbol)!r}")

    def _put(self, part: bytearray, where: int, fmt: str, value: int, r: Relocation,
             symbol: Symbol) -> None:
        if where + struct.calcsize(fmt) > len(part):
            raise JitError(f"relocation {_relocation_name(r.type)} against {symbol.name!r} "
                           f"writes past the end of the image")
        if not _fits(value, fmt):
            raise JitError(f"relocation {_relocation_name(r.type)} against {symbol.name!r} "
                           f"overflows: {value:#x} does not fit {struct.calcsize(fmt) * 8} "
                           f"bits")
        struct.pack_into(fmt, part, where, value)


def _fits(value: int, fmt: str) -> bool:
    bits = struct.calcsize(fmt) * 8
    if fmt[-1].isupper():
        return 0 <= value < 1 << bits
    return -(1 << (bits - 1)) <= value < 1 << (bits - 1)


def _relocation_name(kind: int) -> str:
    if kind < len(RELOCATION_NAMES) and RELOCATION_NAMES[kind] != "-":
        return f"R_X86_64_{RELOCATION_NAMES[kind]}"
    return f"type {kind}"


def _symbol_name(obj: ElfObject, symbol: Symbol) -> str:
    if symbol.type == STT_SECTION and symbol.shndx < len(obj.sections):
        return obj.sections[symbol.shndx].name
    return symbol.name


def _lookup(name: str) -> int:
    """The address of `name` in the process or the external libraries; 0 if none has it."""
    for library in _libraries():
        address = _libc().dlsym(ctypes.c_void_p(library._handle), name.encode())
        if address:
            return address
    return 0


@functools.cache
def _libraries() -> tuple[ctypes.CDLL, ...]:
    """The process, then libm and libmvec, loaded once (they stay loaded)."""
    found = [ctypes.CDLL(None)]
    for name in EXTERNAL_LIBRARIES:
        try:
            found.append(ctypes.CDLL(name))
        except OSError:
            continue
    return tuple(found)


@functools.cache
def _libc() -> ctypes.CDLL:
    libc = ctypes.CDLL(None, use_errno=True)
    libc.dlsym.restype = ctypes.c_void_p
    libc.dlsym.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
    libc.mmap.restype = ctypes.c_void_p
    libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int,
                          ctypes.c_int, ctypes.c_long]
    libc.mprotect.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
    libc.munmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t]
    return libc


def _map(size: int) -> int:
    address = _libc().mmap(None, size, mmap.PROT_READ | mmap.PROT_WRITE,
                           mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS, -1, 0)
    if address is None or address == ctypes.c_void_p(-1).value:
        raise JitError(f"cannot map {size} bytes for code: {os.strerror(ctypes.get_errno())}")
    return address


def _protect(address: int, size: int, prot: int) -> None:
    if _libc().mprotect(address, size, prot) != 0:
        raise JitError(f"mprotect failed: {os.strerror(ctypes.get_errno())}")
