"""results.csv: one row per question, one column per check, values rounded, one result column."""

from __future__ import annotations

import csv
from pathlib import Path

from evals.figures import figure

# The status check is the expected_status/status pair already; no third column for it.
_NOT_A_COLUMN = {"status"}


def columns(rows: list[dict]) -> list[str]:
    """The checks, in the order the runner made them."""
    names: list[str] = []
    for r in rows:
        names += [m["name"] for m in r["metrics"]
                  if m["name"] not in names and m["name"] not in _NOT_A_COLUMN]
    return names


def write_csv(path: Path, rows: list[dict]) -> None:
    names = columns(rows)
    where = [k for k in ("article", "split") if any(r.get(k) for r in rows)]
    with Path(path).open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["id", "category", *where, "question", "expected_status", "status",
                         "result", *names, "latency_ms", "why_failed", "answer"])
        for r in rows:
            by_name = {m["name"]: m for m in r["metrics"]}
            got = r["answer"]["status"]
            writer.writerow([
                r["id"], r["category"], *(r.get(k, "") for k in where), r["question"][:300],
                r["expected_status"], got, "pass" if r["passed"] else "fail",
                *(figure(n).rounded(by_name[n]["value"]) if n in by_name else "" for n in names),
                round(r["latency_ms"], 1),
                " | ".join(figure(m["name"]).why(r["expected_status"], got, m["reason"])
                           for m in r["metrics"] if not m["passed"]),
                r["answer"]["answer"],
            ])
