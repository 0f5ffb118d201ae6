"""`tcc schedules`: each distinct kernel of a model, its schedule space and what is chosen.

    tcc schedules model.onnx [--tuning-db db.jsonl] [--model FILE] [--json] [--html out.html]

Per kernel: calls, space size, the chosen schedule and where it came from (db / model), the
predicted time, and the model's top five alternatives with their predicted times.
"""

from __future__ import annotations

import argparse
import html
import json
from typing import Any


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("schedules", help="each kernel's schedule space and the chosen schedule")
    p.add_argument("model", help="the .onnx file")
    p.add_argument("--tuning-db", metavar="FILE", help="take measured best schedules from here")
    p.add_argument("--model", dest="cost_model", metavar="FILE", help="cost model file")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--html", metavar="FILE", help="write an HTML page of the table here")
    p.add_argument("--input-shape", action="append", default=[], metavar="NAME=DIMS")


def knob_text(knobs: dict[str, Any]) -> str:
    return " ".join(f"{k}={v}" for k, v in knobs.items() if k != "family")


def kernel_rows(model: str, args: argparse.Namespace) -> list[dict[str, Any]]:
    from tcompiler.cli.compile_ import parse_input_shapes
    from tcompiler.codegen.target import Target
    from tcompiler.costmodel.model import CostModel
    from tcompiler.costmodel.select import costmodel_chooser
    from tcompiler.costmodel.tune import kernel_tasks
    from tcompiler.pipeline import CompileOptions

    options = CompileOptions(input_shapes=parse_input_shapes(args.input_shape),
                             plugins=args.plugins)
    target = Target.host()
    cost_model = CostModel.load(args.cost_model)
    choose = costmodel_chooser(args.cost_model, args.tuning_db, target)
    rows = []
    for task in kernel_tasks(model, options):
        schedule, source, predicted = choose(task.spec.op)
        top = [s for s, _ in cost_model.rank(task.spec.op, task.space, target.features)[:5]]
        ranked = zip(top, cost_model.predict_us(task.spec.op, top, target.features))
        rows.append({
            "kernel": task.spec.name, "signature": task.spec.signature, "calls": task.calls,
            "space": len(task.space), "source": source,
            "schedule": {"family": schedule.FAMILY, **schedule.knobs()},
            "predicted_us": round(predicted, 2) if predicted else None,
            "top5": [{"schedule": {"family": s.FAMILY, **s.knobs()}, "predicted_us": round(us, 2)}
                     for s, us in ranked]})
    return rows


def run(args: argparse.Namespace) -> int:
    from tcompiler.cli.paths import input_file, output_file, write_text

    model = input_file(args.model)
    if args.html:
        output_file(args.html, "--html", refuse=(model,))
    rows = kernel_rows(args.model, args)
    if args.html:
        write_text(args.html, page(args.model, rows))
    if args.json:
        print(json.dumps({"model": args.model, "kernels": rows}, indent=1))
        return 0
    for row in rows:
        predicted = f"{row['predicted_us']:.1f}us" if row["predicted_us"] else "-"
        print(f"{row['kernel']:<28} x{row['calls']:<3} space {row['space']:<5} "
              f"{row['source']:<5} {predicted:>10}  {knob_text(row['schedule'])}")
    return 0


def page(model: str, rows: list[dict[str, Any]]) -> str:
    body = []
    for row in rows:
        worst = max([a["predicted_us"] for a in row["top5"]] + [1e-9])
        bars = "".join(
            f'<div class="bar"><span style="width:{100 * a["predicted_us"] / worst:.0f}%"></span>'
            f'{a["predicted_us"]:.1f} us &nbsp; {html.escape(knob_text(a["schedule"]))}</div>'
            for a in row["top5"])
        body.append(f"<tr><td>{html.escape(row['kernel'])}</td><td>{row['calls']}</td>"
                    f"<td>{row['space']}</td><td>{row['source']}</td>"
                    f"<td>{row['predicted_us'] or '-'}</td>"
                    f"<td><code>{html.escape(knob_text(row['schedule']))}</code></td>"
                    f"<td>{bars}</td></tr>")
    return f"""<!doctype html><html><head><meta charset="utf-8">
<title>tcc schedules: {html.escape(model)}</title><style>
body {{ font: 14px system-ui, sans-serif; margin: 2em; }}
table {{ border-collapse: collapse; }} td, th {{ border-bottom: 1px solid #ddd; padding: 4px 8px;
vertical-align: top; text-align: left; }}
.bar {{ position: relative; font-size: 12px; white-space: nowrap; }}
.bar span {{ display: inline-block; height: 8px; background: #4a90d9; margin-right: 6px; }}
</style></head><body><h1>Schedules of {html.escape(model)}</h1>
<table><tr><th>kernel</th><th>calls</th><th>space</th><th>from</th><th>predicted us</th>
<th>chosen schedule</th><th>model's top 5</th></tr>
{''.join(body)}</table></body></html>
"""
