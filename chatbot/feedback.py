"""Patients' thumbs up/down, kept append-only in SQLite for the content team.

Stores the question, the answer, its citations, status, rating, comment and time — nothing else
about the person. Writing never breaks the chat: a failure is logged and reported as False.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import sqlite3
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

SCHEMA = """CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at TEXT NOT NULL,
    question TEXT NOT NULL,
    answer TEXT NOT NULL,
    citations TEXT NOT NULL,
    status TEXT NOT NULL,
    rating TEXT NOT NULL CHECK (rating IN ('up', 'down')),
    comment TEXT
)"""
MAX_COMMENT_CHARS = 1000


@dataclass(frozen=True)
class FeedbackRecord:
    question: str
    answer: str
    citations: list
    status: str
    rating: str
    comment: str = ""


class FeedbackStore:
    def __init__(self, path: Path):
        self.path = Path(path)

    def add(self, record: FeedbackRecord) -> bool:
        """Append one record; False (and a log line) if it could not be stored."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with sqlite3.connect(self.path, timeout=2) as db:
                db.execute(SCHEMA)
                db.execute(
                    "INSERT INTO feedback (created_at, question, answer, citations, status,"
                    " rating, comment) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), record.question,
                     record.answer, json.dumps(record.citations, ensure_ascii=False),
                     record.status, record.rating,
                     (record.comment or "")[:MAX_COMMENT_CHARS] or None),
                )
            return True
        except (sqlite3.Error, OSError) as err:
            log.error("Feedback not stored at %s: %s", self.path, err)
            return False

    def all(self) -> list[dict]:
        """Every record, oldest first (for review tools and tests)."""
        if not self.path.exists():
            return []
        with sqlite3.connect(self.path) as db:
            db.row_factory = sqlite3.Row
            db.execute(SCHEMA)
            return [dict(row) for row in db.execute("SELECT * FROM feedback ORDER BY id")]
