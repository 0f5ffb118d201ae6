"""run_npz: the body of `tcc run`."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from tcompiler.errors import ArtifactError, InputError
from tcompiler.runtime import run_npz

Sample = Callable[..., tuple[np.ndarray, np.ndarray]]
Reference = Callable[[np.ndarray, np.ndarray], list[np.ndarray]]


def test_writes_outputs_by_name(artifact: Path, tmp_path: Path, sample: Sample,
                                reference: Reference) -> None:
    a, b = sample()
    np.savez(tmp_path / "in.npz", b=b, a=a)
    returned = run_npz(artifact, tmp_path / "in.npz", tmp_path / "out.npz")
    with np.load(tmp_path / "out.npz") as out:
        assert sorted(out.files) == ["y", "z"]
        for name, want in zip(["y", "z"], reference(a, b)):
            np.testing.assert_allclose(out[name], want, rtol=1e-6, atol=1e-6)
            np.testing.assert_array_equal(returned[name], out[name])


def test_missing_input(artifact: Path, tmp_path: Path, sample: Sample) -> None:
    a, _ = sample()
    np.savez(tmp_path / "in.npz", a=a)
    with pytest.raises(InputError, match="missing input\\(s\\): b$"):
        run_npz(artifact, tmp_path / "in.npz", tmp_path / "out.npz")
    assert not (tmp_path / "out.npz").exists()


def test_extra_input(artifact: Path, tmp_path: Path, sample: Sample) -> None:
    a, b = sample()
    np.savez(tmp_path / "in.npz", a=a, b=b, c=a)
    with pytest.raises(InputError, match="unknown input\\(s\\): c"):
        run_npz(artifact, tmp_path / "in.npz", tmp_path / "out.npz")


def test_wrong_dtype(artifact: Path, tmp_path: Path, sample: Sample) -> None:
    a, b = sample()
    np.savez(tmp_path / "in.npz", a=a, b=b.astype(np.float16))
    with pytest.raises(InputError, match="input 'b': expected float32\\[4,4\\], got float16"):
        run_npz(artifact, tmp_path / "in.npz", tmp_path / "out.npz")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.npz", "model.tcc"]


def test_unreadable_inputs(artifact: Path, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        run_npz(artifact, tmp_path / "absent.npz", tmp_path / "out.npz")
    (tmp_path / "bad.npz").write_bytes(b"garbage")
    with pytest.raises(InputError, match="not an .npz file"):
        run_npz(artifact, tmp_path / "bad.npz", tmp_path / "out.npz")


def test_bad_artifact(tmp_path: Path) -> None:
    with pytest.raises(ArtifactError, match="no such file"):
        run_npz(tmp_path / "absent.tcc", tmp_path / "in.npz", tmp_path / "out.npz")
