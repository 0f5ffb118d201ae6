"""Ranking a kernel's unmeasured schedules while tuning it: the model, corrected by what was
measured of this kernel so far.

    scores = corrected_scores(model, op, candidates, measured, cpu_features)   # lower: faster

The model's prediction (log2 time relative to the kernel's best) is the prior. Each measured
schedule's residual (its measured log2 relative time minus its prior, centred over the
measured ones, so a constant offset corrects nothing) spreads to the candidates with RBF
weights over standardized features: a kernel-regression correction of the prior mean, as a
Gaussian process with the model as its mean would make. Candidates that resemble schedules
measured slower than predicted drop; the search moves away from a region the model
overrates instead of proposing its neighbours one by one.
"""

from __future__ import annotations

import math

import numpy as np

from tcompiler.costmodel.features import features, native_lanes
from tcompiler.costmodel.model import CostModel
from tcompiler.costmodel.schedules import Schedule
from tcompiler.dialects import kernel

SHRINK = 1.0
"""Weight of the prior against the measured neighbours (in units of RBF weight)."""


def corrected_scores(model: CostModel, op: kernel.KernelOp, candidates: list[Schedule],
                     measured: dict[Schedule, float | None], cpu_features: str) -> np.ndarray:
    lanes = native_lanes(cpu_features) if cpu_features else 16
    x_c = np.stack([features(op, s, lanes) for s in candidates])
    prior = model.rank_trees.predict(x_c)
    valid = [(s, t) for s, t in measured.items() if t]
    if not valid:
        return prior
    x_m = np.stack([features(op, s, lanes) for s, _ in valid])
    best = min(t for _, t in valid)
    residual = np.array([math.log2(t / best) for _, t in valid]) - model.rank_trees.predict(x_m)
    residual -= np.median(residual)
    scale = x_c.std(axis=0)
    scale[scale == 0] = 1.0
    z_c, z_m = x_c / scale, x_m / scale
    d2 = ((z_c[:, None, :] - z_m[None, :, :]) ** 2).sum(axis=2)
    bandwidth = float(np.median(d2)) or 1.0
    weights = np.exp(-d2 / bandwidth)
    return prior + (weights @ residual) / (weights.sum(axis=1) + SHRINK)
