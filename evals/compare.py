"""Compare two runs case by case: what got worse, what got better."""

from __future__ import annotations

import html
from dataclasses import dataclass


@dataclass(frozen=True)
class Comparison:
    regressions: list[dict]
    improvements: list[dict]
    status_changes: list[dict]
    added: list[str]
    removed: list[str]

    @property
    def regression_ids(self) -> list[str]:
        return [r["id"] for r in self.regressions]

    def text(self) -> str:
        lines = [f"{len(self.regressions)} regression(s), {len(self.improvements)} "
                 f"improvement(s), {len(self.added)} new case(s), {len(self.removed)} removed."]
        for title, rows in (("Regressions", self.regressions),
                            ("Improvements", self.improvements)):
            for r in rows:
                lines.append(f"  {title[:-1].lower()}: {r['id']} ({r['category']}): "
                             f"{r['old_status']} -> {r['new_status']}; {r['why']}")
        return "\n".join(lines)


def compare(old: dict, new: dict) -> Comparison:
    before = {c["id"]: c for c in old["cases"]}
    after = {c["id"]: c for c in new["cases"]}
    regressions, improvements, changes = [], [], []
    for cid, c in after.items():
        o = before.get(cid)
        if o is None:
            continue
        row = {"id": cid, "category": c["category"], "question": c["question"][:200],
               "old_status": o["answer"]["status"], "new_status": c["answer"]["status"],
               "why": "; ".join(m["reason"] for m in c["metrics"] if not m["passed"])
               or "all metrics pass"}
        if o["passed"] and not c["passed"]:
            regressions.append(row)
        elif c["passed"] and not o["passed"]:
            improvements.append(row)
        if row["old_status"] != row["new_status"]:
            changes.append(row)
    return Comparison(regressions, improvements, changes,
                      sorted(set(after) - set(before)), sorted(set(before) - set(after)))


def render_html(comparison: Comparison, old_name: str, new_name: str) -> str:
    def table(rows):
        if not rows:
            return "<p>None.</p>"
        body = "".join(
            f"<tr><td>{html.escape(r['id'])}</td><td>{html.escape(r['category'])}</td>"
            f"<td>{html.escape(r['question'])}</td><td>{html.escape(r['old_status'])} → "
            f"{html.escape(r['new_status'])}</td><td>{html.escape(r['why'])}</td></tr>"
            for r in rows)
        return ("<table><tr><th>id</th><th>category</th><th>question</th><th>status</th>"
                f"<th>now</th></tr>{body}</table>")

    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Comparison</title><style>body{{font-family:system-ui,sans-serif;margin:2em}}
td,th{{border:1px solid #ccc;padding:.3em .6em}}table{{border-collapse:collapse}}</style></head>
<body><h1>{html.escape(old_name)} → {html.escape(new_name)}</h1>
<h2>Regressions ({len(comparison.regressions)})</h2>{table(comparison.regressions)}
<h2>Improvements ({len(comparison.improvements)})</h2>{table(comparison.improvements)}
<h2>Status changes ({len(comparison.status_changes)})</h2>{table(comparison.status_changes)}
<p>New cases: {html.escape(', '.join(comparison.added) or 'none')}.
Removed cases: {html.escape(', '.join(comparison.removed) or 'none')}.</p></body></html>"""
