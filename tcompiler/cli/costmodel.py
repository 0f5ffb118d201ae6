"""`tcc costmodel`: train the learned cost model on tuning databases, and evaluate it.

    tcc costmodel train --db a.jsonl [--db b.jsonl ...] -o model.json [--cpu-only]
    tcc costmodel eval --db held_out.jsonl [--model model.json] [--json out.json]

`eval` prints {"kernels", "records", "top1_score", "top5_score", "pairwise_accuracy",
"kendall_tau", "heuristic_score"} over the kernels of the database with at least two valid
measured schedules (`tcompiler.costmodel.evaluate`). Without `--model` it evaluates the model
shipped with tcc.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from tcompiler.cli.paths import input_file, output_file, write_text
from tcompiler.cli.values import plural


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("costmodel", help="train or evaluate the schedule cost model")
    verbs = p.add_subparsers(dest="verb", required=True)
    t = verbs.add_parser("train", help="fit a model on tuning databases")
    t.add_argument("--db", action="append", required=True, metavar="FILE")
    t.add_argument("-o", "--output", required=True, metavar="FILE")
    t.add_argument("--seed", type=int, default=0)
    t.add_argument("--trees", type=int, default=150)
    t.add_argument("--this-cpu", action="store_true",
                   help="train only on records measured on this machine's CPU")
    e = verbs.add_parser("eval", help="ranking metrics of a model on a tuning database")
    e.add_argument("--db", action="append", required=True, metavar="FILE")
    e.add_argument("--model", metavar="FILE", help="model file (default: the shipped model)")
    e.add_argument("--json", metavar="FILE", help="also write the metrics here")


def _records(paths: list[str]):  # type: ignore[no-untyped-def]
    from tcompiler.costmodel.db import TuningDB

    records = []
    for path in paths:
        records.extend(TuningDB(input_file(path, "--db")).read())
    return records


def run(args: argparse.Namespace) -> int:
    from tcompiler.costmodel.model import CostModel, train

    written = args.output if args.verb == "train" else args.json
    if written:
        output_file(written, "-o" if args.verb == "train" else "--json", refuse=args.db)
    if getattr(args, "model", None):
        input_file(args.model, "--model")
    records = _records(args.db)
    if args.verb == "train":
        if args.this_cpu:
            from tcompiler.codegen.target import Target

            host = Target.host()
            records = [r for r in records
                       if r.same_target({"cpu": host.cpu, "features": host.features})]
        model = train(records, seed=args.seed, trees=args.trees)
        model.meta["databases"] = [Path(p).name for p in args.db]
        model.save(args.output)
        print(f"trained on {plural(model.meta['records'], 'record')} of "
              f"{plural(model.meta['kernels'], 'kernel')} -> {args.output}")
        return 0
    from tcompiler.costmodel.evaluate import evaluate

    metrics = evaluate(CostModel.load(args.model), records)
    text = json.dumps(metrics, indent=1)
    if args.json:
        write_text(args.json, text + "\n")
    print(text, file=sys.stdout)
    return 0
