"""Every `tcc` and `tcc-opt` command with bad paths, a bad environment, bad inputs and an
interrupt: one stderr line (`tcc: error: ...`), the exit code, and no file left behind.

The commands run in-process (`tcompiler.cli.main`, `tcompiler.opt.main`) in one shared folder
whose listing must not change; only the interrupt needs a subprocess (a signal to its group).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper

from tcompiler import cli, opt
from tcompiler.cli.environment import kernel_cache_dir
from tcompiler.errors import OptionError
from tcompiler.zoo import light_model_path

ROOT = Path(__file__).parents[2]
sys.path.insert(0, str(ROOT / "examples"))
import make_model  # noqa: E402


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """m.onnx (x: 1x3x32x32, weights c1_w ...), i.npz, a.tcc, x.npy, afile, sub/, sym.onnx
    (x: Nx4), ext/m.onnx (its external data file missing), k.mlir (kernels IR)."""
    folder = tmp_path_factory.mktemp("edges")
    make_model.main(["make_model", str(folder / "m.onnx")])
    (folder / "m_inputs.npz").rename(folder / "i.npz")
    np.save(folder / "x.npy", np.zeros(3, np.float32))
    (folder / "afile").write_text("not a folder\n")
    (folder / "sub").mkdir()
    value = helper.make_tensor_value_info
    graph = helper.make_graph([helper.make_node("Relu", ["x"], ["y"])], "sym",
                              [value("x", TensorProto.FLOAT, ["N", 4])],
                              [value("y", TensorProto.FLOAT, ["N", 4])])
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]),
              folder / "sym.onnx")
    (folder / "ext").mkdir()
    onnx.save(onnx.load(folder / "m.onnx"), folder / "ext" / "m.onnx",
              save_as_external_data=True, location="m.data", size_threshold=0)
    (folder / "ext" / "m.data").unlink()
    return folder


@pytest.fixture
def here(work: Path, cache_dir: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Run in `work` (with the artifacts built once); assert nothing there changed."""
    monkeypatch.chdir(work)
    monkeypatch.setenv("TCC_CACHE_DIR", cache_dir)
    if not (work / "a.tcc").exists():
        assert cli.main(["compile", "m.onnx", "-o", "a.tcc", "-j", "1"]) == 0
        assert cli.main(["compile", "m.onnx", "--emit=kernels", "-o", "k.mlir"]) == 0
    before = listing(work)
    yield work
    assert listing(work) == before


