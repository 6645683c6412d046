"""Thumbs-down feedback from the chat -> draft cases for the content team to review."""

from __future__ import annotations

import json

DRAFT_NOTE = "DRAFT from patient feedback: set expected_status and facts, then remove \"draft\"."


def question_key(question: str) -> str:
    """Questions that differ only in case or spacing are one case."""
    return " ".join(question.casefold().split())


def drafts_from_feedback(records: list[dict], existing_ids: set[str],
                         existing_questions: set[str] = frozenset()) -> list[dict]:
    """One draft case per question whose answer is currently rated down (pass each answer's
    current rating: `FeedbackStore.current()`), never one already drafted or already a case
    (by id 'feedback-<row id>' or by question)."""
    drafts = []
    seen = {question_key(q) for q in existing_questions}
    for r in records:
        case_id = f"feedback-{r['id']}"
        key = question_key(r["question"])
        if r["rating"] != "down" or case_id in existing_ids or not key or key in seen:
            continue
        seen.add(key)
        note = DRAFT_NOTE + f" The bot said ({r['status']}): {r['answer'][:300]}"
        if r.get("comment"):
            note += f" Patient comment: {r['comment']}"
        drafts.append({"id": case_id, "category": "from-feedback", "question": r["question"],
                       "expected_status": "review", "draft": True, "notes": note,
                       "owner": "content team"})
    return drafts


def to_jsonl(cases: list[dict]) -> str:
    return "".join(json.dumps(c, ensure_ascii=False) + "\n" for c in cases)
