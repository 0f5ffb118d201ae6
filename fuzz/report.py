"""A campaign's results: `report.html` (self-contained, no network) and the JSON summary.

    summary(state, points)   -> {"seconds", "execs", "valid_rate", "coverage": {"points",
                                 "total"}, "timeline": [[seconds, points], ...], "bugs":
                                 [{"kind", "signature", "passes", "reproducer", "seconds"}]}
    write_html(path, state, points)

The HTML page has the coverage-over-time curve as an inline SVG, the execution counts, the
coverage each pass found (points first reached while it ran, how often it ran, how many
corpus entries it helped into the corpus) and the bug table, linking each bug's folder and
its `repro.sh`.
"""

from __future__ import annotations

import functools
import html
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from tcompiler.fuzz.coverage import Scope

STATE_VERSION = 1


@dataclass
class BugRecord:
    kind: str
    signature: str
    culprit: str
    passes: list[str]  # the reduced case's pipeline
    reproducer: str  # the bug's folder, relative to the campaign folder
    seconds: float  # campaign time when first found
    message: str = ""
    hits: int = 1

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class CampaignState:
    seconds: float = 0.0
    execs: int = 0
    valid: int = 0
    invalid: int = 0
    declined: int = 0
    discarded: int = 0
    corpus: int = 0  # entries written (the next entry's number)
    timeline: list[tuple[float, int]] = field(default_factory=list)
    pass_points: dict[str, int] = field(default_factory=dict)
    pass_runs: dict[str, int] = field(default_factory=dict)
    pass_found: dict[str, int] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    workers: dict[str, int] = field(default_factory=dict)  # host:pid -> executions
    bugs: list[BugRecord] = field(default_factory=list)
    total: int = 0  # executable lines in the coverage scope
    config: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["version"] = STATE_VERSION
        data["timeline"] = [[round(t, 3), n] for t, n in self.timeline]
        return data

    @staticmethod
    def from_json(data: dict[str, Any]) -> CampaignState:
        state = CampaignState(**{k: v for k, v in data.items()
                                 if k not in ("version", "bugs", "timeline")})
        state.timeline = [(float(t), int(n)) for t, n in data.get("timeline", [])]
        state.bugs = [BugRecord(**b) for b in data.get("bugs", [])]
        return state


@functools.cache
def coverage_total(plugin_dirs: tuple[str, ...] = ()) -> int:
    """Executable lines in the coverage scope (tcc, and the focused plug-ins)."""
    return Scope.for_tcc(plugin_dirs).total()


def summary(state: CampaignState, points: int) -> dict[str, Any]:
    return {
        "seconds": round(state.seconds, 3),
        "execs": state.execs,
        "valid_rate": round(state.valid / state.execs, 4) if state.execs else 0.0,
        "coverage": {"points": points, "total": state.total},
        "timeline": [[round(t, 3), n] for t, n in sorted(state.timeline)],
        "bugs": [{"kind": b.kind, "signature": b.signature, "passes": list(b.passes),
                  "reproducer": b.reproducer, "seconds": b.seconds} for b in state.bugs],
    }


# ----------------------------------------------------------------------------------- SVG