def listing(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def one_error(capsys: pytest.CaptureFixture[str], argv: list[str], code: int, *words: str,
              tool: str = "tcc") -> str:
    """Run `argv`; assert exit `code` and one stderr line `<tool>: error: ...` with `words`."""
    main = cli.main if tool == "tcc" else opt.main
    assert main(argv) == code
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and err.startswith(f"{tool}: error: "), err
    for word in words:
        assert word in err, err
    return err


BAD_PATHS = [
    # tcc compile: outputs checked before any work, inputs refused as outputs
    (["compile", "m.onnx", "-o", "nodir/m.tcc"], "folder nodir does not exist"),
    (["compile", "m.onnx", "-o", "sub"], "is a folder"),
    (["compile", "m.onnx", "-o", "/proc/version"], "cannot create files in /proc"),
    (["compile", "m.onnx", "-o", "/dev/null"], "not a regular file"),
    (["compile", "m.onnx", "-o", "m.onnx"], "is also m.onnx"),
    (["compile", "m.onnx", "-o", "new.tcc", "--report", "nodir/r.json"], "--report"),
    (["compile", "m.onnx", "-o", "new.tcc", "--report", "m.onnx"], "is also m.onnx"),
    (["compile", "m.onnx", "--emit=graph", "-o", "nodir/g.mlir"], "does not exist"),
    (["compile", "missing.onnx"], "missing.onnx: no such file"),
    (["compile", "sub"], "is a folder"),
    # tcc run / info
    (["run", "a.tcc", "--inputs", "i.npz", "--outputs", "nodir/o.npz"], "does not exist"),
    (["run", "a.tcc", "--inputs", "i.npz", "--outputs", "a.tcc"], "is also a.tcc"),
    (["run", "a.tcc", "--inputs", "i.npz", "--outputs", "i.npz"], "is also i.npz"),
    (["run", "missing.tcc", "--inputs", "i.npz"], "no such file"),
    (["run", "a.tcc", "--inputs", "missing.npz"], "no such file"),
    (["info", "missing.tcc"], "no such file"),
    # the other commands' outputs
    (["plan", "m.onnx", "--svg", "nodir/p.svg"], "--svg"),
    (["plan", "missing.onnx"], "no such file"),
    (["schedules", "m.onnx", "--html", "nodir/s.html"], "--html"),
    (["tune", "m.onnx", "--db", "nodir/db.jsonl"], "--db"),
    (["tune", "m.onnx", "--db", "m.onnx"], "is also m.onnx"),
    (["tune", "m.onnx", "--db", "new.jsonl", "--json", "sub"], "is a folder"),
    (["costmodel", "train", "--db", "missing.jsonl", "-o", "cm.json"], "no such file"),
    (["costmodel", "train", "--db", "afile", "-o", "nodir/cm.json"], "-o nodir/cm.json"),
    (["costmodel", "eval", "--db", "afile", "--json", "/proc/version"], "cannot create"),
    (["new-pass", "foo-bar", "--dir", "/proc/foo"], "cannot create files in /proc"),
    (["new-pass", "foo-bar", "--dir", "afile/pkg"], "afile is not a folder"),
    (["fuzz", "--time", "1s", "--out", "afile"], "not a folder"),
    (["fuzz", "--time", "1s", "--out", "/proc/campaign"], "cannot create files in /proc"),
    (["fuzz", "--time", "1s", "--out", "camp", "--json", "nodir/f.json"], "--json"),
    (["conformance", "--write", "afile"], "not a folder"),
    (["info", "a.tcc", "--load-plugin", "missing.py:UNIVERSE"], "--load-plugin missing.py"),
]


@pytest.mark.parametrize("argv,words", BAD_PATHS, ids=[" ".join(a) for a, _ in BAD_PATHS])
def test_bad_paths(here: Path, capsys: pytest.CaptureFixture[str], argv: list[str],
                   words: str) -> None:
    one_error(capsys, argv, 1, words)


BAD_INPUTS = [
    (["run", "a.tcc", "--inputs", "x.npy"], "a single .npy array"),
    (["run", "a.tcc", "--inputs", "m.onnx"], "not an .npz file"),
    (["run", "m.onnx", "--inputs", "i.npz"], "not a tcc artifact"),
    (["info", "m.onnx"], "not a tcc artifact"),
    (["compile", "ext/m.onnx"], "ext/m.data, which is missing"),
    (["compile", "sym.onnx"], "--input-shape x=1x4 "),
    (["compile", "m.onnx", "--input-shape", "c1_w=16x3x3x3"],
     "'c1_w', a weight (an initializer), not an input; the model's inputs are x\n"),
    (["compile", "m.onnx", "--input-shape", "x=1x3x32x32", "--input-shape", "x=1x3x32x32"],
     "more than once"),
    (["new-pass", "canonicalize", "--dir", "np"], "already a pass"),
]


@pytest.mark.parametrize("argv,words", BAD_INPUTS, ids=[" ".join(a) for a, _ in BAD_INPUTS])
def test_bad_inputs(here: Path, capsys: pytest.CaptureFixture[str], argv: list[str],
                    words: str) -> None:
    assert "pickle" not in one_error(capsys, argv, 1, words)


def test_bad_environment(here: Path, capsys: pytest.CaptureFixture[str],
                         monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("TCC_NUM_THREADS", "many")
    one_error(capsys, ["run", "a.tcc", "--inputs", "i.npz"], 1, "TCC_NUM_THREADS='many'")
    monkeypatch.delenv("TCC_NUM_THREADS")
    monkeypatch.setenv("TCC_CACHE_DIR", "afile")  # a file: warn once, compile without a cache
    assert cli.main(["compile", "sym.onnx", "--input-shape", "x=2x4", "-o",
                     str(tmp_path / "s.tcc"), "-j", "1"]) == 0
    err = capsys.readouterr().err
    assert err == ("tcc: warning: TCC_CACHE_DIR=afile: not a folder; compiling without the "
                   "kernel cache\n")
    assert (tmp_path / "s.tcc").is_file() and (here / "afile").read_text() == "not a folder\n"


@pytest.mark.parametrize("where", ["/proc/tcc-cache", "afile/cache"])
def test_unusable_cache_dir_is_no_cache(here: Path, capsys: pytest.CaptureFixture[str],
                                        monkeypatch: pytest.MonkeyPatch, where: str) -> None:
    monkeypatch.setenv("TCC_CACHE_DIR", where)
    assert kernel_cache_dir(no_cache=False) is None
    err = capsys.readouterr().err
    assert err.startswith(f"tcc: warning: TCC_CACHE_DIR={where}: cannot create files there")
    assert len(err.splitlines()) == 1


TCC_OPT = [
    (["k.mlir", "--weights", "/dev/null"], "/dev/null: not an .npz file"),
    (["k.mlir", "--weights", "x.npy"], "a single .npy array"),
    (["k.mlir", "--weights", "afile"], "not an .npz file"),
    (["k.mlir", "--weights", "missing.npz"], "no such file"),
    (["k.mlir", "-o", "nodir/out.mlir"], "does not exist"),
    (["k.mlir", "-o", "k.mlir"], "is also k.mlir"),
    (["k.mlir", "-o", "/dev/null"], "not a regular file"),
    (["missing.mlir"], "no such file"),
    (["k.mlir", "--dump-ir-dir", "/proc/dump"], "cannot create files in /proc"),
    (["k.mlir", "--interpret", "--inputs", "x.npy"], "a single .npy array"),
    (["k.mlir", "--interpret", "--inputs", "i.npz", "--outputs", "nodir/o.npz"], "--outputs"),
]


@pytest.mark.parametrize("argv,words", TCC_OPT, ids=[" ".join(a) for a, _ in TCC_OPT])
def test_tcc_opt_bad_paths_and_inputs(here: Path, capsys: pytest.CaptureFixture[str],
                                      argv: list[str], words: str) -> None:
    one_error(capsys, argv, 1, words, tool="tcc-opt")


def test_tcc_opt_help_explains_every_flag(capsys: pytest.CaptureFixture[str]) -> None:
    parser = opt.build_parser()
    assert all(action.help for action in parser._actions), [  # noqa: SLF001
        action.dest for action in parser._actions if not action.help]  # noqa: SLF001
    with pytest.raises(SystemExit):
        opt.main(["--help"])
    text = capsys.readouterr().out
    assert "examples:" in text and "tcc-opt kernels.mlir -p" in text


def test_version_and_debug_after_the_subcommand(here: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        cli.main(["--version"])
    assert exit_.value.code == 0 and capsys.readouterr().out.startswith("tcc 0.")
    with pytest.raises(OptionError, match="no such file"):
        cli.main(["compile", "missing.onnx", "--debug"])


def test_emit_to_a_file_run_summary_and_info(here: Path, tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    ir = tmp_path / "g.mlir"
    assert cli.main(["compile", "m.onnx", "--emit=graph", "-o", str(ir)]) == 0
    assert "onnx.Conv" in ir.read_text() and "onnx.Conv" not in capsys.readouterr().out
    assert cli.main(["run", "a.tcc", "--inputs", "i.npz"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("a.tcc: 2 outputs (probs float32[1x10], logits float32[1x10])")
    assert lines[1].startswith("  probs: [") and lines[2].startswith("  logits: [")
    assert cli.main(["run", "a.tcc", "--inputs", "i.npz", "--outputs", str(tmp_path / "o.npz")
                     ]) == 0
    assert capsys.readouterr().out.strip().endswith(f"-> {tmp_path / 'o.npz'}")
    artifact = str(tmp_path / "s.tcc")
    assert cli.main(["compile", "sym.onnx", "--input-shape", "x=2x4", "--passes", "graph:cse",
                     "-o", artifact, "-j", "1"]) == 0
    assert f"{artifact}: 1 kernel (1 call, " in capsys.readouterr().out
    assert cli.main(["info", artifact]) == 0
    info = capsys.readouterr().out
    assert "fixed input shapes: x=2x4" in info and "passes after graph: cse (xdsl" in info
    assert "1 kernel, 1 step, " in info


def test_tune_takes_the_model_and_its_cost_model_apart(here: Path, tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    """The positional model and --model (the cost model) are two arguments."""
    db = str(tmp_path / "t.jsonl")
    assert cli.main(["tune", "sym.onnx", "--input-shape", "x=2x4", "--db", db, "--trials", "1",
                     "--no-end-to-end"]) == 0
    assert " over 1 kernel; " in capsys.readouterr().out


def interrupt(*args: object, **kwargs: object) -> None:
    raise KeyboardInterrupt


@pytest.mark.parametrize("argv,where", [
    (["compile", "m.onnx", "-o", "new.tcc"], "tcompiler.artifact._add_member"),  # mid-write
    (["run", "a.tcc", "--inputs", "i.npz", "--outputs", "o.npz"],
     "tcompiler.runtime.model.CompiledModel.run_dict"),
    (["compile", "m.onnx", "--emit=graph", "-o", "g.mlir"], "tcompiler.pipeline.stage_text"),
    (["plan", "m.onnx", "--svg", "p.svg"], "tcompiler.memplan.planner.plan_arena"),
], ids=["compile", "run", "emit", "plan"])
def test_ctrl_c_in_process(here: Path, capsys: pytest.CaptureFixture[str],
                           monkeypatch: pytest.MonkeyPatch, argv: list[str], where: str) -> None:
    """Ctrl-C anywhere: `tcc: interrupted`, exit 130, nothing written (`here` checks)."""
    monkeypatch.setattr(where, interrupt)
    assert cli.main(argv) == 130
    assert capsys.readouterr().err == "tcc: interrupted\n"


def descendants(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        parent = todo.pop()
        for task in Path(f"/proc/{parent}/task").glob("*"):
            children = (task / "children").read_text().split()
            found += [int(c) for c in children]
            todo += [int(c) for c in children]
    return found


def test_ctrl_c_during_parallel_codegen(tmp_path: Path) -> None:
    """SIGINT to the whole process group (as a terminal's Ctrl-C) while two workers compile
    kernels: one line, exit 130, no artifact and no temporary file."""
    output = tmp_path / "squeezenet.tcc"
    proc = subprocess.Popen(
        [str(Path(sys.executable).parent / "tcc"), "compile",
         str(light_model_path("squeezenet")), "-o", str(output), "--no-cache", "-j", "2"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
        cwd=tmp_path)
    deadline = time.monotonic() + 120
    while len(descendants(proc.pid)) < 3 and proc.poll() is None:  # forkserver + 2 workers
        assert time.monotonic() < deadline, "no codegen workers within 120 s"
        time.sleep(0.1)
    time.sleep(1.0)  # the workers are busy compiling
    os.killpg(proc.pid, signal.SIGINT)
    interrupted = time.monotonic()
    out, err = proc.communicate(timeout=60)
    assert time.monotonic() - interrupted < 5, "the compile went on after Ctrl-C"
    assert (proc.returncode, err) == (130, "tcc: interrupted\n"), err
    assert out == "" and list(tmp_path.iterdir()) == []


def test_readme_example_files_are_ignored() -> None:
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    names = ["tiny_resnet.onnx", "tiny_resnet_inputs.npz", "tiny_resnet_outputs.npz",
             "tiny_resnet.tcc"]
    proc = subprocess.run(["git", "check-ignore", *names], cwd=ROOT, capture_output=True,
                          text=True, check=False)
    assert proc.stdout.split() == names
