"""The compile report as one self-contained HTML page: inline CSS, a few lines of inline JS
(click a column head to sort the kernel table), inline SVG; nothing from the network.

    page(data, svg) -> str     data: `tcompiler.report.report_data`; svg: the memory plan

Sections: a summary, the stage times (one bar), the kernels (op, shapes, fused ops, schedule,
FLOPs, bytes, predicted and measured time, GFLOP/s and its share of the machine's peak), the
fusion groups (each kernel call: what it computes, what it reads, the ONNX tensor it writes),
the memory plan (the picture and its numbers), and the raw JSON.
"""

from __future__ import annotations

import json
from html import escape
from typing import Any

from tcompiler.memplan.svg import byte_text

STAGE_COLOURS = ("#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1")

STYLE = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#1d2330;
  background:#f4f5f7}
header{background:#1d2330;color:#fff;padding:18px 32px}
header h1{margin:0;font-size:22px;font-weight:600}
header p{margin:4px 0 0;color:#b9c0cc}
main{padding:8px 32px 40px;max-width:1500px}
section{background:#fff;border-radius:8px;box-shadow:0 1px 3px #0002;padding:14px 20px;
  margin:18px 0}
h2{font-size:17px;margin:0 0 10px}
.cards{display:flex;flex-wrap:wrap;gap:12px}
.card{background:#fff;border-radius:8px;box-shadow:0 1px 3px #0002;padding:10px 16px;
  min-width:130px}
.card b{display:block;font-size:20px}
.card span{color:#667;font-size:12px}
.bar{display:flex;height:30px;border-radius:5px;overflow:hidden;margin:6px 0}
.bar div{min-width:2px}
.keys{display:flex;flex-wrap:wrap;gap:14px;font-size:13px}
.keys i{display:inline-block;width:11px;height:11px;border-radius:2px;margin-right:5px}
table{border-collapse:collapse;width:100%;font-size:13px}
th,td{padding:4px 8px;border-bottom:1px solid #e6e8ec;text-align:left;vertical-align:top}
th{background:#f0f2f5;position:sticky;top:0;cursor:pointer;white-space:nowrap}
td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
code{font:12px ui-monospace,Menlo,Consolas,monospace;color:#3a4250}
.tag{display:inline-block;background:#e8eefc;color:#23408e;border-radius:4px;padding:0 5px;
  margin:1px 2px 1px 0;font-size:12px}
.meter{display:inline-block;width:60px;height:8px;background:#e6e8ec;border-radius:4px;
  vertical-align:middle;margin-left:6px}
.meter i{display:block;height:100%;background:#59a14f;border-radius:4px}
.note{color:#667;font-size:12px}
svg.memory-plan{width:100%;height:auto;max-width:1300px}
pre{background:#f6f7f9;padding:10px;overflow:auto;max-height:400px;font-size:12px}
"""

SORT_SCRIPT = """
document.querySelectorAll("table.sortable th").forEach(function (th, column) {
  th.addEventListener("click", function () {
    var body = th.closest("table").tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    var down = th.dataset.order !== "desc";
    th.dataset.order = down ? "desc" : "asc";
    function key(row) {
      var cell = row.cells[column];
      var value = cell.dataset.v !== undefined ? cell.dataset.v : cell.textContent;
      var number = parseFloat(value);
      return isNaN(number) ? value : number;
    }
    rows.sort(function (a, b) {
      var x = key(a), y = key(b);
      return (x < y ? -1 : x > y ? 1 : 0) * (down ? -1 : 1);
    });
    rows.forEach(function (row) { body.appendChild(row); });
  });
});
"""


def number(value: float | None, digits: int = 1) -> str:
    return "" if value is None else f"{value:,.{digits}f}"


def count(value: float) -> str:
    """1234567 -> '1.23 M'."""
    for unit, size in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if value >= size:
            return f"{value / size:.3g} {unit}"
    return f"{value:.0f}"


def cards(data: dict[str, Any]) -> str:
    plan, measured = data.get("memory_plan", {}), data.get("measured")
    items = [(f"{data.get('total_seconds', 0):.2f} s", "compile time"),
             (f"{data.get('kernels', 0)} / {data.get('kernel_calls', 0)}", "kernels / calls"),
             (byte_text(plan.get("arena_bytes", 0)), "arena"),
             (byte_text(data.get("weights_bytes", 0)), "weights"),
             (byte_text(data.get("artifact", {}).get("bytes", 0)), "artifact")]
    if measured:
        items.append((f"{measured['run_us'] / 1e3:.3f} ms",
                      f"a run, {measured['threads']} threads"))
    return "<div class='cards'>" + "".join(
        f"<div class='card'><b>{escape(v)}</b><span>{escape(k)}</span></div>"
        for v, k in items) + "</div>"


def stages(data: dict[str, Any]) -> str:
    times: dict[str, float] = data.get("stages_seconds", {})
    total = sum(times.values()) or 1.0
    bar, keys = [], []
    for n, (name, seconds) in enumerate(times.items()):
        colour = STAGE_COLOURS[n % len(STAGE_COLOURS)]
        text = f"{name}: {seconds:.3f} s ({seconds / total:.0%})"
        bar.append(f"<div style='width:{100 * seconds / total:.2f}%;background:{colour}' "
                   f"title='{escape(text)}'></div>")
        keys.append(f"<span><i style='background:{colour}'></i>{escape(text)}</span>")
    return (f"<section id='stages'><h2>Stage times ({total:.2f} s)</h2>"
            f"<div class='bar'>{''.join(bar)}</div><div class='keys'>{''.join(keys)}</div>"
            "</section>")


def schedule_text(entry: dict[str, Any]) -> str:
    knobs = dict(entry.get("schedule", {}))
    family = knobs.pop("family", "")
    algorithm = knobs.pop("algorithm", "")
    head = f"{family}/{algorithm}" if algorithm else family
    return f"{head} " + " ".join(f"{k}={v}" for k, v in knobs.items())


def kernel_rows(data: dict[str, Any]) -> tuple[list[str], float | None]:
    details: dict[str, Any] = data.get("kernel_details", {})
    schedules: dict[str, Any] = data.get("schedules", {})
    measured = (data.get("measured") or {}).get("kernels", {})
    calls: dict[str, int] = {}
    for step in data.get("steps", []):
        calls[step["kernel"]] = calls.get(step["kernel"], 0) + 1
    machine_peak = (data.get("machine") or {}).get("peak")
    threads = (data.get("measured") or {}).get("threads", 1)
    ceiling = machine_peak["gflops_per_core"] * threads if machine_peak else None
    rows = []
    for name, info in details.items():
        entry = schedules.get(name, {})
        us = measured.get(name)
        gflops = info["flops"] / us / 1e3 if us else None
        share = gflops / ceiling if gflops is not None and ceiling else None
        shapes = " ".join(f"{k}&nbsp;{'x'.join(map(str, v))}" for k, v in info["shapes"].items())
        fused = "".join(f"<span class='tag'>{escape(f)}</span>" for f in info["fused"])
        meter = (f"<span class='meter'><i style='width:{min(share, 1) * 100:.1f}%'></i></span>"
                 if share is not None else "")
        rows.append(
            f"<tr><td><code>{escape(name)}</code></td><td>{escape(info['op'])}</td>"
            f"<td><code>{shapes}</code></td><td>{fused}</td>"
            f"<td><code>{escape(schedule_text(entry))}</code><br>"
            f"<span class='note'>{escape(entry.get('source', ''))}</span></td>"
            f"<td class='n'>{calls.get(name, 0)}</td>"
            f"<td class='n' data-v='{info['flops']}'>{count(info['flops'])}</td>"
            f"<td class='n' data-v='{info['bytes']}'>{byte_text(info['bytes'])}</td>"
            f"<td class='n'>{number(entry.get('predicted_us'))}</td>"
            f"<td class='n'>{number(us)}</td><td class='n'>{number(gflops)}</td>"
            f"<td class='n' data-v='{share or 0}'>"
            f"{'' if share is None else f'{share:.1%}'}{meter}</td></tr>")
    return rows, ceiling


def kernels(data: dict[str, Any]) -> str:
    rows, ceiling = kernel_rows(data)
    machine = data.get("machine") or {}
    measured = data.get("measured")
    notes = []
    if measured:
        notes.append(f"measured: the mean of {measured['runs']} runs of the compiled model on "
                     f"zero inputs at {measured['threads']} threads (a call's time, its parallel "
                     "join included)")
    if machine.get("peak") and ceiling:
        notes.append(f"peak {ceiling:,.0f} GFLOP/s at {measured['threads'] if measured else 1}"
                     f" threads, {machine['peak']['how']} ({machine.get('cpu', '')})")
    head = ("kernel", "op", "shapes", "fused ops", "schedule", "calls", "FLOPs", "bytes",
            "predicted µs", "measured µs", "GFLOP/s", "of peak")
    return (f"<section id='kernels'><h2>Kernels ({len(rows)})</h2>"
            f"<p class='note'>{escape('; '.join(notes))}. Click a column to sort.</p>"
            "<table class='sortable'><thead><tr>"
            + "".join(f"<th>{escape(h)}</th>" for h in head)
            + f"</tr></thead><tbody>{''.join(rows)}</tbody></table></section>")


def fusion_groups(data: dict[str, Any]) -> str:
    details: dict[str, Any] = data.get("kernel_details", {})
    rows = []
    for index, step in enumerate(data.get("steps", [])):
        fused = details.get(step["kernel"], {}).get("fused", [])
        reads = ", ".join(escape(r) for r in step["reads"])
        rows.append(f"<tr><td class='n'>{index}</td><td><code>{escape(step['kernel'])}</code>"
                    f"</td><td>{' + '.join(escape(f) for f in fused)}</td>"
                    f"<td><code>{reads}</code></td><td><code>{escape(step['writes'])}</code>"
                    "</td></tr>")
    return ("<section id='fusion'><h2>Fusion groups</h2><p class='note'>Each kernel call in "
            "order: the ONNX operations fused into it, the tensors it reads (inputs, weights, "
            "earlier results) and the tensor it writes (named after the ONNX tensor).</p>"
            "<table><thead><tr><th>step</th><th>kernel</th><th>computes</th><th>reads</th>"
            f"<th>writes</th></tr></thead><tbody>{''.join(rows)}</tbody></table></section>")


def memory_plan(data: dict[str, Any], svg: str) -> str:
    plan: dict[str, Any] = data.get("memory_plan", {})
    rows = "".join(f"<tr><td>{escape(str(k))}</td><td>{escape(str(v))}</td></tr>"
                   for k, v in plan.items())
    return ("<section id='memory'><h2>Memory plan</h2>"
            f"<table style='width:auto'><tbody>{rows}</tbody></table>{svg}"
            "<p class='note'>Each rectangle is a buffer of the arena: x the kernel calls it "
            "lives through, y its bytes. Hover over one for its ONNX tensor, the kernel that "
            "writes it, its size and address. Where rectangles touch at a step, an in-place "
            "kernel took over its input's bytes.</p></section>")


def page(data: dict[str, Any], svg: str) -> str:
    model = str(data.get("model", ""))
    artifact = data.get("artifact", {}).get("path", "")
    return ("<!doctype html><html lang='en'><head><meta charset='utf-8'>"
            "<meta name='viewport' content='width=device-width,initial-scale=1'>"
            f"<title>tcc compile report: {escape(model)}</title><style>{STYLE}</style></head>"
            f"<body><header><h1>tcc compile report: {escape(model)}</h1>"
            f"<p>{escape(artifact)} · opset {escape(str(data.get('opset', '')))}</p></header>"
            f"<main>{cards(data)}{stages(data)}{kernels(data)}{fusion_groups(data)}"
            f"{memory_plan(data, svg)}<section id='json'><details><summary>The report as "
            f"JSON</summary><pre>{escape(json.dumps(data, indent=2))}</pre></details>"
            f"</section></main><script>{SORT_SCRIPT}</script></body></html>\n")