def coverage_svg(timeline: Sequence[Sequence[float]], total: int, width: int = 720,
                 height: int = 280) -> str:
    """Coverage points over campaign seconds, as a step curve with labelled axes."""
    points = sorted((float(t), float(n)) for t, n in timeline)
    left, bottom, right, top = 64, 36, 16, 16
    end_t = max([t for t, _ in points] + [1.0])
    end_n = max([n for _, n in points] + [1.0])
    w, h = width - left - right, height - top - bottom

    def x(t: float) -> float:
        return left + w * t / end_t

    def y(n: float) -> float:
        return top + h * (1 - n / end_n)

    path = f"M {x(0):.1f} {y(0):.1f}"
    last = 0.0
    for t, n in points:
        path += f" L {x(t):.1f} {y(last):.1f} L {x(t):.1f} {y(n):.1f}"
        last = n
    ticks = []
    for k in range(5):
        t, n = end_t * k / 4, end_n * k / 4
        ticks.append(f'<text x="{x(t):.1f}" y="{height - 12}" text-anchor="middle">'
                     f"{t:.0f}s</text>")
        ticks.append(f'<text x="{left - 6}" y="{y(n) + 4:.1f}" text-anchor="end">{n:.0f}</text>'
                     f'<line x1="{left}" x2="{width - right}" y1="{y(n):.1f}" y2="{y(n):.1f}" '
                     'stroke="#eee"/>')
    caption = f"coverage points over time (of {total} lines in scope)"
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'font-family="sans-serif" font-size="11">'
            f'<title>{html.escape(caption)}</title>{"".join(ticks)}'
            f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + h}" stroke="#333"/>'
            f'<line x1="{left}" y1="{top + h}" x2="{left + w}" y2="{top + h}" stroke="#333"/>'
            f'<path d="{path}" fill="none" stroke="#1f6fb2" stroke-width="2"/></svg>')


# ---------------------------------------------------------------------------------- HTML


def _table(head: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    cells = "".join(f"<th>{h}</th>" for h in head)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><tr>{cells}</tr>{body}</table>"


def write_html(path: Path, state: CampaignState, points: int) -> None:
    data = summary(state, points)
    e = html.escape
    counts = [("seconds", f"{state.seconds:.0f}"), ("executions", str(state.execs)),
              ("executions/s", f"{state.execs / state.seconds:.2f}" if state.seconds else "-"),
              ("valid", f"{data['valid_rate']:.1%}"), ("invalid (discarded)", str(state.invalid)),
              ("declined", str(state.declined)), ("no mutant", str(state.discarded)),
              ("coverage", f"{points} / {state.total} lines"), ("corpus", str(state.corpus)),
              ("bugs", str(len(state.bugs))), ("workers", str(len(state.workers)))]
    passes = sorted(set(state.pass_points) | set(state.pass_runs),
                    key=lambda p: -state.pass_points.get(p, 0))
    pass_rows = [(e(p), str(state.pass_points.get(p, 0)), str(state.pass_runs.get(p, 0)),
                  str(state.pass_found.get(p, 0))) for p in passes]
    bug_rows = [(e(b.kind), f"<code>{e(b.signature)}</code>", e(b.message),
                 f"<code>{e(','.join(b.passes))}</code>", f"{b.seconds:.0f}s", str(b.hits),
                 f'<a href="{e(b.reproducer)}/">folder</a> · '
                 f'<a href="{e(b.reproducer)}/repro.sh">repro.sh</a>') for b in state.bugs]
    errors = [(e(k), str(v)) for k, v in sorted(state.errors.items())]
    config = ", ".join(f"{k}={v}" for k, v in state.config.items())
    page = f"""<!doctype html>
<html><head><meta charset="utf-8"><title>tcc fuzz report</title>
<style>body{{font-family:sans-serif;margin:2em;max-width:1100px}}
table{{border-collapse:collapse;margin:1em 0}}td,th{{border:1px solid #ccc;padding:3px 8px;
text-align:left;vertical-align:top}}th{{background:#f4f4f4}}code{{font-size:90%}}</style>
</head><body>
<h1>tcc fuzz campaign</h1>
<p><small>{e(config)}</small></p>
{_table(["", ""], [(k, v) for k, v in counts])}
<h2>Coverage over time</h2>
{coverage_svg(data["timeline"], state.total)}
<h2>Bugs ({len(state.bugs)})</h2>
{_table(["kind", "signature", "message", "reduced pipeline", "found at", "hits", "reproducer"],
        bug_rows) if bug_rows else "<p>none found</p>"}
<h2>Coverage by pass</h2>
<p>Points first reached while the pass ran; runs on valid inputs; corpus entries it helped
admit (its weight in pass mutation grows with them).</p>
{_table(["pass", "new points", "runs", "corpus entries"], pass_rows)}
<h2>Skipped oracles and mutator errors</h2>
{_table(["what", "count"], errors) if errors else "<p>none</p>"}
</body></html>
"""
    path.write_text(page)
