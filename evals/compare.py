"""Compare two runs case by case: what got worse, what got better (the page: evals.viewer)."""

from __future__ import annotations

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

