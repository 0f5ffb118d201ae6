"""Injected-bug evaluation of `tcc fuzz`: which configuration finds which realistic bug, and when.

    python benchmarks/fuzz_bugs.py [--minutes 10] [--configs generation,full]
                                   [--bugs tile-remainder,epilogue-bias] [--jobs 1]
                                   [--out bugs.json] [--list]

Each bug in `BUGS` is a small patch of tcc's real code (one exact-string replacement or
two, each of which must match exactly once). For each bug, the script copies the project to a
temporary folder, applies the patch there, and checks that the patched modules still import. For
each configuration (the ablation ladder of `fuzz_ablation.py`), it then runs `tcc fuzz --time M`
on the copy (PYTHONPATH pointing at it). While the campaign runs, each bug it reports is
replayed (`tcc fuzz --replay`) on the copy and on the unpatched project. A report that
reproduces on the copy but not on the unpatched project is the injected bug. The campaign is
then stopped (SIGINT: it ends cleanly), and the campaign time of the report is the
time to find. Bugs tcc already has reproduce on both and do not count.

Output: one JSON object (stdout, or --out) with, per bug and configuration, `found`,
`seconds` (campaign time of the first report caused by the injection), that report's kind and
signature, the executions run, and per configuration the number of bugs found.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from fuzz_ablation import CONFIGS, LADDER  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
COPY_IGNORE = shutil.ignore_patterns(".git", ".venv", "__pycache__", "*.egg-info", ".ruff_cache",
                                     ".pytest_cache", "results", "*.tcc")
TCC = (sys.executable, "-c", "import sys; from tcompiler.cli import main; sys.exit(main())")


@dataclass(frozen=True)
class Bug:
    name: str
    what: str
    file: str  # relative to the repository root
    patches: tuple[tuple[str, str], ...]  # (exact old text, new text), each old matching once
    module: str  # imported to check the patched copy


BUGS: tuple[Bug, ...] = (
    Bug("tile-remainder", "off-by-one in an unrolled loop's remainder: its first iteration is "
        "skipped", "tcompiler/codegen/loops/builder.py",
        (("        self.loop(main, hi, body)", "        self.loop(main + 1, hi, body)"),),
        "tcompiler.codegen.loops.builder"),
    Bug("fusion-broadcast", "conv residual fusion accepts an operand broadcast along the leading "
        "dims and reads it as a full residual", "passes/fuse_conv_epilogue.py",
        (("                and kernel.shape(other) == kernel.shape(op.Y):",
          "                and kernel.shape(other)[-1:] == kernel.shape(op.Y)[-1:]:"),),
        "tcompiler.passes.fuse_conv_epilogue"),
    Bug("epilogue-bias", "fusing an epilogue into a conv drops the conv's bias",
        "passes/fuse_conv_epilogue.py",
        (("        operands = [op.X, op.W, op.B, residual, output]",
          "        operands = [op.X, op.W, None, residual, output]"),),
        "tcompiler.passes.fuse_conv_epilogue"),
    Bug("pool-stride", "pooling windows use the first spatial dim's stride for every dim",
        "tcompiler/codegen/loops/pool.py",
        (("        starts = [b.sub(b.mul(o[d], strides[d]), pads[d]) for d in range(spatial)]",
          "        starts = [b.sub(b.mul(o[d], strides[0]), pads[d]) for d in range(spatial)]"),),
        "tcompiler.codegen.loops.pool"),
    Bug("plan-overlap", "the greedy memory plan treats lifetimes that meet at one step as "
        "disjoint, so two live tensors share bytes", "tcompiler/memplan/greedy.py",
        (("        return self.first <= other.last and other.first <= self.last",
          "        return self.first < other.last and other.first < self.last"),),
        "tcompiler.memplan.greedy"),
    Bug("mul-by-zero", "onnx-canonicalize folds x * 0 to 0 when one operand is a constant zero",
        "passes/onnx_canonicalize.py",
        (("        if any(v is None for v in values):",
          "        if any(v is None for v in values) and not (isinstance(op, MulOp) and any("
          "v is not None and v.size and not v.any() for v in values)):"),
         ("    return values[0] * values[1]",
          "    return values[0] * values[1] if all(v is not None for v in values) else np.zeros("
          "tuple(op.results[0].type.get_shape()), next(v for v in values if v is not None)"
          ".dtype)")),
        "tcompiler.passes.onnx_canonicalize"),
    Bug("reduce-axes-attr", "the `axes` attribute of Reduce* (opsets before 18; ReduceSum "
        "before 13) is ignored: it reduces every axis", "tcompiler/kernels/rules/reduce.py",
        (('        axes = attr_ints(op, "axes", []) or []', "        axes = []"),),
        "tcompiler.kernels.rules.reduce"),
    Bug("leaky-relu-alpha", "LeakyRelu's default alpha is 0.1 instead of 0.01",
        "tcompiler/kernels/rules/elementwise.py",
        (('    alpha = attr_float(op, "alpha", 0.01)',
          '    alpha = attr_float(op, "alpha", 0.1)'),),
        "tcompiler.kernels.rules.elementwise"),
    Bug("gemm-transb", "Gemm's transB attribute is ignored", "tcompiler/kernels/rules/nn.py",
        (('        "trans_b": IntegerAttr(attr_int(op, "transB", 0), i64),',
          '        "trans_b": IntegerAttr(0, i64),'),),
        "tcompiler.kernels.rules.nn"),
    Bug("transpose-inverse", "transpose loops apply the inverse permutation (differs for "
        "3-cycles and longer)", "tcompiler/codegen/loops/elementwise.py",
        (("            x_ivs[p] = ivs[d]", "            x_ivs[d] = ivs[p]"),),
        "tcompiler.codegen.loops.elementwise"),
    Bug("broadcast-leading", "broadcast operands are aligned at the leading dims instead of the "
        "trailing ones", "tcompiler/codegen/loops/builder.py",
        (("    lead = len(ivs) - len(shape)", "    lead = 0"),),
        "tcompiler.codegen.loops.builder"),
)


# ----------------------------------------------------------------------- the patched copy


def apply_bug(bug: Bug, copy: Path) -> None:
    """Patch `bug` into `copy` (the project's copy); ValueError if a patch does not match
    exactly once."""
    path = copy / bug.file
    text = path.read_text()
    for old, new in bug.patches:
        count = text.count(old)
        if count != 1:
            raise ValueError(f"{bug.name}: {bug.file} holds {old.strip()!r} {count} times, "
                             "not once")
        text = text.replace(old, new)
    path.write_text(text)


def copy_project(dest: Path) -> Path:
    shutil.copytree(ROOT, dest, symlinks=True, ignore=COPY_IGNORE)
    return dest


def env_for(copy: Path | None) -> dict[str, str]:
    """The environment of a run on `copy` (None: the unpatched project). Run it with `cwd`
    the same folder: `python -c` puts the working directory first on sys.path."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["TCC_NO_PLUGINS"] = "1"
    if copy is not None:
        env["PYTHONPATH"] = str(copy)
    return env


def check_import(bug: Bug, copy: Path) -> None:
    """The patched copy imports (the patched module and the pass registry), from the copy."""
    code = (f"import importlib, tcompiler; importlib.import_module({bug.module!r}); "
            "from tcompiler.passes import PASSES; [PASSES[n]() for n in PASSES]; "
            "print(tcompiler.__file__)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=env_for(copy), cwd=copy, timeout=300)
    if done.returncode != 0:
        raise ValueError(f"{bug.name}: the patched project does not import: "
                         f"{done.stderr.strip().splitlines()[-1:]}")
    if not done.stdout.strip().startswith(str(copy)):
        raise ValueError(f"{bug.name}: tcompiler imports from {done.stdout.strip()}, not the copy")


# -------------------------------------------------------------------------- one campaign


def replays(folder: Path, copy: Path) -> tuple[bool, bool]:
    """Whether the bug in `folder` reproduces on the patched copy, and on the unpatched
    project."""
    def run(project: Path | None) -> bool:
        done = subprocess.run([*TCC, "fuzz", "--replay", str(folder / "reduced")],
                              capture_output=True, text=True, env=env_for(project),
                              cwd=project or ROOT, timeout=600)
        return done.returncode == 1

    return run(copy), run(None)


def hunt(bug: Bug, config: str, copy: Path, out: Path, minutes: float, seed: int,
         level: str) -> dict[str, Any]:
    """Fuzz the patched copy until the injected bug is reported or the time is up."""
    campaign = out / f"{bug.name}-{config}"
    command = [*TCC, "fuzz", "--time", f"{minutes * 60:g}s", "--out", str(campaign), "--seed",
               str(seed), "--level", level, "--json", str(campaign / "summary.json"),
               *CONFIGS[config]]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               env=env_for(copy), cwd=copy)
    checked: set[str] = set()
    found: dict[str, Any] | None = None
    existing: list[str] = []
    try:
        while process.poll() is None and found is None:
            time.sleep(5)
            found = _check_new(campaign, copy, checked, existing)
        if found is None:  # reports of the last seconds
            process.wait()
            found = _check_new(campaign, copy, checked, existing)
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=120)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
    state = _state(campaign)
    return {"bug": bug.name, "config": config, "found": found is not None,
            "seconds": found["seconds"] if found else None,
            "kind": found["kind"] if found else None,
            "signature": found["signature"] if found else None,
            "execs": state.get("execs"), "other_bugs": existing}


