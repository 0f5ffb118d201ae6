"""What this machine can run, asked of the kernel (no LLVM: the runtime does not import it).

    host_arch()                          "x86_64", the architecture part of a target triple
    missing_features("+avx2,+fma,-xop")  the "+" features this CPU lacks, by LLVM name

The CPU's features come from the `flags` line of /proc/cpuinfo. LLVM and Linux name some
features differently (`sse4.1` / `sse4_1`, `lzcnt` / `abm`): `CPUINFO_NAMES` translates the
instruction-set extensions code generation may use. A feature it does not list (LLVM's
pseudo-features such as `evex512`, tuning flags, system instructions no kernel emits) is
trusted, as is everything when /proc/cpuinfo cannot be read: the check exists to turn an
illegal-instruction crash into an error message, not to second-guess the compiler.
"""

from __future__ import annotations

import functools
import platform

_SAME = ("adx aes avx avx2 avx512bw avx512cd avx512dq avx512er avx512f avx512ifma avx512pf "
         "avx512vbmi avx512vl bmi2 cldemote clflushopt clwb clzero cmov cx16 cx8 f16c fma fma4 "
         "fsgsbase fxsr gfni invpcid mmx movbe movdir64b movdiri mwaitx pku popcnt rdpid rdpru "
         "rdseed rtm serialize sse sse2 sse4a ssse3 tbm tsxldtrk vaes vpclmulqdq waitpkg "
         "wbnoinvd xop xsave xsavec xsaveopt xsaves").split()
CPUINFO_NAMES = {
    **{name: name for name in _SAME},
    "64bit": "lm", "sse3": "pni", "sse4.1": "sse4_1", "sse4.2": "sse4_2", "crc32": "sse4_2",
    "bmi": "bmi1", "lzcnt": "abm", "pclmul": "pclmulqdq", "prfchw": "3dnowprefetch",
    "rdrnd": "rdrand", "sahf": "lahf_lm", "sha": "sha_ni", "avxvnni": "avx_vnni",
    "avx512bf16": "avx512_bf16", "avx512bitalg": "avx512_bitalg", "avx512fp16": "avx512_fp16",
    "avx512vbmi2": "avx512_vbmi2", "avx512vnni": "avx512_vnni",
    "avx512vpopcntdq": "avx512_vpopcntdq", "avx512vp2intersect": "avx512_vp2intersect",
    "amx-bf16": "amx_bf16", "amx-int8": "amx_int8", "amx-tile": "amx_tile",
}


def host_arch() -> str:
    return platform.machine()


@functools.cache
def cpu_flags() -> frozenset[str] | None:
    """The `flags` of the first processor in /proc/cpuinfo; None if there are none to read."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                key, _, value = line.partition(":")
                if key.strip() == "flags":
                    return frozenset(value.split())
    except OSError:
        return None
    return None


def missing_features(features: str) -> list[str]:
    """The features enabled ("+name") in LLVM feature string `features` that this CPU lacks."""
    flags = cpu_flags()
    if flags is None:
        return []
    wanted = [f[1:] for f in features.split(",") if f.startswith("+")]
    return [f for f in wanted if f in CPUINFO_NAMES and CPUINFO_NAMES[f] not in flags]
