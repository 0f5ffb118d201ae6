"""Output arrays are reused across runs only when nothing outside the runtime refers to them
(no variable, no view): results a caller keeps are never overwritten."""

from __future__ import annotations

import numpy as np

from tcompiler.program import TensorSpec
from tcompiler.runtime.model import _OutputPool


def test_a_released_set_is_reused_a_held_one_never() -> None:
    pool = _OutputPool([TensorSpec("y", (4, 4), "float32"), TensorSpec("z", (3,), "float32")])
    first = pool.take()
    address = first[0].ctypes.data
    del first
    again = pool.take()
    assert again[0].ctypes.data == address  # nobody held it: reused
    other = pool.take()
    assert other[0].ctypes.data != address  # `again` is held
    kept = again[1][1:]  # only a view of one output survives
    del again
    third = pool.take()
    assert address not in (third[0].ctypes.data, other[0].ctypes.data) or third is other
    assert kept.base is not None


def test_results_kept_by_the_caller_keep_their_values(options) -> None:  # type: ignore[no-untyped-def]
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).parents[2] / "examples"))
    import make_model

    from tcompiler.pipeline import compile_model
    from tcompiler.runtime import CompiledModel

    program, _ = compile_model(make_model.build(), options)
    model = CompiledModel(program)
    shape = program.inputs[0].shape
    xs = [np.random.default_rng(i).standard_normal(shape).astype(np.float32) for i in range(4)]
    kept = [model.run([x])[0] for x in xs]
    views = [model.run([x])[0][0] for x in xs]
    for x, out, view in zip(xs, kept, views):
        (fresh,) = model.run([x])[:1]
        np.testing.assert_array_equal(out, fresh)
        np.testing.assert_array_equal(view, fresh[0])
