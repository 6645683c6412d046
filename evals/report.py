"""Run folders: report.json (machine), results.csv (a row per case), report.html (people)."""

from __future__ import annotations

import csv
import html
import json
from pathlib import Path

STYLE = """body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;
color:#1b1b1b}table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;
padding:.3em .6em;text-align:left;vertical-align:top}.fail{color:#9b0000;font-weight:600}
.pass{color:#0a6b2a}.case{border:1px solid #ddd;border-radius:6px;padding:.6em 1em;margin:1em 0}
blockquote{margin:.3em 0 .3em 1em;color:#333;border-left:3px solid #99b;padding-left:.6em}
pre{white-space:pre-wrap}"""


def write_run(folder: Path, meta: dict, summary: dict, cases: list[dict]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    report = {"meta": meta, "summary": summary, "cases": cases}
    (folder / "report.json").write_text(json.dumps(report, ensure_ascii=False, indent=2))
    write_csv(folder / "results.csv", cases)
    (folder / "report.html").write_text(render_html(report), encoding="utf-8")
    return folder


def write_csv(path: Path, cases: list[dict]) -> None:
    names = sorted({m["name"] for c in cases for m in c["metrics"]})
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["id", "category", "question", "expected_status", "status", "passed",
                         "latency_ms", *names, "why_failed", "answer"])
        for c in cases:
            by_name = {m["name"]: m for m in c["metrics"]}
            writer.writerow([
                c["id"], c["category"], c["question"][:300], c["expected_status"],
                c["answer"]["status"], c["passed"], c["latency_ms"],
                *[by_name[n]["value"] if n in by_name else "" for n in names],
                " | ".join(m["reason"] for m in c["metrics"] if not m["passed"]),
                c["answer"]["answer"],
            ])


def load_report(path: Path) -> dict:
    path = Path(path)
    return json.loads((path / "report.json" if path.is_dir() else path).read_text())


def _e(value) -> str:
    return html.escape(str(value))


def bar_chart(categories: dict) -> str:
    """Pass rate per category as an inline SVG (the report works offline)."""
    rows = list(categories.items())
    height = 26 * len(rows) + 10
    bars = []
    for i, (name, figures) in enumerate(rows):
        y = 5 + 26 * i
        width = 400 * figures["pass_rate"]
        colour = "#2e7d32" if figures["pass_rate"] == 1 else "#c62828"
        bars.append(
            f'<text x="0" y="{y + 16}" font-size="13">{_e(name)}</text>'
            f'<rect x="170" y="{y}" width="{width:.1f}" height="20" fill="{colour}"/>'
            f'<text x="{175 + width:.1f}" y="{y + 16}" font-size="13">'
            f'{figures["passed"]}/{figures["cases"]}</text>')
    return (f'<svg role="img" aria-label="Pass rate per category" width="640" '
            f'height="{height}" xmlns="http://www.w3.org/2000/svg">{"".join(bars)}</svg>')


def _case_html(c: dict) -> str:
    answer = c["answer"]
    turns = "".join(f"<li>{_e(t[:500])}</li>" for t in c["turns"])
    reasons = "".join(
        f'<li class="{"pass" if m["passed"] else "fail"}">{_e(m["name"])}: '
        f'{_e(m["reason"])}</li>' for m in c["metrics"])
    cites = "".join(
        f"<blockquote>[{_e(x['n'])}] <b>{_e(x['section'])}</b>: {_e(x['quote'])}</blockquote>"
        for x in answer.get("citations", []))
    return (f'<div class="case" id="{_e(c["id"])}"><h3>{_e(c["id"])} '
            f'<small>({_e(c["category"])}, cases line {_e(c["line"])})</small></h3>'
            f"<p>Patient wrote:</p><ol>{turns}</ol>"
            f"<p>Expected <b>{_e(c['expected_status'])}</b>, got "
            f"<b>{_e(answer['status'])}</b>:</p><pre>{_e(answer['answer'])}</pre>{cites}"
            f"<p>Why:</p><ul>{reasons}</ul>"
            + (f"<p>Notes: {_e(c['notes'])}</p>" if c.get("notes") else "") + "</div>")


def render_html(report: dict) -> str:
    summary, cases = report["summary"], report["cases"]
    overall = summary["overall"]
    failing = [c for c in cases if not c["passed"]]
    rows = "".join(f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in overall.items())
    cat_rows = "".join(
        f"<tr><td>{_e(name)}</td><td>{f['passed']}/{f['cases']}</td>"
        f"<td>{f['pass_rate']:.0%}</td></tr>" for name, f in summary["categories"].items())
    all_rows = "".join(
        f'<tr><td><a href="#{_e(c["id"])}">{_e(c["id"])}</a></td><td>{_e(c["category"])}</td>'
        f'<td>{_e(c["question"][:120])}</td><td>{_e(c["answer"]["status"])}</td>'
        f'<td class="{"pass" if c["passed"] else "fail"}">'
        f'{"pass" if c["passed"] else "FAIL"}</td></tr>' for c in cases)
    meta = report.get("meta", {})
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Answer-quality report</title><style>{STYLE}</style></head><body>
<h1>Answer-quality report</h1>
<p>{_e(meta.get('started', ''))} · {_e(meta.get('cases_file', ''))} ·
answerer {_e(meta.get('generator', 'extractive'))}</p>
<h2>Summary: {overall['passed']} of {overall['cases']} cases pass ({overall['pass_rate']:.0%})</h2>
{'<p class="fail">Gate: ' + _e('; '.join(meta['gate'])) + '</p>' if meta.get('gate') else ''}
<table>{rows}</table>
<h2>Pass rate per category</h2>{bar_chart(summary['categories'])}
<table><tr><th>category</th><th>passed</th><th>rate</th></tr>{cat_rows}</table>
<h2>Pass rate per answer path</h2><table><tr><th>generator</th><th>passed</th></tr>
{''.join(f"<tr><td>{_e(g)}</td><td>{f['passed']}/{f['cases']}</td></tr>"
         for g, f in summary.get('generators', {}).items())}</table>
<h2>Failing cases ({len(failing)})</h2>
{''.join(_case_html(c) for c in failing) or '<p>None.</p>'}
<h2>All cases</h2><table><tr><th>id</th><th>category</th><th>question</th><th>status</th>
<th>result</th></tr>{all_rows}</table>
<details><summary>Passing cases in full</summary>
{''.join(_case_html(c) for c in cases if c['passed'])}</details>
</body></html>"""
