"""Pictures of memory plans: every tensor a rectangle over time (x: the step that runs) x
address (y: bytes from the arena start), so one sees which tensors set the arena's size.

    arena_svg(graph, plan)        scratchpad_svg(graph, plan)        program_svg(program)

Each rectangle is labelled with its tensor (the ONNX tensor's name where the compiler kept it)
and the kernel that produces it: a tooltip (`<title>`), the name inside when it fits, and a
legend of the largest buffers beside the plot. Both axes have ticks (steps; bytes in KiB or
MiB); a buffer too small to see at the plot's scale is still drawn `MIN_PX` wide and high.
A scratchpad plan also shows its budget (a dashed line), its retrieved copies (dashed) and
every spill and reload (red and blue triangles).
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from tcompiler.memplan.graph import KernelGraph
from tcompiler.memplan.plans import ArenaPlan, ScratchpadPlan, transfers


@dataclass(frozen=True)
class Move:
    """A scratchpad plan's transfer: a spill (after `step`) or a reload (at `step`)."""

    kind: str  # "spill" or "reload"
    label: str
    step: int
    offset: int
    size: int


SPILL, RELOAD = "#c62828", "#1565c0"


@dataclass(frozen=True)
class Rect:
    label: str  # the tensor
    producer: str  # the kernel writing it ("" for none: an input)
    first: int  # first and last step it lives in
    last: int
    offset: int
    size: int
    loaded: bool = False  # scratchpad mode: a retrieved copy


PLOT_W, PLOT_H = 880, 480  # the plot area
LEFT, TOP, BOTTOM = 84, 44, 52  # margins around it: address ticks, title, step ticks
LEGEND_W = 300
LEGEND_ROWS = 26  # the largest buffers the legend lists (every buffer has a tooltip)
MIN_PX = 2.0  # the least width and height a rectangle is drawn with
WIDTH, HEIGHT = LEFT + PLOT_W + 24 + LEGEND_W, TOP + PLOT_H + BOTTOM


def byte_text(n: float) -> str:
    for unit, size in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= size:
            return f"{n / size:.3g} {unit}"
    return f"{n:.0f} B"


def ticks(extent: int, most: int) -> list[int]:
    """At most `most` + 1 round positions in [0, extent]: multiples of 1, 2 or 5 x 10^k (of
    powers of two from 1 KiB for byte extents, so that ticks read 64 KiB, 128 KiB...)."""
    raw = max(extent / most, 1)
    if extent >= 4096:
        step = 1 << math.ceil(math.log2(raw))
    else:
        base = 10 ** math.floor(math.log10(raw))
        step = next(m * base for m in (1, 2, 5, 10) if m * base >= raw)
    return list(range(0, extent + 1, int(step)))


def colour(n: int, loaded: bool = False) -> str:
    return f"hsl({(n * 47) % 360},58%,{76 if loaded else 64}%)"


