"""The README's two fresh-machine commands work (the compile one is run whole; the test
command is checked to collect this suite, since running it from inside it would recurse)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[1]


def readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text()
    section = text.split("## Two commands on a fresh machine", 1)[1].split("\n## ", 1)[0]
    return [block.strip() for block in re.findall(r"```bash\n(.*?)```", section, re.S)]


def shell(command: str, cwd: Path, cache: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, TCC_CACHE_DIR=cache)
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env["PATH"]
    return subprocess.run(["bash", "-c", command], cwd=cwd, env=env, capture_output=True, text=True)


def test_readme_has_install_compile_and_test_commands() -> None:
    install, compile_run, test = readme_commands()
    assert "pip install -e '.[test]'" in install
    assert "tcc compile" in compile_run and "tcc run" in compile_run
    assert test == "python -m pytest -q -n auto"


def test_readme_compile_command_runs(tmp_path: Path, cache_dir: str) -> None:
    _, compile_run, _ = readme_commands()
    (tmp_path / "examples").mkdir()
    source = (ROOT / "examples" / "make_model.py").read_text()
    (tmp_path / "examples" / "make_model.py").write_text(source)
    proc = shell(compile_run, tmp_path, cache_dir)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (tmp_path / "tiny_resnet.tcc").is_file()
    assert (tmp_path / "tiny_resnet_outputs.npz").is_file()


def test_readme_test_command_collects(cache_dir: str) -> None:
    proc = shell(readme_commands()[2] + " --collect-only", ROOT, cache_dir)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert "tests collected" in proc.stdout or "collected" in proc.stdout
