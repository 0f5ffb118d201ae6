"""CompiledModel and load(): results, calling conventions, InputError, threads, processes."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

import tcompiler
from tcompiler.artifact import read_artifact
from tcompiler.errors import ArtifactError, InputError
from tcompiler.program import ALIGNMENT, Program, Step
from tcompiler.runtime import CompiledModel, load

Sample = Callable[..., tuple[np.ndarray, np.ndarray]]
Reference = Callable[[np.ndarray, np.ndarray], list[np.ndarray]]


def assert_outputs(got: list[np.ndarray], want: list[np.ndarray]) -> None:
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert g.dtype == w.dtype and g.shape == w.shape
        np.testing.assert_allclose(g, w, rtol=1e-6, atol=1e-6)


def test_runs_like_numpy(artifact: Path, sample: Sample, reference: Reference) -> None:
    a, b = sample()
    assert_outputs(load(artifact)(a, b), reference(a, b))


def test_from_program_without_file(program: Program, sample: Sample,
                                   reference: Reference) -> None:
    a, b = sample(1)
    assert_outputs(CompiledModel(program)(a, b), reference(a, b))


def test_invalid_program(program: Program) -> None:
    program.steps.append(Step("add", (0, 1, 42)))
    with pytest.raises(ArtifactError, match="model: invalid program: step 4 uses unknown buffer"):
        CompiledModel(program)


def test_kernel_missing_from_its_object(program: Program) -> None:
    program.kernels["mul"] = "add"
    program.steps.append(Step("mul", (0, 1, 2)))
    with pytest.raises(ArtifactError, match="kernel 'mul' is not defined by object 'add'"):
        CompiledModel(program)


UNRESOLVED = """
declare void @nosuch_external(ptr)

define void @add(ptr %x, ptr %y, ptr %o) {
  call void @nosuch_external(ptr %o)
  ret void
}
"""


def test_unresolved_symbol(program: Program, compile_ir: Callable[[str], bytes]) -> None:
    program.objects["add"] = compile_ir(UNRESOLVED)
    with pytest.raises(ArtifactError, match="cannot load kernels: .*nosuch_external"):
        CompiledModel(program)


def test_garbage_object(program: Program) -> None:
    program.objects["scale"] = b"\x7fELF garbage"
    with pytest.raises(ArtifactError, match="model: cannot load kernels: not a loadable object"):
        CompiledModel(program)


def test_weights_are_read_aligned_and_used_in_place(artifact: Path) -> None:
    """`read_artifact` reads the weights into 64-byte-aligned memory and the model runs on
    that memory: the weights are never in memory twice."""
    program = read_artifact(artifact)
    weights = np.frombuffer(program.weights, np.uint8)
    assert weights.ctypes.data % ALIGNMENT == 0 and not weights.flags.writeable
    model = CompiledModel(program)
    assert model._weights.ctypes.data == weights.ctypes.data  # pyright: ignore[reportPrivateUsage]


def test_tcompiler_load(artifact: Path, sample: Sample, reference: Reference) -> None:
    a, b = sample(2)
    model = tcompiler.load(artifact)
    assert isinstance(model, CompiledModel)
    assert_outputs(model(a, b), reference(a, b))


def test_calling_conventions(artifact: Path, sample: Sample, reference: Reference) -> None:
    model = load(artifact)
    a, b = sample(3)
    want = reference(a, b)
    assert_outputs(model(a, b=b), want)
    assert_outputs(model(b=b, a=a), want)
    assert_outputs(model.run([a, b]), want)
    assert_outputs(model.run({"b": b, "a": a}), want)
    named = model.run_dict({"a": a, "b": b})
    assert list(named) == ["y", "z"]
    assert_outputs(list(named.values()), want)


def test_specs_and_meta(artifact: Path, program: Program) -> None:
    model = load(artifact)
    assert model.inputs == program.inputs
    assert model.outputs == program.outputs
    assert model.meta == program.meta


def test_outputs_are_fresh_and_aligned(artifact: Path, sample: Sample) -> None:
    model = load(artifact)
    a, b = sample(4)
    first = model(a, b)
    kept = [out.copy() for out in first]
    second = model(a + 1, b)
    assert all(out.ctypes.data % 64 == 0 for out in first + second)
    assert not np.shares_memory(first[0], second[0])
    assert_outputs(first, kept)


def test_non_contiguous_input_is_copied(artifact: Path, sample: Sample,
                                        reference: Reference) -> None:
    a, b = sample(5)
    wide = np.zeros((4, 8), np.float32)
    wide[:, ::2] = a
    view = wide[:, ::2]
    assert not view.flags.c_contiguous
    assert_outputs(load(artifact)(view, b.T.copy().T), reference(a, b))


def test_unaligned_contiguous_input(artifact: Path, sample: Sample,
                                    reference: Reference) -> None:
    a, b = sample(6)
    raw = np.zeros(4 * 16 + 1, np.uint8)
    shifted = raw[1:].view(np.float32).reshape(4, 4)
    shifted[...] = a
    assert_outputs(load(artifact)(shifted, b), reference(a, b))


def input_error(model: CompiledModel, *args: object, **named: object) -> str:
    with pytest.raises(InputError) as info:
        model(*args, **named)
    message = str(info.value)
    assert "\n" not in message
    return message


def test_input_errors(artifact: Path, sample: Sample) -> None:
    model = load(artifact)
    a, b = sample()
    assert input_error(model, a, b, a) == "expected 2 input(s) (a, b), got 3 by position"
    assert input_error(model, a, b, c=a) == "unknown input 'c' (model inputs: a, b)"
    assert input_error(model, a, b, a=a) == "input 'a' given both by position and by name"
    assert input_error(model, a) == "missing input(s): b (model inputs: a, b)"
    assert input_error(model) == "missing input(s): a, b (model inputs: a, b)"
    assert (input_error(model, a.astype(np.float64), b)
            == "input 'a': expected float32[4,4], got float64[4,4]")
    assert (input_error(model, a, b.reshape(2, 8))
            == "input 'b': expected float32[4,4], got float32[2,8]")
    assert (input_error(model, a, b.astype(">f4"))
            == "input 'b': expected float32[4,4], got >f4[4,4]")
    assert (input_error(model, a.tolist(), b)
            == "input 'a': expected a numpy array float32[4,4], got list")
    with pytest.raises(InputError, match="unknown input 'x'"):
        model.run({"a": a, "b": b, "x": a})
    with pytest.raises(InputError, match="expected 2 input"):
        model.run([a, b, b])


def test_two_models_in_one_process(artifact: Path, program: Program, tmp_path: Path,
                                   sample: Sample, reference: Reference) -> None:
    first = load(artifact)
    second = CompiledModel(program)
    a, b = sample(7)
    c, d = sample(8)
    assert_outputs(first(a, b), reference(a, b))
    assert_outputs(second(c, d), reference(c, d))
    assert_outputs(first(c, d), reference(c, d))


def test_threads_share_one_model(artifact: Path, sample: Sample, reference: Reference) -> None:
    """Four threads call one model at once; a wrong result or an exception in any of them
    fails the test (`.result()` re-raises what the worker raised)."""
    model = load(artifact)
    threads = 4
    start = threading.Barrier(threads)

    def work(seed: int) -> None:
        a, b = sample(seed)
        want = reference(a, b)
        start.wait(timeout=60)  # all threads call the model concurrently
        for _ in range(200):
            assert_outputs(model(a, b), want)

    with ThreadPoolExecutor(max_workers=threads) as pool:
        futures = [pool.submit(work, seed) for seed in range(threads)]
        for future in futures:
            future.result()


FRESH_PROCESS = textwrap.dedent("""
    import sys
    import numpy as np
    import tcompiler

    artifact, inputs, outputs = sys.argv[1:]
    model = tcompiler.load(artifact, threads=2)
    data = np.load(inputs)
    np.savez(outputs, *model(data["a"], data["b"]))
    model.profile([data["a"], data["b"]], runs=2)
    compilers = sorted({m.split(".")[0] for m in sys.modules} & {"llvmlite", "xdsl"})
    assert not compilers, f"the runtime imported {compilers}"
