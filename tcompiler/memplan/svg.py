"""Pictures of memory plans: every tensor a rectangle over time (x: the step that runs) x
address (y: bytes from the arena start), so one sees which tensors set the arena's size.

    arena_svg(graph, plan)        scratchpad_svg(graph, plan)        program_svg(program)
    report_html(report, svg)      (what `tcc compile --report r.html` writes)
"""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from typing import Any

from tcompiler.memplan.graph import KernelGraph
from tcompiler.memplan.plans import ArenaPlan, ScratchpadPlan

Rect = tuple[str, int, int, int, int, bool]  # label, first step, last step, offset, size, loaded

WIDTH, HEIGHT, MARGIN = 960, 540, 56


def draw(rects: Sequence[Rect], steps: int, top: int, title: str, marker: int | None = None) -> str:
    """The SVG text; `top` is the address axis' extent, `marker` a dashed line (a budget)."""
    steps, top = max(steps, 1), max(top, 1)
    w, h = WIDTH - 2 * MARGIN, HEIGHT - 2 * MARGIN
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
             f'viewBox="0 0 {WIDTH} {HEIGHT}" font-family="sans-serif" font-size="11">',
             f'<title>{html.escape(title)}</title>',
             f'<rect x="{MARGIN}" y="{MARGIN}" width="{w}" height="{h}" fill="#f8f8f8" '
             f'stroke="#999"/>',
             f'<text x="{MARGIN}" y="{MARGIN - 24}" font-size="14">{html.escape(title)}</text>',
             f'<text x="{WIDTH // 2}" y="{HEIGHT - 16}" text-anchor="middle">step (kernel call)'
             f' 0..{steps - 1}</text>',
             f'<text x="16" y="{HEIGHT // 2}" transform="rotate(-90 16 {HEIGHT // 2})" '
             f'text-anchor="middle">address (bytes, 0..{top})</text>']
    for n, (label, first, last, offset, size, loaded) in enumerate(rects):
        x = MARGIN + w * first / steps
        rw = max(w * (last + 1 - first) / steps, 0.8)
        y = MARGIN + h - h * (offset + size) / top
        rh = max(h * size / top, 0.8)
        hue = (n * 47) % 360
        fill = f"hsl({hue},55%,{75 if loaded else 62}%)"
        dash = ' stroke-dasharray="3,2"' if loaded else ""
        parts.append(f'<rect x="{x:.2f}" y="{y:.2f}" width="{rw:.2f}" height="{rh:.2f}" '
                     f'fill="{fill}" stroke="#333" stroke-width="0.4"{dash}><title>'
                     f'{html.escape(label)}: steps {first}..{last}, bytes [{offset}, '
                     f'{offset + size}){" (retrieved)" if loaded else ""}</title></rect>')
    if marker is not None:
        y = MARGIN + h - h * marker / top
        parts.append(f'<line x1="{MARGIN}" y1="{y:.2f}" x2="{MARGIN + w}" y2="{y:.2f}" '
                     f'stroke="#c00" stroke-dasharray="6,3"/>')
    parts.append("</svg>")
    return "\n".join(parts)


def arena_svg(graph: KernelGraph, plan: ArenaPlan, title: str = "") -> str:
    ranges = graph.live_ranges(plan.order,
                               {i: plan.order.index(k) for i, k in plan.inplace.items()})
    rects = [(graph.tensors[t].name, *ranges[t], off, graph.tensors[t].nbytes, False)
             for t, off in plan.offsets.items()]
    return draw(rects, len(plan.order), plan.arena_bytes,
                title or f"{plan.method}: arena {plan.arena_bytes} bytes")


def scratchpad_svg(graph: KernelGraph, plan: ScratchpadPlan, title: str = "") -> str:
    rects = [(graph.tensors[s.tensor].name, s.first, s.last, s.offset,
              graph.tensors[s.tensor].nbytes, s.loaded) for s in plan.segments]
    return draw(rects, len(plan.order), plan.budget,
                title or f"{plan.method}: budget {plan.budget} bytes, "
                         f"{plan.offchip_bytes} non-compulsory off-chip bytes", plan.budget)


def program_svg(program: Any) -> str:
    """The arena of a compiled `Program`, from its steps and buffers alone."""
    first: dict[int, int] = {}
    last: dict[int, int] = {}
    for step_index, step in enumerate(program.steps):
        for b in step.args:
            first.setdefault(b, step_index)
            last[b] = step_index
    rects = []
    for buf in program.buffers:
        if buf.kind == "arena" and buf.id in first:
            rects.append((f"buffer {buf.id}", first[buf.id], last[buf.id], buf.offset, buf.nbytes,
                          False))
    return draw(rects, len(program.steps), program.arena_bytes,
                f"arena {program.arena_bytes} bytes, {len(rects)} buffers")


def _schedule_rows(schedules: dict[str, Any]) -> str:
    rows = []
    for name, entry in schedules.items():
        knobs = " ".join(f"{k}={v}" for k, v in entry["schedule"].items())
        predicted = entry.get("predicted_us")
        rows.append(f"<tr><td>{html.escape(name)}</td><td><code>{html.escape(knobs)}</code></td>"
                    f"<td>{html.escape(entry['source'])}</td>"
                    f"<td>{'' if predicted is None else f'{predicted:.1f}'}</td></tr>")
    return ("<tr><th>kernel</th><th>schedule</th><th>from</th><th>predicted us</th></tr>"
            + "".join(rows))


def report_html(report: dict[str, Any], svg: str) -> str:
    plan = report.get("memory_plan", {})
    rows = "".join(f"<tr><td>{html.escape(str(k))}</td><td>{html.escape(str(v))}</td></tr>"
                   for k, v in plan.items())
    schedules = _schedule_rows(report.get("schedules", {}))
    return ("<!doctype html><html><head><meta charset='utf-8'><title>tcc compile report</title>"
            "<style>body{font-family:sans-serif;margin:2em}td{padding:2px 10px}</style></head>"
            f"<body><h1>tcc compile report: {html.escape(str(report.get('model', '')))}</h1>"
            f"<h2>Memory plan</h2><table>{rows}</table>{svg}"
            "<p>Each rectangle is a buffer: x its lifetime in kernel calls, "
            "y its bytes in the arena. "
            "Where rectangles touch at a step, an in-place kernel took over its input's bytes.</p>"
            f"<h2>Kernel schedules</h2><table>{schedules}</table>"
            f"<h2>Report</h2><pre>{html.escape(json.dumps(report, indent=2))}</pre></body></html>")
