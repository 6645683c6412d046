"""The feedback store: append-only, and never breaks the chat when it cannot write."""

import logging
import sqlite3
import threading
import time

from chatbot.feedback import FeedbackRecord, FeedbackStore

RECORD = FeedbackRecord("How fast?", "One to five days [1]", [{"n": 1}], "answered", "down", "hm")


def test_records_are_appended(tmp_path):
    store = FeedbackStore(tmp_path / "fb.sqlite3")
    assert store.add(RECORD) and store.add(RECORD)
    rows = store.all()
    assert [r["id"] for r in rows] == [1, 2]
    assert rows[0]["comment"] == "hm" and rows[0]["citations"] == '[{"n": 1}]'
    assert set(rows[0]) == {"id", "created_at", "question", "answer", "citations", "status",
                            "rating", "comment"}


def test_an_unwritable_store_is_logged_not_raised(tmp_path, caplog):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    store = FeedbackStore(blocker / "fb.sqlite3")
    with caplog.at_level(logging.ERROR):
        assert store.add(RECORD) is False
    assert "Feedback not stored" in caplog.text


def _lock(path):
    """Another writer holding the database's write lock."""
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN EXCLUSIVE")
    return holder


def test_a_briefly_locked_database_is_retried(tmp_path, caplog):
    path = tmp_path / "fb.sqlite3"
    store = FeedbackStore(path, busy_timeout_s=0.1, retry_for_s=10)
    assert store.add(RECORD)
    holder = _lock(path)
    threading.Timer(1.0, holder.rollback).start()
    with caplog.at_level(logging.INFO):
        assert store.add(RECORD)
    assert len(store.all()) == 2
    assert "after" in caplog.text and "attempts" in caplog.text
    holder.close()


def test_a_database_that_stays_locked_is_reported_in_bounded_time(tmp_path, caplog):
    path = tmp_path / "fb.sqlite3"
    store = FeedbackStore(path, busy_timeout_s=0.1, retry_for_s=0.8)
    assert store.add(RECORD)
    holder = _lock(path)
    started = time.monotonic()
    with caplog.at_level(logging.ERROR):
        assert store.add(RECORD) is False
    assert time.monotonic() - started < 3
    assert "Feedback not stored" in caplog.text and "locked" in caplog.text
    holder.rollback()
    holder.close()
    assert len(store.all()) == 1
