"""The reducer shrinks a planted bug to a small reproducer with the same signature; bugs are
deduplicated by signature; a bug's folder holds what the issue lists."""

from __future__ import annotations

import json
from pathlib import Path

import onnx

from tcompiler.fuzz.campaign import Campaign, CampaignConfig, RoundResult
from tcompiler.fuzz.case import Case
from tcompiler.fuzz.mutate_passes import default_pipeline
from tcompiler.fuzz.reduce import bug_report, ddmin, write_bug
from tcompiler.fuzz.worker import Executor

from .conftest import PLANTED, chain_model, gemm_model

PIPELINE = default_pipeline("onnx")


def test_ddmin_finds_a_one_minimal_subsequence() -> None:
    calls = []

    def test(items: list[int]) -> bool:
        calls.append(items)
        return {3, 11} <= set(items)

    assert ddmin(range(16), test, deadline=float("inf")) == [3, 11]
    assert len(calls) < 60


def test_a_crash_reduces_to_its_node_and_pass(executor: Executor, tmp_path: Path) -> None:
    case = Case("onnx", ("onnx-canonicalize", "crash-on-gemm", *PIPELINE), model=gemm_model(4))
    execution = executor.run(case, native=False, differential=False)
    assert execution.finding is not None
    report = bug_report(executor, case, execution, found_at=1.0, seconds=60.0)
    assert report.finding.signature == execution.finding.signature
    assert report.reduced.pipeline == ("crash-on-gemm",)
    assert report.reduced.model is not None
    nodes = onnx.ModelProto.FromString(report.reduced.model).graph.node
    assert [n.op_type for n in nodes] == ["Gemm"]
    assert report.original == case

    write_bug(tmp_path / "bug", report, plugins=(PLANTED,))
    files = {p.name for p in (tmp_path / "bug").iterdir()}
    assert {"original", "reduced", "program.onnx", "program.mlir", "repro.sh",
            "bug.json"} <= files
    record = json.loads((tmp_path / "bug" / "bug.json").read_text())
    assert record["signature"] == report.finding.signature
    script = (tmp_path / "bug" / "repro.sh").read_text()
    assert "tcc-opt program.mlir -p crash-on-gemm" in script and PLANTED in script
    assert Case.load(tmp_path / "bug" / "reduced") == report.reduced


def test_a_miscompile_keeps_its_evidence(executor: Executor, tmp_path: Path) -> None:
    case = Case("onnx", ("drop-conv-bias", *PIPELINE), model=chain_model())
    execution = executor.run(case, native=False, differential=False)
    report = bug_report(executor, case, execution, found_at=0.0, seconds=60.0)
    # found at the Mul that computes the output, reduced to the Conv that goes wrong: the
    # reduction keeps the bug (kind and pass), the report names the op that is left
    assert execution.finding is not None
    assert execution.finding.signature == "miscompile|drop-conv-bias|Mul"
    assert report.finding.signature == "miscompile|drop-conv-bias|Conv"
    assert report.reduced.pipeline == ("drop-conv-bias",)
    assert report.reduced.model is not None
    assert len(onnx.ModelProto.FromString(report.reduced.model).graph.node) == 1
    write_bug(tmp_path / "bug", report, plugins=(PLANTED,))
    for name in ("inputs.npz", "expected.npz", "actual.npz"):
        assert (tmp_path / "bug" / name).exists()


def test_findings_of_one_signature_are_one_bug(executor: Executor, tmp_path: Path) -> None:
    reports = []
    for extra in (1, 3):
        case = Case("onnx", ("crash-on-gemm",), model=gemm_model(extra))
        execution = executor.run(case, native=False, differential=False)
        reports.append(bug_report(executor, case, execution, found_at=0.0, seconds=5.0))
    assert reports[0].finding.signature == reports[1].finding.signature
    campaign = Campaign(CampaignConfig(seconds=1, out=tmp_path))
    tmp_path.mkdir(exist_ok=True)
    campaign.merge(RoundResult(bugs=reports, duplicates={reports[0].finding.signature: 3}), 0.0)
    assert len(campaign.state.bugs) == 1
    assert campaign.state.bugs[0].hits == 4
    assert len(list((tmp_path / "bugs").iterdir())) == 1