def draw(rects: Sequence[Rect], steps: int, top: int, title: str, marker: int | None = None,
         memory: str = "arena", moves: Sequence[Move] = ()) -> str:
    """The SVG text; `top` is the address axis' extent (of `memory`), `marker` a dashed line
    (a budget), `moves` triangles: a spill red and pointing down at the end of the residency
    it empties, a reload blue and pointing up at the start of the one it fills."""
    steps, top = max(steps, 1), max(top, 1)
    sx, sy = PLOT_W / steps, PLOT_H / top
    bottom = TOP + PLOT_H
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
             f'viewBox="0 0 {WIDTH} {HEIGHT}" font-family="sans-serif" font-size="11" '
             'class="memory-plan">',
             f'<title>{html.escape(title)}</title>',
             f'<text x="{LEFT}" y="{TOP - 18}" font-size="14" font-weight="bold">'
             f'{html.escape(title)}</text>',
             f'<rect x="{LEFT}" y="{TOP}" width="{PLOT_W}" height="{PLOT_H}" fill="#fafafa" '
             'stroke="#888"/>']
    parts += _axes(steps, top, sx, sy, bottom, memory)
    for n, r in enumerate(rects):
        x, y = LEFT + sx * r.first, bottom - sy * (r.offset + r.size)
        w, h = max(sx * (r.last + 1 - r.first), MIN_PX), max(sy * r.size, MIN_PX)
        dash = ' stroke-dasharray="3,2"' if r.loaded else ""
        tip = (f"{r.label}{f' (written by {r.producer})' if r.producer else ''}: "
               f"{byte_text(r.size)}, steps {r.first}..{r.last}, bytes [{r.offset}, "
               f"{r.offset + r.size}){' (retrieved)' if r.loaded else ''}")
        parts.append(f'<g class="buffer"><title>{html.escape(tip)}</title>'
                     f'<rect x="{x:.2f}" y="{y:.2f}" width="{w:.2f}" height="{h:.2f}" '
                     f'fill="{colour(n, r.loaded)}" stroke="#333" stroke-width="0.5"{dash}/>')
        if w > 7 * len(r.label) + 6 and h > 14:
            parts.append(f'<text x="{x + 3:.2f}" y="{y + h / 2 + 4:.2f}" fill="#111">'
                         f'{html.escape(r.label)}</text>')
        parts.append("</g>")
    for m in moves:
        mid = bottom - sy * (m.offset + m.size / 2)
        at = LEFT + sx * (m.step + 1 if m.kind == "spill" else m.step)
        d = 6 if m.kind == "spill" else -6
        when = "after" if m.kind == "spill" else "at"
        parts.append(f'<path class="{m.kind}" d="M{at - 5:.2f},{mid - d:.2f} '
                     f'L{at + 5:.2f},{mid - d:.2f} L{at:.2f},{mid + d:.2f} Z" '
                     f'fill="{SPILL if m.kind == "spill" else RELOAD}"><title>{m.kind} '
                     f'{html.escape(m.label)} ({byte_text(m.size)}) {when} step {m.step}'
                     '</title></path>')
    if marker is not None:
        y = bottom - sy * marker
        parts.append(f'<line x1="{LEFT}" y1="{y:.2f}" x2="{LEFT + PLOT_W}" y2="{y:.2f}" '
                     'stroke="#c00" stroke-dasharray="6,3"/>')
    parts += _legend(rects)
    parts.append("</svg>")
    return "\n".join(parts)


def _axes(steps: int, top: int, sx: float, sy: float, bottom: float, memory: str
          ) -> list[str]:
    parts = []
    for s in ticks(steps - 1, 16):
        x = LEFT + sx * (s + 0.5)
        parts.append(f'<line x1="{x:.2f}" y1="{bottom}" x2="{x:.2f}" y2="{bottom + 5}" '
                     f'stroke="#555"/><text x="{x:.2f}" y="{bottom + 17}" '
                     f'text-anchor="middle">{s}</text>')
    for b in ticks(top, 10):
        y = bottom - sy * b
        parts.append(f'<line x1="{LEFT - 5}" y1="{y:.2f}" x2="{LEFT + PLOT_W}" y2="{y:.2f}" '
                     f'stroke="#ddd"/><text x="{LEFT - 8}" y="{y + 4:.2f}" '
                     f'text-anchor="end">{byte_text(b)}</text>')
    parts.append(f'<text x="{LEFT + PLOT_W / 2}" y="{bottom + 40}" text-anchor="middle">'
                 f'step (kernel call), 0..{steps - 1}</text>')
    parts.append(f'<text x="14" y="{TOP + PLOT_H / 2}" text-anchor="middle" '
                 f'transform="rotate(-90 14 {TOP + PLOT_H / 2})">address in the {memory} '
                 f'(0..{byte_text(top)})</text>')
    return parts