""")


def test_fresh_process_loads_without_llvm_or_xdsl(artifact: Path, tmp_path: Path,
                                               sample: Sample, reference: Reference) -> None:
    a, b = sample(9)
    np.savez(tmp_path / "in.npz", a=a, b=b)
    subprocess.run([sys.executable, "-c", FRESH_PROCESS, str(artifact), str(tmp_path / "in.npz"),
                    str(tmp_path / "out.npz")], check=True, timeout=120)
    with np.load(tmp_path / "out.npz") as out:
        assert_outputs([out["arr_0"], out["arr_1"]], reference(a, b))


CLI_RUN = textwrap.dedent("""
    import sys
    from tcompiler.cli import main

    assert main(["run", *sys.argv[1:]]) == 0
    compilers = sorted({m.split(".")[0] for m in sys.modules} & {"llvmlite", "xdsl"})
    assert not compilers, f"tcc run imported {compilers}"
""")


def test_tcc_run_imports_no_compiler(artifact: Path, tmp_path: Path, sample: Sample,
                                     reference: Reference) -> None:
    a, b = sample(5)
    np.savez(tmp_path / "in.npz", a=a, b=b)
    subprocess.run([sys.executable, "-c", CLI_RUN, str(artifact), "--inputs",
                    str(tmp_path / "in.npz"), "--outputs", str(tmp_path / "out.npz")],
                   check=True, timeout=120)
    with np.load(tmp_path / "out.npz") as out:
        assert_outputs([out[name] for name in ("y", "z")], reference(a, b))


def test_numpy_scalars_are_zero_dim_inputs() -> None:
    """A numpy scalar stands for its 0-d array (found by `tcc fuzz`: a rank-0 bool input
    drawn as `np.bool_` was refused); a Python scalar is still refused, a wrong dtype too."""
    from tcompiler.program import TensorSpec
    from tcompiler.runtime.inputs import check_input

    flag = check_input(TensorSpec("s", (), "bool"), np.bool_(True))
    assert flag.shape == () and flag.dtype == np.bool_ and bool(flag)
    assert check_input(TensorSpec("x", (), "float32"), np.float32(2.5)) == 2.5
    with pytest.raises(InputError, match="expected float32\\[\\], got float64\\[\\]"):
        check_input(TensorSpec("x", (), "float32"), np.float64(2.5))
    with pytest.raises(InputError, match="expected a numpy array float32\\[\\], got float"):
        check_input(TensorSpec("x", (), "float32"), 2.5)
