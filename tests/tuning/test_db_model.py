"""The tuning database (append-only JSON lines, bad lines skipped), the JSON tree model
(predictions equal scikit-learn's, safe loading) and the TenSet metrics."""

from __future__ import annotations

import json
import logging
import random

import numpy as np
import pytest

from tcompiler.costmodel.db import Record, TuningDB, best
from tcompiler.costmodel.evaluate import evaluate
from tcompiler.costmodel.features import FEATURE_NAMES, FEATURE_VERSION, features
from tcompiler.costmodel.kernel import KernelSpec
from tcompiler.costmodel.model import CostModel, Ensemble, train
from tcompiler.costmodel.space import space
from tcompiler.errors import OptionError

from .test_schedules import CONV, GEMM  # noqa: TID252

CPU = {"cpu": "testcpu", "features": "+avx512f"}


def spec_of(text: str) -> KernelSpec:
    return KernelSpec.from_function(KernelSpec("builtin.module {\n" + text + "\n}").function)


def synthetic_records(text: str, count: int, seed: int, noise: float = 0.0) -> list[Record]:
    """Records whose time is a known function of the schedule (fewer loads per FMA and more
    useful lanes are faster), so a model can learn the ranking."""
    spec = spec_of(text)
    rng = random.Random(seed)
    out = []
    for schedule in rng.sample(space(spec.op), count):
        x = features(spec.op, schedule)
        f = dict(zip(FEATURE_NAMES, x))
        us = 100.0 * (1 + 3 * f["loads_per_fma"]) * (2 - f["lane_efficiency"])
        us *= 1 + 4 * f["algorithm_direct"] + f["algorithm_loops"] + noise * rng.random()
        out.append(Record(spec.signature, spec.text, CPU, "0.1.0",
                          {"family": schedule.FAMILY, **schedule.knobs()},
                          [float(v) for v in x], FEATURE_VERSION, True, [us], us, 0.0))
    return out


def test_db_appends_and_skips_bad_lines(tmp_path, caplog) -> None:
    db = TuningDB(tmp_path / "db.jsonl")
    records = synthetic_records(CONV, 3, 0)
    for r in records:
        db.append(r)
    with open(db.path, "a") as f:
        f.write("{not json\n")
        f.write(json.dumps({"version": 99, "signature": "x"}) + "\n")
    db.append(records[0])
    with caplog.at_level(logging.WARNING):
        read = db.read()
    assert len(read) == 4
    messages = [r.getMessage() for r in caplog.records]
    assert any("db.jsonl:4:" in m for m in messages) and any("db.jsonl:5:" in m for m in messages)
    fastest = best(read, records[0].signature, CPU)
    assert fastest is not None and fastest.median_us == min(r.median_us for r in records)
    assert best(read, records[0].signature, {"cpu": "other", "features": ""}) is None


def test_model_json_matches_sklearn_and_ranks(tmp_path) -> None:
    records = synthetic_records(CONV, 150, 1) + synthetic_records(GEMM, 20, 2)
    model = train(records, trees=60)
    path = tmp_path / "model.json"
    model.save(path)
    loaded = CostModel.load(path)
    x = np.stack([np.asarray(r.features) for r in records])
    assert np.allclose(loaded.predict(x)[0], model.predict(x)[0])

    from sklearn.ensemble import GradientBoostingRegressor

    y = np.log2([r.median_us for r in records])
    reference = GradientBoostingRegressor(n_estimators=20, max_depth=3, random_state=0).fit(x, y)
    assert np.allclose(Ensemble.from_sklearn(reference).predict(x), reference.predict(x))

    held_out = synthetic_records(CONV, 60, 9)
    metrics = evaluate(loaded, held_out)
    assert metrics["kernels"] == 1 and metrics["records"] == 60
    assert metrics["pairwise_accuracy"] > 0.8 and metrics["top5_score"] > 0.9


def test_perfect_and_reversed_rankings() -> None:
    records = synthetic_records(CONV, 40, 3)
    model = train(records, trees=100)
    reversed_records = [Record(**{**r.__dict__, "median_us": 1e4 / r.median_us})
                        for r in records]
    good, bad = evaluate(model, records), evaluate(model, reversed_records)
    assert good["kendall_tau"] > 0.8 > -0.8 > bad["kendall_tau"]
    assert good["top1_score"] > bad["top1_score"]


def test_model_files_load_safely(tmp_path) -> None:
    with pytest.raises(OptionError, match="cannot read it"):
        CostModel.load(tmp_path / "missing.json")
    (tmp_path / "x.json").write_text('{"format": "pickle"}')
    with pytest.raises(OptionError, match="not a tcc cost model"):
        CostModel.load(tmp_path / "x.json")
    model = train(synthetic_records(CONV, 10, 4), trees=5).to_json()
    model["feature_names"] = ["something", "else"]
    (tmp_path / "old.json").write_text(json.dumps(model))
    with pytest.raises(OptionError, match="trained on other features"):
        CostModel.load(tmp_path / "old.json")


def test_measurements_correct_the_model_near_them() -> None:
    """Schedules like one measured much slower than the model predicted rank lower after the
    measurement; with no measurement the scores are the model's."""
    from tcompiler.costmodel.search import corrected_scores

    spec = spec_of(CONV)
    schedules = space(spec.op)
    model = train(synthetic_records(CONV, 80, 5), trees=40)
    prior = corrected_scores(model, spec.op, schedules, {}, "+avx512f")
    assert np.allclose(prior, model.rank_trees.predict(
        np.stack([features(spec.op, s) for s in schedules])))
    top = schedules[int(np.argmin(prior))]
    twin = min((s for s in schedules if s != top),
               key=lambda s: np.abs(features(spec.op, s) - features(spec.op, top)).sum())
    measured = {schedules[0]: 100.0, top: 400.0}  # `top` came out 4x slower than the heuristic
    after = corrected_scores(model, spec.op, schedules, measured, "+avx512f")
    i = schedules.index(twin)
    assert after[i] > prior[i]
