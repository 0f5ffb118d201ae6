"""The learned cost model: gradient-boosted trees over `features`, stored as plain JSON.

    model = train(records)                        # scikit-learn GradientBoostingRegressor
    model.save(path); model = CostModel.load(path)
    model.rank(op, schedules)          -> [(schedule, predicted relative time)], best first
    model.predict_us(op, schedules)    -> predicted microseconds of each

Two ensembles share the features:
- `rank` predicts log2(time / best time of that kernel) (Ansor's normalized throughput, in
  logs): schedules of one kernel are ordered by it, so kernels of very different sizes do not
  drown the within-kernel differences;
- `time` predicts log2(time in microseconds): the predicted time reports and the tuner's task
  weights show.

Trees are exported to JSON arrays (children, feature, threshold, value) and evaluated with
numpy, so loading a model runs no code from the file (no pickle) and does not depend on the
scikit-learn version that trained it.
"""

from __future__ import annotations

import functools
import gzip
import json
import math
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from tcompiler.costmodel.db import Record
from tcompiler.costmodel.features import FEATURE_NAMES, FEATURE_VERSION, features, native_lanes
from tcompiler.costmodel.schedules import Schedule
from tcompiler.dialects import kernel
from tcompiler.errors import OptionError

MODEL_FORMAT = "tcc-costmodel"
MODEL_VERSION = 1
SHIPPED = Path(__file__).parent / "data" / "model.json.gz"


@dataclass
class Ensemble:
    """A boosted sum of regression trees: init + rate * sum(tree(x))."""

    init: float
    rate: float
    trees: list[dict[str, list[float]]]

    def predict(self, x: np.ndarray) -> np.ndarray:
        total = np.full(len(x), self.init)
        rows = np.arange(len(x))
        for left, right, feature, threshold, value in self._arrays:
            node = np.zeros(len(x), dtype=np.int64)
            while True:
                down = left[node]
                inner = down >= 0
                if not inner.any():
                    break
                go_left = x[rows, feature[node]] <= threshold[node]
                node = np.where(inner, np.where(go_left, down, right[node]), node)
            total += self.rate * value[node]
        return total

    @functools.cached_property
    def _arrays(self) -> list[tuple[np.ndarray, ...]]:
        return [(np.asarray(t["left"]), np.asarray(t["right"]),
                 np.maximum(np.asarray(t["feature"]), 0), np.asarray(t["threshold"]),
                 np.asarray(t["value"])) for t in self.trees]

    def to_json(self) -> dict[str, Any]:
        return {"init": self.init, "rate": self.rate, "trees": self.trees}

    @staticmethod
    def from_sklearn(model: Any) -> Ensemble:
        trees = []
        for (estimator,) in model.estimators_:
            t = estimator.tree_
            trees.append({"left": t.children_left.tolist(), "right": t.children_right.tolist(),
                          "feature": t.feature.tolist(), "threshold": t.threshold.tolist(),
                          "value": t.value[:, 0, 0].tolist()})
        return Ensemble(float(model.init_.constant_[0][0]), float(model.learning_rate), trees)


