"""Thumbs-down feedback from the chat -> draft cases for the content team to review."""

from __future__ import annotations

import json

DRAFT_NOTE = "DRAFT from patient feedback: set expected_status and facts, then remove \"draft\"."


def drafts_from_feedback(records: list[dict], existing_ids: set[str]) -> list[dict]:
    """One draft case per thumbs-down record not drafted before (ids 'feedback-<row id>')."""
    drafts = []
    for r in records:
        case_id = f"feedback-{r['id']}"
        if r["rating"] != "down" or case_id in existing_ids or not r["question"].strip():
            continue
        note = DRAFT_NOTE + f" The bot said ({r['status']}): {r['answer'][:300]}"
        if r.get("comment"):
            note += f" Patient comment: {r['comment']}"
        drafts.append({"id": case_id, "category": "from-feedback", "question": r["question"],
                       "expected_status": "review", "draft": True, "notes": note,
                       "owner": "content team"})
    return drafts


def to_jsonl(cases: list[dict]) -> str:
    return "".join(json.dumps(c, ensure_ascii=False) + "\n" for c in cases)
