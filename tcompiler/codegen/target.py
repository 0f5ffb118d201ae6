"""`Target`: the machine code is generated for (triple, CPU name, CPU feature string).

A frozen value: part of every object-cache key and recorded in artifacts, so it round-trips
through JSON exactly. `Target.host()` asks LLVM for this machine (e.g. cpu "znver5").
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

from llvmlite import binding as llb


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

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @staticmethod
    def from_json(text: str) -> Target:
        data = json.loads(text)
        return Target(triple=data["triple"], cpu=data["cpu"], features=data["features"])
