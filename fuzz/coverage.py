"""Coverage of tcc's own code (and of a focused plug-in's package), cheap enough to leave on.

    scope = Scope.for_tcc(plugin_dirs)          # which files count (tcc minus `fuzz/`)
    collector = Collector(scope)                 # Python >= 3.12: sys.monitoring
    with collector:                              # events on; off (tool freed) on exit
        run_pass(...)
        new = collector.take()                   # points first reached since the last take
    scope.total()                                # every executable line of the scope

A point is one source line, keyed `"<file>:<line>"` with `<file>` relative to the repository
root (`passes/fuse_elementwise.py:88`), or to a plug-in's package folder with the package
name in front (`tcc_plugin_demo/fold_reshapes.py:40`). Keys are plain strings, so they are
the same in every process and every run (the campaign merges them across workers and saves
them for a resumed campaign).

The collector is a `sys.monitoring` LINE tool that returns `DISABLE` after the first hit of
every location (ours and foreign code alike), so a line costs one callback per process and
then nothing: measured ~1.0x on xDSL pipelines (../shared/research/fuzzing.md, section 1),
and the per-input delta is the list of new keys, read in microseconds. `take()` between two
passes is the per-pass delta the campaign uses for pass weights. A location DISABLEd by an
earlier collector in the same process is re-enabled at start (`restart_events`), and keys in
`seen` (e.g. the campaign's coverage so far) are never reported as new.

Python 3.11 has no `sys.monitoring`. A `sys.settrace` line tracer there costs 8-10x
(../shared/research/fuzzing.md, the collector table), which
would cut a campaign to a tenth of its executions, so on 3.11 coverage guidance is refused
with one line (`COVERAGE_UNAVAILABLE`) and a campaign runs only with `--no-coverage`.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import CodeType, TracebackType

import tcompiler
from tcompiler.errors import OptionError

COVERAGE_UNAVAILABLE = ("coverage guidance needs Python 3.12 or newer (sys.monitoring); this is "
                        f"Python {sys.version_info.major}.{sys.version_info.minor}: run with "
                        "--no-coverage, or use Python 3.12")


def available() -> bool:
    return sys.version_info >= (3, 12)


def require() -> None:
    """Raise the one-line refusal where coverage cannot be collected."""
    if not available():
        raise OptionError(COVERAGE_UNAVAILABLE)


def repository_root() -> Path:
    """The folder holding `tcompiler/` and the four packages it links (`passes/`, ...)."""
    return Path(os.path.realpath(Path(tcompiler.__file__).parent)).parent


@dataclass(frozen=True)
class Scope:
    """Which source files count: folders, each with the prefix its keys get, minus excluded
    folders (all paths real, symlinks resolved)."""

    roots: tuple[tuple[str, str], ...]  # (real folder + os.sep, key prefix)
    excluded: tuple[str, ...] = ()  # real folders + os.sep

    @staticmethod
    def for_tcc(plugin_dirs: Iterable[str | Path] = ()) -> Scope:
        """tcc's code (tcompiler, dialects, passes, costmodel: the frontend, kernels, memory
        planner, codegen...) without the fuzzer and the reference interpreter (the oracle:
        reaching more of it is not testing more of the compiler), plus each plug-in
        package folder in `plugin_dirs` (keys prefixed with the folder's name)."""
        root = repository_root()
        package = Path(os.path.realpath(Path(tcompiler.__file__).parent))
        oracles = [os.path.realpath(package / name) + os.sep for name in ("fuzz", "interp")]
        roots = [(os.path.realpath(package) + os.sep, package.name + "/")]
        for name in ("dialects", "passes", "costmodel"):
            real = os.path.realpath(package / name)
            if not real.startswith(roots[0][0]):  # a linked folder of the source tree
                roots.append((real + os.sep, os.path.relpath(real, root) + "/"))
        for folder in plugin_dirs:
            real = os.path.realpath(folder)
            roots.append((real + os.sep, Path(real).name + "/"))
        return Scope(tuple(roots), tuple(oracles))

    def key_prefix(self, filename: str) -> str | None:
        """The key of `filename` without the line (`passes/x.py`), or None outside the scope."""
        real = os.path.realpath(filename)
        if any(real.startswith(ex) for ex in self.excluded):
            return None
        best: tuple[str, str] | None = None
        for folder, prefix in self.roots:
            if real.startswith(folder) and (best is None or len(folder) > len(best[0])):
                best = (folder, prefix)
        if best is None:
            return None
        return best[1] + real[len(best[0]):].replace(os.sep, "/")

    def files(self) -> Iterator[tuple[str, Path]]:
        """(key prefix, path) of every Python file in the scope."""
        for folder, _ in self.roots:
            for path in sorted(Path(folder).rglob("*.py")):
                prefix = self.key_prefix(str(path))
                if prefix is not None:
                    yield prefix, path

    def total(self) -> int:
        """The number of executable lines in the scope (what `points` can reach)."""
        return sum(len(lines_of(path)) for _, path in self.files())


def lines_of(path: Path) -> set[int]:
    """The lines of `path` that start an instruction (the lines LINE events report)."""
    try:
        code = compile(path.read_text(encoding="utf-8"), str(path), "exec", dont_inherit=True)
    except (OSError, SyntaxError, ValueError, UnicodeDecodeError):
        return set()
    lines: set[int] = set()
    stack = [code]
    while stack:
        c = stack.pop()
        lines.update(line for _, _, line in c.co_lines() if line is not None and line > 0)
        stack.extend(k for k in c.co_consts if isinstance(k, CodeType))
    return lines


_NOT_SEEN = object()
_DISABLE: object = sys.monitoring.DISABLE if sys.version_info >= (3, 12) else None
TOOL_IDS = (5, 4, 3, 2)  # OPTIMIZER_ID, then the unnamed ids, then PROFILER_ID


@dataclass
class Collector:
    """A `sys.monitoring` LINE tool over `scope` (see the module doc). Not thread-safe by
    design: one collector per process, events from every thread count."""

    scope: Scope
    seen: set[str] = field(default_factory=set)
    new: list[str] = field(default_factory=list)
    _prefixes: dict[str, str | None] = field(default_factory=dict)
    _tool: int | None = None

    def start(self) -> None:
        require()
        if sys.version_info < (3, 12) or self._tool is not None:
            return
        monitoring = sys.monitoring
        for tool in TOOL_IDS:
            if monitoring.get_tool(tool) is None:
                monitoring.use_tool_id(tool, "tcc-fuzz")
                self._tool = tool
                break
        else:
            raise OptionError("coverage: no free sys.monitoring tool id (another profiler or "
                              "coverage tool holds them all)")
        monitoring.register_callback(self._tool, monitoring.events.LINE, self._line)
        monitoring.set_events(self._tool, monitoring.events.LINE)
        monitoring.restart_events()  # locations an earlier collector DISABLEd count again

    def stop(self) -> None:
        if sys.version_info < (3, 12) or self._tool is None:
            return
        monitoring = sys.monitoring
        monitoring.set_events(self._tool, 0)
        monitoring.register_callback(self._tool, monitoring.events.LINE, None)
        monitoring.free_tool_id(self._tool)
        self._tool = None

    def __enter__(self) -> Collector:
        self.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    def _line(self, code: CodeType, line: int) -> object:
        prefix = self._prefixes.get(code.co_filename, _NOT_SEEN)
        if prefix is _NOT_SEEN:
            prefix = self._prefixes[code.co_filename] = self.scope.key_prefix(code.co_filename)
        if prefix is not None:
            key = f"{prefix}:{line}"
            if key not in self.seen:
                self.seen.add(key)
                self.new.append(key)
        return _DISABLE

    def take(self) -> list[str]:
        """The points first reached since the last `take` (and forgets them as new)."""
        new, self.new = self.new, []
        return new

    def know(self, keys: Iterable[str]) -> None:
        """Treat `keys` as seen (a resumed campaign's coverage, other workers' points)."""
        self.seen.update(keys)
