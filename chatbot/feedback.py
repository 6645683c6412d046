"""Patients' thumbs up/down, kept append-only in SQLite for the content team.

Stores the question, the answer, its citations, status, rating, comment and time — nothing else
about the person. Writing never breaks the chat: a database locked by another writer is retried
for a few seconds; a failure is then logged and reported as False (the chat tells the patient).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import sqlite3
import time
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
    """`busy_timeout_s`: how long one attempt waits for a lock; `retry_for_s`: how long to keep
    trying again after that, with short pauses, before reporting the record as not stored."""

    def __init__(self, path: Path, busy_timeout_s: float = 1.0, retry_for_s: float = 4.0,
                 sleep=time.sleep):
        self.path = Path(path)
        self.busy_timeout_s = busy_timeout_s
        self.retry_for_s = retry_for_s
        self._sleep = sleep

    def add(self, record: FeedbackRecord) -> bool:
        """Append one record; False (and an error in the log) if it could not be stored."""
        deadline = time.monotonic() + self.retry_for_s
        attempts = 0
        while True:
            attempts += 1
            try:
                self._insert(record)
                if attempts > 1:
                    log.info("Feedback stored at %s after %d attempts", self.path, attempts)
                return True
            except sqlite3.OperationalError as err:
                busy = "locked" in str(err) or "busy" in str(err)
                if not busy or time.monotonic() >= deadline:
                    log.error("Feedback not stored at %s after %d attempt(s): %s",
                              self.path, attempts, err)
                    return False
                self._sleep(min(0.1 * 2 ** attempts, 1.0))
            except (sqlite3.Error, OSError) as err:
                log.error("Feedback not stored at %s: %s", self.path, err)
                return False

    def _insert(self, record: FeedbackRecord) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self.path, timeout=self.busy_timeout_s)
        try:
            with db:
                db.execute(SCHEMA)
                db.execute(
                    "INSERT INTO feedback (created_at, question, answer, citations, status,"
                    " rating, comment) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), record.question,
                     record.answer, json.dumps(record.citations, ensure_ascii=False),
                     record.status, record.rating,
                     (record.comment or "")[:MAX_COMMENT_CHARS] or None),
                )
        finally:
            db.close()  # `with db` commits; it does not close

    def all(self) -> list[dict]:
        """Every record, oldest first (for review tools and tests)."""
        if not self.path.exists():
            return []
        with sqlite3.connect(self.path) as db:
            db.row_factory = sqlite3.Row
            db.execute(SCHEMA)
            return [dict(row) for row in db.execute("SELECT * FROM feedback ORDER BY id")]
