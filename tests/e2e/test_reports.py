"""What a user sees of the reports: `tcc compile --report r.html` opened in a real headless
Chromium (skipped where none is installed) renders with no console output, shows the labels,
and its sort script works; `tcc run --profile` writes a valid Chrome trace and prints its
table."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.runtime.test_profile import check_trace_events

ROOT = Path(__file__).parents[2]

CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--enable-logging=stderr",
                  "--v=0")


def tcc(*args: str, cache: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, TCC_CACHE_DIR=cache)
    exe = Path(sys.executable).parent / "tcc"
    return subprocess.run([str(exe), *args], capture_output=True, text=True, cwd=cwd, env=env,
                          timeout=600)


def find_chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def chromium(*args: str) -> subprocess.CompletedProcess[str]:
    """Headless Chromium on a fresh profile; its console messages go to stderr as
    `INFO:CONSOLE` lines."""
    exe = find_chromium()
    if exe is None:
        pytest.skip("no chromium on this machine")
    with tempfile.TemporaryDirectory() as profile:
        return subprocess.run([exe, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args],
                              capture_output=True, text=True, timeout=120)


def console_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if ":CONSOLE" in line]


@pytest.fixture(scope="module")
def compiled(tmp_path_factory: pytest.TempPathFactory, cache_dir: str) -> Iterator[Path]:
    """tiny.onnx compiled with an HTML report, in a folder of its own."""
    folder = tmp_path_factory.mktemp("reports")
    subprocess.run([sys.executable, str(ROOT / "examples" / "make_model.py"), "tiny.onnx"],
                   cwd=folder, check=True, capture_output=True)
    proc = tcc("compile", "tiny.onnx", "-o", "tiny.tcc", "--report", "r.html", cache=cache_dir,
               cwd=folder)
    assert proc.returncode == 0, proc.stderr
    yield folder


def test_report_page_is_self_contained(compiled: Path) -> None:
    page = (compiled / "r.html").read_text()
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)
    assert "url(" not in page and "@import" not in page
    for section in ("Stage times", "Kernels (", "Fusion groups", "Memory plan"):
        assert section in page


def test_report_renders_in_chromium_with_no_console_output(compiled: Path) -> None:
    page = compiled / "r.html"
    proc = chromium("--dump-dom", page.as_uri())
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert console_lines(proc.stderr) == []
    dom = proc.stdout
    # the ONNX tensors on the memory plan's buffers with the kernels that write them: in
    # the legend, and as the tooltips
    assert "r1 ← conv_0" in dom and "p1 ← maxpool_0" in dom
    assert re.search(r"<title>r1 \(written by conv_0\): [0-9.]+ KiB, steps 0\.\.\d+", dom)
    assert "conv + bias + relu" in dom  # a fusion group
    assert re.search(r"<td><code>conv_0</code></td><td>conv</td>", dom)  # the kernel table
    measured = re.findall(r"<td class=\"n\">([0-9.,]+)</td><td class=\"n\">([0-9.,]+)</td>",
                          dom)
    assert measured, "no measured time and GFLOP/s in the kernel table"


def test_sorting_the_kernel_table_in_chromium(compiled: Path) -> None:
    """Clicking the FLOPs column sorts the kernels by FLOPs, largest first."""
    page = (compiled / "r.html").read_text()
    click = ("<script>Array.prototype.find.call(document.querySelectorAll('#kernels th'),"
             " function (th) { return th.textContent === 'FLOPs'; }).click();</script>")
    clicked = compiled / "clicked.html"
    clicked.write_text(page.replace("</body>", f"{click}</body>"))
    proc = chromium("--dump-dom", clicked.as_uri())
    assert console_lines(proc.stderr) == []
    table = proc.stdout.split("id=\"kernels\"")[1].split("</table>")[0]
    flops = [int(v) for v in re.findall(r"<td class=\"n\" data-v=\"(\d+)\">[^<]*</td>"
                                        r"<td class=\"n\" data-v=\"\d+\">", table)]
    assert len(flops) >= 5 and flops == sorted(flops, reverse=True)


def test_report_screenshot(compiled: Path) -> None:
    shot = compiled / "report.png"
    proc = chromium("--hide-scrollbars", "--window-size=1400,2400", f"--screenshot={shot}",
                    (compiled / "r.html").as_uri())
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert console_lines(proc.stderr) == []
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 50_000  # a page, not a blank


def test_run_profile_writes_a_trace_and_prints_the_table(compiled: Path,
                                                         cache_dir: str) -> None:
    proc = tcc("run", "tiny.tcc", "--inputs", "tiny_inputs.npz", "--outputs", "o.npz",
               "--profile", "trace.json", "--runs", "3", "--threads", "2", cache=cache_dir,
               cwd=compiled)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert re.fullmatch(r"tiny\.tcc: 3 runs on 2 threads, [0-9.]+ ms a run \(mean\)", lines[0])
    assert lines[1].split() == ["kernel", "op", "calls", "total", "ms", "mean", "us", "share"]
    shares = [float(line.split()[-1].rstrip("%")) for line in lines[2:] if "%" in line]
    assert shares == sorted(shares, reverse=True) and 99 <= sum(shares) <= 101
    trace = json.loads((compiled / "trace.json").read_text())
    check_trace_events(trace)
    kernels = [e for e in trace["traceEvents"] if e.get("cat") == "kernel"]
    conv = next(e for e in kernels if e["name"] == "conv_0")
    assert conv["args"]["op"] == "conv" and conv["args"]["output"] == "r1"
    assert conv["args"]["shapes"]["X"] == "1x3x32x32"


def test_run_profile_bad_runs(compiled: Path, cache_dir: str) -> None:
    proc = tcc("run", "tiny.tcc", "--inputs", "tiny_inputs.npz", "--outputs", "o2.npz",
               "--profile", "t2.json", "--runs", "0", cache=cache_dir, cwd=compiled)
    assert proc.returncode != 0 and proc.stderr.startswith("tcc: error: runs must be")
    assert "Traceback" not in proc.stderr and not (compiled / "t2.json").exists()
