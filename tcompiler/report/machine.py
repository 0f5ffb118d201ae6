"""The machine's peak f32 throughput, estimated from what the CPU says of itself:

    f32 lanes of its widest vector (AVX-512: 16, AVX: 8, else 4) x 2 FMA units x 2 flops
    (a multiply-add) x its clock ("cpu MHz" of /proc/cpuinfo)

Two FMA units is what the server cores tcc targets have (Skylake-SP and later Xeons, Zen 4/5
at 512 bits split in halves: the same rate); a one-unit part reaches half. It is an estimate
with no turbo and no frequency drop under AVX-512: `how` says so in the report.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from tcompiler.costmodel.features import native_lanes

FMA_UNITS = 2


def clock_ghz(cpuinfo: str) -> float | None:
    """The first "cpu MHz" of a /proc/cpuinfo text, in GHz."""
    match = re.search(r"^cpu MHz\s*:\s*([0-9.]+)", cpuinfo, re.MULTILINE)
    return float(match.group(1)) / 1000 if match else None


def peak(features: str, cpuinfo: str | None = None) -> dict[str, Any] | None:
    """{"gflops_per_core", "lanes", "ghz", "how"} for a CPU feature string (LLVM's, as in
    `Target.features`) and /proc/cpuinfo's text (read here when not given); None when the
    clock is unknown."""
    if cpuinfo is None:
        path = Path("/proc/cpuinfo")
        cpuinfo = path.read_text() if path.is_file() else ""
    ghz = clock_ghz(cpuinfo)
    if ghz is None:
        return None
    lanes = native_lanes(features)
    flops = 2 if "+fma" in features else 1
    vector = {16: "AVX-512", 8: "AVX"}.get(lanes, "SSE")
    per_core = lanes * FMA_UNITS * flops * ghz
    return {"gflops_per_core": round(per_core, 1), "lanes": lanes, "ghz": round(ghz, 3),
            "how": f"estimated: {lanes} f32 lanes ({vector}) x {FMA_UNITS} FMA units x "
                   f"{flops} flops x {ghz:.2f} GHz (cpu MHz of /proc/cpuinfo) = "
                   f"{per_core:.0f} GFLOP/s a core"}
