"""Runs every `tests/filecheck/**/*.mlir` file's `// RUN:` lines (a tiny lit), one test each.

Substitutions: `%s` (the file), `tcc-opt`/`xdsl-opt`/`filecheck` resolve from this interpreter's
bin dir; `not CMD` succeeds when CMD fails (as in lit), for error-path checks.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parent / "filecheck"
CASES = sorted(ROOT.rglob("*.mlir"))


def run_lines(path: Path) -> list[str]:
    lines, pending = [], ""
    for raw in path.read_text().splitlines():
        if "RUN:" not in raw:
            continue
        part = raw.split("RUN:", 1)[1].strip()
        if part.endswith("\\"):
            pending += part[:-1] + " "
            continue
        lines.append(pending + part)
        pending = ""
    return lines


@pytest.mark.parametrize("path", CASES, ids=[str(p.relative_to(ROOT)) for p in CASES])
def test_filecheck(path: Path) -> None:
    runs = run_lines(path)
    assert runs, f"{path} has no RUN line"
    env = dict(os.environ)
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    for line in runs:
        command = line.replace("%s", str(path))
        script = 'not() { ! "$@"; }\n' + command
        proc = subprocess.run(["bash", "-o", "pipefail", "-c", script], capture_output=True,
                              text=True, env=env, cwd=path.parent)
        assert proc.returncode == 0, f"{command}\n{proc.stdout}\n{proc.stderr}"
