"""The tuning database: one JSON line per measurement, append-only, safe to share.

    db = TuningDB(path)
    db.append(record)                     # locked append of one line (fcntl), never a rewrite
    records = db.read()                   # skips corrupt or foreign lines, one warning each
    best(records, signature, target)      # the fastest valid record of a kernel on a CPU

A record (`Record.to_json`):

    {"version": 1, "signature": "...", "kernel": "<canonical kernel text>",
     "target": {"cpu": "znver4", "features": "+avx,..."}, "compiler": "0.1.0",
     "schedule": {"family": "conv", "algorithm": "tiled", ...}, "features": [...],
     "feature_version": 1, "valid": true, "times_us": [...], "median_us": 12.3,
     "noise": 0.02, "error": null, "strategy": "random", "time": 1764500000.0}

Records are keyed by the kernel's signature + the target CPU (name and features) + the
compiler version; only records of the same CPU are used when compiling. Reading never runs
code from the file (plain JSON).
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

DB_VERSION = 1


@dataclass
class Record:
    signature: str
    kernel: str
    target: dict[str, str]
    compiler: str
    schedule: dict[str, Any]
    features: list[float]
    feature_version: int
    valid: bool
    times_us: list[float] = field(default_factory=list)
    median_us: float | None = None
    noise: float | None = None
    error: str | None = None
    strategy: str = ""
    time: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return {"version": DB_VERSION, **self.__dict__}

    @staticmethod
    def from_json(data: dict[str, Any]) -> Record:
        if data.get("version") != DB_VERSION:
            raise ValueError(f"record version {data.get('version')!r}, expected {DB_VERSION}")
        fields = {k: v for k, v in data.items() if k != "version"}
        record = Record(**fields)
        if not isinstance(record.schedule, dict) or not isinstance(record.target, dict):
            raise ValueError("schedule and target must be objects")
        if record.valid and not isinstance(record.median_us, int | float):
            raise ValueError("a valid record needs median_us")
        return record

    @property
    def family(self) -> str:
        return str(self.schedule.get("family", ""))

    @property
    def knobs(self) -> dict[str, Any]:
        return {k: v for k, v in self.schedule.items() if k != "family"}

    def same_target(self, target: dict[str, str]) -> bool:
        return (self.target.get("cpu") == target.get("cpu")
                and self.target.get("features") == target.get("features"))


class TuningDB:
    def __init__(self, path: str | os.PathLike[str]):
        self.path = Path(path)

    def append(self, record: Record) -> None:
        line = json.dumps(record.to_json(), separators=(",", ":")) + "\n"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path, "a", encoding="utf-8") as f:
            fcntl.flock(f, fcntl.LOCK_EX)
            try:
                f.write(line)
                f.flush()
            finally:
                fcntl.flock(f, fcntl.LOCK_UN)

    def read(self) -> list[Record]:
        return list(self.iter_records())

    def iter_records(self) -> Iterator[Record]:
        if not self.path.exists():
            return
        with open(self.path, encoding="utf-8", errors="replace") as f:
            for number, line in enumerate(f, 1):
                if not line.strip():
                    continue
                try:
                    yield Record.from_json(json.loads(line))
                except (ValueError, TypeError, json.JSONDecodeError) as err:
                    log.warning("%s:%d: skipped a record that is not a tcc tuning record (%s)",
                                self.path, number, str(err).splitlines()[0][:120])



def best(records: list[Record], signature: str, target: dict[str, str]) -> Record | None:
    """The fastest valid record of `signature` measured on `target`."""
    found = [r for r in records if r.signature == signature and r.valid
             and r.same_target(target)]
    return min(found, key=lambda r: r.median_us or float("inf"), default=None)
