"""`PluginSettings`: which plug-ins a command sees, as the CLI parses it from flags.

Apart from `tcompiler.plugins` (which imports xDSL to build the registry) so that commands
that never look a pass up (`tcc run`) parse their flags without importing a compiler.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class PluginSettings:
    """Which plug-ins a command sees (picklable: compile workers rebuild the registry from it)."""

    load: tuple[str, ...] = ()  # --load-plugin specs, file paths made absolute by the CLI
    autoload: bool = True  # read the `tcompiler.plugins` entry points


def absolute_spec(spec: str) -> str:
    """A ``file.py:object`` spec with its path made absolute (so workers resolve it too)."""
    target, sep, attr = spec.rpartition(":")
    if sep and target.endswith(".py"):
        return f"{Path(target).resolve()}:{attr}"
    return spec
