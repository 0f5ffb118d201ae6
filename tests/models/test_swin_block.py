"""A Swin-style window-attention block (`tcompiler.zoo_models.swin_block`: LayerNorm, cyclic
shift as Slice + Concat, window partition by Reshape/Transpose, attention with a relative
position bias gathered from a table by an index computed from constants (Range, Div, Mod), the
shifted-window mask built from constants (ScatterND, CumSum, Equal, Where), window reverse,
reverse shift, residual, LayerNorm, MLP with Gelu, residual), compiled by tcc and compared
with onnxruntime, shifted and not.
"""

from __future__ import annotations

import numpy as np
import onnxruntime as ort
import pytest

from tcompiler.frontend import import_model
from tcompiler.pipeline import CompileOptions, compile_model
from tcompiler.runtime import CompiledModel
from tcompiler.zoo_models import swin_block


@pytest.mark.parametrize("shift", [0, 2])
def test_matches_onnxruntime(shift: int, options: CompileOptions) -> None:
    model = swin_block(batch=2, shift=shift)
    feeds = {"x": np.random.default_rng(shift).standard_normal((2, 64, 32), np.float32)}
    program, _ = compile_model(model, options)
    (ours,) = CompiledModel(program).run(feeds)
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    ref = np.asarray(session.run(None, feeds)[0])
    assert ours.shape == ref.shape
    np.testing.assert_allclose(ours, ref, rtol=1e-4, atol=1e-4 * float(np.abs(ref).max()))


def test_mask_and_index_ops_fold_at_import() -> None:
    """Range, Mod, ScatterND and CumSum only ever see constants: none is left to compile."""
    names = {op.name for op in import_model(swin_block()).module.walk()}
    assert not names & {"onnx.Range", "onnx.Mod", "onnx.ScatterND", "onnx.CumSum"}, names
