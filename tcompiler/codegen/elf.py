"""Symbol tables of ELF64 little-endian relocatable objects (what `compile_to_object` emits).

`defined_symbols(obj)` / `undefined_symbols(obj)` list global names, so the JIT can report
unresolvable symbols as a Python error instead of LLVM aborting the process.
"""

from __future__ import annotations

import struct

SHT_SYMTAB = 2
STB_LOCAL = 0


def _symbols(obj: bytes) -> list[tuple[str, int]]:
    """(name, section index) of every non-local symbol."""
    if obj[:4] != b"\x7fELF" or obj[4] != 2 or obj[5] != 1:
        raise ValueError("not an ELF64 little-endian object")
    shoff, = struct.unpack_from("<Q", obj, 0x28)
    shentsize, shnum = struct.unpack_from("<HH", obj, 0x3A)
    sections = [struct.unpack_from("<IIQQQQIIQQ", obj, shoff + i * shentsize) for i in range(shnum)]
    result = []
    for _name, sh_type, _f, _a, offset, size, link, _i, _al, entsize in sections:
        if sh_type != SHT_SYMTAB:
            continue
        strtab_offset = sections[link][4]
        for pos in range(offset, offset + size, entsize or 24):
            st_name, st_info, _other, st_shndx = struct.unpack_from("<IBBH", obj, pos)
            if st_info >> 4 == STB_LOCAL or st_name == 0:
                continue
            start = strtab_offset + st_name
            name = obj[start:obj.index(b"\0", start)].decode()
            result.append((name, st_shndx))
    return result


def defined_symbols(obj: bytes) -> set[str]:
    return {name for name, shndx in _symbols(obj) if shndx != 0}


def undefined_symbols(obj: bytes) -> set[str]:
    return {name for name, shndx in _symbols(obj) if shndx == 0}
