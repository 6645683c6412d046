"""Patients' thumbs up/down, kept in SQLite for the content team.

Stores the question, the answer, its citations, status, rating, comment and time — nothing else
about the person. Every rating is a new row (the history is kept); an answer's *current*
rating is its newest row (`current()`), and a comment is written onto the rating it follows.
Writing never breaks the chat: a database locked by another writer is retried for a few
seconds; a failure is then logged and reported as False (the chat tells the patient).
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
    comment TEXT,
    answer_id TEXT
)"""
# Databases written before ratings knew their answer get the column on first use.
COLUMNS = {"answer_id": "TEXT"}
MAX_COMMENT_CHARS = 1000


@dataclass(frozen=True)
class FeedbackRecord:
    question: str
    answer: str
    citations: list
    status: str
    rating: str
    comment: str = ""
    answer_id: str = ""  # the same for every rating of one shown answer


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
        """Append one rating; False (and an error in the log) if it could not be stored."""
        return self._write(lambda db: self._insert(db, record))

    def comment(self, answer_id: str, text: str) -> bool:
        """Attach a comment to the answer's current rating; False if there is none or the
        database cannot be written."""
        if not answer_id:
            return False
        return self._write(lambda db: db.execute(
            "UPDATE feedback SET comment = ? WHERE id = (SELECT MAX(id) FROM feedback"
            " WHERE answer_id = ?)", ((text or "")[:MAX_COMMENT_CHARS] or None, answer_id)
        ).rowcount == 1)

    def _write(self, action) -> bool:
        """Run `action(db)` in one transaction, retrying a locked database."""
        deadline = time.monotonic() + self.retry_for_s
        attempts = 0
        while True:
            attempts += 1
            try:
                done = self._transaction(action)
                if attempts > 1:
                    log.info("Feedback stored at %s after %d attempts", self.path, attempts)
                return done is not False
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

    def _transaction(self, action):
        self.path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self.path, timeout=self.busy_timeout_s)
        try:
            with db:
                _ensure_schema(db)
                return action(db)
        finally:
            db.close()  # `with db` commits; it does not close

    @staticmethod
    def _insert(db, record: FeedbackRecord) -> None:
        db.execute(
            "INSERT INTO feedback (created_at, question, answer, citations, status,"
            " rating, comment, answer_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), record.question,
             record.answer, json.dumps(record.citations, ensure_ascii=False),
             record.status, record.rating,
             (record.comment or "")[:MAX_COMMENT_CHARS] or None, record.answer_id or None),
        )

    def all(self) -> list[dict]:
        """Every rating ever given, oldest first (the history)."""
        return self._read("SELECT * FROM feedback ORDER BY id")

    def current(self) -> list[dict]:
        """Each answer's current rating (its newest), with its comment, oldest first; a row
        from before ratings knew their answer stands alone."""
        return self._read(
            "SELECT * FROM feedback WHERE answer_id IS NULL OR id IN"
            " (SELECT MAX(id) FROM feedback GROUP BY answer_id) ORDER BY id")

    def _read(self, query: str) -> list[dict]:
        if not self.path.exists():
            return []
        db = sqlite3.connect(self.path)
        try:
            with db:
                _ensure_schema(db)
            db.row_factory = sqlite3.Row
            return [dict(row) for row in db.execute(query)]
        finally:
            db.close()


def _ensure_schema(db) -> None:
    db.execute(SCHEMA)
    have = {row[1] for row in db.execute("PRAGMA table_info(feedback)")}
    for column, kind in COLUMNS.items():
        if column not in have:
            db.execute(f"ALTER TABLE feedback ADD COLUMN {column} {kind}")
