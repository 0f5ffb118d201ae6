"""`TccContext.clone()` keeps the weights: `apply_to_clone` and `schedule_space` (which clone the
context) see the same store as the pass run in place, and leave the original store alone."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

from tcompiler.context import make_context
from tcompiler.frontend import import_model
from tcompiler.passes.fold_batchnorm import FoldBatchnormPass
from tcompiler.weights import TccContext, weights_of

sys.path.insert(0, str(Path(__file__).parents[2] / "examples"))
import make_model  # noqa: E402


def _op_counts(module) -> Counter[str]:  # type: ignore[no-untyped-def]
    return Counter(op.name for op in module.walk())


def test_clone_copies_the_weight_store() -> None:
    imported = import_model(make_model.build())
    ctx = make_context(imported.weights)
    clone = ctx.clone()
    assert isinstance(clone, TccContext)
    store = weights_of(clone)
    assert store is not None and store is not imported.weights
    assert store.arrays.keys() == imported.weights.arrays.keys()
    assert {d.name for d in clone.loaded_dialects} == {d.name for d in ctx.loaded_dialects}


def test_fold_batchnorm_through_apply_to_clone() -> None:
    imported = import_model(make_model.build())
    ctx = make_context(imported.weights)
    before = _op_counts(imported.module)
    assert before["onnx.BatchNormalization"] > 0
    names = set(imported.weights.arrays)
    new_ctx, folded = FoldBatchnormPass().apply_to_clone(ctx, imported.module)
    assert _op_counts(folded)["onnx.BatchNormalization"] == 0  # with the weights, it folds
    assert _op_counts(imported.module) == before  # the original module is untouched...
    assert set(imported.weights.arrays) == names  # ...and so is the original store
    added = set(weights_of(new_ctx).arrays) - names  # type: ignore[union-attr]
    assert added and all(name.endswith("_bn") for name in added)


def test_schedule_space_sees_the_weights() -> None:
    imported = import_model(make_model.build())
    ctx = make_context(imported.weights)
    assert FoldBatchnormPass.schedule_space(ctx, imported.module) == (FoldBatchnormPass(),)


def test_clone_without_weights() -> None:
    assert make_context().clone().weights is None  # type: ignore[attr-defined]
