"""ELF64 little-endian relocatable objects (what `compile_to_object` emits), parsed.

    obj = ElfObject.parse(blob)     # ValueError if `blob` is not such an object
    obj.sections[i]                 # Section: name, type, flags, file range, alignment
    obj.symbols[i]                  # Symbol: name, binding, type, section index, value
    obj.relocations                 # {target section index: [Relocation]} (RELA only)

`defined_symbols(obj)` / `undefined_symbols(obj)` list global names, so a loader can report
unresolvable symbols as a Python error. Nothing here imports LLVM: the runtime's loader
(`tcompiler.codegen.elf_loader`) links these objects itself.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

SHT_SYMTAB, SHT_RELA, SHT_NOBITS, SHT_REL = 2, 4, 8, 9
SHF_WRITE, SHF_ALLOC, SHF_EXECINSTR, SHF_TLS = 0x1, 0x2, 0x4, 0x400
STB_LOCAL, STB_WEAK = 0, 2
STT_SECTION = 3
SHN_UNDEF, SHN_ABS, SHN_COMMON = 0, 0xFFF1, 0xFFF2
ET_REL, EM_X86_64 = 1, 62
MAX_NOBITS = 1 << 32  # zero-filled sections larger than this are taken for corruption


@dataclass(frozen=True)
class Section:
    name: str
    type: int
    flags: int
    offset: int  # in the file (meaningless for SHT_NOBITS)
    size: int
    link: int
    info: int
    align: int


@dataclass(frozen=True)
class Symbol:
    name: str
    bind: int
    type: int
    shndx: int
    value: int

    @property
    def is_global(self) -> bool:
        return self.bind != STB_LOCAL


@dataclass(frozen=True)
class Relocation:
    offset: int  # in the target section
    type: int
    symbol: int  # index into `ElfObject.symbols`
    addend: int


@dataclass(frozen=True)
class ElfObject:
    data: bytes
    machine: int
    file_type: int
    sections: list[Section]
    symbols: list[Symbol]
    relocations: dict[int, list[Relocation]]
    name: str = "object"  # how messages refer to it

    @staticmethod
    def parse(data: bytes, name: str = "object") -> ElfObject:
        """Raises ValueError (naming what is wrong) for anything but an ELF64 LE object."""
        if data[:4] != b"\x7fELF" or data[4:6] != b"\x02\x01":
            raise ValueError("not an ELF64 little-endian object")
        try:
            return _parse(data, name)
        except (struct.error, IndexError, OverflowError, UnicodeDecodeError) as err:
            raise ValueError(f"truncated or corrupt ELF object ({err})") from None

    def section_bytes(self, section: Section) -> bytes:
        return self.data[section.offset:section.offset + section.size]


def _parse(data: bytes, name: str) -> ElfObject:
    file_type, machine = struct.unpack_from("<HH", data, 0x10)
    shoff, = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", data, 0x3A)
    headers = [struct.unpack_from("<IIQQQQIIQQ", data, shoff + i * shentsize)
               for i in range(shnum)]
    names_at = headers[shstrndx][4] if shstrndx < shnum else 0
    sections = [Section(_string(data, names_at, h[0]) if names_at else "", h[1], h[2], h[4],
                        h[5], h[6], h[7], max(h[8], 1)) for h in headers]
    for section in sections:
        limit = MAX_NOBITS if section.type == SHT_NOBITS else len(data) - section.offset
        if section.size > limit:
            raise ValueError(f"section {section.name!r} runs past the end of the object")
    symbols: list[Symbol] = []
    relocations: dict[int, list[Relocation]] = {}
    for index, section in enumerate(sections):
        if section.type == SHT_SYMTAB:
            symbols = _symbols(data, section, sections[section.link].offset)
        elif section.type == SHT_RELA:
            relocations[section.info] = [
                Relocation(offset, info & 0xFFFFFFFF, info >> 32, addend)
                for offset, info, addend in struct.iter_unpack(
                    "<QQq", data[section.offset:section.offset + section.size])]
        elif section.type == SHT_REL:
            raise ValueError(f"section {index} ({section.name}) holds REL relocations; "
                             f"only RELA is supported")
    for target, entries in relocations.items():
        size = sections[target].size
        for r in entries:
            if r.symbol >= len(symbols) or r.offset + 4 > size:
                raise ValueError(f"relocation at {r.offset:#x} of section {target} is out of "
                                 f"bounds")
    return ElfObject(data, machine, file_type, sections, symbols, relocations, name)


def _symbols(data: bytes, symtab: Section, strtab_at: int) -> list[Symbol]:
    entries = data[symtab.offset:symtab.offset + symtab.size]
    return [Symbol(_string(data, strtab_at, name), info >> 4, info & 0xF, shndx, value)
            for name, info, _other, shndx, value, _size in struct.iter_unpack("<IBBHQQ", entries)]


def _string(data: bytes, table_at: int, offset: int) -> str:
    start = table_at + offset
    return data[start:data.index(b"\0", start)].decode()


def defined_symbols(obj: bytes) -> set[str]:
    return {s.name for s in ElfObject.parse(obj).symbols
            if s.is_global and s.name and s.shndx != SHN_UNDEF}


def undefined_symbols(obj: bytes) -> set[str]:
    return {s.name for s in ElfObject.parse(obj).symbols
            if s.is_global and s.name and s.shndx == SHN_UNDEF}
