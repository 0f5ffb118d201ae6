"""The one checked place for the paths a command reads and writes, checked before any work.

    model = input_file(args.model)                          # exists, a file, readable
    out = output_file(args.output, "-o", refuse=(model,))   # writable, not an input
    folder = output_dir(args.dir, "--dir")                  # a folder that can be made here
    write_text(out, text)                                   # atomically

Each raises a one-line `OptionError` naming the flag and the path. Writability is probed by
creating (and removing) a temporary file where the output will go, since permission bits say
nothing to root and nothing about /proc. The output itself is still written atomically by its
writer (`tcompiler.artifact.atomic_output`), so a later failure leaves no partial file.
"""

from __future__ import annotations

import errno
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from tcompiler.errors import OptionError


def input_file(text: str, flag: str = "") -> Path:
    """`text` as a path that names a readable file (`flag` "": a positional argument)."""
    path, where = Path(text), _where(flag, text)
    if not path.exists():
        raise OptionError(f"{where}: no such file")
    if path.is_dir():
        raise OptionError(f"{where}: is a folder, not a file")
    try:
        with path.open("rb"):
            pass
    except OSError as err:
        raise OptionError(f"{where}: cannot read it ({err.strerror})") from None
    return path


def output_file(text: str, flag: str = "", refuse: Iterable[str | os.PathLike[str]] = ()) -> Path:
    """`text` as a path a file can be written to (atomically, next to it), which is none of
    the command's inputs `refuse`."""
    path, where = Path(text), _where(flag, text)
    if path.is_dir():
        raise OptionError(f"{where}: is a folder; give a file name")
    if path.exists() and not path.is_file():
        raise OptionError(f"{where}: is not a regular file")
    for other in refuse:
        if _same(path, Path(other)):
            raise OptionError(f"{where}: is also {other}, which this command reads or "
                              "writes; give another file name")
    parent = path.parent
    if not parent.is_dir():
        raise OptionError(f"{where}: folder {parent} does not exist")
    _probe(parent, where)
    return path


def output_dir(text: str, flag: str = "") -> Path:
    """`text` as a folder that exists or can be created, and can be written into."""
    path, where = Path(text), _where(flag, text)
    if path.exists() and not path.is_dir():
        raise OptionError(f"{where}: exists and is not a folder")
    existing = path
    while not existing.exists():  # the nearest ancestor that exists must be a writable folder
        existing = existing.parent
    if not existing.is_dir():
        raise OptionError(f"{where}: {existing} is not a folder")
    _probe(existing, where)
    return path


def write_text(path: str | os.PathLike[str], text: str) -> None:
    """Write `text` to `path` atomically (all of it or, after any failure or Ctrl-C, nothing)."""
    from tcompiler.artifact import atomic_output

    with atomic_output(path) as f:
        f.write(text.encode())


def _where(flag: str, text: str) -> str:
    return f"{flag} {text}" if flag else text


def _same(a: Path, b: Path) -> bool:
    try:
        if a.exists() and b.exists():
            return os.path.samefile(a, b)
        return a.resolve() == b.resolve()
    except OSError:
        return False


def _probe(folder: Path, where: str) -> None:
    try:
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tcc-probe.", suffix=".tmp")
    except OSError as err:
        why = "" if err.errno == errno.ENOENT else f" ({err.strerror})"  # /proc says ENOENT
        raise OptionError(f"{where}: cannot create files in {folder}{why}") from None
    os.close(fd)
    os.unlink(tmp)
