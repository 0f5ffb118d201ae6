"""A terminal progress bar that shows up only when work takes more than a couple of seconds."""

from __future__ import annotations

import sys
import time
from typing import TextIO


class ProgressBar:
    def __init__(self, stream: TextIO | None = None, delay: float = 2.0, width: int = 30):
        self.stream = stream or sys.stderr
        self.delay = delay
        self.width = width
        self.start = time.perf_counter()
        self.shown = False
        self.enabled = self.stream.isatty()

    def __call__(self, what: str, done: int, total: int) -> None:
        elapsed = time.perf_counter() - self.start
        if not self.enabled or elapsed < self.delay:
            return
        filled = self.width * done // max(total, 1)
        bar = "#" * filled + "." * (self.width - filled)
        self.stream.write(f"\r  {what:<9} [{bar}] {done}/{total}  {elapsed:5.1f}s ")
        self.stream.flush()
        self.shown = True

    def close(self) -> None:
        if self.shown:
            self.stream.write("\n")
            self.stream.flush()
