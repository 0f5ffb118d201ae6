"""The one checked place where the command line reads environment variables.

    TCC_CACHE_DIR   kernel object cache (default ~/.cache/tcompiler/kernels, XDG_CACHE_HOME)
    TCC_NO_CACHE=1  compile without the cache (as --no-cache)
    TCC_NO_PLUGINS=1  ignore installed plug-ins (as --no-plugins)

(TCC_NUM_THREADS is read by the runtime, which `tcompiler.load` shares.) A cache folder that
cannot be used (a file, under /proc, read-only) is not an error: `kernel_cache_dir` warns once
on stderr and the compile goes on without the cache.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path


def plugins_disabled() -> bool:
    return os.environ.get("TCC_NO_PLUGINS") == "1"


def kernel_cache_dir(no_cache: bool) -> str | None:
    """The usable kernel cache folder (created if missing), or None: no cache."""
    from tcompiler.pipeline import default_cache_dir

    if no_cache or os.environ.get("TCC_NO_CACHE") == "1":
        return None
    configured = os.environ.get("TCC_CACHE_DIR")
    folder = configured or default_cache_dir()
    problem = _unusable(Path(folder))
    if problem is None:
        return folder
    where = f"TCC_CACHE_DIR={configured}" if configured else f"the kernel cache {folder}"
    print(f"tcc: warning: {where}: {problem}; compiling without the kernel cache",
          file=sys.stderr)
    return None


def _unusable(folder: Path) -> str | None:
    """Why `folder` cannot hold the cache, or None if it can (it is created here)."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(dir=folder, prefix=".probe.", suffix=".tmp")
    except FileExistsError:
        return "not a folder"
    except OSError as err:
        return f"cannot create files there ({err.strerror})"
    os.close(fd)
    os.unlink(probe)
    return None
