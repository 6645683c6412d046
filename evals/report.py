"""Run folders: report.json (machine), results.csv (a row per question), report.html (people)."""

from __future__ import annotations

import json
from pathlib import Path

from evals import trend, viewer
from evals.results_csv import write_csv


def write_run(folder: Path, meta: dict, summary: dict, cases: list[dict],
              baseline: dict | None = None) -> Path:
    """Write the three files; the page compares with `baseline` when given and charts the
    figures of the runs kept beside `folder`."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    report = {"meta": meta, "summary": summary, "cases": cases}
    (folder / "report.json").write_text(json.dumps(report, ensure_ascii=False, indent=2),
                                        encoding="utf-8")
    write_csv(folder / "results.csv", cases)
    kind = trend.kind_of(summary)
    points = trend.points(folder.parent, kind, until=meta.get("started"))
    page = viewer.render(report, baseline, old_name="baseline", new_name="this run",
                         trend_svg=trend.svg(points, kind) if len(points) > 1 else "")
    (folder / "report.html").write_text(page, encoding="utf-8")
    return folder


def load_report(path: Path) -> dict:
    path = Path(path)
    return json.loads((path / "report.json" if path.is_dir() else path).read_text(
        encoding="utf-8"))
