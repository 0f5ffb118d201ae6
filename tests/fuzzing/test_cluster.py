"""`--cluster`: a campaign on a local two-worker Dask cluster; the driver merges the workers'
coverage, corpus and bugs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tcompiler.fuzz import coverage
from tcompiler.fuzz.campaign import Campaign, CampaignConfig
from tcompiler.fuzz.worker import ExecConfig
from tcompiler.plugins import PluginSettings

from .conftest import PLANTED

distributed = pytest.importorskip("distributed")
pytestmark = pytest.mark.skipif(not coverage.available(), reason="Python 3.12+ fuzzes")


def test_a_campaign_on_a_two_worker_cluster(tmp_path: Path) -> None:
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        config = CampaignConfig(
            seconds=24, out=tmp_path, cluster=cluster.scheduler_address, seed=1,
            focus=("drop-conv-bias",), round_seconds=6,
            execution=ExecConfig(plugins=PluginSettings(load=(PLANTED,), autoload=False)))
        summary = Campaign(config).run()
    state = json.loads((tmp_path / "state.json").read_text())
    assert len(state["workers"]) == 2  # both workers fuzzed
    assert sum(state["workers"].values()) == summary["execs"] > 0
    points = (tmp_path / "coverage.txt").read_text().split()
    assert len(points) == len(set(points)) == summary["coverage"]["points"] > 0
    corpus = list((tmp_path / "corpus").iterdir())
    assert len(corpus) == state["corpus"] > 0
    signatures = [b["signature"] for b in summary["bugs"]]
    assert any(s.startswith("miscompile|drop-conv-bias|") for s in signatures)
    assert len(signatures) == len(set(signatures))  # each bug reported once
    assert len(list((tmp_path / "bugs").iterdir())) == len(signatures)
    assert (tmp_path / "report.html").exists()