def _state(campaign: Path) -> dict[str, Any]:
    try:
        return json.loads((campaign / "state.json").read_text())
    except (OSError, ValueError):
        return {}


def _check_new(campaign: Path, copy: Path, checked: set[str],
               existing: list[str]) -> dict[str, Any] | None:
    for record in _state(campaign).get("bugs", []):
        if record["signature"] in checked:
            continue
        checked.add(record["signature"])
        on_copy, on_original = replays(campaign / record["reproducer"], copy)
        if on_copy and not on_original:
            return record
        existing.append(record["signature"])
    return None


# --------------------------------------------------------------------------------- main


def run_bug(bug: Bug, configs: Sequence[str], minutes: float, seed: int, level: str,
            work: Path) -> list[dict[str, Any]]:
    copy = work / f"copy-{bug.name}"
    try:
        copy_project(copy)
        apply_bug(bug, copy)
        check_import(bug, copy)
    except (ValueError, OSError, subprocess.TimeoutExpired) as err:
        return [{"bug": bug.name, "config": c, "found": False, "error": str(err)}
                for c in configs]
    try:
        return [hunt(bug, c, copy, work / "campaigns", minutes, seed, level) for c in configs]
    finally:
        shutil.rmtree(copy, ignore_errors=True)


def check_all(bugs: Sequence[Bug]) -> int:
    """Apply each bug to its own copy and import it; print one line per bug."""
    failures = 0
    with tempfile.TemporaryDirectory(prefix="fuzz-bugs-check-") as tmp:
        for bug in bugs:
            copy = Path(tmp) / bug.name
            try:
                copy_project(copy)
                apply_bug(bug, copy)
                check_import(bug, copy)
                print(f"ok     {bug.name:<20} {bug.file}")
            except (ValueError, OSError, subprocess.TimeoutExpired) as err:
                failures += 1
                print(f"FAILED {bug.name:<20} {err}")
            shutil.rmtree(copy, ignore_errors=True)
    return 1 if failures else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0, help="per bug and config")
    parser.add_argument("--configs", default=",".join(LADDER),
                        help=f"comma-separated, of {', '.join(CONFIGS)} (default: the ladder)")
    parser.add_argument("--bugs", help="comma-separated bug names (default: all)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--level", default="all", help="passed to tcc fuzz --level")
    parser.add_argument("--jobs", type=int, default=1, help="bugs fuzzed at a time")
    parser.add_argument("--work", help="keep copies and campaigns here (default: a temp dir)")
    parser.add_argument("--out", help="write the JSON here (default: stdout)")
    parser.add_argument("--list", action="store_true", help="list the bugs and exit")
    parser.add_argument("--check", action="store_true",
                        help="only check that every patch applies and the copy imports")
    args = parser.parse_args(argv)
    if args.list:
        for bug in BUGS:
            print(f"{bug.name:<20} {bug.file}: {bug.what}")
        return 0
    if args.check:
        return check_all(BUGS)
    configs = tuple(c.strip() for c in args.configs.split(",") if c.strip())
    names = [n.strip() for n in args.bugs.split(",")] if args.bugs else [b.name for b in BUGS]
    known = {b.name: b for b in BUGS}
    unknown = [c for c in configs if c not in CONFIGS] + [n for n in names if n not in known]
    if unknown or args.minutes <= 0 or args.jobs < 1:
        parser.error(f"unknown config(s) or bug(s): {unknown}" if unknown else
                     "--minutes and --jobs must be positive")
    bugs = [known[n] for n in names]
    with tempfile.TemporaryDirectory(prefix="fuzz-bugs-") as tmp:
        work = Path(args.work or tmp)
        work.mkdir(parents=True, exist_ok=True)
        with ThreadPoolExecutor(args.jobs) as pool:
            rows = [r for rs in pool.map(lambda bug: run_bug(
                bug, configs, args.minutes, args.seed, args.level, work), bugs) for r in rs]
    summary = {c: sum(1 for r in rows if r["config"] == c and r["found"]) for c in configs}
    report = {"benchmark": "fuzz_bugs", "minutes": args.minutes, "seed": args.seed,
              "level": args.level, "machine": platform.machine(), "cpus": os.cpu_count(),
              "bugs": {b.name: {"what": b.what, "file": b.file} for b in bugs},
              "results": rows, "found_per_config": summary, "of": len(bugs)}
    text = json.dumps(report, indent=1)
    if args.out:
        Path(args.out).write_text(text + "\n")
    else:
        print(text)
    for row in rows:
        mark = f"found in {row['seconds']:.0f}s ({row['kind']})" if row["found"] else \
            ("ERROR " + row["error"] if "error" in row else "not found")
        print(f"{row['bug']:<20} {row['config']:<12} {mark}", file=sys.stderr)
    print(f"found per config (of {len(bugs)}): {summary}", file=sys.stderr)
    return 1 if any("error" in r for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
