"""The in-process ELF linker: objects compiled by the project's backend from LLVM IR, linked
against each other and libc/libm, relocated, protected; and what it refuses, by name."""

from __future__ import annotations

import ctypes
import gc
import struct

import llvmlite.binding as llb
import numpy as np
import pytest

from tcompiler.codegen import Target, load_objects
from tcompiler.codegen.elf import SHT_RELA, ElfObject
from tcompiler.codegen.elf_loader import (
    R_64,
    R_PC32,
    R_PLT32,
    R_REX_GOTPCRELX,
    JitError,
    link_objects,
)
from tcompiler.codegen.llvm_backend import target_machine

USER = """
@counter = external global i64
@table = internal constant [4 x float] [float 1.0, float 2.0, float 4.0, float 8.0], align 16
@state = internal global i64 7
@ops = internal global [2 x ptr] [ptr @twice, ptr @helper]
declare float @expf(float)
declare float @helper(float)
declare void @llvm.memset.p0.i64(ptr, i8, i64, i1)

define internal float @twice(float %x) noinline {
  %r = fmul float %x, 2.0
  ret float %r
}

define void @run(ptr %in, ptr %out, i64 %k) {
  %x = load float, ptr %in
  %e = call float @expf(float %x)
  store float %e, ptr %out
  %tp = getelementptr [4 x float], ptr @table, i64 0, i64 %k
  %t = load float, ptr %tp
  %o1 = getelementptr float, ptr %out, i64 1
  store float %t, ptr %o1
  %slot = and i64 %k, 1
  %fpp = getelementptr [2 x ptr], ptr @ops, i64 0, i64 %slot
  %fp = load ptr, ptr %fpp
  %f = call float %fp(float %x)
  %o2 = getelementptr float, ptr %out, i64 2
  store float %f, ptr %o2
  %c = atomicrmw add ptr @counter, i64 1 seq_cst
  %cf = sitofp i64 %c to float
  %o3 = getelementptr float, ptr %out, i64 3
  store float %cf, ptr %o3
  %s = load i64, ptr @state
  %s1 = add i64 %s, 1
  store i64 %s1, ptr @state
  %sf = sitofp i64 %s to float
  %o4 = getelementptr float, ptr %out, i64 4
  store float %sf, ptr %o4
  %p = fadd float %x, 0x3FD5555560000000
  %o5 = getelementptr float, ptr %out, i64 5
  store float %p, ptr %o5
  %tail = getelementptr float, ptr %out, i64 6
  %n = shl i64 %k, 2
  call void @llvm.memset.p0.i64(ptr %tail, i8 0, i64 %n, i1 false)
  ret void
}
"""

PROVIDER = """
@counter = global i64 41, align 8
define float @helper(float %x) {
  %r = fadd float %x, 100.0
  ret float %r
}
"""


def compiled(text: str) -> bytes:
    """`text` through the backend's target machine (PIC, as `compile_to_object` emits)."""
    module = llb.parse_assembly(text)
    module.verify()
    return bytes(target_machine(Target.host()).emit_object(module))


@pytest.fixture(scope="module")
def user() -> bytes:
    return compiled(USER)


@pytest.fixture(scope="module")
def provider() -> bytes:
    return compiled(PROVIDER)


def relocation_types(obj: bytes) -> set[int]:
    return {r.type for rs in ElfObject.parse(obj).relocations.values() for r in rs}


def test_links_data_constants_libm_and_other_objects(user: bytes, provider: bytes) -> None:
    assert {R_64, R_PC32, R_PLT32, R_REX_GOTPCRELX} <= relocation_types(user)
    lib = load_objects([user, provider])
    run = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int64)(
        lib.address("run"))
    x = np.array([0.5], np.float32)
    for call, k in enumerate((2, 3)):
        out = np.full(16, 9, np.float32)
        run(x.ctypes.data, out.ctypes.data, k)
        helper = 1.0 if k % 2 == 0 else 100.5  # through @ops: twice(x), else helper(x)
        want = np.array([np.exp(0.5), 2.0 ** k, helper, 41 + call, 7 + call, 0.5 + 1 / 3],
                        np.float32)
        np.testing.assert_allclose(out[:6], want, rtol=1e-6)
        assert not out[6:6 + k].any() and (out[6 + k:] == 9).all()
    assert ctypes.c_int64.from_address(lib.address("counter")).value == 43
    assert lib.symbols == {"run", "counter", "helper"}


