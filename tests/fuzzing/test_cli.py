"""`tcc fuzz` end to end: it finds the bug planted by a plug-in, writes the report and the JSON
the issue specifies, resumes a campaign killed with SIGKILL, and refuses bad input clearly."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tcompiler.cli import main
from tcompiler.fuzz import coverage
from tcompiler.fuzz.case import Case
from tcompiler.fuzz.generate import generate

from .conftest import PLANTED

TCC = [sys.executable, "-c", "import sys; from tcompiler.cli import main; sys.exit(main())"]
SUMMARY_KEYS = {"seconds", "execs", "valid_rate", "coverage", "timeline", "bugs"}
BUG_KEYS = {"kind", "signature", "passes", "reproducer", "seconds"}

# campaigns are guided by sys.monitoring (3.12+); on 3.11 `tcc fuzz` refuses (test_coverage)
pytestmark = pytest.mark.skipif(not coverage.available(), reason="Python 3.12+ fuzzes")


def tcc(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*TCC, *args], capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, "TCC_NO_PLUGINS": "1"})


@pytest.fixture(scope="module")
def planted_campaign(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("campaign")
    done = tcc("fuzz", "--time", "60s", "--out", str(out), "--json", str(out / "s.json"),
               "--load-plugin", PLANTED, "--passes", "drop-conv-bias", "--stop-after", "1",
               "--seed", "1")
    assert done.returncode == 0, done.stderr
    return out, json.loads((out / "s.json").read_text())


def test_fuzz_finds_the_bug_a_plugin_planted(planted_campaign: tuple[Path, dict]) -> None:
    out, summary = planted_campaign
    # --stop-after 1 ends the campaign after the round that found a bug (a round may find
    # the planted miscompile at several ops: one signature each)
    planted = [b for b in summary["bugs"] if b["signature"].startswith("miscompile|drop-conv-bias|")]
    assert planted and len(planted) == len(summary["bugs"])
    bug = planted[0]
    # reduced to the culprit and what it needs (fold-batchnorm, when only the folded BN gives
    # the conv the bias the planted pass drops)
    assert bug["passes"][-1] == "drop-conv-bias" and len(bug["passes"]) <= 2
    folder = out / bug["reproducer"]
    assert (folder / "repro.sh").exists() and (folder / "program.onnx").exists()
    replay = tcc("fuzz", "--replay", str(folder / "reduced"), "--load-plugin", PLANTED)
    assert replay.returncode == 1 and "miscompile|drop-conv-bias" in replay.stdout


def test_the_json_has_exactly_the_issue_keys(planted_campaign: tuple[Path, dict]) -> None:
    _, summary = planted_campaign
    assert set(summary) == SUMMARY_KEYS
    assert set(summary["coverage"]) == {"points", "total"}
    assert all(set(b) == BUG_KEYS for b in summary["bugs"])
    assert 0 < summary["coverage"]["points"] <= summary["coverage"]["total"]
    assert summary["execs"] > 0 and 0 < summary["valid_rate"] <= 1
    timeline = summary["timeline"]
    assert timeline == sorted(timeline) and timeline[-1][1] == summary["coverage"]["points"]
    assert 0 <= summary["bugs"][0]["seconds"] <= summary["seconds"]


def test_the_report_is_self_contained(planted_campaign: tuple[Path, dict]) -> None:
    out, summary = planted_campaign
    page = (out / "report.html").read_text()
    assert "<svg" in page and "<path" in page
    assert "http://" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "https://" not in page and "<script" not in page and "<link" not in page
    assert "miscompile|drop-conv-bias" in page
    assert f'href="{summary["bugs"][0]["reproducer"]}/repro.sh"' in page
    assert "drop-conv-bias" in re.sub(r"\s+", " ", page)  # the per-pass table


def test_help() -> None:
    done = tcc("fuzz", "--help")
    assert done.returncode == 0
    for flag in ("--time", "--out", "--passes", "--corpus", "--cluster", "--no-coverage",
                 "--no-ir-mutation", "--no-pass-mutation", "--json", "--level", "--jobs"):
        assert flag in done.stdout


def test_an_unknown_pass_fails_like_tcc_opt(tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    from tcompiler.opt import main as opt_main

    program = tmp_path / "x.mlir"
    program.write_text("builtin.module {}\n")
    opt_code = opt_main([str(program), "-p", "plan-memroy"])
    opt_error = capsys.readouterr().err.strip()
    code = main(["fuzz", "--time", "5s", "--out", str(tmp_path / "o"), "--passes",
                 "cse,plan-memroy"])
    error = capsys.readouterr().err.strip()
    assert code == opt_code == 1
    assert error.removeprefix("tcc: error: ") == opt_error.removeprefix("tcc-opt: error: ")
    assert "unknown pass 'plan-memroy' (did you mean 'plan-memory'?)" in error
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("value", ["soon", "10x", "-5", "0", ""])
def test_a_bad_time_is_a_clear_error(value: str, tmp_path: Path,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["fuzz", "--time", value, "--out", str(tmp_path / "o")]) == 1
    error = capsys.readouterr().err.strip()
    assert error.startswith("tcc: error: --time") and "10m" in error and "\n" not in error


def test_an_out_folder_that_cannot_be_made_is_a_clear_error(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    assert main(["fuzz", "--time", "5s", "--out", str(blocker / "campaign")]) == 1
    error = capsys.readouterr().err.strip()
    assert error == f"tcc: error: --out {blocker / 'campaign'}: {blocker} is not a folder"


def test_coverage_refused_on_python_311(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(coverage, "available", lambda: False)
    assert main(["fuzz", "--time", "5s", "--out", str(tmp_path / "o")]) == 1
    error = capsys.readouterr().err.strip()
    assert error == f"tcc: error: {coverage.COVERAGE_UNAVAILABLE}"


def test_an_unreadable_corpus_entry_is_skipped(tmp_path: Path) -> None:
    import random

    corpus = tmp_path / "corpus"
    generate(random.Random(0), "loops").save(corpus / "good")
    (corpus / "broken").mkdir()
    (corpus / "broken" / "case.json").write_text("{not json")
    (corpus / "empty").mkdir()
    out = tmp_path / "out"
    done = tcc("fuzz", "--time", "2s", "--out", str(out), "--corpus", str(corpus),
               "--level", "loops", "--json", str(tmp_path / "s.json"))
    assert done.returncode == 0, done.stderr
    warnings = [line for line in done.stderr.splitlines() if "warning" in line]
    assert any("skipping corpus entry" in w and "broken" in w for w in warnings)
    assert any("skipping corpus entry" in w and "empty" in w for w in warnings)
    assert json.loads((tmp_path / "s.json").read_text())["execs"] > 0
    assert Case.load(out / "corpus" / "000000").origin == Case.load(corpus / "good").origin


def test_a_killed_campaign_resumes(tmp_path: Path) -> None:
    out = tmp_path / "out"
    process = subprocess.Popen([*TCC, "fuzz", "--time", "120s", "--out", str(out), "--level",
                                "kernels", "--seed", "3"], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, env={**os.environ,
                                                               "TCC_NO_PLUGINS": "1"})
    state = out / "state.json"
    deadline = time.monotonic() + 90
    try:
        while time.monotonic() < deadline:
            if state.exists() and json.loads(state.read_text())["execs"] > 0:
                break
            time.sleep(0.5)
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
    before = json.loads(state.read_text())
    assert before["execs"] > 0
    corpus_before = len(list((out / "corpus").iterdir()))
    points_before = len((out / "coverage.txt").read_text().split())

    done = tcc("fuzz", "--time", "3s", "--out", str(out), "--json", str(tmp_path / "s.json"))
    assert done.returncode == 0, done.stderr
    assert f"resuming {out}: {before['execs']} execs" in done.stderr
    after = json.loads((tmp_path / "s.json").read_text())
    assert after["execs"] > before["execs"]
    assert after["seconds"] > before["seconds"]
    assert after["coverage"]["points"] >= points_before
    assert len(list((out / "corpus").iterdir())) >= corpus_before
    assert json.loads(state.read_text())["config"]["level"] == "kernels"
