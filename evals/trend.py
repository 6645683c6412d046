"""The pass rate and key figures across the runs kept in evals/runs/, as a small inline SVG."""

from __future__ import annotations

import html
import json
from dataclasses import dataclass
from pathlib import Path

from evals.figures import figure

PRODUCT, LIBRARY = "product", "library"
# What the chart draws for each kind of run: (label prefix, path into the run's summary).
SERIES = {
    PRODUCT: (("", ("overall", "pass_rate")), ("", ("overall", "status")),
              ("", ("overall", "fact_recall"))),
    LIBRARY: (("Fit: ", ("splits", "fit", "correct")),
              ("Holdout: ", ("splits", "holdout", "correct")),
              ("Fit: ", ("splits", "fit", "answered_correctly")),
              ("Holdout: ", ("splits", "holdout", "answered_correctly"))),
}
COLOURS = ("#1f5fa8", "#b8590b", "#2e7d32", "#7b1fa2")
MAX_RUNS = 30


@dataclass(frozen=True)
class Point:
    run: str
    started: str
    values: tuple[float | None, ...]


def kind_of(summary: dict) -> str:
    return LIBRARY if "splits" in summary else PRODUCT


def labels(kind: str) -> list[str]:
    return [prefix + figure(path[-1]).name for prefix, path in SERIES[kind]]


def _value(summary: dict, path: tuple[str, ...]) -> float | None:
    for key in path:
        summary = summary.get(key) if isinstance(summary, dict) else None
    return summary if isinstance(summary, int | float) else None


def points(runs_dir: Path, kind: str, until: str | None = None) -> list[Point]:
    """One point per whole run of this kind (not runs of one article or split), oldest first,
    the newest MAX_RUNS up to the run started at `until`."""
    found = []
    folders = sorted(p for p in Path(runs_dir).glob("*/report.json")
                     if p.parent.name.startswith("library-") == (kind == LIBRARY))
    # Folder names start with their time: read only the newest few (a library report is MBs).
    for path in folders[-2 * MAX_RUNS:]:
        try:
            report = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue  # a run still being written, or not a run
        meta, summary = report.get("meta", {}), report.get("summary", {})
        started = str(meta.get("started", ""))
        if kind_of(summary) != kind or meta.get("selection") or (until and started > until):
            continue
        found.append(Point(path.parent.name, started,
                           tuple(_value(summary, p) for _, p in SERIES[kind])))
    found.sort(key=lambda p: p.started)
    return found[-MAX_RUNS:]


def svg(points: list[Point], kind: str, width: int = 640, height: int = 200) -> str:
    """A line per figure, 0-100% high, one step per run; hover a dot for its value."""
    if not points:
        return ""
    left, right, top, bottom = 40, 10, 10, 24
    inner_w, inner_h = width - left - right, height - top - bottom
    step = inner_w / max(len(points) - 1, 1)

    def x(i: int) -> float:
        return left + (i * step if len(points) > 1 else inner_w / 2)

    def y(v: float) -> float:
        return top + inner_h * (1 - max(0.0, min(1.0, v)))

    parts = []
    for pct in (0, 25, 50, 75, 100):
        yy = y(pct / 100)
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{yy:.1f}" y2="{yy:.1f}" '
                     f'stroke="#ddd"/><text x="{left - 4}" y="{yy + 4:.1f}" font-size="11" '
                     f'text-anchor="end">{pct}%</text>')
    names = labels(kind)
    for s, name in enumerate(names):
        colour = COLOURS[s % len(COLOURS)]
        xy = [(x(i), y(p.values[s]), p) for i, p in enumerate(points) if p.values[s] is not None]
        if len(xy) > 1:
            line = " ".join(f"{a:.1f},{b:.1f}" for a, b, _ in xy)
            parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" '
                         f'points="{line}"/>')
        for a, b, p in xy:
            tip = f"{name}: {p.values[s]:.1%} ({p.started[:16].replace('T', ' ')}, {p.run})"
            parts.append(f'<circle cx="{a:.1f}" cy="{b:.1f}" r="3.5" fill="{colour}">'
                         f"<title>{html.escape(tip)}</title></circle>")
    first, last = (p.started[:16].replace("T", " ") for p in (points[0], points[-1]))
    parts.append(f'<text x="{left}" y="{height - 6}" font-size="11">{html.escape(first)}</text>'
                 f'<text x="{width - right}" y="{height - 6}" font-size="11" text-anchor="end">'
                 f"{html.escape(last)} · {len(points)} run(s)</text>")
    legend = "".join(f'<li><span class="swatch" style="background:{COLOURS[s % len(COLOURS)]}">'
                     f"</span>{html.escape(n)}</li>" for s, n in enumerate(names))
    return (f'<svg class="trend" role="img" aria-label="Figures across runs" width="{width}" '
            f'height="{height}" viewBox="0 0 {width} {height}">{"".join(parts)}</svg>'
            f'<ul class="legend">{legend}</ul>')
