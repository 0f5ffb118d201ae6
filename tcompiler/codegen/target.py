"""`Target`: the machine code is generated for (triple, CPU name, CPU feature string).

A frozen value: part of every object-cache key and recorded in artifacts, so it round-trips
through JSON exactly: `to_json()` is a plain `dict[str, str]` (JSON-serialisable);
`from_json` takes that dict or its JSON text. `Target.host()` asks LLVM for this machine
(e.g. cpu "znver5"). `init_llvm()` initialises llvmlite's native target once per process.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass

from llvmlite import binding as llb


@functools.cache
def init_llvm() -> None:
    """Initialise llvmlite's native target once per process (the only cached state)."""
    llb.initialize_native_target()
    llb.initialize_native_asmprinter()
    llb.initialize_native_asmparser()


@dataclass(frozen=True)
class Target:
    triple: str
    cpu: str
    features: str
    """LLVM feature string, e.g. "+avx2,+avx512f,-sse4a" (sorted)."""

    @staticmethod
    def host() -> Target:
        return Target(
            triple=llb.get_process_triple(),
            cpu=llb.get_host_cpu_name(),
            features=llb.get_host_cpu_features().flatten(),
        )

    def has(self, feature: str) -> bool:
        """Whether the feature string enables `feature` (e.g. "avx512vnni")."""
        return f"+{feature}" in self.features.split(",")

    def to_json(self) -> dict[str, str]:
        return asdict(self)

    @staticmethod
    def from_json(data: Mapping[str, str] | str) -> Target:
        if isinstance(data, str):
            data = json.loads(data)
        assert not isinstance(data, str)
        return Target(triple=data["triple"], cpu=data["cpu"], features=data["features"])