@dataclass
class CostModel:
    rank_trees: Ensemble
    time_trees: Ensemble
    meta: dict[str, Any] = field(default_factory=dict)

    def predict(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(log2 relative time, log2 microseconds) per feature row."""
        return self.rank_trees.predict(x), self.time_trees.predict(x)

    def rank(self, op: kernel.KernelOp, schedules: list[Schedule], cpu_features: str = ""
             ) -> list[tuple[Schedule, float]]:
        """`schedules` best first, as (schedule, predicted time relative to the kernel's best)."""
        relative = self.rank_trees.predict(_rows(op, schedules, cpu_features))
        order = np.argsort(relative, kind="stable")
        return [(schedules[i], float(2.0 ** relative[i])) for i in order]

    def predict_us(self, op: kernel.KernelOp, schedules: list[Schedule], cpu_features: str = ""
                   ) -> list[float]:
        """The predicted microseconds of each schedule."""
        log_us = self.time_trees.predict(_rows(op, schedules, cpu_features))
        return [float(2.0 ** v) for v in log_us]

    def to_json(self) -> dict[str, Any]:
        return {"format": MODEL_FORMAT, "version": MODEL_VERSION,
                "feature_version": FEATURE_VERSION, "feature_names": list(FEATURE_NAMES),
                "meta": self.meta,
                "rank": self.rank_trees.to_json(), "time": self.time_trees.to_json()}

    def save(self, path: str | Path) -> None:
        """JSON, gzipped when the name ends in .gz."""
        data = json.dumps(self.to_json(), separators=(",", ":")).encode()
        Path(path).write_bytes(gzip.compress(data, mtime=0) if str(path).endswith(".gz")
                               else data)

    @staticmethod
    def load(path: str | Path | None = None) -> CostModel:
        """A model file (the shipped model when `path` is None); a clear error if unusable."""
        path = Path(path) if path is not None else SHIPPED
        try:
            raw = path.read_bytes()
            data = json.loads(gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw)
        except (OSError, EOFError, UnicodeDecodeError, json.JSONDecodeError) as err:
            raise OptionError(f"cost model {path}: cannot read it ({err})") from None
        if not isinstance(data, dict) or data.get("format") != MODEL_FORMAT:
            raise OptionError(f"cost model {path}: not a tcc cost model file")
        if data.get("feature_names") != list(FEATURE_NAMES):
            raise OptionError(f"cost model {path}: trained on other features "
                              f"(version {data.get('feature_version')}, this tcc has "
                              f"{FEATURE_VERSION}); retrain it with `tcc costmodel train`")
        return CostModel(Ensemble(**data["rank"]), Ensemble(**data["time"]), data.get("meta", {}))


def _rows(op: kernel.KernelOp, schedules: list[Schedule], cpu_features: str) -> np.ndarray:
    lanes = native_lanes(cpu_features) if cpu_features else 16
    return np.stack([features(op, s, lanes) for s in schedules])


def training_set(records: list[Record]) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str]]:
    """Features, log2 relative time, log2 time and kernel signature of each valid record.

    Features are recomputed from the record's kernel and schedule when the record's feature
    version differs from this tcc's (so old databases stay useful)."""
    valid = [r for r in records if r.valid and r.median_us and r.median_us > 0]
    best: dict[str, float] = defaultdict(lambda: math.inf)
    for r in valid:
        best[r.signature] = min(best[r.signature], float(r.median_us or math.inf))
    rows = [record_features(r) for r in valid]
    log_us = np.array([math.log2(float(r.median_us or 1.0)) for r in valid])
    relative = np.array([math.log2(float(r.median_us or 1.0) / best[r.signature])
                         for r in valid])
    return np.stack(rows) if rows else np.zeros((0, len(FEATURE_NAMES))), relative, log_us, \
        [r.signature for r in valid]


def record_features(record: Record) -> np.ndarray:
    if record.feature_version == FEATURE_VERSION and len(record.features) == len(FEATURE_NAMES):
        return np.asarray(record.features, dtype=np.float64)
    from tcompiler.costmodel.kernel import KernelSpec
    from tcompiler.costmodel.schedules import FAMILIES

    spec = KernelSpec(record.kernel)
    schedule = FAMILIES[record.family](**record.knobs)
    return features(spec.op, schedule, native_lanes(record.target.get("features", "")))


def train(records: list[Record], seed: int = 0, trees: int = 150) -> CostModel:
    """Fit both ensembles on the valid records (raises OptionError when there are none)."""
    from sklearn.ensemble import GradientBoostingRegressor

    x, relative, log_us, signatures = training_set(records)
    if len(x) < 2:
        raise OptionError(f"cost model: {len(x)} valid records, need at least 2 to train")

    def fit(y: np.ndarray) -> Ensemble:
        model = GradientBoostingRegressor(n_estimators=trees, max_depth=5, learning_rate=0.1,
                                          subsample=0.8, random_state=seed)
        model.fit(x, y)
        return Ensemble.from_sklearn(model)

    meta = {"records": len(x), "kernels": len(set(signatures))}
    return CostModel(fit(relative), fit(log_us), meta)
