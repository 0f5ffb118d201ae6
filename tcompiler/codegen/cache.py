"""On-disk cache of compiled objects: `key -> ELF bytes`, one file per key, atomic writes.

    key = cache_key(ir_text, target, opt_level, lowering)
    obj = cache.get(key) or compile_and_put(...)

The key is a SHA-256 over everything that determines the bytes: the input IR text, the
target (triple, cpu, features), the optimisation level and `lowering`, the caller's name for
the code that turns the text into bytes (`tcompiler.pipeline.kernel_cache_key` passes the
compiler version, a hash of the lowering code and the extra passes). Readers
never see partial files (write to a temporary file in the same directory, then rename).
Corrupt entries are the caller's problem only in that `get` returns whatever was stored.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path

from tcompiler.codegen.target import Target


def cache_key(ir_text: str, target: Target, opt_level: int, lowering: str) -> str:
    digest = hashlib.sha256()
    for part in (lowering, json.dumps(target.to_json(), sort_keys=True), str(opt_level),
                 ir_text):
        data = part.encode()
        digest.update(len(data).to_bytes(8, "little"))
        digest.update(data)
    return digest.hexdigest()


class ObjectCache:
    """A directory of `<key>.o` files."""

    def __init__(self, directory: Path):
        self.directory = Path(directory)

    def path(self, key: str) -> Path:
        if not key or not all(c.isalnum() or c in "-_" for c in key):
            raise ValueError(f"bad cache key {key!r}")
        return self.directory / f"{key}.o"

    def get(self, key: str) -> bytes | None:
        try:
            return self.path(key).read_bytes()
        except FileNotFoundError:
            return None

    def put(self, key: str, data: bytes) -> None:
        target = self.path(key)
        self.directory.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.directory, prefix=f".{key}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
