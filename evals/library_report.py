"""Library run folders: report.json, results.csv and report.html with fit and holdout side by
side (offline, no script)."""

from __future__ import annotations

import csv
import html
import json
from pathlib import Path

from evals.library_metrics import FIGURES
from evals.report import STYLE, _case_html


def write_library_run(folder: Path, meta: dict, summary: dict, rows: list[dict]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    report = {"meta": meta, "summary": summary, "cases": rows}
    (folder / "report.json").write_text(json.dumps(report, ensure_ascii=False, indent=2),
                                        encoding="utf-8")
    _write_csv(folder / "results.csv", rows)
    (folder / "report.html").write_text(render_html(report), encoding="utf-8")
    return folder


def _write_csv(path: Path, rows: list[dict]) -> None:
    names = ["status", "fact_recall", "right_article", "sentence_precision", "sentence_recall"]
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["id", "article", "split", "category", "question", "expected_status",
                         "got_status", "correct", "latency_ms", *names, "why_failed"])
        for r in rows:
            by_name = {m["name"]: m for m in r["metrics"]}
            writer.writerow([
                r["id"], r["article"], r["split"], r["category"], r["question"][:300],
                r["expected_status"], r["answer"]["status"], r["passed"], r["latency_ms"],
                *[round(by_name[n]["value"], 3) if n in by_name else "" for n in names],
                " | ".join(m["reason"] for m in r["metrics"] if not m["passed"]),
            ])


def text_table(groups: dict[str, dict]) -> str:
    """Figures as a plain-text table, one column per group (fit, holdout, ...)."""
    names = list(groups)
    lines = [f"{'':<24}" + "".join(f"{n:>12}" for n in names)]
    for key in FIGURES:
        cells = []
        for n in names:
            value = groups[n].get(key)
            if value is None:
                cells.append(f"{'-':>12}")
            elif key == "cases" or key.endswith("_ms"):
                cells.append(f"{value:>12}")
            else:
                cells.append(f"{value:>12.1%}")
        lines.append(f"{key:<24}" + "".join(cells))
    return "\n".join(lines)


def _table(groups: dict[str, dict]) -> str:
    head = "".join(f"<th>{html.escape(n)}</th>" for n in groups)
    body = []
    for key, meaning in FIGURES.items():
        cells = []
        for figures in groups.values():
            value = figures.get(key)
            shown = ("–" if value is None else str(value) if key == "cases" or key.endswith("_ms")
                     else f"{value:.1%}")
            cells.append(f"<td>{shown}</td>")
        body.append(f"<tr><th title='{html.escape(key)}'>{html.escape(meaning)}</th>"
                    f"{''.join(cells)}</tr>")
    return f"<table><tr><th></th>{head}</tr>{''.join(body)}</table>"


def render_html(report: dict) -> str:
    summary, rows, meta = report["summary"], report["cases"], report.get("meta", {})
    failing = [r for r in rows if not r["passed"]]
    classes = "".join(f"<li>{html.escape(k)}: {v}</li>"
                      for k, v in meta.get("failure_classes", {}).items())
    categories = "".join(f"<h3>{html.escape(split)}</h3>{_table(groups)}"
                         for split, groups in summary["categories"].items())
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Library evals</title><style>{STYLE}</style></head><body>
<h1>Library evals: fit and holdout</h1>
<p>{html.escape(meta.get('started', ''))} · answerer {html.escape(meta.get('generator', ''))}
· holdout articles: {html.escape(', '.join(meta.get('holdout_articles', [])))}</p>
<p>Holdout questions are never used to choose anything; a large gap between fit and holdout
means the answerer is fitted to the questions it was tuned on.</p>
{'<p class="fail">Gate: ' + html.escape('; '.join(meta['gate'])) + '</p>' if meta.get('gate')
 else ''}
<h2>Fit and holdout</h2>{_table({**summary['splits'], 'all': summary['overall']})}
<h2>Per article</h2>{_table(summary['articles'])}
<h2>Per category</h2>{categories}
<h2>Failures by class</h2><ul>{classes or '<li>none</li>'}</ul>
<h2>Failing cases ({len(failing)})</h2>
{''.join(_case_html(r) for r in failing) or '<p>None.</p>'}
</body></html>"""