def test_no_page_is_writable_and_executable(user: bytes, provider: bytes) -> None:
    image = link_objects([user, provider])
    modes = []
    with open("/proc/self/maps") as maps:
        for line in maps:
            start, end = (int(a, 16) for a in line.split()[0].split("-"))
            if start < image.address + image.size and end > image.address:
                modes.append(line.split()[1][:3])
    assert "r-x" in modes and "r--" in modes and "rw-" in modes
    assert not [m for m in modes if "w" in m and "x" in m]


def test_mapping_is_released_with_the_image(provider: bytes) -> None:
    image = link_objects([provider])
    start = f"{image.address:x}-"
    del image
    gc.collect()
    with open("/proc/self/maps") as maps:
        assert not [line for line in maps if line.startswith(start)]


def test_unresolved_symbols_are_named(user: bytes) -> None:
    with pytest.raises(JitError, match="unresolved symbols: counter, helper$"):
        load_objects([user])


def test_two_definitions_are_refused(provider: bytes) -> None:
    with pytest.raises(JitError, match="'(counter|helper)' is defined by both object 'a' and "
                                       "object 'b'"):
        load_objects([provider, provider], ["a", "b"])


def test_unknown_relocation_names_type_and_symbol(user: bytes, provider: bytes) -> None:
    obj = ElfObject.parse(user)
    rela = next(s for s in obj.sections if s.type == SHT_RELA and s.name == ".rela.text")
    first = ElfObject.parse(user).relocations[rela.info][0]
    patched = bytearray(user)
    struct.pack_into("<I", patched, rela.offset + 8, 23)  # R_X86_64_TPOFF32: TLS
    symbol = obj.symbols[first.symbol]
    name = obj.sections[symbol.shndx].name if symbol.type == 3 else symbol.name
    with pytest.raises(JitError, match=f"object 'user': unsupported relocation "
                                       f"R_X86_64_TPOFF32 against symbol '{name}'"):
        load_objects([bytes(patched), provider], ["user", "provider"])


@pytest.mark.parametrize(("blob", "message"), [
    (b"not an object", "not a loadable object file .object 0.: not an ELF64"),
    (b"\x7fELF\x02\x01" + bytes(10), "not a loadable object file .object 0.: truncated"),
])
def test_bad_bytes_are_refused(blob: bytes, message: str) -> None:
    with pytest.raises(JitError, match=message):
        load_objects([blob])


def test_other_machines_are_refused(provider: bytes) -> None:
    arm = bytearray(provider)
    struct.pack_into("<H", arm, 0x12, 183)  # EM_AARCH64
    with pytest.raises(JitError, match="object 0 is not an x86-64 relocatable object .type 1, "
                                       "machine 183"):
        load_objects([bytes(arm)])


def test_relocation_out_of_its_section_is_refused(user: bytes, provider: bytes) -> None:
    rela = next(s for s in ElfObject.parse(user).sections if s.name == ".rela.text")
    patched = bytearray(user)
    struct.pack_into("<Q", patched, rela.offset, 1 << 40)  # the first one's r_offset
    with pytest.raises(JitError, match="object 0.: relocation at 0x10000000000 of section .* "
                                       "is out of bounds"):
        load_objects([bytes(patched), provider])


def test_corrupt_bytes_load_or_raise_jit_error(user: bytes, provider: bytes) -> None:
    """Loading (not running) objects with random bytes changed either works or raises
    `JitError`: never another exception, never a write outside the image."""
    rng = np.random.default_rng(0)
    outcomes = set()
    for _ in range(400):
        corrupt = bytearray(user)
        for at in rng.integers(0, len(corrupt), size=int(rng.choice([1, 4, 16]))):
            corrupt[at] = int(rng.integers(0, 256))
        try:
            load_objects([bytes(corrupt), provider])
            outcomes.add("loaded")
        except JitError:
            outcomes.add("refused")
    assert outcomes == {"loaded", "refused"}