def _legend(rects: Sequence[Rect]) -> list[str]:
    x = LEFT + PLOT_W + 24
    largest = sorted(range(len(rects)), key=lambda n: -rects[n].size)[:LEGEND_ROWS]
    head = (f"the {len(largest)} largest of {len(rects)} buffers" if len(rects) > len(largest)
            else f"{len(rects)} buffer{'s' if len(rects) != 1 else ''}")
    parts = [f'<g class="legend"><text x="{x}" y="{TOP + 4}" font-weight="bold">{head}'
             '</text>']
    for row, n in enumerate(largest):
        r = rects[n]
        y = TOP + 20 + 17 * row
        text = f"{r.label}{f' ← {r.producer}' if r.producer else ''}"
        text = text if len(text) <= 34 else text[:33] + "…"
        parts.append(f'<rect x="{x}" y="{y - 9}" width="11" height="11" '
                     f'fill="{colour(n, r.loaded)}" stroke="#333" stroke-width="0.5"/>'
                     f'<text x="{x + 16}" y="{y}">{html.escape(text)}</text>'
                     f'<text x="{x + LEGEND_W - 4}" y="{y}" text-anchor="end" fill="#555">'
                     f'{byte_text(r.size)}</text>')
    parts.append("</g>")
    return parts


def _label(name: str) -> str:
    return name.removeprefix("%")


def _producers(graph: KernelGraph, order: Sequence[int]) -> dict[int, str]:
    found: dict[int, str] = {}
    for k in order:
        for t in graph.ops[k].writes:
            found.setdefault(t, graph.ops[k].name)
    return found


def arena_svg(graph: KernelGraph, plan: ArenaPlan, title: str = "") -> str:
    ranges = graph.live_ranges(plan.order,
                               {i: plan.order.index(k) for i, k in plan.inplace.items()})
    made = _producers(graph, plan.order)
    rects = [Rect(_label(graph.tensors[t].name), made.get(t, ""), *ranges[t], off,
                  graph.tensors[t].nbytes) for t, off in plan.offsets.items()]
    return draw(rects, len(plan.order), plan.arena_bytes,
                title or f"{plan.method}: arena {plan.arena_bytes} bytes")


def scratchpad_svg(graph: KernelGraph, plan: ScratchpadPlan, title: str = "") -> str:
    """Every residency segment (retrieved ones dashed), the budget, and every spill and
    reload (`transfers`) as a triangle; the title counts them."""
    made = _producers(graph, plan.order)
    rects = [Rect(_label(graph.tensors[s.tensor].name), made.get(s.tensor, ""), s.first, s.last,
                  s.offset, graph.tensors[s.tensor].nbytes, s.loaded) for s in plan.segments]
    moves = [Move(m.kind, _label(graph.tensors[m.tensor].name), m.step, m.offset,
                  graph.tensors[m.tensor].nbytes) for m in transfers(graph, plan.segments)]
    counts = ", ".join(f"{sum(m.kind == kind for m in moves)} {kind}s "
                       f"({byte_text(sum(m.size for m in moves if m.kind == kind))})"
                       for kind in ("spill", "reload"))
    return draw(rects, len(plan.order), plan.budget,
                title or f"{plan.method}: budget {byte_text(plan.budget)}, "
                         f"{plan.offchip_bytes} non-compulsory off-chip bytes; {counts}",
                plan.budget, "scratchpad", moves)


def program_svg(program: Any, title: str = "") -> str:
    """The arena of a compiled `Program`, from its steps and buffers (and the buffer names
    its meta records, where it does)."""
    names: list[str] = program.meta.get("buffer_names", [])
    first: dict[int, int] = {}
    last: dict[int, int] = {}
    made: dict[int, str] = {}
    for index, step in enumerate(program.steps):
        for b in step.args:
            first.setdefault(b, index)
            last[b] = index
        if step.args:
            made.setdefault(step.args[-1], step.kernel)
    rects = [Rect(names[buf.id] if buf.id < len(names) else f"buffer {buf.id}",
                  made.get(buf.id, ""), first[buf.id], last[buf.id], buf.offset, buf.nbytes)
             for buf in program.buffers if buf.kind == "arena" and buf.id in first]
    return draw(rects, len(program.steps), program.arena_bytes,
                title or f"arena {byte_text(program.arena_bytes)}, {len(rects)} buffers")
