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
                            "rating", "comment", "answer_id"}


def _rated(rating: str, answer_id: str, question: str = "How fast?") -> FeedbackRecord:
    return FeedbackRecord(question, "One to five days [1]", [], "answered", rating,
                          answer_id=answer_id)


def test_a_later_rating_replaces_the_earlier_and_the_history_is_kept(tmp_path):
    store = FeedbackStore(tmp_path / "fb.sqlite3")
    assert store.add(_rated("down", "a1"))
    assert store.comment("a1", "I wanted my next dose")
    assert store.add(_rated("up", "a1"))
    assert store.add(_rated("down", "a2", "Other?"))
    assert [(r["answer_id"], r["rating"], r["comment"]) for r in store.all()] == [
        ("a1", "down", "I wanted my next dose"), ("a1", "up", None), ("a2", "down", None)]
    assert [(r["answer_id"], r["rating"]) for r in store.current()] == [("a1", "up"),
                                                                       ("a2", "down")]


def test_a_comment_attaches_to_the_current_rating_only(tmp_path):
    store = FeedbackStore(tmp_path / "fb.sqlite3")
    assert store.comment("nothing-rated", "hello") is False
    assert store.add(_rated("up", "a1")) and store.add(_rated("down", "a1"))
    assert store.comment("a1", "too vague")
    assert [r["comment"] for r in store.all()] == [None, "too vague"]
    assert [r["comment"] for r in store.current()] == ["too vague"]


def test_a_database_from_before_answer_ids_is_upgraded(tmp_path):
    path = tmp_path / "fb.sqlite3"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE feedback (id INTEGER PRIMARY KEY AUTOINCREMENT, created_at TEXT"
                   " NOT NULL, question TEXT NOT NULL, answer TEXT NOT NULL, citations TEXT NOT"
                   " NULL, status TEXT NOT NULL, rating TEXT NOT NULL, comment TEXT)")
        db.execute("INSERT INTO feedback (created_at, question, answer, citations, status,"
                   " rating) VALUES ('t', 'old?', 'a', '[]', 'answered', 'down')")
    db.close()
    store = FeedbackStore(path)
    assert store.add(_rated("up", "a1"))
    assert [(r["question"], r["answer_id"]) for r in store.current()] == [("old?", None),
                                                                         ("How fast?", "a1")]


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
