"""Parsing command-line values shared by several subcommands (one checked place each)."""

from __future__ import annotations

import re

from tcompiler.errors import OptionError

_DURATION_UNITS = {"": 1.0, "s": 1.0, "m": 60.0, "min": 60.0, "h": 3600.0}


def parse_duration(text: str, flag: str = "--time") -> float:
    """'300', '300s', '10m', '1h', '1.5h' -> seconds (> 0)."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*", text.lower())
    if not match or match.group(2) not in _DURATION_UNITS or float(match.group(1)) <= 0:
        raise OptionError(f"{flag} {text!r}: expected a duration such as 300, 300s, 10m or 1h")
    return float(match.group(1)) * _DURATION_UNITS[match.group(2)]


def plural(count: int, noun: str, nouns: str | None = None) -> str:
    """'1 kernel', '2 kernels' (`nouns` for an irregular plural: plural(n, "bug", "bugs"))."""
    return f"{count} {noun if count == 1 else nouns or noun + 's'}"
