"""How well a cost model ranks measured schedules (TenSet's and TVM's metrics), a pure function.

    evaluate(model, records) -> {"kernels", "records", "top1_score", "top5_score",
                                 "pairwise_accuracy", "kendall_tau", "heuristic_score"}

Over the kernels with at least two valid measured schedules (one record per distinct schedule,
its fastest measurement):
- top-k score: sum over kernels of the best measured time / sum over kernels of the best
  measured time among the model's k highest-ranked schedules (1.0: the top-k always holds the
  best);
- pairwise accuracy: of the pairs of schedules of one kernel with different times, the
  fraction the model orders correctly; Kendall tau: (concordant - discordant) / pairs;
- heuristic score: sum of best times / sum of the heuristic schedule's times, over the kernels
  whose heuristic schedule was measured (what the model has to beat).
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from typing import Any

import numpy as np

from tcompiler.costmodel.db import Record
from tcompiler.costmodel.kernel import KernelSpec
from tcompiler.costmodel.model import CostModel, record_features
from tcompiler.costmodel.schedules import heuristic


def _by_kernel(records: list[Record]) -> dict[str, list[Record]]:
    fastest: dict[tuple[str, str], Record] = {}
    for r in records:
        if not (r.valid and r.median_us):
            continue
        key = (r.signature, repr(sorted(r.schedule.items())))
        if key not in fastest or r.median_us < (fastest[key].median_us or np.inf):
            fastest[key] = r
    groups: dict[str, list[Record]] = defaultdict(list)
    for (signature, _), r in fastest.items():
        groups[signature].append(r)
    return {s: rs for s, rs in groups.items() if len(rs) >= 2}


def evaluate(model: CostModel, records: list[Record]) -> dict[str, Any]:
    groups = _by_kernel(records)
    best_sum = top1_sum = top5_sum = 0.0
    concordant = discordant = 0
    heuristic_best = heuristic_time = 0.0
    for rs in groups.values():
        times = np.array([float(r.median_us or 0.0) for r in rs])
        predicted, _ = model.predict(np.stack([record_features(r) for r in rs]))
        order = np.argsort(predicted, kind="stable")
        best = float(times.min())
        best_sum += best
        top1_sum += float(times[order[0]])
        top5_sum += float(times[order[:5]].min())
        for i, j in itertools.combinations(range(len(rs)), 2):
            if times[i] == times[j] or predicted[i] == predicted[j]:
                continue
            same = bool((times[i] < times[j]) == (predicted[i] < predicted[j]))
            concordant += same
            discordant += not same
        chosen = heuristic(KernelSpec(rs[0].kernel).op).knobs()
        for r in rs:
            if r.knobs == chosen:
                heuristic_best += best
                heuristic_time += float(r.median_us or 0.0)
                break
    pairs = concordant + discordant
    return {
        "kernels": len(groups),
        "records": sum(len(rs) for rs in groups.values()),
        "top1_score": round(best_sum / top1_sum, 4) if top1_sum else None,
        "top5_score": round(best_sum / top5_sum, 4) if top5_sum else None,
        "pairwise_accuracy": round(concordant / pairs, 4) if pairs else None,
        "kendall_tau": round((concordant - discordant) / pairs, 4) if pairs else None,
        "heuristic_score": round(heuristic_best / heuristic_time, 4) if heuristic_time else None,
    }
