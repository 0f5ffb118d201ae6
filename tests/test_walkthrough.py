"""Every command of docs/walkthrough.md runs, in order, in a fresh directory."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[1]


def test_walkthrough_commands_run(tmp_path: Path, cache_dir: str) -> None:
    text = (ROOT / "docs" / "walkthrough.md").read_text()
    commands = [line for block in re.findall(r"```bash\n(.*?)```", text, re.S)
                for line in block.strip().splitlines()]
    assert len(commands) >= 8
    (tmp_path / "examples").mkdir()
    shutil.copy(ROOT / "examples" / "two_op_model.py", tmp_path / "examples")
    env = dict(os.environ, TCC_CACHE_DIR=cache_dir)
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env["PATH"]
    for command in commands:
        proc = subprocess.run(["bash", "-c", command], cwd=tmp_path, env=env,
                              capture_output=True, text=True)
        assert proc.returncode == 0, f"{command}\n{proc.stderr}"
    assert proc.stdout.strip() == "(1, 4, 8, 8)"
