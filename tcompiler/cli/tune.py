"""`tcc tune`: measure schedules of a model's kernels into a tuning database.

    tcc tune model.onnx --db tuning.jsonl --trials 300 [--strategy costmodel|random|exhaustive]
                        [--time 10m] [--jobs N] [--cluster tcp://host:8786] [--json summary.json]

Measurements go to the database as they finish (rerun to continue; Ctrl-C leaves it valid);
`tcc compile --tuning-db tuning.jsonl` then takes the best measured schedule of every kernel
it knows. See `tcompiler.costmodel.tune` for the search and the summary's fields.
"""

from __future__ import annotations

import argparse
import json
import sys


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("tune", help="measure kernel schedules into a tuning database")
    p.add_argument("model", help="the .onnx file")
    p.add_argument("--db", required=True, metavar="FILE", help="tuning database (JSON lines)")
    p.add_argument("--trials", type=int, help="measurements in all, over every kernel")
    p.add_argument("--time", metavar="DURATION", help="time budget: 300, 300s, 10m, 1h")
    p.add_argument("--strategy", default="costmodel",
                   help="costmodel (default) | random | exhaustive")
    p.add_argument("--jobs", type=int, default=1, help="measurement worker processes")
    p.add_argument("--cluster", metavar="ADDRESS", help="a Dask scheduler to measure on")
    p.add_argument("--model", dest="cost_model", metavar="FILE",
                   help="cost model file (default: shipped)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--json", metavar="FILE", help="write the summary here")
    p.add_argument("--no-end-to-end", action="store_true",
                   help="skip the heuristic-vs-tuned end-to-end timing at the end")
    p.add_argument("--input-shape", action="append", default=[], metavar="NAME=DIMS")


def run(args: argparse.Namespace) -> int:
    from tcompiler.cli.compile_ import parse_input_shapes
    from tcompiler.cli.paths import input_file, output_file, write_text
    from tcompiler.cli.values import parse_duration, plural
    from tcompiler.costmodel.tune import TuneOptions, tune
    from tcompiler.pipeline import CompileOptions

    model = input_file(args.model)
    output_file(args.db, "--db", refuse=(model,))
    if args.json:
        output_file(args.json, "--json", refuse=(model, args.db))
    options = TuneOptions(trials=args.trials,
                          seconds=parse_duration(args.time) if args.time else None,
                          strategy=args.strategy, jobs=args.jobs, cluster=args.cluster,
                          seed=args.seed, model=args.cost_model, end_to_end=not args.no_end_to_end)
    compile_options = CompileOptions(
        input_shapes=parse_input_shapes(args.input_shape),
        plugins=args.plugins)
    tty = sys.stderr.isatty()

    def progress(line: str) -> None:
        sys.stderr.write(f"\r{line[:150]:<150}" if tty else f"{line}\n")
        sys.stderr.flush()

    summary = tune(args.model, args.db, options, compile_options, progress)
    if tty:
        sys.stderr.write("\n")
    if args.json:
        write_text(args.json, json.dumps(summary, indent=1) + "\n")
    measured = summary["measured_speedup"]
    print(f"{plural(summary['trials'], 'measurement')} in {summary['seconds']:.0f}s over "
          f"{plural(len(summary['kernels']), 'kernel')}; "
          f"predicted speedup x{summary['predicted_speedup']:.2f}"
          + (f", measured x{measured:.2f}" if measured else "") + f"; db: {args.db}")
    return 0
