"""Tzer's ablation ladder for `tcc fuzz`, in equal time: what each part of the fuzzer adds.

    python benchmarks/fuzz_ablation.py [--minutes 10] [--seeds 3] [--jobs 2]
                                       [--configs generation,full] [--out ablation.json]

The ladder (each rung adds one feature to the one before):

    generation   --no-coverage --no-ir-mutation --no-pass-mutation: fresh programs only
    coverage     --no-ir-mutation --no-pass-mutation: + coverage guidance (the corpus keeps
                 inputs that reach new lines; with no mutator, generation ignores the corpus,
                 so this rung shows the collector's cost)
    ir           --no-pass-mutation: + IR mutation of the corpus entries
    full         + pass-sequence mutation (the whole fuzzer)

plus `blind` (--no-coverage: both mutations without guidance), run only when named in
--configs: it shows what coverage guidance adds once there is mutation.

Each configuration and seed is one `tcc fuzz --time M --json ...` run in its own campaign
folder (coverage is measured in every configuration, guided or not), `--jobs` runs at a time
(each run is one process: give it a core). Output: one JSON object (stdout, or --out) with,
per configuration, the final points of each seed, their mean, and the curves
(`timeline`, [[seconds, points], ...]) per seed; and `ratio_full_over_generation`, the mean
final points of `full` over those of `generation` (the issue's target is >= 1.3).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

CONFIGS: dict[str, tuple[str, ...]] = {
    "generation": ("--no-coverage", "--no-ir-mutation", "--no-pass-mutation"),
    "coverage": ("--no-ir-mutation", "--no-pass-mutation"),
    "ir": ("--no-pass-mutation",),
    "full": (),
    "blind": ("--no-coverage",),
}
LADDER = ("generation", "coverage", "ir", "full")

TCC = (sys.executable, "-c", "import sys; from tcompiler.cli import main; sys.exit(main())")


def fuzz_command(config: str, seed: int, minutes: float, out: Path,
                 extra: tuple[str, ...] = ()) -> list[str]:
    return [*TCC, "fuzz", "--time", f"{minutes * 60:g}s", "--out", str(out / "campaign"),
            "--seed", str(seed), "--json", str(out / "summary.json"), *CONFIGS[config], *extra]


def run_one(config: str, seed: int, minutes: float, work: Path, extra: tuple[str, ...],
            env: dict[str, str] | None = None) -> dict[str, Any]:
    """One campaign; its summary (and the wall time), or the error it ended with."""
    out = work / f"{config}-seed{seed}"
    out.mkdir(parents=True, exist_ok=True)
    start = time.monotonic()
    done = subprocess.run(fuzz_command(config, seed, minutes, out, extra), capture_output=True,
                          text=True, env=env, timeout=minutes * 60 * 3 + 600)
    wall = time.monotonic() - start
    if done.returncode != 0 or not (out / "summary.json").exists():
        return {"config": config, "seed": seed, "error": done.stderr.strip()[-2000:],
                "wall_seconds": round(wall, 1)}
    summary = json.loads((out / "summary.json").read_text())
    return {"config": config, "seed": seed, "wall_seconds": round(wall, 1), **summary}


def aggregate(runs: list[dict[str, Any]], configs: tuple[str, ...]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for config in configs:
        mine = [r for r in runs if r["config"] == config and "error" not in r]
        finals = [r["coverage"]["points"] for r in mine]
        result[config] = {
            "flags": list(CONFIGS[config]),
            "final_points": finals,
            "mean_points": round(statistics.mean(finals), 1) if finals else None,
            "stdev_points": round(statistics.stdev(finals), 1) if len(finals) > 1 else 0.0,
            "execs": [r["execs"] for r in mine],
            "valid_rate": [r["valid_rate"] for r in mine],
            "bugs": [len(r["bugs"]) for r in mine],
            "total": mine[0]["coverage"]["total"] if mine else None,
            "curves": {str(r["seed"]): r["timeline"] for r in mine},
            "errors": [r["error"] for r in runs if r["config"] == config and "error" in r],
        }
    return result


def ratio(configs: dict[str, Any], top: str = "full", base: str = "generation") -> float | None:
    if top not in configs or base not in configs:
        return None
    a, b = configs[top]["mean_points"], configs[base]["mean_points"]
    return round(a / b, 3) if a and b else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0, help="per run (default 10)")
    parser.add_argument("--seeds", type=int, default=3, help="seeds per configuration")
    parser.add_argument("--jobs", type=int, default=1, help="campaigns at a time")
    parser.add_argument("--configs", default=",".join(LADDER),
                        help=f"comma-separated, of {', '.join(CONFIGS)} (default: the ladder)")
    parser.add_argument("--level", default="all", help="passed to tcc fuzz --level")
    parser.add_argument("--work", help="keep the campaign folders here (default: a temp dir)")
    parser.add_argument("--out", help="write the JSON here (default: stdout)")
    args = parser.parse_args(argv)
    configs = tuple(c.strip() for c in args.configs.split(",") if c.strip())
    unknown = [c for c in configs if c not in CONFIGS]
    if unknown or args.minutes <= 0 or args.seeds < 1 or args.jobs < 1:
        parser.error(f"unknown configuration(s) {unknown}" if unknown else
                     "--minutes, --seeds and --jobs must be positive")
    extra = ("--level", args.level)
    with tempfile.TemporaryDirectory(prefix="fuzz-ablation-") as tmp:
        work = Path(args.work or tmp)
        jobs = [(c, s) for s in range(args.seeds) for c in configs]
        env = {**os.environ, "TCC_NO_PLUGINS": os.environ.get("TCC_NO_PLUGINS", "1")}
        with ThreadPoolExecutor(args.jobs) as pool:
            runs = list(pool.map(lambda job: run_one(job[0], job[1], args.minutes, work, extra,
                                                     env), jobs))
    per_config = aggregate(runs, configs)
    report = {
        "benchmark": "fuzz_ablation", "minutes": args.minutes, "seeds": args.seeds,
        "jobs": args.jobs, "level": args.level, "machine": platform.machine(),
        "cpus": os.cpu_count(), "python": platform.python_version(),
        "configs": per_config, "ratio_full_over_generation": ratio(per_config),
    }
    text = json.dumps(report, indent=1)
    if args.out:
        Path(args.out).write_text(text + "\n")
    else:
        print(text)
    for config, data in per_config.items():
        print(f"{config:<12} mean {data['mean_points']} points {data['final_points']} "
              f"execs {data['execs']}" + (f"  ERRORS {len(data['errors'])}"
                                           if data["errors"] else ""), file=sys.stderr)
    print(f"full / generation: {report['ratio_full_over_generation']}", file=sys.stderr)
    return 0 if not any(d["errors"] for d in per_config.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
