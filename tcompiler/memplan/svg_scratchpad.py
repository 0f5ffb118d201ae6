"""A scratchpad plan as a picture with its off-chip traffic: every residency segment a
rectangle over steps (x) x scratchpad address (y), the budget a dashed line, every spill a
red triangle pointing down at the end of the residency it empties, every reload a blue
triangle pointing up at the start of the residency it fills (retrieved segments are drawn
dashed). Hovering a shape names the tensor, its steps, bytes and the move.

    scratchpad_traffic_svg(graph, plan, title="") -> str
"""

from __future__ import annotations

import html

from tcompiler.memplan.graph import KernelGraph
from tcompiler.memplan.plans import ScratchpadPlan, transfers

WIDTH, HEIGHT, MARGIN = 960, 560, 60
SPILL, RELOAD = "#c62828", "#1565c0"


def scratchpad_traffic_svg(graph: KernelGraph, plan: ScratchpadPlan, title: str = "") -> str:
    steps, top = max(len(plan.order), 1), max(plan.budget, 1)
    w, h = WIDTH - 2 * MARGIN, HEIGHT - 2 * MARGIN
    moves = transfers(graph, plan.segments)
    spilled = sum(m.nbytes for m in moves if m.kind == "spill")
    reloaded = sum(m.nbytes for m in moves if m.kind == "reload")
    title = title or (f"{plan.method}: budget {plan.budget} B, "
                      f"{plan.offchip_bytes} non-compulsory off-chip B")
    legend = (f"{sum(m.kind == 'spill' for m in moves)} spills ({spilled} B, red, down), "
              f"{sum(m.kind == 'reload' for m in moves)} reloads ({reloaded} B, blue, up)")

    def x(step: float) -> float:
        return MARGIN + w * step / steps

    def y(address: float) -> float:
        return MARGIN + h - h * address / top

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
             f'viewBox="0 0 {WIDTH} {HEIGHT}" font-family="sans-serif" font-size="11">',
             f'<title>{html.escape(title)}</title>',
             f'<rect x="{MARGIN}" y="{MARGIN}" width="{w}" height="{h}" fill="#f8f8f8" '
             f'stroke="#999"/>',
             f'<text x="{MARGIN}" y="{MARGIN - 30}" font-size="14">{html.escape(title)}</text>',
             f'<text x="{MARGIN}" y="{MARGIN - 12}">{html.escape(legend)}</text>',
             f'<text x="{WIDTH // 2}" y="{HEIGHT - 16}" text-anchor="middle">step 0..{steps - 1}'
             f'</text>',
             f'<text x="16" y="{HEIGHT // 2}" transform="rotate(-90 16 {HEIGHT // 2})" '
             f'text-anchor="middle">scratchpad address (bytes, 0..{top})</text>']
    for s in plan.segments:
        size = graph.tensors[s.tensor].nbytes
        name = graph.tensors[s.tensor].name
        hue = (s.tensor * 47) % 360
        dash = ' stroke-dasharray="3,2"' if s.loaded else ""
        parts.append(f'<rect x="{x(s.first):.2f}" y="{y(s.offset + size):.2f}" '
                     f'width="{max(x(s.last + 1) - x(s.first), 0.8):.2f}" '
                     f'height="{max(h * size / top, 0.8):.2f}" '
                     f'fill="hsl({hue},55%,{78 if s.loaded else 62}%)" stroke="#333" '
                     f'stroke-width="0.4"{dash}><title>{html.escape(name)}: steps {s.first}..'
                     f'{s.last}, bytes [{s.offset}, {s.offset + size})'
                     f'{" (retrieved)" if s.loaded else ""}</title></rect>')
    size_of = {m.tensor: graph.tensors[m.tensor].nbytes for m in moves}
    for m in moves:
        mid = y(m.offset + size_of[m.tensor] / 2)
        at = x(m.step + 1) if m.kind == "spill" else x(m.step)
        d = 6 if m.kind == "spill" else -6
        color = SPILL if m.kind == "spill" else RELOAD
        parts.append(f'<path d="M{at - 5:.2f},{mid - d:.2f} L{at + 5:.2f},{mid - d:.2f} '
                     f'L{at:.2f},{mid + d:.2f} Z" fill="{color}"><title>{m.kind} '
                     f'{html.escape(graph.tensors[m.tensor].name)} ({m.nbytes} B) '
                     f'{"after" if m.kind == "spill" else "at"} step {m.step}</title></path>')
    parts.append(f'<line x1="{MARGIN}" y1="{y(plan.budget):.2f}" x2="{MARGIN + w}" '
                 f'y2="{y(plan.budget):.2f}" stroke="#c00" stroke-dasharray="6,3"/>')
    parts.append("</svg>")
    return "\n".join(parts)
